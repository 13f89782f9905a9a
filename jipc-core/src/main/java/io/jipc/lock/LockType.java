package io.jipc.lock;

/**
 * Shared or exclusive: any number of shared locks on the same bytes may coexist, an exclusive
 * one excludes every other lock there. {@code /proc/locks} and fcntl call them read and write
 * locks ({@code F_RDLCK}, {@code F_WRLCK}); flock calls them {@code LOCK_SH} and {@code LOCK_EX}.
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/fcntl.2.html">fcntl(2)</a>
 * @see <a href="https://man7.org/linux/man-pages/man2/flock.2.html">flock(2)</a>
 */
public enum LockType {
    /** A read lock ({@code LOCK_SH}, {@code F_RDLCK}). */
    SHARED("READ"),
    /** A write lock ({@code LOCK_EX}, {@code F_WRLCK}). */
    EXCLUSIVE("WRITE");

    private final String procName;

    LockType(String procName) {
        this.procName = procName;
    }

    /** The name {@code /proc/locks} gives this type: {@code READ} or {@code WRITE}. */
    public String procName() {
        return procName;
    }

    /** Whether a lock of this type and one of {@code other} on the same bytes exclude each other. */
    public boolean conflictsWith(LockType other) {
        return this == EXCLUSIVE || other == EXCLUSIVE;
    }
}
