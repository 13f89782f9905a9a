package io.jipc.internal.wait;

import static io.jipc.internal.libc.Errnos.EINTR;

import io.jipc.IpcException;
import io.jipc.internal.ServiceDescriptors;
import io.jipc.internal.libc.Eventfd;
import io.jipc.internal.libc.Libc;
import io.jipc.internal.libc.Poll;
import io.jipc.internal.libc.SignalH;
import io.jipc.internal.libc.Time;
import io.jipc.internal.libc.Uio;
import io.jipc.internal.libc.Unistd;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;

/**
 * What one thread needs to wait in jipc: the means to be woken, and the arguments of its call in
 * flight. One per thread, created on its first wait, allocation-free after that.
 *
 * <p><b>Woken inside a system call.</b> At class initialisation jipc installs, for one otherwise
 * unused real-time signal ({@link #signal()}, normally {@code SIGRTMAX-3}), a handler
 * <em>without</em> {@code SA_RESTART} that does nothing. Delivering that signal to a thread asleep
 * in a system call therefore makes the call fail with {@code EINTR}, and the engine ({@link
 * Operation}) looks why. Each thread that sleeps this way owns a POSIX timer ({@code
 * timer_create} with {@code SIGEV_THREAD_ID}, so its signal goes to that thread only):
 * <ul>
 *   <li>a <b>deadline</b> the call cannot take itself arms the timer to fire at the deadline;
 *   <li>a <b>wake</b> ({@link #wake()}: {@code close()} of the object through its {@link Handle},
 *       or {@link Thread#interrupt()} through {@link InterruptHook}) arms it to fire now.
 * </ul>
 * Either way the timer is armed with a short repeat interval ({@value #REPEAT_NANOS} ns) and keeps
 * firing until the thread leaves the wait ({@link #endKernelWait} disarms it). That repeat closes
 * the one race of any signal-based wake-up: a signal that lands after the thread checked its
 * conditions but before it entered the system call is absorbed by the handler and the call
 * would sleep on; the next firing interrupts it.
 *
 * <p>Why a signal: it is the kernel's only way out of calls that have no descriptor to poll
 * ({@code msgrcv}, {@code semop}, {@code futex}, {@code F_SETLKW}), and for calls that have one
 * it saves the failed call and the poll(2) that waiting for readiness costs: one system call per
 * wait, as in C. Posting a dummy message or operation to wake a receiver would change what other
 * processes see; a helper thread would only move the problem. The per-thread kernel timer gives
 * deadlines and the resend with no Java thread and nothing running while the thread sleeps.
 *
 * <p><b>Woken in poll(2).</b> Where a call cannot sleep in the kernel (its description is
 * non-blocking, or the thread cannot have its timer: {@code RLIMIT_SIGPENDING}), the thread waits
 * for readiness in poll(2) on three descriptors: the object's, its handle's close eventfd, and this
 * thread's interrupt eventfd, which {@link Thread#interrupt()} writes ({@link #awaitReady}).
 *
 * <p><b>Costs and limits.</b> A thread's first kernel wait creates its timer (one kernel object per
 * thread, counted against {@code RLIMIT_SIGPENDING}; a {@link Cleaner} deletes it when the thread
 * is gone). An untimed kernel wait makes no extra system call and takes no lock; one with a timer
 * deadline makes two ({@code timer_settime} to arm and to disarm). A virtual thread is pinned to
 * its carrier while in such a call; on a different carrier next time, its timer is re-created.
 * The signal is reserved for jipc: code that changes its disposition breaks these waits ({@code
 * -Dio.jipc.wakeSignal=N} picks another number).
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/signal.7.html">signal(7), "Interruption of
 *     system calls and library functions by signal handlers"</a>
 * @see <a href="https://man7.org/linux/man-pages/man2/timer_create.2.html">timer_create(2)</a>
 */
public final class Waiter extends InterruptHook {
    /** How often an armed timer fires again until its thread has left the call. */
    public static final long REPEAT_NANOS = 2_000_000L;
    private static final long TIMER_RETRY_NANOS = 1_000_000_000L;

    private static final int SIGNAL = installHandler();
    private static final Cleaner CLEANER = Cleaner.create();
    private static final ThreadLocal<Waiter> CURRENT = new ThreadLocal<>();
    private static final MemorySegment FIRE_NOW;
    private static final MemorySegment DISARM;
    private static final MemorySegment ONE;

    static {
        Arena global = Arena.global();
        FIRE_NOW = global.allocate(Time.ITIMERSPEC_SIZE, 8);
        Time.setTimespec(FIRE_NOW.asSlice(Time.IT_VALUE), 1);
        Time.setTimespec(FIRE_NOW.asSlice(Time.IT_INTERVAL), REPEAT_NANOS);
        DISARM = global.allocate(Time.ITIMERSPEC_SIZE, 8);
        ONE = global.allocate(ValueLayout.JAVA_LONG);
        ONE.set(ValueLayout.JAVA_LONG, 0, 1L);
    }

    private static final int IDLE = 0;
    private static final int WAITING = 1;
    private static final int FIRED = 2;
    private static final VarHandle WAIT_STATE;
    private static final VarHandle POSTED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            WAIT_STATE = l.findVarHandle(Waiter.class, "waitState", int.class);
            POSTED = l.findVarHandle(Waiter.class, "posted", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** What the cleaner releases when the thread is gone (it must not see the waiter itself). */
    private static final class Resources implements Runnable {
        volatile MemorySegment timer;
        volatile int eventFd = -1;

        @Override
        public void run() {
            MemorySegment t = timer;
            if (t != null) {
                Time.timer_delete(t);
            }
            int ev = eventFd;
            if (ev >= 0) {
                ServiceDescriptors.remove(ev);
                Unistd.close(ev);
            }
        }
    }

    // ---------------------------------------------------------------- the call in flight
    // Set by a mechanism before Operation.run, read by its Attempt: a call that sleeps holds no
    // lock over its arguments, and nothing is allocated per call. Meanings are the Attempt's.

    /** The descriptor or id the call is made on (set by the engine from the handle). */
    public int target;
    /**
     * This thread's errno capture segment ({@link Libc#callState()}), for the bindings that take
     * it: an attempt that passes it saves a thread-local lookup per call.
     */
    public final MemorySegment callState = Libc.callState();
    /**
     * The capture segment an attempt passes to its bindings: {@code null}, so that a call is made
     * without the errno capture (which can allocate, see {@code Errnos.UNCAPTURED}) and a failure
     * comes back as {@code -Errnos.UNCAPTURED}; {@link #callState} while the engine makes a
     * failed call again to learn its errno.
     */
    public MemorySegment errnoState;
    /** The call's main buffer (the message, the data, the control header...). */
    public MemorySegment data = MemorySegment.NULL;
    /** An offset into {@link #data}. */
    public long offset;
    /** A length, a count, a size. */
    public long length;
    /** Flags of the call. */
    public int flags;
    /** One more scalar argument (a type, a priority, a value to compare). */
    public long value;
    /** One more memory argument (an address, an out-parameter). */
    public MemorySegment extra = MemorySegment.NULL;
    /**
     * The kernel's timeout for this attempt, in the operation's {@link Operation.Timeout} form:
     * {@link MemorySegment#NULL} for none, else {@link #timeout()} filled in by the engine.
     */
    public MemorySegment timeoutArg = MemorySegment.NULL;
    /** The same for calls that take milliseconds: -1 for none. */
    public int timeoutMillis = -1;

    // ---------------------------------------------------------------- scratch

    private final Resources resources = new Resources();
    private final Arena arena = Arena.ofAuto();
    private final MemorySegment spec = arena.allocate(Time.ITIMERSPEC_SIZE, 8);
    // Sliced once: a slice per armed deadline allocated 80 bytes per timed kernel wait.
    private final MemorySegment specValue = spec.asSlice(Time.IT_VALUE, Time.TIMESPEC_SIZE);
    private final MemorySegment specInterval = spec.asSlice(Time.IT_INTERVAL, Time.TIMESPEC_SIZE);
    private final MemorySegment timerOut = arena.allocate(ValueLayout.ADDRESS);
    private final MemorySegment sigevent = arena.allocate(SignalH.SIGEVENT.layout());
    private final MemorySegment timeout = arena.allocate(Time.TIMESPEC_SIZE, 8);
    private final MemorySegment intOut = arena.allocate(ValueLayout.JAVA_LONG);
    private final MemorySegment iovec = arena.allocate(Uio.IOVEC_SIZE, 8);
    private final MemorySegment pollFds = arena.allocate(Poll.POLLFD_SIZE * 3, 8);
    private final MemorySegment counter = arena.allocate(ValueLayout.JAVA_LONG);
    private MemorySegment buffer = MemorySegment.NULL;
    private ByteBuffer bufferView;
    private MemorySegment header;

    // ---------------------------------------------------------------- wake-up state

    /** The thread the timer signals; -1 until the first kernel wait. */
    private int tid = -1;
    /** This thread's kernel id, once asked for ({@link #threadId()}). */
    private int threadId = -1;
    private boolean timerRefused;
    private long timerRefusedAt;
    /**
     * IDLE outside a kernel wait, WAITING inside one, FIRED once a wake armed the timer. The
     * owner moves IDLE to WAITING and back with plain volatile writes and one CAS, so a wait
     * nobody wakes takes no lock; a wake moves WAITING to FIRED and arms the timer inside this
     * object's lock, and an owner that finds FIRED at its exit takes that lock before disarming,
     * so it never disarms before the wake has armed (which would leave the timer firing forever).
     */
    @SuppressWarnings("unused")
    private volatile int waitState;
    /** Whether the timer was armed for a deadline (the owner thread's only). */
    private boolean deadlineArmed;
    /** Whether the thread is in {@link #awaitReady}: an interrupt then writes the eventfd. */
    private volatile boolean polling;
    /** 1 once an interrupt wrote the eventfd and nobody has drained it yet. */
    @SuppressWarnings("unused")
    private volatile int posted;

    /**
     * The Waiters this waiter is on, so that a wake through a stale single slot is told apart.
     * Plain: a stale read can only cause a spurious wake, which every wait loop absorbs.
     */
    Waiters waitingIn;
    // Guarded by the Waiters this waiter is on (or, for inSingle, owned by this waiter's thread).
    boolean inSingle;
    Waiter prev;
    Waiter next;

    private Waiter() {
        CLEANER.register(this, resources);
    }

    /** The calling thread's waiter. */
    public static Waiter current() {
        Waiter w = CURRENT.get();
        if (w == null) {
            w = new Waiter();
            CURRENT.set(w);
        }
        return w;
    }

    /** The real-time signal reserved for these wake-ups. */
    public static int signal() {
        return SIGNAL;
    }


    // ---------------------------------------------------------------- scratch for the call

    /**
     * Per-thread native memory of at least {@code size} bytes, to stage heap data for a call in
     * flight (grows, never shrinks; valid until the next call of this method on this thread).
     * The one way jipc stages heap data: a thread's own, so no lock is held while a call sleeps.
     */
    public MemorySegment scratch(long size) {
        if (buffer.byteSize() < size) {
            buffer = arena.allocate(Math.max(size, 256), 16);
            bufferView = size <= Integer.MAX_VALUE ? buffer.asByteBuffer() : null;
        }
        return buffer;
    }

    /** A {@link ByteBuffer} over the whole current {@link #scratch}, for absolute bulk copies. */
    public ByteBuffer scratchView() {
        return bufferView;
    }

    /** This thread's {@code struct timespec} for a timeout argument. */
    public MemorySegment timeout() {
        return timeout;
    }

    /**
     * The calling thread's kernel id ({@code gettid}), cached for a platform thread (a virtual
     * thread's is its carrier's now, asked every time). Call on this waiter's own thread.
     */
    public int threadId() {
        if (Thread.currentThread().isVirtual()) {
            return Unistd.gettid();
        }
        int id = threadId;
        if (id < 0) {
            threadId = id = Unistd.gettid();
        }
        return id;
    }

    /** This thread's int out-parameter (e.g. {@code mq_receive}'s priority). */
    public MemorySegment intOut() {
        return intOut;
    }

    /** The size of {@link #header()}. */
    public static final int HEADER_SIZE = 2048;

    /**
     * Per-thread native memory of {@value #HEADER_SIZE} bytes for a call's fixed-size structures
     * (a {@code msghdr} with its iovec and control messages, a {@code sockaddr}), apart from
     * {@link #scratch}, which holds the call's data: a call that passes both needs no slice of
     * either, so it allocates nothing. Created on first use.
     */
    public MemorySegment header() {
        MemorySegment h = header;
        if (h == null) {
            h = arena.allocate(HEADER_SIZE, 16);
            header = h;
        }
        return h;
    }

    /** This thread's {@code struct iovec} (preadv2/pwritev2 of one buffer). */
    public MemorySegment iovec() {
        return iovec;
    }

    /** This thread's {@code struct pollfd} for a zero-timeout look at one descriptor. */
    public MemorySegment pollFd() {
        return pollFds;
    }

    // ---------------------------------------------------------------- kernel waits

    /**
     * Whether this thread may count on its timer: false for a second after {@code timer_create}
     * failed, without trying again (the engine then waits in poll(2) or backs off instead of
     * paying for a failing system call on every wait).
     */
    boolean timerAvailable() {
        if (!timerRefused || (tid >= 0 && !Thread.currentThread().isVirtual())) {
            return true;
        }
        return System.nanoTime() - timerRefusedAt >= TIMER_RETRY_NANOS;
    }

    /**
     * Starts a wait inside a system call on {@code handle}'s object: until {@link
     * #endKernelWait}, its close, {@link Thread#interrupt()} and (unless {@link Deadline#FOREVER})
     * {@code timerDeadline} make this thread's calls fail with EINTR. A pending interrupt fires at
     * once. Call {@link Handle#checkOpen} after this and before the first call.
     *
     * @return false when this thread cannot have the timer (its creation failed)
     */
    boolean beginKernelWait(Handle handle, long timerDeadline) {
        if (!timerAvailable()) {
            return false;
        }
        if (!prepareThread()) {
            return false;
        }
        handle.waiters.add(this);
        if (timerDeadline != Deadline.FOREVER) {
            // Absolute CLOCK_MONOTONIC (a deadline is one): arming again never moves it.
            Deadline.toMonotonic(timerDeadline == Deadline.NOW ? 1 : Math.max(1, timerDeadline), specValue);
            Time.setTimespec(specInterval, REPEAT_NANOS);
            arm(spec, Time.TIMER_ABSTIME);
            deadlineArmed = true;
        }
        waitState = WAITING;
        beginInterruptible();
        return true;
    }

    /**
     * Ends what {@link #beginKernelWait} began, in a finally block. The interrupt hook stays in
     * place (ending it is a synchronized block in the JDK, some 5 ns of the 22 the set-up cost,
     * measured with {@code CpuPerCall engine}): an interrupt between waits finds this waiter IDLE
     * and does nothing, and the next wait installs the hook again in any case.
     */
    void endKernelWait(Handle handle) {
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
        handle.waiters.remove(this);
    }

    /** Wakes this waiter's thread if it is in a kernel wait; any thread may call it. */
    void wake() {
        if (waitState != WAITING) {
            return;
        }
        synchronized (this) {
            if (WAIT_STATE.compareAndSet(this, WAITING, FIRED)) {
                arm(FIRE_NOW, 0);
            }
        }
    }

    /**
     * After a wake-up that was not for this wait — its object is open, the thread not interrupted,
     * the deadline ahead: a close of an object this thread waited on before, whose wake reached it
     * just as it left that wait — stops the timer's repeat (it would interrupt the call every 2
     * ms for as long as this wait lasts) and keeps the deadline. The caller looks at the object
     * and the interrupt status again after this and before calling: a wake that comes after this
     * point arms the timer anew.
     */
    void absorbStrayWake() {
        if (waitState != FIRED) {
            return;
        }
        synchronized (this) {
            if (WAIT_STATE.compareAndSet(this, FIRED, WAITING)) {
                if (deadlineArmed) {
                    arm(spec, Time.TIMER_ABSTIME);
                } else {
                    disarm();
                }
            }
        }
    }

    private void disarm() {
        Time.timer_settime(resources.timer, 0, DISARM, MemorySegment.NULL);
    }

    private void arm(MemorySegment value, int flags) {
        int r = Time.timer_settime(resources.timer, flags, value, MemorySegment.NULL);
        if (r < 0) {
            // Only EINVAL is possible, for a bad timer or spec: a bug here, not a runtime condition.
            throw new IllegalStateException("timer_settime failed: errno " + -r);
        }
    }

    /** Creates the timer on the first wait, and again when a virtual thread changed carriers. */
    private boolean prepareThread() {
        if (tid >= 0 && !Thread.currentThread().isVirtual()) {
            return true;
        }
        int now = Unistd.gettid();
        if (now == tid) {
            return true;
        }
        // The wake signal must not be blocked in this thread (threads inherit their creator's mask).
        MemorySegment set = arena.allocate(SignalH.SIGSET_SIZE, 8);
        SignalH.sigaddset(set, SIGNAL);
        SignalH.pthread_sigmask(SignalH.SIG_UNBLOCK, set, MemorySegment.NULL);

        sigevent.fill((byte) 0);
        sigevent.set(ValueLayout.JAVA_INT, SignalH.SIGEV_SIGNO, SIGNAL);
        sigevent.set(ValueLayout.JAVA_INT, SignalH.SIGEV_NOTIFY, SignalH.SIGEV_THREAD_ID);
        sigevent.set(ValueLayout.JAVA_INT, SignalH.SIGEV_TID, now);
        int r = Time.timer_create(Time.CLOCK_MONOTONIC, sigevent, timerOut);
        if (r < 0) {
            timerRefused = true;
            timerRefusedAt = System.nanoTime();
            return false;
        }
        MemorySegment old = resources.timer;
        resources.timer = timerOut.get(ValueLayout.ADDRESS, 0);
        if (old != null) {
            Time.timer_delete(old);
        }
        tid = now;
        timerRefused = false;
        return true;
    }

    // ---------------------------------------------------------------- poll waits

    /**
     * Waits until descriptor {@code number} of {@code handle} is ready for {@code events} (poll(2)
     * bits), the deadline passes, the handle is closed or the thread is interrupted. Call between
     * {@link Handle#acquire} and {@link Handle#release}. Readiness is a hint: the caller retries
     * its non-blocking call, which may still say EAGAIN.
     *
     * @return true when ready (or in error: the retried call says which), false at the deadline
     * @throws io.jipc.ObjectClosedException if the handle is closed before or during the wait
     * @throws io.jipc.IpcInterruptedException if the thread is interrupted before or during it
     */
    public boolean awaitReady(Handle handle, int number, short events, long deadline, String call)
            throws IpcException {
        int closeEv = handle.closeEventFd();
        int interruptEv = eventFd(handle);
        MemorySegment fds = pollFds;
        fds.set(ValueLayout.JAVA_INT, Poll.POLLFD_FD, number);
        fds.set(ValueLayout.JAVA_SHORT, Poll.POLLFD_EVENTS, events);
        fds.set(ValueLayout.JAVA_INT, Poll.POLLFD_SIZE + Poll.POLLFD_FD, closeEv);
        fds.set(ValueLayout.JAVA_SHORT, Poll.POLLFD_SIZE + Poll.POLLFD_EVENTS, Poll.POLLIN);
        fds.set(ValueLayout.JAVA_INT, 2 * Poll.POLLFD_SIZE + Poll.POLLFD_FD, interruptEv);
        fds.set(ValueLayout.JAVA_SHORT, 2 * Poll.POLLFD_SIZE + Poll.POLLFD_EVENTS, Poll.POLLIN);
        polling = true;
        beginInterruptible();
        try {
            while (true) {
                handle.checkWake(call);
                int timeoutMs = Deadline.remainingMillis(deadline);
                if (timeoutMs == 0) {
                    return false;
                }
                fds.set(ValueLayout.JAVA_SHORT, Poll.POLLFD_REVENTS, (short) 0);
                int r = Poll.poll(fds, 3, timeoutMs);
                if (r > 0 && fds.get(ValueLayout.JAVA_SHORT, Poll.POLLFD_REVENTS) != 0) {
                    return true;
                }
                if (r < 0 && r != -EINTR) {
                    throw IpcException.of("poll", handle.label(), -r);
                }
                // Timed out, or woken by close or interrupt: the loop head tells which.
                drainEventFd();
            }
        } finally {
            endInterruptible();
            polling = false;
            drainEventFd();
        }
    }

    /** Whether descriptor {@code number} is ready for {@code events} right now (poll, timeout 0). */
    public boolean readyNow(int number, short events) {
        MemorySegment fds = pollFds;
        fds.set(ValueLayout.JAVA_INT, Poll.POLLFD_FD, number);
        fds.set(ValueLayout.JAVA_SHORT, Poll.POLLFD_EVENTS, events);
        fds.set(ValueLayout.JAVA_SHORT, Poll.POLLFD_REVENTS, (short) 0);
        return Poll.poll(fds, 1, 0) > 0;
    }

    /** This thread's interrupt eventfd, created on its first poll wait. */
    private int eventFd(Handle handle) throws IpcException {
        int ev = resources.eventFd;
        if (ev < 0) {
            ev = Eventfd.eventfd(0, Eventfd.EFD_CLOEXEC | Eventfd.EFD_NONBLOCK);
            if (ev < 0) {
                throw IpcException.of("eventfd", "interrupt wake-up for " + handle.label(), -ev);
            }
            ServiceDescriptors.add(ev);
            resources.eventFd = ev;
        }
        return ev;
    }

    private void drainEventFd() {
        if (POSTED.compareAndSet(this, 1, 0)) {
            Unistd.read(resources.eventFd, counter, 8);
        }
    }

    // ---------------------------------------------------------------- the interrupt hook

    /** Called by {@link Thread#interrupt()} through {@link InterruptHook}; runs on the interrupting thread. */
    @Override
    protected void onInterrupt() {
        wake();
        if (polling && POSTED.compareAndSet(this, 0, 1)) {
            // Writes a shared constant, reads nothing.
            Unistd.write(resources.eventFd, ONE, 8);
        }
    }

    // ---------------------------------------------------------------- the signal

    /**
     * Installs the do-nothing handler on the first real-time signal, from {@code SIGRTMAX-3}
     * down, whose disposition is still {@code SIG_DFL} ({@code SIGRTMAX-2} is the JDK's own
     * interrupt signal for NIO; glibc keeps the first two for itself, which {@code SIGRTMIN}
     * already excludes). {@code -Dio.jipc.wakeSignal=N} picks the number instead.
     */
    private static int installHandler() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment old = a.allocate(SignalH.SIGACTION.layout());
            MemorySegment act = a.allocate(SignalH.SIGACTION.layout());
            act.set(ValueLayout.ADDRESS, SignalH.SA_HANDLER, SignalH.doNothingHandler());
            act.set(ValueLayout.JAVA_INT, SignalH.SA_FLAGS, 0); // no SA_RESTART: the call must fail with EINTR
            int min = SignalH.sigrtmin();
            int max = SignalH.sigrtmax();
            Integer chosen = Integer.getInteger("io.jipc.wakeSignal");
            int from = chosen != null ? chosen : max - 3;
            int to = chosen != null ? chosen : min;
            if (from < min || from > max) {
                throw new IllegalStateException("io.jipc.wakeSignal=" + chosen + " is not a real-time signal ("
                        + min + ".." + max + ")");
            }
            for (int sig = from; sig >= to; sig--) {
                if (SignalH.sigaction(sig, MemorySegment.NULL, old) < 0) {
                    continue;
                }
                long handler = old.get(ValueLayout.ADDRESS, SignalH.SA_HANDLER).address();
                if (handler != SignalH.SIG_DFL) {
                    continue;
                }
                if (SignalH.sigaction(sig, act, MemorySegment.NULL) == 0) {
                    return sig;
                }
            }
            throw new IllegalStateException("jipc: no real-time signal between " + to + " and " + from
                    + " is free (all have handlers): cannot wake threads blocked in system calls");
        }
    }

    static {
        Libc.callState();
    }
}
