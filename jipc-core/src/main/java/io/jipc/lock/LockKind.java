package io.jipc.lock;

/**
 * The three kinds of Linux file lock. They differ in what they cover, who owns them, and when
 * they go away; only the last two see each other.
 *
 * <table>
 * <caption>What each kind is</caption>
 * <tr><th>kind</th><th>covers</th><th>owned by</th><th>released by</th></tr>
 * <tr><td>{@link #FLOCK}</td><td>the whole file</td><td>the open file description</td>
 *     <td>unlock, or the close of the last descriptor for that description</td></tr>
 * <tr><td>{@link #POSIX}</td><td>byte ranges</td><td>the process</td>
 *     <td>unlock, the close of <em>any</em> descriptor of the file by the process, or its exit</td></tr>
 * <tr><td>{@link #OFD}</td><td>byte ranges</td><td>the open file description</td>
 *     <td>unlock, or the close of the last descriptor for that description</td></tr>
 * </table>
 *
 * <p><b>flock and fcntl locks do not see each other</b> on local file systems: a file may be
 * flock-locked by one process and fcntl-locked (POSIX or OFD) by another at the same time. Use
 * the same kind as the programs you cooperate with ({@code flock(1)} and most shell scripts use
 * flock; {@code lockf(3)}, Python's {@code fcntl.lockf}, SQLite and Java's {@code
 * FileChannel.lock} use POSIX locks, which OFD locks do see). On NFS, Linux emulates flock with
 * fcntl locks, so there they do conflict. All three are advisory: they stop only other lockers,
 * never a plain read or write.
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/flock.2.html">flock(2)</a>
 * @see <a href="https://man7.org/linux/man-pages/man2/fcntl.2.html">fcntl(2), "Advisory record
 *     locking" and "Open file description locks"</a>
 */
public enum LockKind {
    /**
     * {@code flock(2)}: whole file, shared or exclusive, owned by the open file description, so
     * a child that inherits the descriptor shares the lock (as {@code flock(1)}'s command does).
     * Converting between shared and exclusive is not atomic: the held lock is dropped first, so
     * a conversion that must wait, or fails, leaves nothing held.
     */
    FLOCK("FLOCK"),
    /**
     * Classic POSIX record locks ({@code F_SETLK}, {@code F_SETLKW}, {@code F_GETLK}): byte
     * ranges owned by the <em>process</em>. Two threads of one process never conflict (their
     * ranges merge), and the process loses every POSIX lock it holds on a file as soon as it
     * closes <em>any</em> descriptor of that file — including one a library opened and closed
     * for a moment. Not inherited by children. Only this kind detects deadlocks ({@link
     * DeadlockException}). Use it to cooperate with programs that use it; otherwise prefer
     * {@link #OFD}.
     */
    POSIX("POSIX"),
    /**
     * Open file description locks ({@code F_OFD_SETLK}, {@code F_OFD_SETLKW}, {@code
     * F_OFD_GETLK}, Linux 3.15): byte ranges like POSIX locks, and they conflict with them, but
     * owned by the open file description. Two threads that each open the file are two owners
     * and exclude each other, and closing some other descriptor of the file changes nothing.
     * jipc's default. The kernel does not detect deadlocks between them: order your locks, or
     * use the timed forms.
     */
    OFD("OFDLCK");

    private final String procName;

    LockKind(String procName) {
        this.procName = procName;
    }

    /** The name {@code /proc/locks} gives this kind: {@code FLOCK}, {@code POSIX} or {@code OFDLCK}. */
    public String procName() {
        return procName;
    }

    /** Whether locks of this kind cover byte ranges (POSIX and OFD) rather than the whole file. */
    public boolean ranges() {
        return this != FLOCK;
    }
}
