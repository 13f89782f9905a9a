package io.jipc.sync;

import static io.jipc.internal.libc.Errnos.EAGAIN;
import static io.jipc.internal.libc.Errnos.EBUSY;
import static io.jipc.internal.libc.Errnos.EDEADLK;

import io.jipc.IpcException;
import io.jipc.internal.libc.Pthread;
import io.jipc.internal.libc.Time;
import io.jipc.internal.libc.Unistd;
import io.jipc.internal.wait.Attempt;
import io.jipc.internal.wait.Deadline;
import io.jipc.internal.wait.Handle;
import io.jipc.internal.wait.Operation;
import io.jipc.shm.Mapping;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.time.Duration;

/**
 * A read-write lock shared between processes: glibc's own {@code pthread_rwlock_t} ({@code
 * PTHREAD_PROCESS_SHARED}) in a {@link Mapping} slot, which C programs take with {@code
 * pthread_rwlock_rdlock} and {@code pthread_rwlock_wrlock}. Many readers or one writer; glibc's
 * default kind prefers readers.
 *
 * <p><b>Waiting.</b> {@link #readLock()}/{@link #writeLock()} wait until granted, the try forms
 * never, the timed forms at most that long (CLOCK_MONOTONIC). glibc's rwlock calls restart their
 * futex waits after signals, so jipc waits in {@code pthread_rwlock_clockrdlock}/{@code
 * clockwrlock} in slices of {@value SharedCondition#SLICE_MILLIS} ms and looks at close and
 * interrupt between them: an interrupt is answered within a slice, and a waiting thread wakes
 * once per slice (a few microseconds of CPU) while it waits.
 *
 * <p><b>Not robust.</b> POSIX has no robust read-write lock: a process killed holding it leaves it
 * held for good. Use a {@link SharedMutex} where a holder may die. {@link #unlock()} releases
 * what the calling thread holds; glibc does not record readers, so jipc refuses an unlock only
 * when nobody holds it for reading and this thread is not its writer (an unlock by a thread that
 * holds nothing while others read corrupts it, as in C).
 *
 * @see <a href="https://man7.org/linux/man-pages/man3/pthread_rwlock_rdlock.3p.html">pthread_rwlock_rdlock(3p)</a>
 */
public final class SharedRwLock implements AutoCloseable {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final Slot slot;
    private final MemorySegment lock;
    private final Handle life;
    private final Operation readOp;
    private final Operation tryReadOp;
    private final Operation timedReadOp;
    private final Operation writeOp;
    private final Operation tryWriteOp;
    private final Operation timedWriteOp;

    private SharedRwLock(Slot slot) {
        this.slot = slot;
        this.lock = slot.raw;
        this.life = slot.life();
        Attempt read = (w, how) -> how == Attempt.NOW ? busyIsAgain(Pthread.pthread_rwlock_tryrdlock(lock))
                : Pthread.pthread_rwlock_clockrdlock(lock, Time.CLOCK_MONOTONIC, w.timeoutArg);
        Attempt write = (w, how) -> how == Attempt.NOW ? busyIsAgain(Pthread.pthread_rwlock_trywrlock(lock))
                : Pthread.pthread_rwlock_clockwrlock(lock, Time.CLOCK_MONOTONIC, w.timeoutArg);
        Duration slice = Duration.ofMillis(SharedCondition.SLICE_MILLIS);
        this.readOp = sliced("pthread_rwlock_rdlock", read, slice).tryFirst().build();
        this.tryReadOp = sliced("pthread_rwlock_tryrdlock", read, slice).build();
        this.timedReadOp = sliced("pthread_rwlock_clockrdlock", read, slice).tryFirst().build();
        this.writeOp = sliced("pthread_rwlock_wrlock", write, slice).tryFirst().build();
        this.tryWriteOp = sliced("pthread_rwlock_trywrlock", write, slice).build();
        this.timedWriteOp = sliced("pthread_rwlock_clockwrlock", write, slice).tryFirst().build();
    }

    private Operation.Builder sliced(String call, Attempt attempt, Duration slice) {
        return Operation.on(life, call, attempt).timeout(Operation.Timeout.MONOTONIC).slice(slice);
    }

    private static long busyIsAgain(int r) {
        return r == -EBUSY ? -EAGAIN : r;
    }

    /**
     * Initialises a new read-write lock in the empty slot at {@code offset} ({@code
     * pthread_rwlock_init}, process-shared) and opens it.
     *
     * @throws IllegalArgumentException if the slot is outside the mapping, misaligned, or the mapping read-only
     * @throws IllegalStateException    if the slot already holds an object
     */
    public static SharedRwLock createExclusively(Mapping mapping, long offset) throws IpcException {
        return new SharedRwLock(Slot.initialise(SlotKind.RW_LOCK, mapping, offset, "pthread_rwlock_init", (object, scratch) -> {
            MemorySegment attr = scratch.allocate(Pthread.RWLOCKATTR.layout());
            int r = Pthread.pthread_rwlockattr_init(attr);
            if (r == 0) {
                r = Pthread.pthread_rwlockattr_setpshared(attr, Pthread.PTHREAD_PROCESS_SHARED);
                if (r == 0) {
                    r = Pthread.pthread_rwlock_init(object, attr);
                }
                Pthread.pthread_rwlockattr_destroy(attr);
            }
            return r;
        }));
    }

    /**
     * Opens the read-write lock a process (Java or C) initialised in the slot at {@code offset}.
     *
     * @throws IllegalStateException if the slot was never initialised, or holds another kind of object
     */
    public static SharedRwLock openExisting(Mapping mapping, long offset) {
        return new SharedRwLock(Slot.existing(SlotKind.RW_LOCK, mapping, offset));
    }

    /**
     * Takes the lock for reading, waiting while a writer holds it.
     *
     * @throws IpcException EDEADLK if this thread holds it for writing
     */
    public void readLock() throws IpcException {
        run(readOp, Deadline.FOREVER);
    }

    /** Takes the lock for reading if no writer holds it now; false otherwise. */
    public boolean tryReadLock() throws IpcException {
        return run(tryReadOp, Deadline.NOW);
    }

    /**
     * Takes the lock for reading, waiting at most {@code timeout}; false if a writer kept it.
     *
     * @throws IllegalArgumentException if the timeout is negative
     */
    public boolean tryReadLock(Duration timeout) throws IpcException {
        return run(timedReadOp, Deadline.after(timeout));
    }

    /**
     * Takes the lock for writing, waiting while anyone holds it.
     *
     * @throws IpcException EDEADLK if this thread holds it already
     */
    public void writeLock() throws IpcException {
        run(writeOp, Deadline.FOREVER);
    }

    /** Takes the lock for writing if nobody holds it now; false otherwise. */
    public boolean tryWriteLock() throws IpcException {
        return run(tryWriteOp, Deadline.NOW);
    }

    /**
     * Takes the lock for writing, waiting at most {@code timeout}; false if it stayed held.
     *
     * @throws IllegalArgumentException if the timeout is negative
     */
    public boolean tryWriteLock(Duration timeout) throws IpcException {
        return run(timedWriteOp, Deadline.after(timeout));
    }

    private boolean run(Operation op, long deadline) throws IpcException {
        if (Thread.currentThread().isVirtual()) {
            throw new IllegalStateException("a pthread rwlock's writer is a kernel thread: lock " + slot.label
                    + " from a platform thread");
        }
        if (LockOrderChecker.ENABLED && deadline == Deadline.FOREVER) {
            LockOrderChecker.beforeWait(slot.label);
        }
        long r = op.run(deadline);
        if (r == Operation.NOTHING) {
            return false;
        }
        if (r < 0) {
            if (r == -EDEADLK) {
                throw IpcException.withDetail(op.call(), slot.label, EDEADLK, "this thread holds it for writing");
            }
            throw op.failure(r);
        }
        if (LockOrderChecker.ENABLED) {
            LockOrderChecker.acquired(slot.label);
        }
        return true;
    }

    /**
     * Releases the read or write hold of the calling thread ({@code pthread_rwlock_unlock}).
     *
     * @throws IllegalMonitorStateException if nobody reads and this thread is not the writer
     */
    public void unlock() {
        int readers = (int) INT.getVolatile(slot.object, Pthread.RWLOCK_READERS) >>> Pthread.PTHREAD_RWLOCK_READER_SHIFT;
        int writer = (int) INT.getVolatile(slot.object, Pthread.RWLOCK_CUR_WRITER);
        if (readers == 0 && (writer == 0 || writer != Unistd.gettid())) {
            throw new IllegalMonitorStateException("pthread_rwlock_unlock(" + slot.label + "): the calling thread"
                    + " holds it neither for reading nor for writing");
        }
        int r;
        try {
            life.acquire("pthread_rwlock_unlock");
        } catch (io.jipc.ObjectClosedException closed) {
            r = Pthread.pthread_rwlock_unlock(slot.object); // through the mapping's arena, which refuses a closed one
            if (r != 0) {
                throw new IllegalMonitorStateException("pthread_rwlock_unlock(" + slot.label + "): errno " + -r);
            }
            if (LockOrderChecker.ENABLED) {
                LockOrderChecker.released(slot.label);
            }
            return;
        }
        try {
            r = Pthread.pthread_rwlock_unlock(lock);
        } finally {
            life.release();
        }
        if (r != 0) {
            throw new IllegalMonitorStateException("pthread_rwlock_unlock(" + slot.label + "): errno " + -r);
        }
        if (LockOrderChecker.ENABLED) {
            LockOrderChecker.released(slot.label);
        }
    }

    String label() {
        return slot.label;
    }

    /** The slot's offset in the mapping. */
    public long offset() {
        return slot.offset;
    }

    /**
     * Closes this process's use of the lock: waiting threads wake (within a slice) with {@link
     * io.jipc.ObjectClosedException}; {@link #unlock()} still works. Idempotent and thread-safe.
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
        return "SharedRwLock[" + slot.label + (life.isOpen() ? "" : ", closed") + "]";
    }
}
