package io.jipc.lock;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A lock held on a file, and a process that holds it: what {@link FileLock#holder()} reports
 * for a conflict and what {@link LockTable} lists, one entry per holding process.
 *
 * <p>Who "holds" a lock depends on its kind. A POSIX lock belongs to one process, the one {@code
 * /proc/locks} names. flock and OFD locks belong to an open file description, which every process
 * with a descriptor for it shares (a child that inherited it, a process it was passed to): jipc
 * finds those processes in {@code /proc/PID/fdinfo}, where each descriptor lists its locks, and
 * reports each. {@code /proc/locks} itself names no process for an OFD lock, and for a flock lock
 * only the process that took it (0 once that process has exited), so a holder jipc may not look
 * at (another user's process, without privilege) has no pid here.
 *
 * @param kind    flock, POSIX or OFD
 * @param type    shared (READ) or exclusive (WRITE)
 * @param range   the bytes it covers (flock: the whole file)
 * @param pid     a process holding it; empty when none could be found (see above)
 * @param command that process's name ({@code /proc/PID/comm}), when known
 * @param path    the file's path as the holder opened it ({@code /proc/PID/fd}), or as asked for,
 *                when known; a file since removed reads {@code "... (deleted)"}
 * @param device  the file system's device number, as {@code stat(2)}'s {@code st_dev} gives it
 * @param inode   the file's inode number
 * @see <a href="https://man7.org/linux/man-pages/man2/fcntl.2.html">fcntl(2)</a>
 * @see <a href="https://man7.org/linux/man-pages/man5/proc.5.html">proc(5)</a>
 */
public record LockHolder(LockKind kind, LockType type, LockRange range, OptionalLong pid, Optional<String> command,
                         Optional<Path> path, long device, long inode) {
    public LockHolder {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(range, "range");
        Objects.requireNonNull(pid, "pid");
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(path, "path");
    }

    /** The file as {@code /proc/locks} names it: hexadecimal major:minor device, then inode ({@code fe:00:2146882}). */
    public String deviceAndInode() {
        return new FileKey(device, inode).toString();
    }

    /** Whether the holding process is this one. */
    public boolean isThisProcess() {
        return pid.isPresent() && pid.getAsLong() == ProcessHandle.current().pid();
    }

    /** {@code OFD exclusive lock on bytes 0..9, held by process 1234 (worker)}. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(kind.name()).append(' ').append(type.name().toLowerCase(java.util.Locale.ROOT))
                .append(" lock on ").append(range);
        path.ifPresent(p -> s.append(" of ").append(p));
        if (pid.isPresent()) {
            s.append(", held by process ").append(pid.getAsLong());
            command.ifPresent(c -> s.append(" (").append(c).append(')'));
        } else {
            s.append(", held by a process jipc cannot see");
        }
        return s.toString();
    }
}
