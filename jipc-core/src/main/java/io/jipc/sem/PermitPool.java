package io.jipc.sem;

import io.jipc.IpcException;
import io.jipc.IpcKey;
import io.jipc.Perms;
import io.jipc.internal.libc.Sem;
import io.jipc.internal.wait.Deadline;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A pool of permits shared by processes — the classic "at most N database connections between all
 * our workers" — whose permits come back when a process holding them dies, however it dies
 * ({@code kill -9} included).
 *
 * <pre>{@code
 * try (var pool = PermitPool.createOrOpen(IpcKey.ftok(Path.of("/var/run/myapp"), 'p'), 10)) {
 *     if (pool.tryAcquire(Duration.ofSeconds(5))) {
 *         try {
 *             useTheDatabase();
 *         } finally {
 *             pool.release();
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p><b>Why it survives crashes.</b> The pool is one System V semaphore, and every acquire and
 * release is made with {@code SEM_UNDO}: the kernel keeps, per process, the sum of what that
 * process took and gave back, and reverses it when the process exits. A worker killed while it
 * holds three permits returns three. A POSIX semaphore ({@link PosixSemaphore}) cannot do this —
 * the kernel does not know who decremented it — so a pool built on one loses a permit to every
 * crash; use this class whenever a holder may die without releasing.
 *
 * <p><b>Permits belong to a process.</b> Because the kernel's undo record is per process, a permit
 * must be released by the process that acquired it (any thread of it, through this object). This
 * object counts what it holds ({@link #held()}) and refuses to release more. {@link #close()}
 * does not release held permits: they return when released, or when the process exits.
 *
 * <p><b>Blocking.</b> {@link #acquire()} waits until a permit is free, {@link #tryAcquire()} never
 * waits, {@link #tryAcquire(Duration)} waits at most that long; a waiting thread sleeps in {@code
 * semop} using no CPU and answers {@link #close()} and {@link Thread#interrupt()}. Acquire and
 * release allocate nothing. A pool holds at most 32767 permits (SEMVMX).
 *
 * <p>The pool is usable from C too: it is semaphore 0 of the set {@link #id()}, and a C process
 * takes a permit with {@code struct sembuf op = {0, -1, SEM_UNDO}; semop(id, &op, 1);}.
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/semop.2.html">semop(2), SEM_UNDO</a>
 */
public final class PermitPool implements AutoCloseable {
    /**
     * How a pool is created.
     *
     * @param mode permissions of a pool this call creates (default 0600)
     * @see <a href="https://man7.org/linux/man-pages/man2/semget.2.html">semget(2)</a>
     */
    public record Options(Set<PosixFilePermission> mode) {
        public Options {
            mode = Set.copyOf(Objects.requireNonNull(mode, "mode"));
        }

        /** Mode 0600. */
        public static Options defaults() {
            return new Options(Perms.DEFAULT);
        }

        /** Permissions for a pool this call creates. */
        public Options withMode(Set<PosixFilePermission> permissions) {
            return new Options(permissions);
        }
    }

    private static final int UNDO = Sem.SEM_UNDO;

    private final SysVSemaphoreSet set;
    private final AtomicInteger held = new AtomicInteger();

    private PermitPool(SysVSemaphoreSet set) {
        this.set = set;
    }

    // ---------------------------------------------------------------- factories

    /**
     * Creates a new pool of {@code permits} for {@code key}, failing if one exists; with {@link
     * IpcKey#PRIVATE}, a new private pool, reached by {@link #id()}.
     *
     * @param permits 1 to 32767
     * @throws io.jipc.AlreadyExistsException if a semaphore set with this key exists
     */
    public static PermitPool createExclusively(IpcKey key, int permits) throws IpcException {
        return createExclusively(key, permits, Options.defaults());
    }

    /** Creates a new pool of {@code permits} with the options' mode, failing if one exists. */
    public static PermitPool createExclusively(IpcKey key, int permits, Options options) throws IpcException {
        return new PermitPool(SysVSemaphoreSet.createExclusively(key, 1, setOptions(permits, options)));
    }

    /**
     * Opens the pool for {@code key}, creating it with {@code permits} if there is none. An
     * existing pool keeps the permits it has; this call waits for its creator to have filled it.
     */
    public static PermitPool createOrOpen(IpcKey key, int permits) throws IpcException {
        return createOrOpen(key, permits, Options.defaults());
    }

    /** Opens the pool for {@code key}, creating it with {@code permits} and the options' mode if there is none. */
    public static PermitPool createOrOpen(IpcKey key, int permits, Options options) throws IpcException {
        return new PermitPool(SysVSemaphoreSet.createOrOpen(key, 1, setOptions(permits, options)));
    }

    /**
     * Opens the existing pool for {@code key}.
     *
     * @throws io.jipc.NotFoundException if none has this key
     */
    public static PermitPool openExisting(IpcKey key) throws IpcException {
        return new PermitPool(SysVSemaphoreSet.openExisting(key));
    }

    /** Opens the pool whose semaphore set has this id (another process printed it, or a private pool). */
    public static PermitPool openId(int id) throws IpcException {
        return new PermitPool(SysVSemaphoreSet.openId(id));
    }

    private static SysVSemaphoreSet.Options setOptions(int permits, Options options) {
        Objects.requireNonNull(options, "options");
        if (permits < 1 || permits > SysVSemaphoreSet.MAX_VALUE) {
            throw new IllegalArgumentException("a pool holds 1.." + SysVSemaphoreSet.MAX_VALUE + " permits (SEMVMX), got "
                    + permits);
        }
        return SysVSemaphoreSet.Options.defaults().withInitialValue(permits).withMode(options.mode());
    }

    // ---------------------------------------------------------------- acquire and release

    /**
     * Takes one permit, waiting until one is free.
     *
     * @throws io.jipc.ObjectRemovedException if the pool is removed while waiting
     * @throws io.jipc.ObjectClosedException if this object is closed, before or during the wait
     * @throws io.jipc.IpcInterruptedException if the thread is interrupted while waiting
     */
    public void acquire() throws IpcException {
        take(1, Deadline.FOREVER);
    }

    /** Takes {@code permits} at once (all or none), waiting until that many are free. */
    public void acquire(int permits) throws IpcException {
        take(checkCount(permits), Deadline.FOREVER);
    }

    /** Takes a permit if one is free now; false otherwise. */
    public boolean tryAcquire() throws IpcException {
        return take(1, Deadline.NOW);
    }

    /** Takes {@code permits} if that many are free now; false (nothing taken) otherwise. */
    public boolean tryAcquire(int permits) throws IpcException {
        return take(checkCount(permits), Deadline.NOW);
    }

    /**
     * Takes a permit, waiting at most {@code timeout}; false if none came free.
     *
     * @throws IllegalArgumentException if the timeout is negative
     */
    public boolean tryAcquire(Duration timeout) throws IpcException {
        return take(1, Deadline.after(timeout));
    }

    /** Takes {@code permits} at once, waiting at most {@code timeout}; false (nothing taken) if they did not come free. */
    public boolean tryAcquire(int permits, Duration timeout) throws IpcException {
        return take(checkCount(permits), Deadline.after(timeout));
    }

    private boolean take(int permits, long deadline) throws IpcException {
        if (!set.op(0, -permits, UNDO, deadline)) {
            return false;
        }
        held.addAndGet(permits);
        return true;
    }

    /**
     * Gives back one permit this object holds.
     *
     * @throws IllegalStateException if it holds none
     */
    public void release() throws IpcException {
        give(1);
    }

    /**
     * Gives back {@code permits} this object holds.
     *
     * @throws IllegalStateException if it holds fewer
     */
    public void release(int permits) throws IpcException {
        give(checkCount(permits));
    }

    private void give(int permits) throws IpcException {
        int h;
        do {
            h = held.get();
            if (h < permits) {
                throw new IllegalStateException("releasing " + permits + (permits == 1 ? " permit" : " permits")
                        + " while this process holds " + h + " from this pool (a permit is released by the process"
                        + " that acquired it, through the object that did)");
            }
        } while (!held.compareAndSet(h, h - permits));
        boolean done = false;
        try {
            set.op(0, permits, UNDO, Deadline.FOREVER);
            done = true;
        } finally {
            if (!done) {
                held.addAndGet(permits);
            }
        }
    }

    private static int checkCount(int permits) {
        if (permits < 1 || permits > SysVSemaphoreSet.MAX_VALUE) {
            throw new IllegalArgumentException("permits must be 1.." + SysVSemaphoreSet.MAX_VALUE + ", got " + permits);
        }
        return permits;
    }

    // ---------------------------------------------------------------- properties

    /** Permits free now (the semaphore's value); others may take or return some at any moment. */
    public int available() throws IpcException {
        return set.value(0);
    }

    /** Permits this object holds (acquired and not yet released). */
    public int held() {
        return held.get();
    }

    /** How many processes wait for a permit now ({@code GETNCNT}). */
    public int waiting() throws IpcException {
        return set.waitingForIncrease(0);
    }

    /** The id of the pool's semaphore set, for {@link #openId} in another process, or {@code ipcs -s}. */
    public int id() {
        return set.id();
    }

    /** The key this object was opened with. */
    public IpcKey key() {
        return set.key();
    }

    /** Removes the pool from the system at once; every waiting process wakes with EIDRM. */
    public void remove() throws IpcException {
        set.remove();
    }

    /**
     * Ends this object's use of the pool and wakes its waiting threads. Permits it holds are not
     * released (see the class comment). Idempotent and thread-safe.
     */
    @Override
    public void close() {
        set.close();
    }

    /** Whether {@link #close()} has not been called. */
    public boolean isOpen() {
        return set.isOpen();
    }

    @Override
    public String toString() {
        return "PermitPool[semid " + set.id() + ", key " + set.key() + ", holding " + held.get()
                + (set.isOpen() ? "" : ", closed") + "]";
    }
}
