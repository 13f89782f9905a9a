package io.jipc.lock;

import io.jipc.IpcException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The file locks held on this system, from {@code /proc/locks}, with the processes that hold them
 * and the paths of their files where {@code /proc/PID/fd} shows them — what {@code lslocks(8)}
 * and {@code jipc locks} print.
 *
 * <pre>{@code
 * for (LockHolder h : LockTable.on(Path.of("/var/lib/app/state"))) {
 *     System.out.println(h);   // OFD exclusive lock on bytes 0..9 of /var/lib/app/state, held by process 1234 (worker)
 * }
 * }</pre>
 *
 * <p>One entry per lock and holding process: a POSIX lock is its process's; a flock or OFD lock
 * belongs to an open file description, and every process with a descriptor for it (found in
 * {@code /proc/PID/fdinfo}) is listed as a holder (see {@link LockHolder}). Requests still waiting
 * for a lock are not listed. The table is a snapshot: locks come and go while it is read.
 * Processes of other users can be inspected only with privilege; their locks are listed with
 * what {@code /proc/locks} alone says.
 *
 * @see <a href="https://man7.org/linux/man-pages/man5/proc.5.html">proc(5), /proc/locks</a>
 */
public final class LockTable {
    private LockTable() {}

    /** Every lock held on the system, ordered by file, then range, then pid. */
    public static List<LockHolder> all() throws IOException {
        return build(ProcLocks.read(), null, null);
    }

    /**
     * The locks held on the file {@code file} names (following symbolic links).
     *
     * @throws io.jipc.NotFoundException if there is no such file
     * @throws IpcException if it cannot be examined ({@code stat})
     */
    public static List<LockHolder> on(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        String p = file.toString();
        if (p.isEmpty() || p.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a path is non-empty and has no NUL character: \"" + p.replace('\0', '?') + "\"");
        }
        return on(FileKey.ofPath(p), file);
    }

    /** The locks on one file, whose path (if known) is reported as is. */
    static List<LockHolder> on(FileKey key, Path knownPath) throws IOException {
        return build(ProcLocks.read(), key, knownPath);
    }

    private static List<LockHolder> build(List<ProcLocks.Line> lines, FileKey only, Path knownPath) {
        List<ProcLocks.Line> held = new ArrayList<>();
        Set<FileKey> files = new HashSet<>();
        Set<Long> posixPids = new LinkedHashSet<>();
        boolean shared = false;
        for (ProcLocks.Line l : lines) {
            if (l.waiting() || (only != null && !l.file().equals(only))) {
                continue;
            }
            held.add(l);
            files.add(l.file());
            if (l.kind() == LockKind.POSIX) {
                posixPids.add(l.pid());
            } else {
                shared = true;
            }
        }
        // flock and OFD locks: every process's descriptors; POSIX only: their owners' (for paths).
        List<ProcScan.Opened> opened = ProcScan.scan(files, shared ? null : posixPids, shared);
        List<LockHolder> rows = new ArrayList<>();
        Map<ProcLocks.Line, Boolean> done = new LinkedHashMap<>();
        for (ProcLocks.Line l : held) {
            if (l.kind() == LockKind.POSIX) {
                rows.add(row(l, l.pid(), pathOf(l.file(), l.pid(), opened, knownPath)));
                continue;
            }
            // Identical lines (two descriptions holding the same shared lock) are one signature.
            ProcLocks.Line signature = null;
            for (ProcLocks.Line seen : done.keySet()) {
                if (seen.sameLock(l)) {
                    signature = seen;
                }
            }
            if (signature != null) {
                if (!done.get(signature)) {
                    rows.add(row(l, l.pid(), pathOf(l.file(), l.pid(), opened, knownPath)));
                }
                continue;
            }
            Set<Long> pids = new LinkedHashSet<>();
            for (ProcScan.Opened o : opened) {
                for (ProcLocks.Line own : o.locks()) {
                    if (own.sameLock(l) && pids.add(o.pid())) {
                        rows.add(row(l, o.pid(), knownPath != null ? knownPath : o.path()));
                    }
                }
            }
            done.put(l, !pids.isEmpty());
            if (pids.isEmpty()) {
                rows.add(row(l, l.pid(), pathOf(l.file(), l.pid(), opened, knownPath)));
            }
        }
        rows.sort(Comparator.comparing((LockHolder h) -> h.path().map(Path::toString).orElse("\uffff"))
                .thenComparingLong(LockHolder::device).thenComparingLong(LockHolder::inode)
                .thenComparingLong(h -> h.range().start()).thenComparingLong(h -> h.pid().orElse(Long.MAX_VALUE)));
        return rows;
    }

    /** A row for line {@code l} held by {@code pid} (none if not positive). */
    private static LockHolder row(ProcLocks.Line l, long pid, Path path) {
        OptionalLong p = pid > 0 ? OptionalLong.of(pid) : OptionalLong.empty();
        return new LockHolder(l.kind(), l.type(), l.range(), p, ProcScan.command(pid), Optional.ofNullable(path),
                l.file().device(), l.file().inode());
    }

    /**
     * The path of {@code file}: as given, else as {@code pid} opened it, else as anyone did, else
     * as {@code pid} maps it.
     */
    private static Path pathOf(FileKey file, long pid, List<ProcScan.Opened> opened, Path knownPath) {
        if (knownPath != null) {
            return knownPath;
        }
        Path any = null;
        for (ProcScan.Opened o : opened) {
            if (o.file().equals(file)) {
                if (o.pid() == pid) {
                    return o.path();
                }
                if (any == null) {
                    any = o.path();
                }
            }
        }
        return any != null ? any : ProcScan.mappedPath(pid, file);
    }

    /**
     * The lock {@code line} (from {@code /proc/locks} or {@code F_GETLK}) with a process holding
     * it: its own pid for POSIX, else the first process whose descriptor's description holds such
     * a lock, other than descriptor {@code exceptFd} of this process.
     */
    static LockHolder holderOf(ProcLocks.Line line, Path knownPath, int exceptFd) {
        if (line.kind() == LockKind.POSIX) {
            Path p = knownPath != null ? knownPath
                    : pathOf(line.file(), line.pid(), ProcScan.scan(Set.of(line.file()), List.of(line.pid()), false), null);
            return row(line, line.pid(), p);
        }
        long self = ProcessHandle.current().pid();
        for (ProcScan.Opened o : ProcScan.scan(Set.of(line.file()), null, true)) {
            if (o.pid() == self && o.fd() == exceptFd) {
                continue;
            }
            for (ProcLocks.Line own : o.locks()) {
                if (own.sameLock(line)) {
                    return row(line, o.pid(), knownPath != null ? knownPath : o.path());
                }
            }
        }
        return row(line, line.pid(), knownPath);
    }
}
