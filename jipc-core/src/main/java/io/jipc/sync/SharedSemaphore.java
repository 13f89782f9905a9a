package io.jipc.sync;

import io.jipc.IpcException;
import io.jipc.internal.libc.Semaphore;
import io.jipc.internal.sem.SemT;
import io.jipc.internal.wait.Deadline;
import io.jipc.internal.wait.Handle;
import io.jipc.shm.Mapping;
import java.time.Duration;

/**
 * An unnamed POSIX semaphore in shared memory: a {@code sem_t} initialised with {@code
 * sem_init(sem, 1, value)} (pshared) in a {@link Mapping} slot, which C programs wait on and post
 * with {@code sem_wait} and {@code sem_post}. The same calls, waits and answers as the named
 * {@link io.jipc.sem.PosixSemaphore} — {@link #acquire()} (sem_wait), {@link #tryAcquire()}
 * (sem_trywait), {@link #tryAcquire(Duration)} (sem_clockwait on CLOCK_MONOTONIC), {@link
 * #release()} (sem_post) — without a name in {@code /dev/shm}: it lives as long as the memory it
 * is in. A waiting thread sleeps in FUTEX_WAIT using no CPU; close and interrupt end the wait
 * at once (sem_wait returns EINTR). Like any POSIX semaphore it has no owner: a process killed
 * between acquire and release keeps its unit for good.
 *
 * @see <a href="https://man7.org/linux/man-pages/man3/sem_init.3.html">sem_init(3)</a>
 */
public final class SharedSemaphore implements AutoCloseable {
    private final Slot slot;
    private final Handle life;
    private final SemT calls;

    private SharedSemaphore(Slot slot) {
        this.slot = slot;
        this.life = slot.life();
        this.calls = new SemT(slot.label, slot.raw, life);
    }

    /**
     * Initialises a new semaphore with {@code initialValue} in the empty slot at {@code offset}
     * ({@code sem_init} with pshared 1) and opens it.
     *
     * @throws IllegalArgumentException if the value is negative or above SEM_VALUE_MAX, or the
     *                                  slot is outside the mapping, misaligned, or read-only
     * @throws IllegalStateException    if the slot already holds an object
     */
    public static SharedSemaphore createExclusively(Mapping mapping, long offset, int initialValue)
            throws IpcException {
        if (initialValue < 0) {
            throw new IllegalArgumentException("a POSIX semaphore's value is 0.." + Semaphore.SEM_VALUE_MAX
                    + " (SEM_VALUE_MAX), got " + initialValue);
        }
        return new SharedSemaphore(Slot.initialise(SlotKind.SEMAPHORE, mapping, offset, "sem_init",
                (object, scratch) -> Semaphore.sem_init(object, 1, initialValue)));
    }

    /**
     * Opens the semaphore a process (Java or C) initialised in the slot at {@code offset}.
     *
     * @throws IllegalStateException if the slot was never initialised, or holds another kind of object
     */
    public static SharedSemaphore openExisting(Mapping mapping, long offset) {
        return new SharedSemaphore(Slot.existing(SlotKind.SEMAPHORE, mapping, offset));
    }

    /**
     * Decrements the value, waiting while it is 0 ({@code sem_wait}).
     *
     * @throws io.jipc.ObjectClosedException   if this object is closed, before or during the wait
     * @throws io.jipc.IpcInterruptedException if the thread is interrupted while it waits
     */
    public void acquire() throws IpcException {
        calls.acquire();
    }

    /** Decrements the value if it is above 0 now ({@code sem_trywait}); false if it is 0. */
    public boolean tryAcquire() throws IpcException {
        return calls.tryAcquire();
    }

    /**
     * Decrements the value, waiting at most {@code timeout} ({@code sem_clockwait} on
     * CLOCK_MONOTONIC); false if it stayed 0.
     *
     * @throws IllegalArgumentException if the timeout is negative
     */
    public boolean tryAcquire(Duration timeout) throws IpcException {
        return calls.tryAcquire(Deadline.after(timeout));
    }

    /**
     * Increments the value ({@code sem_post}), waking one waiter.
     *
     * @throws IpcException EOVERFLOW if the value is already SEM_VALUE_MAX (nothing changes)
     */
    public void release() throws IpcException {
        calls.release();
    }

    /**
     * Increments the value by {@code permits}, all or nothing (EOVERFLOW past SEM_VALUE_MAX).
     *
     * @throws IllegalArgumentException if {@code permits} is less than 1
     */
    public void release(int permits) throws IpcException {
        calls.release(permits);
    }

    /** The value now ({@code sem_getvalue}). */
    public int value() throws IpcException {
        return calls.value();
    }

    String label() {
        return slot.label;
    }

    /** The slot's offset in the mapping. */
    public long offset() {
        return slot.offset;
    }

    /**
     * Closes this process's use of the semaphore: waiting threads wake with {@link
     * io.jipc.ObjectClosedException}. The semaphore stays in the shared memory. Idempotent and thread-safe.
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
        return "SharedSemaphore[" + slot.label + (life.isOpen() ? "" : ", closed") + "]";
    }
}
