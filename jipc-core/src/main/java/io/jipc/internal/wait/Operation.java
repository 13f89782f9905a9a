package io.jipc.internal.wait;

import static io.jipc.internal.libc.Errnos.EAGAIN;
import static io.jipc.internal.libc.Errnos.EINTR;
import static io.jipc.internal.libc.Errnos.ETIMEDOUT;
import static io.jipc.internal.libc.Errnos.UNCAPTURED;

import io.jipc.IpcException;
import java.lang.foreign.MemorySegment;

/**
 * The one wait engine: an operation on one object that may have to wait — a receive, a send, a
 * semaphore decrement, a lock — and the one loop that runs it. A mechanism supplies its system
 * call as an {@link Attempt} and says how the call can wait; the engine does the rest, the same
 * way for every mechanism:
 * <ol>
 *   <li><b>Try</b> the call's non-blocking form first when the deadline is {@link Deadline#NOW},
 *       or when the operation's {@link TryFirst} says tries have been finding work done.</li>
 *   <li><b>Sleep inside the call</b> ({@link Attempt#KERNEL}), as C does, where the call can: an
 *       untimed wait always; a timed one when the call takes a timeout ({@link Timeout}), has no
 *       readiness to poll for, or has no non-blocking form that keeps the description's mode
 *       ({@link #timedInKernel(boolean)}): then the thread's timer fires at the deadline. Close and
 *       interrupt end the sleep with the {@link Waiter}'s signal: EINTR, and {@link
 *       Handle#checkWake} says why.</li>
 *   <li><b>Else wait for readiness</b>: poll(2) on the descriptor, its close eventfd and the
 *       thread's interrupt eventfd ({@link Waiter#awaitReady}) — for timed waits on descriptors,
 *       for a description someone made non-blocking (the kernel said EAGAIN where it should have
 *       slept), and for a thread that cannot have its timer. An object with nothing to poll
 *       backs off ({@link BackOff}) instead.</li>
 * </ol>
 *
 * <p>A new mechanism plugs in with its call and nothing else — a futex wait, for instance:
 * <pre>{@code
 * Operation wait = Operation.on(handle, "futex", (w, how) -> {
 *             if (w.data.get(JAVA_INT, 0) != (int) w.value) {
 *                 return 0;                                            // the word changed: done
 *             }
 *             if (how == Attempt.NOW) {
 *                 return -EAGAIN;                                      // a look: not yet
 *             }
 *             int r = Futex.wait(w.data, (int) w.value, w.timeoutArg); // 0, -EAGAIN, -EINTR, -ETIMEDOUT
 *             return r == -EAGAIN ? 0 : r; // changed before the sleep; EAGAIN would mean "non-blocking"
 *         })
 *         .timeout(Timeout.RELATIVE)
 *         .build();
 * Waiter w = Waiter.current();
 * w.data = word; w.value = expected;                  // word: a 4-byte segment of shared memory
 * long r = wait.run(Deadline.after(timeout));         // NOTHING at the deadline; throws on close/interrupt
 * }</pre>
 *
 * <p>A mechanism's hot call site (a send, a receive, a semop) makes the attempt's call itself
 * between {@link #begin} and {@link #end}, so that the JIT compiles the downcall where it is used
 * however many mechanisms share this code; everything else stays here ({@link #begin} says why).
 *
 * <p>Results of {@link #run}: {@code >= 0}, the call's result; {@link #NOTHING} when the deadline
 * came first (at once for {@link Deadline#NOW}); any other negative value is {@code -errno} of a
 * failure, for the mechanism to name ({@link #failure(long)} is the plain naming). Closed objects
 * throw {@link io.jipc.ObjectClosedException}, interrupted waits {@link
 * io.jipc.IpcInterruptedException} — only when the call would have to wait: a message (or room)
 * already there is received (or sent) by a thread with an interrupt pending.
 *
 * <p>Allocation-free: the operation is built once with its object, the arguments travel in the
 * thread's {@link Waiter}.
 */
public final class Operation {
    /** What {@link #run} answers when nothing could be done by the deadline. */
    public static final long NOTHING = Long.MIN_VALUE;


    /** How the call takes a deadline itself, in its {@link Attempt#KERNEL} form. */
    public enum Timeout {
        /** It takes none: a finite deadline arms the thread's timer, which ends the call with EINTR. */
        NONE,
        /** A relative {@code struct timespec} ({@code semtimedop}, {@code FUTEX_WAIT}, {@code sigtimedwait}). */
        RELATIVE,
        /** An absolute {@code CLOCK_MONOTONIC} timespec ({@code sem_clockwait}, {@code pthread_mutex_clocklock}). */
        MONOTONIC,
        /** An absolute {@code CLOCK_REALTIME} timespec ({@code mq_timedsend}, {@code mq_timedreceive}). */
        REALTIME,
        /** An int of milliseconds ({@code poll}, {@code epoll_wait}). */
        MILLIS
    }

    private final Handle handle;
    private final String call;
    private final Attempt attempt;
    private final short events;
    private final Timeout timeout;
    private final long sliceNanos;
    private final BackOff backOff;
    private final TryFirst tries;
    /**
     * Whether a run pins the handle (acquire/release): when closing it frees something, or a
     * poll waiter may use its close eventfd (freed with the handle). A System V object's calls
     * skip the pin and its two atomic operations ({@code Handle.openNumber}).
     */
    private final boolean pins;
    /** Whether a timed wait may sleep in the call too (see {@link #timedInKernel(boolean)}). */
    private volatile boolean timedInKernel;
    /** Whether the call may sleep in the kernel at all (besides the handle's mode). */
    private volatile boolean kernelWaits;

    private Operation(Builder b) {
        this.handle = b.handle;
        this.call = b.call;
        this.attempt = b.attempt;
        this.events = b.events;
        this.timeout = b.timeout;
        this.sliceNanos = b.sliceNanos;
        this.backOff = b.backOff;
        this.tries = b.tryFirst ? new TryFirst() : null;
        this.pins = b.handle.freesOnClose || b.events != 0;
        this.timedInKernel = b.timedInKernel || b.timeout != Timeout.NONE || b.events == 0;
        this.kernelWaits = b.kernelWaits;
    }

    /** Starts describing an operation on {@code handle} whose system call is {@code attempt}. */
    public static Builder on(Handle handle, String call, Attempt attempt) {
        return new Builder(handle, call, attempt);
    }

    /** The C call, as exceptions name it. */
    public String call() {
        return call;
    }

    /** The object's handle. */
    public Handle handle() {
        return handle;
    }

    /** Whether the call may sleep inside the kernel now: it can, and the description is blocking. */
    public boolean kernelWaits() {
        return kernelWaits && handle.blocking();
    }

    /** Says whether the call can sleep inside the kernel at all (e.g. once it has no per-call form). */
    public void kernelWaits(boolean may) {
        kernelWaits = may;
    }

    /**
     * Says whether a timed wait sleeps inside the call, under the thread's timer, although the
     * operation has readiness to poll for (see {@link Builder#timedInKernel(boolean)}). Always
     * true for a call that takes a timeout or has no readiness.
     */
    public void timedInKernel(boolean may) {
        timedInKernel = may || timeout != Timeout.NONE || events == 0;
    }

    /** Runs the operation until done or the deadline; see the class comment for the result. */
    public long run(long deadline) throws IpcException {
        return run(deadline, true);
    }

    /**
     * Runs the operation; {@code mayTry} false skips the non-blocking first try even where the
     * operation's {@link TryFirst} would make it (e.g. for a send too large to fit at once).
     */
    public long run(long deadline, boolean mayTry) throws IpcException {
        return run(Waiter.current(), deadline, mayTry);
    }

    /**
     * Runs the operation for the calling thread, whose {@link Waiter} the caller already holds
     * (it set the call's arguments there): saves looking it up again.
     */
    public long run(Waiter w, long deadline, boolean mayTry) throws IpcException {
        int how = begin(w, deadline, mayTry);
        if (how == LOOP) {
            return loop(w, deadline, mayTry);
        }
        long r = NO_RESULT;
        try {
            r = attempt.call(w, how);
        } finally {
            r = end(w, how, r);
        }
        return r;
    }

    /** From {@link #begin}: nothing was begun or is held; the call goes through {@link #run}. */
    public static final int LOOP = -1;

    /** What {@link #end} is given when the call threw: it undoes what {@link #begin} began, and no more. */
    public static final long NO_RESULT = Long.MIN_VALUE + 1;

    /**
     * The untimed path of {@link #run} for a call site that makes the system call itself, so that
     * the call is compiled where it is used. Through {@link #run} it is the attempt's call inside
     * this class's code, which every mechanism shares: once several mechanisms run in one JVM,
     * the JIT compiles that code on its own, finds it too big to inline into any caller it
     * compiles later ("already compiled into a big method", InlineSmallCode), and the attempt
     * becomes a call through an interface whose profile all mechanisms share, so it is not
     * inlined either (measured: a unix-dgram sender after pipes and stream sockets in one JVM,
     * +70 ns per 64-byte message). A mechanism's hot call site therefore reads:
     *
     * <pre>{@code
     * int how = op.begin(w, deadline, mayTry);
     * if (how == Operation.LOOP) {
     *     return op.run(w, deadline, mayTry);
     * }
     * long r = Operation.NO_RESULT;
     * try {
     *     r = call(w, how);          // the attempt's call, written here (a constant or a method of its own)
     * } finally {
     *     r = op.end(w, how, r);      // as run() from here on: the kernel wait ended, the handle unpinned
     * }
     * }</pre>
     *
     * <p>{@code begin} pins the handle and either asks for a try ({@link Attempt#NOW}, where the
     * operation's {@link TryFirst} says so) or begins the kernel wait ({@link Attempt#KERNEL});
     * {@code end} ends it, unpins, and hands a call that could not complete to the loop. No new
     * loop, close protocol or errno mapping at the call site: only the call moves.
     *
     * @return {@link Attempt#NOW} or {@link Attempt#KERNEL}, the handle pinned; {@link #LOOP}
     *         (a deadline, a non-blocking description, a thread without its timer) with nothing held
     */
    public int begin(Waiter w, long deadline, boolean mayTry) throws IpcException {
        if (deadline != Deadline.FOREVER || !kernelWaits || !handle.blocking()) {
            return LOOP;
        }
        w.target = pins ? handle.acquire(call) : handle.openNumber(call);
        if (mayTry && tries != null && tries.now()) {
            return Attempt.NOW;
        }
        boolean begun = false;
        try {
            begun = w.beginKernelWait(handle, Deadline.FOREVER);
            if (begun) {
                handle.checkOpen(call);
                kernelTimeout(w, Deadline.FOREVER);
                return Attempt.KERNEL;
            }
        } catch (IpcException | RuntimeException | Error e) {
            if (begun) {
                w.endKernelWait(handle);
            }
            unpin();
            throw e;
        }
        unpin();
        return LOOP; // no timer for this thread: the loop polls
    }

    /**
     * Ends what {@link #begin} began, after the call in form {@code how} returned {@code r} (or
     * threw: {@link #NO_RESULT}), and goes on as {@link #run} does; see {@link #begin}.
     */
    public long end(Waiter w, int how, long r) throws IpcException {
        try {
            if (how == Attempt.KERNEL) {
                w.endKernelWait(handle);
                return r >= 0 || r == NO_RESULT ? r : afterKernelCall(w, Deadline.FOREVER, r);
            }
            if (r == NO_RESULT) {
                return r;
            }
            if (r == -UNCAPTURED) {
                r = withErrno(w, Attempt.NOW);
            }
            tries.found(r != -EAGAIN);
            return r >= 0 || (r != -EAGAIN && r != -EINTR) ? r : runAcquired(w, Deadline.FOREVER, r == -EINTR);
        } finally {
            unpin();
        }
    }

    /** The loop, the handle pinned for it. */
    private long loop(Waiter w, long deadline, boolean mayTry) throws IpcException {
        if (!pins) {
            w.target = handle.openNumber(call);
            return runAcquired(w, deadline, mayTry);
        }
        w.target = handle.acquire(call);
        try {
            return runAcquired(w, deadline, mayTry);
        } finally {
            handle.release();
        }
    }

    private void unpin() {
        if (pins) {
            handle.release();
        }
    }

    /** What the loop does after a kernel call that returned {@code r}, a negative value. */
    private long afterKernelCall(Waiter w, long deadline, long r) throws IpcException {
        if (r == -UNCAPTURED) {
            return runAcquired(w, deadline, false, true);
        }
        if (r == -EINTR || (r == -ETIMEDOUT && timeout != Timeout.NONE)) {
            handle.checkWake(call); // closed or interrupted; else a stray wake or a slice's end: again
            return runAcquired(w, deadline, false);
        }
        if (r == -EAGAIN) {
            handle.blocking(false); // the description is non-blocking after all (see the loop)
            return runAcquired(w, deadline, false);
        }
        return r;
    }

    // The states of one run.
    private static final int POLLING = 0;
    private static final int KERNEL = 1;
    private static final int TRYING = 2;

    private long runAcquired(Waiter w, long deadline, boolean mayTry) throws IpcException {
        return runAcquired(w, deadline, mayTry, false);
    }

    /**
     * The loop. {@code uncaptured}: the caller's kernel call failed without the errno capture
     * ({@link #end}), so the loop begins by looking why, as it does after its own.
     */
    private long runAcquired(Waiter w, long deadline, boolean mayTry, boolean uncaptured) throws IpcException {
        int state;
        if (!kernelWaits || !handle.blocking() || (deadline != Deadline.FOREVER && (!timedInKernel || Deadline.expired(deadline)))) {
            state = POLLING;
        } else if (mayTry && tries != null && tries.now()) {
            state = TRYING;
        } else {
            state = beginKernel(w, deadline) ? KERNEL : POLLING;
        }
        int pauses = 0;
        boolean capture = false; // the last call slept and failed without the errno capture
        try {
            while (true) {
                if (state == KERNEL) {
                    kernelTimeout(w, deadline);
                }
                int how = state == KERNEL ? Attempt.KERNEL : Attempt.NOW;
                long r = uncaptured ? -UNCAPTURED : capture ? withErrno(w, how) : attempt.call(w, how);
                uncaptured = false;
                capture = false;
                if (r == -UNCAPTURED && state != KERNEL) {
                    r = withErrno(w, how); // it never sleeps: made again at once
                }
                if (state == TRYING) {
                    tries.found(r != -EAGAIN);
                }
                if (r >= 0) {
                    return r;
                }
                if (r == -EINTR || r == -UNCAPTURED) {
                    // A sleeping call that failed without the capture may have been woken on
                    // purpose, as by EINTR: look why, as for EINTR, before making it again with it.
                    capture = r == -UNCAPTURED;
                    if (state == KERNEL) {
                        handle.checkWake(call);
                        if (Deadline.expired(deadline)) {
                            return NOTHING; // the timer's deadline
                        }
                        w.absorbStrayWake();
                        handle.checkWake(call);
                    }
                    continue;
                }
                if (r == -ETIMEDOUT && state == KERNEL && timeout != Timeout.NONE) {
                    handle.checkWake(call);
                    if (Deadline.expired(deadline)) {
                        return NOTHING;
                    }
                    continue; // a slice ended, or the realtime clock was set forward
                }
                if (r != -EAGAIN) {
                    return r;
                }
                if (state == TRYING) {
                    state = beginKernel(w, deadline) ? KERNEL : POLLING;
                    if (state == KERNEL) {
                        continue;
                    }
                } else if (state == KERNEL) {
                    // The description is non-blocking after all (set by a process sharing it):
                    // stop sleeping in calls on this object, and wait for readiness instead.
                    handle.blocking(false);
                    state = POLLING;
                    w.endKernelWait(handle);
                    continue;
                }
                if (deadline == Deadline.NOW || Deadline.expired(deadline)) {
                    return NOTHING;
                }
                boolean more = events != 0
                        ? w.awaitReady(handle, w.target, events, deadline, call)
                        : backOff.pause(handle, pauses++, deadline, call);
                if (!more) {
                    return NOTHING;
                }
            }
        } finally {
            if (state == KERNEL) {
                w.endKernelWait(handle);
            }
        }
    }

    /**
     * Makes the attempt's call again, with the errno capture, after it failed without (see {@link
     * Attempt}). Every call is made without the capture first, even a try that may well find
     * nothing to do: a capturing downcall can allocate (see {@code Errnos.UNCAPTURED}), and a
     * failed try paying for a second system call is the price of a loop of tries that makes no
     * garbage.
     */
    private long withErrno(Waiter w, int how) {
        w.errnoState = w.callState;
        try {
            return attempt.call(w, how);
        } finally {
            w.errnoState = null;
        }
    }

    /** Begins a kernel wait, then looks for a close that came before it (which sent no signal). */
    private boolean beginKernel(Waiter w, long deadline) throws IpcException {
        if (!w.beginKernelWait(handle, timeout == Timeout.NONE ? deadline : Deadline.FOREVER)) {
            return false;
        }
        try {
            handle.checkOpen(call);
        } catch (IpcException e) {
            w.endKernelWait(handle);
            throw e;
        }
        return true;
    }

    /** Fills in the kernel timeout for the next KERNEL call, in the form the call takes. */
    private void kernelTimeout(Waiter w, long deadline) {
        if (timeout == Timeout.NONE) {
            return;
        }
        long until = deadline;
        if (sliceNanos > 0) {
            long slice = System.nanoTime() + sliceNanos;
            until = deadline == Deadline.FOREVER ? slice : Math.min(deadline, slice);
        }
        if (timeout == Timeout.MILLIS) {
            w.timeoutMillis = Deadline.remainingMillis(until);
            return;
        }
        if (until == Deadline.FOREVER) {
            w.timeoutArg = MemorySegment.NULL;
            return;
        }
        MemorySegment ts = w.timeout();
        w.timeoutArg = switch (timeout) {
            case RELATIVE -> Deadline.toRelative(until, ts);
            case MONOTONIC -> Deadline.toMonotonic(until, ts);
            case REALTIME -> Deadline.toRealtime(until, ts);
            case NONE, MILLIS -> throw new AssertionError(timeout);
        };
    }

    /** The plain exception for a failed run's {@code -errno}: the call, the object, the errno. */
    public IpcException failure(long r) {
        return IpcException.of(call, handle.label(), (int) -r);
    }

    @Override
    public String toString() {
        return call + " on " + handle;
    }

    /** How an operation waits; every setting has the default named on its method. */
    public static final class Builder {
        private final Handle handle;
        private final String call;
        private final Attempt attempt;
        private short events;
        private Timeout timeout = Timeout.NONE;
        private long sliceNanos;
        private BackOff backOff = BackOff.EXPONENTIAL;
        private boolean tryFirst;
        private boolean kernelWaits = true;
        private boolean timedInKernel;

        private Builder(Handle handle, String call, Attempt attempt) {
            this.handle = java.util.Objects.requireNonNull(handle, "handle");
            this.call = java.util.Objects.requireNonNull(call, "call");
            this.attempt = java.util.Objects.requireNonNull(attempt, "attempt");
        }

        /**
         * The poll(2) events that say the call may now succeed ({@code POLLIN}, {@code POLLOUT})
         * on the handle's descriptor. Default 0: nothing to poll (no descriptor, or one whose
         * readiness does not tell), so timed waits sleep in the call under the thread's timer.
         */
        public Builder readiness(short pollEvents) {
            this.events = pollEvents;
            return this;
        }

        /** How the call takes a deadline itself (default {@link Timeout#NONE}). */
        public Builder timeout(Timeout form) {
            this.timeout = form;
            return this;
        }

        /**
         * For a call that never fails with EINTR (glibc restarts it, as {@code
         * pthread_mutex_clocklock} does): its kernel timeout is cut into slices of at most this
         * long, after each of which close and interrupt are looked at. Needs a {@link Timeout}.
         */
        public Builder slice(java.time.Duration slice) {
            this.sliceNanos = slice.toNanos();
            return this;
        }

        /** The pause between tries when nothing can be slept on (default {@link BackOff#EXPONENTIAL}). */
        public Builder backOff(BackOff strategy) {
            this.backOff = strategy;
            return this;
        }

        /**
         * Tries the non-blocking form before sleeping, while such tries find the work done
         * ({@link TryFirst}): for calls that usually need not wait (a receive behind a fast
         * sender, a send into a queue with room). Default: off.
         */
        public Builder tryFirst() {
            this.tryFirst = true;
            return this;
        }

        /**
         * Whether a timed wait sleeps inside the call, under the thread's timer, although the
         * operation has {@link #readiness} (default false: it waits in poll(2)). For a descriptor
         * whose call has no per-call non-blocking form, so that the poll model would cost the
         * description its blocking mode (a FIFO refuses {@code RWF_NOWAIT}). Readiness still
         * serves a description found non-blocking and a thread without its timer.
         */
        public Builder timedInKernel(boolean may) {
            this.timedInKernel = may;
            return this;
        }

        /** Whether the call may sleep inside the kernel (default true: the description is blocking). */
        public Builder kernelWaits(boolean may) {
            this.kernelWaits = may;
            return this;
        }

        public Operation build() {
            if (sliceNanos > 0 && timeout == Timeout.NONE) {
                throw new IllegalStateException("a sliced operation needs a kernel timeout");
            }
            return new Operation(this);
        }
    }
}
