package io.jipc.sem;

import static io.jipc.internal.libc.Errnos.EEXIST;
import static io.jipc.internal.libc.Errnos.ENOENT;

import io.jipc.IpcException;
import io.jipc.Perms;
import io.jipc.internal.PosixNames;
import io.jipc.internal.libc.Fcntl;
import io.jipc.internal.libc.Semaphore;
import io.jipc.internal.libc.Stat;
import io.jipc.internal.sem.SemT;
import io.jipc.internal.wait.Deadline;
import io.jipc.internal.wait.Handle;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * A POSIX named semaphore ({@code sem_open}): a counter shared by every process that opens the
 * same {@code /name} — C programs included — that {@link #acquire()} decrements, waiting while it
 * is 0, and {@link #release()} increments. Unlike a mutex it has no owner: any process may
 * release what another acquired, which makes it a signal between processes (post in one, wait in
 * the other) as much as a lock.
 *
 * <pre>{@code
 * try (var ready = PosixSemaphore.createOrOpen("/ready", PosixSemaphore.Options.defaults())) {
 *     ready.release();                                   // another process's acquire() returns
 *     boolean got = ready.tryAcquire(Duration.ofSeconds(1));
 * }
 * }</pre>
 *
 * <p><b>A process that dies keeps what it took.</b> The kernel does not know who decremented a
 * POSIX semaphore: a process killed between {@code acquire} and {@code release} leaves the value
 * one lower for good, and a pool guarded this way shrinks with every crash until everyone waits.
 * For permits that must come back when their holder dies, use {@link PermitPool} (a System V
 * semaphore with {@code SEM_UNDO}, which the kernel undoes at exit).
 *
 * <p><b>Blocking.</b> {@link #acquire()} waits until the value is above 0 (sem_wait), {@link
 * #tryAcquire()} never waits (sem_trywait), {@link #tryAcquire(Duration)} waits at most that long
 * (sem_clockwait on {@code CLOCK_MONOTONIC}, so setting the clock cannot stretch it). A waiting
 * thread sleeps in the kernel (FUTEX_WAIT) using no CPU; {@link #close()} from another thread and
 * {@link Thread#interrupt()} end the wait ({@link io.jipc.ObjectClosedException}, {@link
 * io.jipc.IpcInterruptedException}). Acquire and release allocate nothing.
 *
 * <p><b>Lifetime.</b> The semaphore lives in {@code /dev/shm/sem.NAME} until {@link #unlink()}
 * and the last close. This object is glibc's mapping of it: {@link #close()} ({@code sem_close})
 * unmaps it once no call on it is in flight, and every later call throws {@link
 * io.jipc.ObjectClosedException} instead of touching unmapped memory. Thread-safe.
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/sem_overview.7.html">sem_overview(7)</a>
 */
public final class PosixSemaphore implements AutoCloseable {
    /** The largest value a POSIX semaphore holds on Linux (SEM_VALUE_MAX, 2147483647). */
    public static final int MAX_VALUE = Semaphore.SEM_VALUE_MAX;

    /**
     * How a semaphore is created: its value and permissions (defaults 0 and 0600). Both apply only
     * to a semaphore the call creates; an existing one keeps its own.
     *
     * @param initialValue 0 to {@link #MAX_VALUE}
     * @param mode         permissions, set exactly (the umask does not narrow them)
     * @see <a href="https://man7.org/linux/man-pages/man3/sem_open.3.html">sem_open(3)</a>
     */
    public record Options(int initialValue, Set<PosixFilePermission> mode) {
        public Options {
            checkInitialValue(initialValue);
            mode = Set.copyOf(Objects.requireNonNull(mode, "mode"));
        }

        /** Value 0, mode 0600. */
        public static Options defaults() {
            return new Options(0, Perms.DEFAULT);
        }

        /**
         * The value of a semaphore this call creates.
         *
         * @throws IllegalArgumentException if negative or above {@link #MAX_VALUE}
         */
        public Options withInitialValue(long value) {
            return new Options(checkInitialValue(value), mode);
        }

        /** Permissions for a semaphore this call creates. */
        public Options withMode(Set<PosixFilePermission> permissions) {
            return new Options(initialValue, permissions);
        }
    }

    private static int checkInitialValue(long value) {
        if (value < 0 || value > MAX_VALUE) {
            throw new IllegalArgumentException("a POSIX semaphore's value is 0.." + MAX_VALUE + " (SEM_VALUE_MAX), got "
                    + value);
        }
        return (int) value;
    }

    /** The mapping's life: sem_close once closed and no call is in flight. */
    private static final class Life extends Handle {
        private final MemorySegment sem;

        Life(String name, MemorySegment sem) {
            super(name, -1);
            this.sem = sem;
        }

        @Override
        protected void free() {
            Semaphore.sem_close(sem);
        }
    }

    private final String name;
    private final Life life;
    private final SemT calls;

    private PosixSemaphore(String name, MemorySegment sem) {
        this.name = name;
        this.life = new Life(name, sem);
        this.calls = new SemT(name, sem, life);
    }

    // ---------------------------------------------------------------- factories

    /**
     * Creates a new semaphore, failing if the name exists ({@code O_CREAT | O_EXCL}, so no other
     * process can slip one of its own in first).
     *
     * @throws IllegalArgumentException if the name is not a valid semaphore name (see {@link #checkName})
     * @throws io.jipc.AlreadyExistsException if a semaphore of that name exists
     * @see <a href="https://man7.org/linux/man-pages/man3/sem_open.3.html">sem_open(3)</a>
     */
    public static PosixSemaphore createExclusively(String name, Options options) throws IpcException {
        return open(name, options, Fcntl.O_CREAT | Fcntl.O_EXCL);
    }

    /** Creates a new semaphore with value 0 and mode 0600, failing if the name exists. */
    public static PosixSemaphore createExclusively(String name) throws IpcException {
        return createExclusively(name, Options.defaults());
    }

    /**
     * Opens the semaphore of that name, creating it with {@code options} if there is none ({@code
     * O_CREAT}). An existing semaphore keeps its value and mode.
     */
    public static PosixSemaphore createOrOpen(String name, Options options) throws IpcException {
        return open(name, options, Fcntl.O_CREAT);
    }

    /**
     * Opens an existing semaphore.
     *
     * @throws io.jipc.NotFoundException if there is no semaphore of that name
     * @throws io.jipc.PermissionDeniedException if its mode does not allow reading and writing
     */
    public static PosixSemaphore openExisting(String name) throws IpcException {
        return open(name, Options.defaults(), 0);
    }

    private static PosixSemaphore open(String name, Options o, int createFlags) throws IpcException {
        checkName(name);
        Objects.requireNonNull(o, "options");
        int mode = Perms.toMode(o.mode());
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cName = a.allocateFrom(name);
            long sem;
            boolean created = false;
            if ((createFlags & Fcntl.O_CREAT) == 0) {
                sem = Semaphore.sem_open(cName, 0, 0, 0);
            } else {
                // O_EXCL first, even for createOrOpen: only a call that knows it created the
                // semaphore may set its mode, and sem_open filters the mode through the umask.
                while (true) {
                    sem = Semaphore.sem_open(cName, Fcntl.O_CREAT | Fcntl.O_EXCL, mode, o.initialValue());
                    if (sem >= 0) {
                        created = true;
                        break;
                    }
                    if (sem != -EEXIST || (createFlags & Fcntl.O_EXCL) != 0) {
                        break;
                    }
                    sem = Semaphore.sem_open(cName, 0, 0, 0);
                    if (sem != -ENOENT) {
                        break; // opened, or refused; ENOENT: unlinked meanwhile, create again
                    }
                }
            }
            if (sem < 0) {
                throw IpcException.of("sem_open", name, (int) -sem);
            }
            MemorySegment mapped = MemorySegment.ofAddress(sem).reinterpret(Semaphore.SEM_T_SIZE);
            if (created) {
                // The mode asked for, exactly (the umask narrowed it; it was never wider).
                int r = Stat.chmod(a.allocateFrom(file(name)), mode);
                if (r < 0) {
                    Semaphore.sem_close(mapped);
                    Semaphore.sem_unlink(cName);
                    throw IpcException.of("chmod", file(name), -r);
                }
            }
            return new PosixSemaphore(name, mapped);
        }
    }

    /** Where glibc keeps the semaphore {@code name}: {@code /dev/shm/sem.} and the name after its slash. */
    static String file(String name) {
        return "/dev/shm/sem." + name.substring(1);
    }

    /**
     * Removes the semaphore's name ({@code sem_unlink}): nobody can open it any more; processes
     * that have it open keep using it until they close it.
     *
     * @throws io.jipc.NotFoundException if there is no semaphore of that name
     * @see <a href="https://man7.org/linux/man-pages/man3/sem_unlink.3.html">sem_unlink(3)</a>
     */
    public static void unlink(String name) throws IpcException {
        checkName(name);
        try (Arena a = Arena.ofConfined()) {
            int r = Semaphore.sem_unlink(a.allocateFrom(name));
            if (r < 0) {
                throw IpcException.of("sem_unlink", name, -r);
            }
        }
    }

    /** Removes this semaphore's name ({@link #unlink(String)}); this object stays usable until closed. */
    public void unlink() throws IpcException {
        unlink(name);
    }

    /**
     * Checks a semaphore name by the rules every POSIX IPC name follows: a leading slash, then 1
     * to 255 bytes (NAME_MAX, in UTF-8) with no further slash and no NUL, and neither {@code .}
     * nor {@code ..}.
     *
     * @throws IllegalArgumentException saying what is wrong and what is allowed
     */
    public static void checkName(String name) {
        PosixNames.check(name, "semaphore", "/pool");
        // glibc keeps it as "sem." + the name in /dev/shm, whose NAME_MAX the prefix counts against.
        int bytes = name.substring(1).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (bytes > PosixNames.NAME_MAX - 4) {
            throw new IllegalArgumentException("semaphore name is " + bytes + " bytes after the slash, more than "
                    + (PosixNames.NAME_MAX - 4) + " (glibc stores it as /dev/shm/sem.NAME, and NAME_MAX is "
                    + PosixNames.NAME_MAX + ")");
        }
    }

    // ---------------------------------------------------------------- acquire

    /**
     * Decrements the value, waiting while it is 0 ({@code sem_wait}).
     *
     * @throws io.jipc.ObjectClosedException if this object is closed, before or during the wait
     * @throws io.jipc.IpcInterruptedException if the thread is interrupted while it waits
     * @see <a href="https://man7.org/linux/man-pages/man3/sem_wait.3.html">sem_wait(3)</a>
     */
    public void acquire() throws IpcException {
        calls.acquire();
    }

    /** Decrements the value if it is above 0 now ({@code sem_trywait}); false if it is 0. */
    public boolean tryAcquire() throws IpcException {
        return calls.tryAcquire();
    }

    /**
     * Decrements the value, waiting at most {@code timeout} while it is 0 ({@code sem_clockwait}
     * on CLOCK_MONOTONIC); false if it stayed 0.
     *
     * @throws IllegalArgumentException if the timeout is negative
     */
    public boolean tryAcquire(Duration timeout) throws IpcException {
        return calls.tryAcquire(Deadline.after(timeout));
    }

    // ---------------------------------------------------------------- release

    /**
     * Increments the value ({@code sem_post}), waking one waiter if there is one.
     *
     * @throws IpcException EOVERFLOW if the value is already {@link #MAX_VALUE} (nothing changes)
     * @see <a href="https://man7.org/linux/man-pages/man3/sem_post.3.html">sem_post(3)</a>
     */
    public void release() throws IpcException {
        calls.release();
    }

    /**
     * Increments the value by {@code permits} ({@code sem_post} that many times). A release that
     * would take the value above {@link #MAX_VALUE} fails with EOVERFLOW and changes nothing (if
     * another process's posts race it there, the posts this call made are taken back).
     *
     * @throws IllegalArgumentException if {@code permits} is less than 1
     */
    public void release(int permits) throws IpcException {
        calls.release(permits);
    }

    // ---------------------------------------------------------------- properties

    /**
     * The value now ({@code sem_getvalue}); it may have changed by the time the caller looks.
     *
     * @see <a href="https://man7.org/linux/man-pages/man3/sem_getvalue.3.html">sem_getvalue(3)</a>
     */
    public int value() throws IpcException {
        return calls.value();
    }

    /** The semaphore's name, e.g. {@code /pool}. */
    public String name() {
        return name;
    }

    /**
     * Closes this process's use of the semaphore ({@code sem_close}, once no call on it is in
     * flight); threads waiting in {@code acquire} wake with {@link io.jipc.ObjectClosedException}.
     * The semaphore and its value stay until {@link #unlink()}. Idempotent and thread-safe.
     */
    @Override
    public void close() {
        life.close();
    }

    /** Whether {@link #close()} has not been called. */
    public boolean isOpen() {
        return life.isOpen();
    }

    @Override
    public String toString() {
        return "PosixSemaphore[" + name + (life.isOpen() ? "" : ", closed") + "]";
    }
}
