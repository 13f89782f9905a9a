package io.jipc;

import io.jipc.internal.Deadline;
import io.jipc.internal.SignalWaker;
import io.jipc.internal.ThreadWaker;
import io.jipc.internal.libc.Eventfd;
import io.jipc.internal.libc.Fcntl;
import io.jipc.internal.libc.Libc;
import io.jipc.internal.libc.Poll;
import io.jipc.internal.libc.Unistd;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * An owned file descriptor: the one place jipc keeps a descriptor number, and the one place it
 * is closed.
 *
 * <p><b>No recycled numbers.</b> Every system call on the descriptor runs between {@link
 * #acquire(String)} and {@link #release()}. {@link #close()} marks the descriptor closed at once
 * (later acquires throw {@link ObjectClosedException}) but the number itself is closed only when
 * the last call in flight has released it, so a call can never reach a number that another open
 * has reused. Calls blocked in {@link #await} are woken by close and return promptly.
 *
 * <p><b>Blocking.</b> jipc keeps its descriptors non-blocking and waits in {@link #await} instead,
 * in poll(2) on three descriptors: this one, a close eventfd of this object (written once, when
 * it is closed, and never drained) and the calling thread's interrupt eventfd. So a waiting thread
 * burns no CPU, returns when the object is closed, and answers {@link Thread#interrupt()} at once.
 *
 * <p><b>Waiting inside the call.</b> That costs a failed call and a poll(2) before the call that
 * succeeds: three system calls where C makes one. So where the open file description is in
 * blocking mode and the mechanism has a per-call non-blocking form for its non-blocking and timed
 * operations ({@code MSG_DONTWAIT} for sockets, {@code RWF_NOWAIT} for pipes, a past timeout for
 * {@code mq_timedreceive}), an untimed call sleeps inside the kernel instead, as in C. It runs
 * between {@link #beginKernelWait()} and {@link #endKernelWait()}; {@link #close()} and {@link
 * Thread#interrupt()} wake it with a thread-directed signal whose handler does nothing and is
 * installed without {@code SA_RESTART}, so the call fails with EINTR and the caller asks {@link
 * #checkWake(String)} why ({@code io.jipc.internal.SignalWaker} repeats the signal until the
 * thread has left the call, which closes the race of a signal landing just before it). Set-up is
 * lock-free: a few volatile writes and CASes per call, besides the JDK's interrupt hook.
 * <pre>{@code
 * int n = fd.acquire("recv");
 * try {
 *     if (!fd.beginKernelWait()) ...                 // no wake-up timer: the poll model
 *     try {
 *         fd.checkOpen("recv");                       // closed before the wait began?
 *         long r = Socket.recv(n, buf, len, 0);       // sleeps in the kernel
 *         while (r == -EINTR) {
 *             fd.checkWake("recv");                   // woken: closed? interrupted?
 *             r = Socket.recv(n, buf, len, 0);
 *         }
 *         ...                                        // EAGAIN: someone made the description
 *     } finally {                                    // non-blocking; end the kernel wait, then
 *         fd.endKernelWait();                        // await() and retry
 *     }
 * } finally {
 *     fd.release();
 * }
 * }</pre>
 *
 * <p>Descriptors jipc creates are close-on-exec.
 */
public final class Fd implements AutoCloseable {
    private static final int CLOSED = 0x8000_0000;
    private static final VarHandle STATE;
    private static final VarHandle CLOSE_EVENT;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            STATE = l.findVarHandle(Fd.class, "state", int.class);
            CLOSE_EVENT = l.findVarHandle(Fd.class, "closeEventFd", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final MemorySegment ONE = Arena.global().allocate(ValueLayout.JAVA_LONG);

    static {
        ONE.set(ValueLayout.JAVA_LONG, 0, 1L);
    }

    private final int number;
    private final String label;
    /** CLOSED bit plus the count of calls in flight. */
    @SuppressWarnings("unused")
    private volatile int state;
    /** The close eventfd: -1 until some thread first waits on this descriptor, -2 once closed. */
    @SuppressWarnings("unused")
    private volatile int closeEventFd = -1;
    /**
     * Sends of up to this many bytes (PIPE_BUF) may try the non-blocking form before a kernel
     * wait ({@code io.jipc.internal.TryFirst} decides): they usually fit, so the wait's set-up is
     * saved. Larger ones often go out in part and then wait, so they sleep in the kernel at once.
     */
    public static final int SMALL_TRANSFER = 4096;

    /** Threads sleeping inside a system call on this descriptor, woken by close. */
    private final SignalWaker.Waiters kernelWaiters = new SignalWaker.Waiters();

    private Fd(int number, String label) {
        this.number = number;
        this.label = label;
    }

    /**
     * Takes ownership of an open descriptor number: from now on this object closes it.
     *
     * @param number an open descriptor
     * @param label  what the descriptor is, for error messages ({@code /jobs}, {@code pipe})
     */
    public static Fd adopt(int number, String label) {
        if (number < 0) {
            throw new IllegalArgumentException("descriptor numbers are >= 0, got " + number);
        }
        return new Fd(number, label);
    }

    /** What this descriptor is, as error messages name it. */
    public String label() {
        return label;
    }

    /**
     * Pins the descriptor for one system call and returns its number; pair with {@link
     * #release()} in a finally block. For implementations of jipc objects and for callers who
     * make their own foreign calls on the descriptor.
     *
     * @param call the C call about to be made, named in the exception if the descriptor is closed
     * @throws ObjectClosedException if {@link #close()} has been called
     */
    public int acquire(String call) throws ObjectClosedException {
        int s;
        do {
            s = state;
            if ((s & CLOSED) != 0) {
                throw new ObjectClosedException(call, label);
            }
        } while (!STATE.weakCompareAndSet(this, s, s + 1));
        return number;
    }

    /** Ends what {@link #acquire(String)} began; the last release after close closes the number. */
    public void release() {
        int s = (int) STATE.getAndAdd(this, -1) - 1;
        if (s == CLOSED) {
            closeNumber();
        }
    }

    /** Whether {@link #close()} has not been called yet. */
    public boolean isOpen() {
        return (state & CLOSED) == 0;
    }

    /**
     * Closes the descriptor: at once when no call is in flight, otherwise when the last one
     * returns (waiting calls are woken and throw {@link ObjectClosedException}). Idempotent and
     * thread-safe.
     */
    @Override
    public void close() {
        int s;
        do {
            s = state;
            if ((s & CLOSED) != 0) {
                return;
            }
        } while (!STATE.weakCompareAndSet(this, s, s | CLOSED));
        // A waiter that created the eventfd before this point is woken by the write; one that
        // creates it later sees CLOSED before it polls.
        int ev = closeEventFd;
        if (ev >= 0) {
            Unistd.write(ev, ONE, 8);
        }
        // A thread in a kernel wait that registered before this point gets the signal; one that
        // registers later sees CLOSED in checkWake.
        kernelWaiters.wakeAll();
        if (s == 0) {
            closeNumber();
        }
    }

    /** Runs once, when closed and no call is in flight: nothing can poll the eventfd any more. */
    private void closeNumber() {
        Unistd.close(number);
        int ev = (int) CLOSE_EVENT.getAndSet(this, -2);
        if (ev >= 0) {
            Unistd.close(ev);
        }
    }

    /**
     * Waits until the descriptor is ready for {@code events} (poll(2) bits: {@code POLLIN}=1,
     * {@code POLLOUT}=4), the deadline passes, the object is closed or the thread is interrupted.
     * Must be called between {@link #acquire(String)} and {@link #release()}. Readiness is a hint:
     * the caller retries its non-blocking call, which may still say EAGAIN.
     *
     * @param deadline a {@link System#nanoTime()} instant, {@code Long.MAX_VALUE} for no limit
     * @return true when ready (or in error: the retried call will say which), false when the
     *         deadline passed first
     * @throws ObjectClosedException if the descriptor is closed before or during the wait
     * @throws IpcInterruptedException if the thread is interrupted before or during the wait
     */
    public boolean await(int events, long deadline, String call) throws IpcException {
        int closeEv = closeEventFd();
        ThreadWaker waker = ThreadWaker.current();
        MemorySegment fds = waker.pollFds();
        fds.set(ValueLayout.JAVA_INT, Poll.POLLFD_FD, number);
        fds.set(ValueLayout.JAVA_SHORT, Poll.POLLFD_EVENTS, (short) events);
        fds.set(ValueLayout.JAVA_INT, Poll.POLLFD_SIZE + Poll.POLLFD_FD, closeEv);
        fds.set(ValueLayout.JAVA_SHORT, Poll.POLLFD_SIZE + Poll.POLLFD_EVENTS, Poll.POLLIN);
        fds.set(ValueLayout.JAVA_INT, 2 * Poll.POLLFD_SIZE + Poll.POLLFD_FD, waker.eventFd());
        fds.set(ValueLayout.JAVA_SHORT, 2 * Poll.POLLFD_SIZE + Poll.POLLFD_EVENTS, Poll.POLLIN);
        waker.enter();
        try {
            while (true) {
                if (!isOpen()) {
                    throw new ObjectClosedException(call, label);
                }
                if (Thread.currentThread().isInterrupted()) {
                    throw new IpcInterruptedException(call, label);
                }
                int timeout = Deadline.remainingMillis(deadline);
                if (timeout == 0 && deadline != Deadline.FOREVER) {
                    return false;
                }
                fds.set(ValueLayout.JAVA_SHORT, Poll.POLLFD_REVENTS, (short) 0);
                int r = Poll.poll(fds, 3, timeout);
                if (r > 0 && fds.get(ValueLayout.JAVA_SHORT, Poll.POLLFD_REVENTS) != 0) {
                    return true;
                }
                if (r < 0 && r != -Errno.EINTR.number()) {
                    throw IpcException.of("poll", label, -r);
                }
                // Timed out, or woken by close or interrupt: the loop head tells which.
                waker.drain();
            }
        } finally {
            waker.exit();
        }
    }

    /**
     * Starts a wait inside a blocking system call on this descriptor (see the class comment):
     * until {@link #endKernelWait()}, {@link #close()} and {@link Thread#interrupt()} make the
     * calling thread's blocking calls fail with EINTR. Call between {@link #acquire(String)} and
     * {@link #release()}; allocation-free after a thread's first wait. Not nestable, and not to
     * be mixed with {@link #await}: end the kernel wait before awaiting.
     *
     * @return true when the wait began; false when this thread cannot have the wake-up timer
     *         it needs (its creation failed, e.g. RLIMIT_SIGPENDING reached): the caller then
     *         makes the call in its non-blocking form and waits in {@link #await}, as a timed
     *         call does
     */
    public boolean beginKernelWait() {
        SignalWaker w = SignalWaker.current();
        if (!w.timerAvailable()) {
            return false;
        }
        kernelWaiters.add(w);
        try {
            w.enter(Deadline.FOREVER);
            return true;
        } catch (IpcException e) {
            kernelWaiters.remove(w);
            return false;
        }
    }

    /** Ends what {@link #beginKernelWait()} began, in a finally block. */
    public void endKernelWait() {
        SignalWaker w = SignalWaker.current();
        w.exit();
        kernelWaiters.remove(w);
    }

    /**
     * Throws if the descriptor was closed: call before the first system call of a kernel wait (a
     * close that came before the wait began sends no signal). A pending interrupt is left to the
     * wake-up signal, which {@link #beginKernelWait()} has already sent: so a call that finds data
     * (or room) returns it, and one that would sleep fails with EINTR and {@link
     * #checkWake(String)} throws, the rule of jipc's other waits too.
     *
     * @throws ObjectClosedException if {@link #close()} has been called
     */
    public void checkOpen(String call) throws ObjectClosedException {
        if ((state & CLOSED) != 0) {
            throw new ObjectClosedException(call, label);
        }
    }

    /**
     * Throws if the descriptor was closed or the thread interrupted: call after each EINTR of a
     * system call made in a kernel wait.
     *
     * @throws ObjectClosedException if {@link #close()} has been called
     * @throws IpcInterruptedException if the thread is interrupted
     */
    public void checkWake(String call) throws IpcException {
        if ((state & CLOSED) != 0) {
            throw new ObjectClosedException(call, label);
        }
        if (Thread.currentThread().isInterrupted()) {
            throw new IpcInterruptedException(call, label);
        }
    }

    /**
     * An eventfd that becomes readable, and stays readable, once this descriptor is closed: lets a
     * poller that watches many descriptors at once (e.g. {@code io.jipc.poll.Poller}) learn of a
     * close. Created on first use (most descriptors never wait). Call between {@link
     * #acquire(String)} and {@link #release()}: the eventfd is closed together with the
     * descriptor, so its number stays valid only while the caller holds an acquire.
     */
    public int closeEventFd() throws IpcException {
        int ev = closeEventFd;
        if (ev >= 0) {
            return ev;
        }
        int created = Eventfd.eventfd(0, Eventfd.EFD_CLOEXEC | Eventfd.EFD_NONBLOCK);
        if (created < 0) {
            throw IpcException.of("eventfd", label, -created);
        }
        // The caller holds an acquire, so closeNumber cannot run meanwhile: only a racing waiter can win.
        if (!CLOSE_EVENT.compareAndSet(this, -1, created)) {
            Unistd.close(created);
            return closeEventFd;
        }
        return created;
    }

    /** A new owned descriptor for the same open file description (F_DUPFD_CLOEXEC). */
    public Fd duplicate() throws IpcException {
        int fd = acquire("fcntl");
        try {
            int r = Fcntl.fcntl(fd, Fcntl.F_DUPFD_CLOEXEC, 0);
            if (r < 0) {
                throw IpcException.of("fcntl(F_DUPFD_CLOEXEC)", label, -r);
            }
            return new Fd(r, label);
        } finally {
            release();
        }
    }

    /** Sets or clears O_NONBLOCK on the open file description (shared with every duplicate). */
    public void setNonBlocking(boolean nonBlocking) throws IpcException {
        setStatusFlag(Fcntl.O_NONBLOCK, nonBlocking);
    }

    /** Whether O_NONBLOCK is set on the open file description. */
    public boolean isNonBlocking() throws IpcException {
        return (statusFlags() & Fcntl.O_NONBLOCK) != 0;
    }

    /** Sets or clears FD_CLOEXEC (on by default for every descriptor jipc creates). */
    public void setCloseOnExec(boolean closeOnExec) throws IpcException {
        int fd = acquire("fcntl");
        try {
            int r = Fcntl.fcntl(fd, Fcntl.F_SETFD, closeOnExec ? Fcntl.FD_CLOEXEC : 0);
            if (r < 0) {
                throw IpcException.of("fcntl(F_SETFD)", label, -r);
            }
        } finally {
            release();
        }
    }

    /** Whether FD_CLOEXEC is set. */
    public boolean isCloseOnExec() throws IpcException {
        int fd = acquire("fcntl");
        try {
            int r = Fcntl.fcntl(fd, Fcntl.F_GETFD, 0);
            if (r < 0) {
                throw IpcException.of("fcntl(F_GETFD)", label, -r);
            }
            return (r & Fcntl.FD_CLOEXEC) != 0;
        } finally {
            release();
        }
    }

    private int statusFlags() throws IpcException {
        int fd = acquire("fcntl");
        try {
            int r = Fcntl.fcntl(fd, Fcntl.F_GETFL, 0);
            if (r < 0) {
                throw IpcException.of("fcntl(F_GETFL)", label, -r);
            }
            return r;
        } finally {
            release();
        }
    }

    private void setStatusFlag(int flag, boolean on) throws IpcException {
        int fd = acquire("fcntl");
        try {
            int flags = Fcntl.fcntl(fd, Fcntl.F_GETFL, 0);
            if (flags < 0) {
                throw IpcException.of("fcntl(F_GETFL)", label, -flags);
            }
            int wanted = on ? flags | flag : flags & ~flag;
            if (wanted != flags) {
                int r = Fcntl.fcntl(fd, Fcntl.F_SETFL, wanted);
                if (r < 0) {
                    throw IpcException.of("fcntl(F_SETFL)", label, -r);
                }
            }
        } finally {
            release();
        }
    }

    /** Shows the number for diagnostics; the number may be reused once the Fd is closed. */
    @Override
    public String toString() {
        return "Fd[" + number + (isOpen() ? "" : ", closed") + ", " + label + "]";
    }

    static {
        // Touch the libc layer early so a missing symbol fails here, not on a hot path.
        Libc.callState();
        // The first exception built in a JVM pays for class loading and the string-concatenation
        // bootstrap, tens of milliseconds under load: pay it now, not when a blocked thread is
        // interrupted or its object closed, which must be answered within 100 ms.
        new IpcInterruptedException("poll", "warm-up").getMessage();
        new ObjectClosedException("poll", "warm-up").getMessage();
    }
}
