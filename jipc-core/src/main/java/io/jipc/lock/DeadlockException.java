package io.jipc.lock;

import io.jipc.Errno;
import io.jipc.IpcException;
import java.util.Optional;

/**
 * A POSIX record lock refused with {@code EDEADLK}: waiting for it would never end, because the
 * process holding the wanted bytes is itself waiting, directly or through other processes, for
 * bytes this process holds. The message names both: the range this process asked for and who
 * holds it, and the range that holder waits for. Nothing changed: this process keeps every lock
 * it had; release one of them (or give up) to let the other process go on.
 *
 * <p>Only POSIX locks are checked, and only across processes: the kernel keeps no such graph for
 * OFD or flock locks, whose waiters simply wait (use a lock order, or the timed forms).
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/fcntl.2.html">fcntl(2), EDEADLK</a>
 */
public final class DeadlockException extends IpcException {
    private static final long serialVersionUID = 1L;

    private final transient LockRange wanted;
    private final transient LockHolder holder;
    private final transient LockRange holderWaitsFor;

    /**
     * @param waitsFor what the holder waits for, in words ({@code "bytes 0..9, which this process
     *                 holds"}), or null if it was not seen waiting
     */
    DeadlockException(String call, String object, LockRange wanted, LockHolder holder, LockRange holderWaitsFor,
                      String waitsFor) {
        super(call, object, Errno.EDEADLK.number(), detail(wanted, holder, waitsFor) + " (" + Errno.EDEADLK.name() + ")");
        this.wanted = wanted;
        this.holder = holder;
        this.holderWaitsFor = holderWaitsFor;
    }

    private static String detail(LockRange wanted, LockHolder holder, String waitsFor) {
        StringBuilder s = new StringBuilder("waiting for ").append(wanted).append(" would deadlock: ");
        if (holder == null) {
            return s.append("their holder waits, directly or through other processes, for a lock this process holds")
                    .toString();
        }
        s.append("process ");
        s.append(holder.pid().isPresent() ? Long.toString(holder.pid().getAsLong()) : "?");
        holder.command().ifPresent(c -> s.append(" (").append(c).append(')'));
        s.append(" holds ").append(holder.range());
        if (waitsFor == null) {
            return s.append(" and waits, directly or through other processes, for a lock this process holds").toString();
        }
        return s.append(" and waits for ").append(waitsFor).toString();
    }

    /** The bytes this process asked for. */
    public LockRange wanted() {
        return wanted;
    }

    /** The lock in the way and its holder, as {@code F_GETLK} and {@code /proc/locks} showed them just after. */
    public Optional<LockHolder> holder() {
        return Optional.ofNullable(holder);
    }

    /** The bytes the holder waits for ({@code /proc/locks}), if it was still seen waiting. */
    public Optional<LockRange> holderWaitsFor() {
        return Optional.ofNullable(holderWaitsFor);
    }
}
