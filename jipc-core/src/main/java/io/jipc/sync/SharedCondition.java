package io.jipc.sync;

import static io.jipc.internal.libc.Errnos.EAGAIN;
import static io.jipc.internal.libc.Errnos.EOWNERDEAD;
import static io.jipc.internal.libc.Errnos.EPERM;
import static io.jipc.internal.libc.Errnos.ETIMEDOUT;

import io.jipc.IpcException;
import io.jipc.internal.libc.Pthread;
import io.jipc.internal.libc.Time;
import io.jipc.internal.wait.Attempt;
import io.jipc.internal.wait.Deadline;
import io.jipc.internal.wait.Handle;
import io.jipc.internal.wait.Operation;
import io.jipc.internal.wait.Waiter;
import io.jipc.shm.Mapping;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;

/**
 * A condition variable shared between processes: glibc's own {@code pthread_cond_t} in a {@link
 * Mapping} slot ({@code PTHREAD_PROCESS_SHARED}, timed waits on CLOCK_MONOTONIC), used with a
 * {@link SharedMutex}; C programs wait and signal with {@code pthread_cond_wait} and {@code
 * pthread_cond_signal} on the same object.
 *
 * <p>Wait in the documented while-loop form: a wait may end without a signal (a spurious
 * wake-up), so the caller always looks at the shared state again.
 * <pre>{@code
 * mutex.lock();
 * try {
 *     while (!frameReady(mapping)) {
 *         ready.await(mutex);              // unlocks, sleeps, locks again
 *     }
 *     readFrame(mapping);
 * } finally {
 *     mutex.unlock();
 * }
 * // the other side: change the state with the mutex held, then ready.broadcast()
 * }</pre>
 *
 * <p><b>Close and interrupt.</b> {@code pthread_cond_wait} and {@code pthread_cond_clockwait}
 * never return EINTR (glibc waits again after a signal), and, unlike a mutex's, a condition
 * variable's futex words are glibc's private algorithm, not a kernel ABI. So jipc waits with
 * {@code pthread_cond_clockwait} in slices of {@value #SLICE_MILLIS} ms: when a slice ends, the
 * wait returns as a spurious wake-up — which the while loop absorbs — after looking at close
 * and interrupt ({@link io.jipc.ObjectClosedException}, {@link io.jipc.IpcInterruptedException},
 * thrown with the mutex held, like {@link java.util.concurrent.locks.Condition#await()}). It must
 * return, not wait again: a signal sent while the thread was between two slices would otherwise
 * be lost. The cost: a waiting thread wakes {@code 1000/SLICE_MILLIS} times a second to relock
 * the mutex and look (a few microseconds each), and an interrupt is answered within a slice.
 *
 * <p><b>An owner that died.</b> The wait relocks the mutex before it returns; if that mutex's
 * owner died, {@link OwnerDiedException} says so, as {@link SharedMutex#lock()} does.
 *
 * <p>There is no {@code tryAwait()} without a timeout: a condition wait that never waits would
 * only unlock and relock. Signals and waits allocate nothing. Thread-safe.
 *
 * @see <a href="https://man7.org/linux/man-pages/man3/pthread_cond_wait.3p.html">pthread_cond_wait(3p)</a>
 */
public final class SharedCondition implements AutoCloseable {
    /** How long one kernel wait lasts before close and interrupt are looked at. */
    public static final long SLICE_MILLIS = 50;
    private static final long SIGNALLED = 0;
    private static final long SLICE_ENDED = 1;
    private static final long OWNER_DIED = 2;

    private final Slot slot;
    private final MemorySegment cond;
    private final Handle life;
    private final Operation waitOp;
    private final Operation timedWaitOp;

    private SharedCondition(Slot slot) {
        this.slot = slot;
        this.cond = slot.raw;
        this.life = slot.life();
        Attempt wait = (w, how) -> {
            if (how == Attempt.NOW) {
                return -EAGAIN;
            }
            int r = Pthread.pthread_cond_clockwait(cond, w.data, Time.CLOCK_MONOTONIC, w.timeoutArg);
            return r == 0 ? SIGNALLED : r == -ETIMEDOUT ? SLICE_ENDED : r == -EOWNERDEAD ? OWNER_DIED : r;
        };
        Duration slice = Duration.ofMillis(SLICE_MILLIS);
        this.waitOp = Operation.on(life, "pthread_cond_wait", wait).timeout(Operation.Timeout.MONOTONIC).slice(slice)
                .build();
        this.timedWaitOp = Operation.on(life, "pthread_cond_clockwait", wait).timeout(Operation.Timeout.MONOTONIC)
                .slice(slice).build();
    }

    /**
     * Initialises a new condition variable in the empty slot at {@code offset} ({@code
     * pthread_cond_init}: process-shared, CLOCK_MONOTONIC) and opens it.
     *
     * @throws IllegalArgumentException if the slot is outside the mapping, misaligned, or the mapping read-only
     * @throws IllegalStateException    if the slot already holds an object
     */
    public static SharedCondition createExclusively(Mapping mapping, long offset) throws IpcException {
        return new SharedCondition(Slot.initialise(SlotKind.CONDITION, mapping, offset, "pthread_cond_init", (object, scratch) -> {
            MemorySegment attr = scratch.allocate(Pthread.CONDATTR.layout());
            int r = Pthread.pthread_condattr_init(attr);
            if (r == 0) {
                r = SharedMutex.first(Pthread.pthread_condattr_setpshared(attr, Pthread.PTHREAD_PROCESS_SHARED),
                        Pthread.pthread_condattr_setclock(attr, Time.CLOCK_MONOTONIC));
                if (r == 0) {
                    r = Pthread.pthread_cond_init(object, attr);
                }
                Pthread.pthread_condattr_destroy(attr);
            }
            return r;
        }));
    }

    /**
     * Opens the condition variable a process (Java or C) initialised in the slot at {@code offset}.
     *
     * @throws IllegalStateException if the slot was never initialised, or holds another kind of object
     */
    public static SharedCondition openExisting(Mapping mapping, long offset) {
        return new SharedCondition(Slot.existing(SlotKind.CONDITION, mapping, offset));
    }

    /**
     * Unlocks {@code mutex}, waits until signalled (or a spurious wake-up), and locks it again
     * before returning or throwing. The caller must hold {@code mutex}.
     *
     * @throws IllegalMonitorStateException if the calling thread does not hold {@code mutex}
     * @throws OwnerDiedException           if, relocking, the mutex's owner had died: held now
     * @throws io.jipc.ObjectClosedException   if this object or the mutex is closed (the mutex held)
     * @throws io.jipc.IpcInterruptedException if the thread is interrupted (the mutex held)
     */
    public void await(SharedMutex mutex) throws IpcException {
        run(waitOp, mutex, Deadline.FOREVER);
    }

    /**
     * Like {@link #await(SharedMutex)}, waiting at most {@code timeout}: false once the timeout
     * has passed (look at the state anyway: a signal may have come just then), true when
     * signalled or woken spuriously — at the latest after a slice — so a caller that still has
     * time left waits again for the rest, as in C.
     *
     * @throws IllegalArgumentException if the timeout is negative
     */
    public boolean tryAwait(SharedMutex mutex, Duration timeout) throws IpcException {
        return run(timedWaitOp, mutex, Deadline.after(timeout));
    }

    private boolean run(Operation op, SharedMutex mutex, long deadline) throws IpcException {
        mutex.life.acquire(op.call());
        try {
            life.checkWake(op.call());
            Waiter w = Waiter.current();
            w.data = mutex.mutex;
            long r = op.run(w, deadline, false);
            w.data = MemorySegment.NULL;
            if (r == SIGNALLED) {
                return true;
            }
            if (r == SLICE_ENDED) {
                life.checkWake(op.call());
                mutex.life.checkWake(op.call());
                return !Deadline.expired(deadline);
            }
            if (r == Operation.NOTHING) {
                return false;
            }
            if (r == OWNER_DIED) {
                throw new OwnerDiedException(op.call(), mutex.label());
            }
            if (r == -EPERM) {
                throw new IllegalMonitorStateException(op.call() + "(" + slot.label
                        + "): the calling thread does not hold the " + mutex.label() + " (EPERM)");
            }
            throw op.failure(r);
        } finally {
            mutex.heldAgainAfterWait();
            mutex.life.release();
        }
    }

    /** Wakes one waiting thread, of any process, if there is one ({@code pthread_cond_signal}). */
    public void signal() throws IpcException {
        life.acquire("pthread_cond_signal");
        try {
            Pthread.pthread_cond_signal(cond);
        } finally {
            life.release();
        }
    }

    /** Wakes every waiting thread, of every process ({@code pthread_cond_broadcast}). */
    public void broadcast() throws IpcException {
        life.acquire("pthread_cond_broadcast");
        try {
            Pthread.pthread_cond_broadcast(cond);
        } finally {
            life.release();
        }
    }

    /** The slot's offset in the mapping. */
    public long offset() {
        return slot.offset;
    }

    /**
     * Closes this process's use of the condition variable: waiting threads wake (within a slice)
     * with {@link io.jipc.ObjectClosedException}, holding their mutex. Idempotent and thread-safe.
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
        return "SharedCondition[" + slot.label + (life.isOpen() ? "" : ", closed") + "]";
    }
}
