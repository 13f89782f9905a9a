package io.jipc.lock;

import io.jipc.internal.libc.Stat;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which processes have a descriptor open on some files, found in {@code /proc/PID/fd}, and what
 * locks each of those descriptors' open file descriptions holds ({@code /proc/PID/fdinfo}).
 * Processes that vanish during the scan, or that this process may not inspect, are skipped: the
 * answer is what could be seen.
 */
final class ProcScan {
    private ProcScan() {}

    private static final Path PROC = Path.of("/proc");

    /**
     * A descriptor on one of the files looked for.
     *
     * @param locks the locks its open file description holds (and, for POSIX locks, those this
     *              process took through it)
     */
    record Opened(long pid, int fd, FileKey file, Path path, List<ProcLocks.Line> locks) {}

    /**
     * The descriptors of {@code pids} (every process when null) open on one of {@code files}.
     *
     * @param readLocks whether to read each one's fdinfo lock lines
     */
    static List<Opened> scan(Set<FileKey> files, Collection<Long> pids, boolean readLocks) {
        List<Opened> found = new ArrayList<>();
        if (files.isEmpty()) {
            return found;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Stat.STAT.layout());
            MemorySegment name = a.allocate(64);
            for (long pid : pids != null ? pids : allPids()) {
                scanProcess(pid, files, readLocks, st, name, found);
            }
        }
        return found;
    }

    private static List<Long> allPids() {
        List<Long> pids = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(PROC)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (!n.isEmpty() && n.chars().allMatch(Character::isDigit)) {
                    pids.add(Long.parseLong(n));
                }
            }
        } catch (IOException | RuntimeException e) {
            // no /proc to read: nothing found
        }
        return pids;
    }

    private static void scanProcess(long pid, Set<FileKey> files, boolean readLocks, MemorySegment st,
                                    MemorySegment name, List<Opened> found) {
        Path fdDir = PROC.resolve(Long.toString(pid)).resolve("fd");
        List<Integer> fds = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(fdDir)) {
            for (Path p : ds) {
                try {
                    fds.add(Integer.parseInt(p.getFileName().toString()));
                } catch (NumberFormatException ignored) {
                    // not a descriptor
                }
            }
        } catch (IOException | RuntimeException e) {
            return; // gone, or not ours to look at
        }
        for (int fd : fds) {
            String link = "/proc/" + pid + "/fd/" + fd;
            byte[] bytes = link.getBytes(StandardCharsets.US_ASCII);
            MemorySegment.copy(bytes, 0, name, ValueLayout.JAVA_BYTE, 0, bytes.length);
            name.set(ValueLayout.JAVA_BYTE, bytes.length, (byte) 0);
            if (Stat.stat(name, st) < 0) {
                continue; // closed meanwhile, or a target we may not stat
            }
            FileKey key = FileKey.of(st);
            if (!files.contains(key)) {
                continue;
            }
            Path path;
            try {
                path = Files.readSymbolicLink(Path.of(link));
            } catch (IOException | RuntimeException e) {
                continue;
            }
            List<ProcLocks.Line> locks = List.of();
            if (readLocks) {
                try {
                    locks = ProcLocks.ofFdinfo(ProcLocks.readText(PROC.resolve(pid + "/fdinfo/" + fd)));
                } catch (IOException | RuntimeException e) {
                    continue;
                }
            }
            found.add(new Opened(pid, fd, key, path, locks));
        }
    }

    /**
     * The path of {@code file} as process {@code pid} maps it ({@code /proc/PID/maps}), or null:
     * a mapping keeps an open file description alive after its last descriptor closed, and with
     * it the flock and OFD locks on it (the JVM's own {@code hsperfdata} file is such a case).
     */
    static Path mappedPath(long pid, FileKey file) {
        if (pid <= 0) {
            return null;
        }
        try {
            for (String line : ProcLocks.readText(PROC.resolve(pid + "/maps")).split("\n")) {
                // address perms offset major:minor inode path
                String[] f = line.trim().split("\\s+", 6);
                if (f.length < 6) {
                    continue;
                }
                String[] dev = f[3].split(":");
                if (dev.length == 2 && Long.parseLong(f[4]) == file.inode()
                        && FileKey.of(Integer.parseInt(dev[0], 16), Integer.parseInt(dev[1], 16), file.inode()).equals(file)) {
                    return Path.of(f[5]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone, or not ours to look at
        }
        return null;
    }

    /** The name of process {@code pid} ({@code /proc/PID/comm}), if it can be read. */
    static Optional<String> command(long pid) {
        if (pid <= 0) {
            return Optional.empty();
        }
        try {
            String comm = new String(Files.readAllBytes(PROC.resolve(pid + "/comm")), StandardCharsets.UTF_8).strip();
            return comm.isEmpty() ? Optional.empty() : Optional.of(comm);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
