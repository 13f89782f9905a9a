package io.jipc.lock;

import io.jipc.internal.libc.Fcntl;
import io.jipc.internal.wait.Waiter;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What stands in a lock's way: {@code F_GETLK}/{@code F_OFD_GETLK} for record locks, {@code
 * /proc/locks} for flock (which has no such call), and, for {@code EDEADLK}, what the holder
 * itself waits for.
 */
final class Conflicts {
    private Conflicts() {}

    /**
     * Asks the kernel for the first lock in the way of a {@code wanted} lock of {@code kind} on
     * {@code range}; the answer stays in this thread's struct flock for {@link #recordHolder}.
     *
     * @return 0, or {@code -errno}
     */
    static int record(int fd, LockKind kind, LockType wanted, LockRange range) {
        MemorySegment s = FileLock.stage(Waiter.current(), wanted == LockType.SHARED ? Fcntl.F_RDLCK : Fcntl.F_WRLCK, range);
        return Fcntl.fcntl(fd, kind == LockKind.OFD ? Fcntl.F_OFD_GETLK : Fcntl.F_GETLK, s);
    }

    /** The lock {@link #record} found, and a process holding it; empty if nothing is in the way. */
    static Optional<LockHolder> recordHolder(int fd, FileKey key, Path path) {
        MemorySegment s = Waiter.current().scratch(Fcntl.FLOCK_SIZE);
        short lType = s.get(ValueLayout.JAVA_SHORT, Fcntl.L_TYPE);
        if (lType == Fcntl.F_UNLCK) {
            return Optional.empty();
        }
        int pid = s.get(ValueLayout.JAVA_INT, Fcntl.L_PID);
        long start = s.get(ValueLayout.JAVA_LONG, Fcntl.L_START);
        long len = s.get(ValueLayout.JAVA_LONG, Fcntl.L_LEN);
        // The kernel names no process for an OFD lock (pid -1): that is how one is told apart.
        ProcLocks.Line line = new ProcLocks.Line(pid == -1 ? LockKind.OFD : LockKind.POSIX,
                lType == Fcntl.F_RDLCK ? LockType.SHARED : LockType.EXCLUSIVE, pid, key, start,
                len == 0 ? -1 : start + len - 1, false);
        return Optional.of(LockTable.holderOf(line, path, fd));
    }

    /** The first other flock lock on the file that is in the way of {@code wanted}, from /proc/locks. */
    static Optional<LockHolder> flock(int fd, FileKey key, LockType wanted, Path path) throws IOException {
        // This description's own lock is on the list too: leave it out (once).
        List<ProcLocks.Line> own = ProcLocks.ofFdinfo(ProcLocks.readText(Path.of("/proc/self/fdinfo/" + fd)));
        ProcLocks.Line mine = null;
        for (ProcLocks.Line l : own) {
            if (l.kind() == LockKind.FLOCK) {
                mine = l;
            }
        }
        for (ProcLocks.Line l : ProcLocks.read()) {
            if (l.waiting() || l.kind() != LockKind.FLOCK || !l.file().equals(key)) {
                continue;
            }
            if (mine != null && l.sameLock(mine)) {
                mine = null;
                continue;
            }
            if (l.type().conflictsWith(wanted)) {
                return Optional.of(LockTable.holderOf(l, path, fd));
            }
        }
        return Optional.empty();
    }

    /**
     * EDEADLK for {@code wanted} on file {@code label}: names the lock in the way ({@code
     * holder}, if still seen) and what its holder waits for ({@code /proc/locks}).
     */
    static DeadlockException deadlock(String call, String label, LockRange wanted, LockHolder holder) {
        LockRange waitsFor = null;
        String waitsForText = null;
        if (holder != null && holder.pid().isPresent()) {
            try {
                long pid = holder.pid().getAsLong();
                long self = ProcessHandle.current().pid();
                List<ProcLocks.Line> lines = ProcLocks.read();
                for (ProcLocks.Line l : lines) {
                    if (!l.waiting() || l.kind() != LockKind.POSIX || l.pid() != pid) {
                        continue;
                    }
                    waitsFor = l.range();
                    boolean here = l.file().device() == holder.device() && l.file().inode() == holder.inode();
                    String by = null;
                    for (ProcLocks.Line h : lines) {
                        if (!h.waiting() && h.file().equals(l.file()) && h.range().overlaps(waitsFor)
                                && h.type().conflictsWith(l.type()) && h.pid() != pid) {
                            by = h.pid() == self ? "this process" : "process " + h.pid();
                            if (h.pid() == self) {
                                break;
                            }
                        }
                    }
                    waitsForText = waitsFor + (here ? "" : " of another file (" + l.file() + ")")
                            + (by == null ? "" : ", which " + by + " holds");
                    break;
                }
            } catch (IOException | RuntimeException e) {
                // what could not be read stays unnamed
            }
        }
        return new DeadlockException(call, label, wanted, holder, waitsFor, waitsForText);
    }
}
