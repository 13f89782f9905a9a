package io.jipc.internal;

import io.jipc.IpcException;
import io.jipc.internal.libc.Libc;
import io.jipc.internal.libc.Signal;
import io.jipc.internal.libc.Time;
import io.jipc.internal.libc.Unistd;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;

/**
 * Gets a thread out of a system call that has no descriptor to poll and no timeout of its own —
 * {@code msgrcv}, {@code msgsnd}, {@code semop}, {@code sem_wait} — for a deadline, for
 * {@code close()} of the object from another thread, and for {@link Thread#interrupt()}, without
 * burning CPU while the thread sleeps.
 *
 * <p><b>How.</b> At class initialisation jipc installs, for one otherwise unused real-time signal
 * ({@link #signal()}, normally {@code SIGRTMAX-3}), a handler <em>without</em> {@code SA_RESTART}
 * whose address is glibc's {@code getpid}: an async-signal-safe function that ignores its
 * argument. Delivering that signal to a thread sleeping in one of those calls therefore does
 * nothing but make the call fail with {@code EINTR}; the caller's loop then looks at why it was
 * woken. Each thread that blocks this way owns a POSIX timer ({@code timer_create} with
 * {@code SIGEV_THREAD_ID}, so its signal goes to that thread only):
 * <ul>
 *   <li>a <b>deadline</b> arms the timer to fire at the deadline;
 *   <li>a <b>wake</b> ({@link #wake()}: {@code close()} of the object through {@link Waiters},
 *       or {@code Thread.interrupt()} through the same {@link InterruptHook} {@link ThreadWaker}
 *       uses) arms it to fire now.
 * </ul>
 * Either way the timer is armed with a short repeat interval ({@value #REPEAT_NANOS} ns) and
 * keeps firing until the thread leaves the blocking region ({@link #exit()} disarms it). That
 * repeat closes the one race of any signal-based wake-up: a signal that lands after the thread
 * checked its conditions but before it entered the system call is absorbed by the handler and
 * the call would sleep on; the next firing interrupts it.
 *
 * <p><b>Why this and not something else.</b>
 * <ul>
 *   <li>Polling with {@code IPC_NOWAIT} either burns CPU or adds latency up to the poll period.
 *   <li>Posting a dummy message (or semaphore operation) to wake a receiver changes the object
 *       other processes see, needs write permission, and cannot target one thread.
 *   <li>Handing the call to a helper thread only moves the problem: that thread still sleeps
 *       in the kernel with nothing to wake it.
 *   <li>A signal is the kernel's only way out of these calls (they are never restarted after a
 *       handler, whatever {@code SA_RESTART} says). Sending it with {@code tgkill} from the
 *       waking thread works but needs someone to resend until the target has acknowledged, and a
 *       timer thread for deadlines. The per-thread kernel timer does both: deadlines are kept by
 *       the kernel's high-resolution timers, and the resend is the timer's interval, so there is
 *       no extra Java thread, no resend loop, and nothing runs while the thread sleeps.
 *   <li>Where the kernel offers a timeout ({@code semtimedop}, {@code sem_clockwait}) callers
 *       may use it for deadlines, but close and interrupt still need this.
 * </ul>
 *
 * <p><b>The calling pattern</b> (allocation-free after a thread's first use; lock-free unless a
 * wake comes or several threads wait on one object):
 * <pre>{@code
 * SignalWaker w = SignalWaker.current();
 * waiters.add(w);                 // the object's Waiters, so close() can wake us
 * w.enter(deadline);              // arms the deadline, hooks Thread.interrupt()
 * try {
 *     while (true) {
 *         if (closed) throw new ObjectClosedException(...);
 *         if (Thread.currentThread().isInterrupted()) throw new IpcInterruptedException(...);
 *         if (Deadline.expired(deadline)) return false;
 *         long r = Msg.msgrcv(id, buf, size, type, flags);   // no IPC_NOWAIT
 *         if (r >= 0) return true;
 *         if (r != -EINTR) throw IpcException.of(...);
 *     }
 * } finally {
 *     w.exit();
 *     waiters.remove(w);
 * }
 * }</pre>
 * The owning object's {@code close()} sets its closed flag <em>before</em> calling {@link
 * Waiters#wakeAll()}.
 *
 * <p><b>Costs and limits.</b> A thread's first blocking wait creates its timer (one kernel
 * object per thread, counted against {@code RLIMIT_SIGPENDING}; a {@link Cleaner} deletes it
 * when the thread is gone). An untimed wait makes no extra system call; a timed one makes two
 * ({@code timer_settime} to arm and disarm). A virtual thread is pinned to its carrier while in
 * such a call; when it meets a different carrier the next time, its timer is re-created for
 * that carrier. The signal is reserved for jipc: code that changes its disposition breaks these
 * waits ({@code io.jipc.wakeSignal} picks another number).
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/signal.7.html">signal(7), "Interruption of
 *     system calls and library functions by signal handlers"</a>
 * @see <a href="https://man7.org/linux/man-pages/man2/timer_create.2.html">timer_create(2)</a>
 */
public final class SignalWaker extends InterruptHook {
    /** How often an armed timer fires again until its thread has left the call. */
    public static final long REPEAT_NANOS = 2_000_000L;

    private static final int SIGNAL = installHandler();
    private static final Cleaner CLEANER = Cleaner.create();
    private static final ThreadLocal<SignalWaker> CURRENT = new ThreadLocal<>();
    private static final MemorySegment FIRE_NOW;
    private static final MemorySegment DISARM;

    static {
        Arena global = Arena.global();
        FIRE_NOW = global.allocate(Time.ITIMERSPEC_SIZE, 8);
        Time.setTimespec(FIRE_NOW.asSlice(Time.IT_VALUE), 1);
        Time.setTimespec(FIRE_NOW.asSlice(Time.IT_INTERVAL), REPEAT_NANOS);
        DISARM = global.allocate(Time.ITIMERSPEC_SIZE, 8);
    }

    /** The timer, shared with the cleaner (which must not see the waker itself). */
    private static final class TimerHandle implements Runnable {
        volatile MemorySegment timer;

        @Override
        public void run() {
            MemorySegment t = timer;
            if (t != null) {
                Time.timer_delete(t);
            }
        }
    }

    private static final int IDLE = 0;
    private static final int WAITING = 1;
    private static final int FIRED = 2;
    private static final VarHandle WAIT_STATE;
    private static final VarHandle SINGLE;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            WAIT_STATE = l.findVarHandle(SignalWaker.class, "waitState", int.class);
            SINGLE = l.findVarHandle(Waiters.class, "single", SignalWaker.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final TimerHandle handle = new TimerHandle();
    private final Arena arena = Arena.ofAuto();
    /** Scratch for creating timers and arming deadlines (this thread's only). */
    private final MemorySegment spec = arena.allocate(Time.ITIMERSPEC_SIZE, 8);
    private final MemorySegment timerOut = arena.allocate(ValueLayout.ADDRESS);
    private final MemorySegment sigevent = arena.allocate(Signal.SIGEVENT.layout());
    /** Small arguments of a call in flight (see {@link #timeout()}, {@link #intOut()}). */
    private final MemorySegment timeout = arena.allocate(Time.TIMESPEC_SIZE, 8);
    private final MemorySegment intOut = arena.allocate(ValueLayout.JAVA_LONG);
    /** The thread the timer signals; -1 until the first wait. */
    private int tid = -1;
    /** Whether timer_create failed on the last try, and when (System.nanoTime). */
    private boolean timerRefused;
    private long timerRefusedAt;
    private MemorySegment buffer = MemorySegment.NULL;
    private ByteBuffer bufferView;

    /**
     * IDLE outside a wait, WAITING inside one, FIRED once a wake armed the timer. The owner moves
     * IDLE to WAITING and back with plain volatile writes and one CAS, so a wait that nobody wakes
     * takes no lock; a wake moves WAITING to FIRED and arms the timer inside this object's lock,
     * and an owner that finds FIRED at its exit takes that lock before disarming, so it never
     * disarms before the wake has armed (which would leave the timer firing forever).
     */
    @SuppressWarnings("unused")
    private volatile int waitState;
    /** Whether {@link #enter} armed the timer for a deadline (the owner thread's only). */
    private boolean deadlineArmed;

    /**
     * The Waiters this waker is on, so that a wake through a stale single slot is told apart.
     * Plain: a stale read can only cause a spurious wake, which every caller's loop absorbs.
     */
    private Waiters waitingIn;
    // Guarded by the Waiters this waker is on (or, for inSingle, owned by this waker's thread).
    private boolean inSingle;
    private SignalWaker prev;
    private SignalWaker next;

    private SignalWaker() {
        CLEANER.register(this, handle);
    }

    /** The calling thread's waker (its timer is created on the first {@link #enter}). */
    public static SignalWaker current() {
        SignalWaker w = CURRENT.get();
        if (w == null) {
            w = new SignalWaker();
            CURRENT.set(w);
        }
        return w;
    }

    /** The real-time signal reserved for these wake-ups. */
    public static int signal() {
        return SIGNAL;
    }

    /**
     * Per-thread native scratch of at least {@code size} bytes, for the message buffer of a call
     * in flight (grows, never shrinks; valid until the next call of this method on this thread).
     */
    public MemorySegment scratch(long size) {
        if (buffer.byteSize() < size) {
            buffer = arena.allocate(Math.max(size, 256), 16);
            bufferView = size <= Integer.MAX_VALUE ? buffer.asByteBuffer() : null;
        }
        return buffer;
    }

    /**
     * A {@link ByteBuffer} over the whole of the current {@link #scratch} segment, for copies
     * from and to other buffers with the absolute bulk methods (which allocate nothing).
     */
    public ByteBuffer scratchView() {
        return bufferView;
    }

    /**
     * This thread's {@code struct timespec} for the timeout argument of a call in flight (e.g.
     * {@code mq_timedreceive}'s): a call that sleeps holds no lock over its arguments.
     */
    public MemorySegment timeout() {
        return timeout;
    }

    /** This thread's int out-parameter of a call in flight (e.g. {@code mq_receive}'s priority). */
    public MemorySegment intOut() {
        return intOut;
    }

    /**
     * Whether this thread may count on its timer: false for a second after {@code timer_create}
     * failed, without trying again (a caller with another way to wait, such as poll(2), then
     * takes it instead of paying for a failing system call and an exception on every call).
     */
    public boolean timerAvailable() {
        if (!timerRefused || (tid >= 0 && !Thread.currentThread().isVirtual())) {
            return true;
        }
        return System.nanoTime() - timerRefusedAt >= TIMER_RETRY_NANOS;
    }

    private static final long TIMER_RETRY_NANOS = 1_000_000_000L;

    /**
     * Starts a wait that {@link #wake()} (or the deadline, or {@link Thread#interrupt()}) ends:
     * call right before the loop around the blocking system call, and {@link #exit()} in a
     * finally block. A thread already interrupted is woken at once. Takes no lock: an untimed
     * wait costs a volatile write here and a CAS in {@link #exit()}, besides the interrupt hook.
     *
     * @param deadline a {@link Deadline} instant; {@link Deadline#FOREVER} for none
     */
    public void enter(long deadline) throws IpcException {
        prepareThread();
        if (deadline != Deadline.FOREVER) {
            long left = deadline == Deadline.NOW ? 1 : Math.max(1, deadline - System.nanoTime());
            Time.setTimespec(spec.asSlice(Time.IT_VALUE), left);
            Time.setTimespec(spec.asSlice(Time.IT_INTERVAL), REPEAT_NANOS);
            arm(spec);
            deadlineArmed = true;
        }
        waitState = WAITING;
        beginInterruptible();
    }

    /** Ends the wait {@link #enter} began: unhooks the interrupt and disarms the timer. */
    public void exit() {
        endInterruptible();
        if (!WAIT_STATE.compareAndSet(this, WAITING, IDLE)) {
            // FIRED: the wake armed the timer inside the lock; taking it orders the disarm after.
            synchronized (this) {
                waitState = IDLE;
                disarm();
            }
        } else if (deadlineArmed) {
            disarm();
        }
        deadlineArmed = false;
    }

    /** Wakes this waker's thread if it is between {@link #enter} and {@link #exit}; any thread may call it. */
    public void wake() {
        if (waitState != WAITING) {
            return;
        }
        synchronized (this) {
            if (WAIT_STATE.compareAndSet(this, WAITING, FIRED)) {
                arm(FIRE_NOW);
            }
        }
    }

    private void disarm() {
        Time.timer_settime(handle.timer, 0, DISARM, MemorySegment.NULL);
    }

    private void arm(MemorySegment value) {
        int r = Time.timer_settime(handle.timer, 0, value, MemorySegment.NULL);
        if (r < 0) {
            // Only EINVAL is possible, for a bad timer or spec: a bug here, not a runtime condition.
            throw new IllegalStateException("timer_settime failed: errno " + -r);
        }
    }

    /** Creates the timer on the first wait, and again when a virtual thread changed carriers. */
    private void prepareThread() throws IpcException {
        if (tid >= 0 && !Thread.currentThread().isVirtual()) {
            return;
        }
        int now = Unistd.gettid();
        if (now == tid) {
            return;
        }
        // The wake signal must not be blocked in this thread (threads inherit their creator's mask).
        MemorySegment set = arena.allocate(Signal.SIGSET_SIZE, 8);
        Signal.sigaddset(set, SIGNAL);
        Signal.pthread_sigmask(Signal.SIG_UNBLOCK, set, MemorySegment.NULL);

        sigevent.fill((byte) 0);
        sigevent.set(ValueLayout.JAVA_INT, Signal.SIGEV_SIGNO, SIGNAL);
        sigevent.set(ValueLayout.JAVA_INT, Signal.SIGEV_NOTIFY, Signal.SIGEV_THREAD_ID);
        sigevent.set(ValueLayout.JAVA_INT, Signal.SIGEV_TID, now);
        int r = Time.timer_create(Time.CLOCK_MONOTONIC, sigevent, timerOut);
        if (r < 0) {
            timerRefused = true;
            timerRefusedAt = System.nanoTime();
            throw IpcException.withDetail("timer_create", "wake-up timer", -r,
                    "cannot create the per-thread wake-up timer (RLIMIT_SIGPENDING reached?)");
        }
        MemorySegment old = handle.timer;
        handle.timer = timerOut.get(ValueLayout.ADDRESS, 0);
        if (old != null) {
            Time.timer_delete(old);
        }
        tid = now;
        timerRefused = false;
    }

    /**
     * Installs the do-nothing handler on the first real-time signal, from {@code SIGRTMAX-3}
     * down, whose disposition is still {@code SIG_DFL} ({@code SIGRTMAX-2} is the JDK's own
     * interrupt signal for NIO; glibc keeps the first two for itself, which {@code SIGRTMIN}
     * already excludes). {@code -Dio.jipc.wakeSignal=N} picks the number instead.
     */
    private static int installHandler() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment old = a.allocate(Signal.SIGACTION.layout());
            MemorySegment act = a.allocate(Signal.SIGACTION.layout());
            act.set(ValueLayout.ADDRESS, Signal.SA_HANDLER, Signal.doNothingHandler());
            act.set(ValueLayout.JAVA_INT, Signal.SA_FLAGS, 0); // no SA_RESTART: the call must fail with EINTR
            int min = Signal.sigrtmin();
            int max = Signal.sigrtmax();
            Integer chosen = Integer.getInteger("io.jipc.wakeSignal");
            int from = chosen != null ? chosen : max - 3;
            int to = chosen != null ? chosen : min;
            if (from < min || from > max) {
                throw new IllegalStateException("io.jipc.wakeSignal=" + chosen + " is not a real-time signal ("
                        + min + ".." + max + ")");
            }
            for (int sig = from; sig >= to; sig--) {
                if (Signal.sigaction(sig, MemorySegment.NULL, old) < 0) {
                    continue;
                }
                long handler = old.get(ValueLayout.ADDRESS, Signal.SA_HANDLER).address();
                if (handler != Signal.SIG_DFL) {
                    continue;
                }
                if (Signal.sigaction(sig, act, MemorySegment.NULL) == 0) {
                    return sig;
                }
            }
            throw new IllegalStateException("jipc: no real-time signal between " + to + " and " + from
                    + " is free (all have handlers): cannot wake threads blocked in msgrcv/semop");
        }
    }

    /**
     * The threads blocked in one object, so that its {@code close()} can wake them. Intrusive:
     * adding and removing allocate nothing (a thread is in at most one such wait at a time). The
     * first waiter takes a lock-free slot, so the usual case of one thread waiting on an object
     * costs a CAS on each side; further waiters go on a locked list.
     */
    public static final class Waiters {
        @SuppressWarnings("unused")
        private volatile SignalWaker single;
        private SignalWaker head;

        /** Adds the calling thread's waker; call before {@link SignalWaker#enter}. */
        public void add(SignalWaker w) {
            w.waitingIn = this;
            if (SINGLE.compareAndSet(this, null, w)) {
                w.inSingle = true;
                return;
            }
            synchronized (this) {
                w.prev = null;
                w.next = head;
                if (head != null) {
                    head.prev = w;
                }
                head = w;
            }
        }

        /** Removes the calling thread's waker; call after {@link SignalWaker#exit}. */
        public void remove(SignalWaker w) {
            w.waitingIn = null;
            if (w.inSingle) {
                w.inSingle = false;
                // Release suffices: a closer still seeing w here finds it not waiting, or waiting elsewhere.
                SINGLE.setRelease(this, (SignalWaker) null);
                return;
            }
            synchronized (this) {
                if (w.prev != null) {
                    w.prev.next = w.next;
                } else if (head == w) {
                    head = w.next;
                }
                if (w.next != null) {
                    w.next.prev = w.prev;
                }
                w.prev = null;
                w.next = null;
            }
        }

        /** Wakes every thread waiting on the object; call after marking the object closed. */
        public void wakeAll() {
            SignalWaker s = single;
            // The slot may be stale by now (its thread left and waits elsewhere): wake it only if
            // it still waits here.
            if (s != null && s.waitingIn == this) {
                s.wake();
            }
            synchronized (this) {
                for (SignalWaker w = head; w != null; w = w.next) {
                    w.wake();
                }
            }
        }

        /** Whether any thread is waiting (for tests and diagnostics). */
        public boolean isEmpty() {
            synchronized (this) {
                return single == null && head == null;
            }
        }
    }

    // ---------------------------------------------------------------- the interrupt hook

    /** Called by {@link Thread#interrupt()} through {@link InterruptHook}. */
    @Override
    protected void onInterrupt() {
        wake();
    }

    static {
        Libc.callState();
    }
}
