package io.jipc.signal;

import static io.jipc.internal.libc.Errnos.EAGAIN;
import static io.jipc.internal.libc.Errnos.ETIMEDOUT;

import io.jipc.Fd;
import io.jipc.FdBacked;
import io.jipc.IpcException;
import io.jipc.internal.libc.Epoll;
import io.jipc.internal.libc.Eventfd;
import io.jipc.internal.libc.Poll;
import io.jipc.internal.libc.SignalH;
import io.jipc.internal.libc.Signalfd;
import io.jipc.internal.libc.Time;
import io.jipc.internal.libc.Unistd;
import io.jipc.internal.wait.Attempt;
import io.jipc.internal.wait.Deadline;
import io.jipc.internal.wait.Handles;
import io.jipc.internal.wait.Operation;
import io.jipc.internal.wait.Waiter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Catches signals so that a thread can wait for them, in the three forms every jipc wait has:
 * the signal-handling counterpart of {@code sigwaitinfo}/{@code signalfd}, without their demand
 * that the signals be blocked in every thread first (which a JVM's own threads do not do).
 *
 * <pre>{@code
 * try (SignalCatcher signals = SignalCatcher.open(Signal.SIGTERM, Signal.SIGHUP)) {
 *     while (true) {
 *         SignalInfo s = signals.receive();                  // waits, no CPU used
 *         if (s.signal() == Signal.SIGTERM) break;
 *         reloadConfiguration();                             // SIGHUP
 *     }
 * }                                                          // both do again what they did before
 * }</pre>
 *
 * <p>While open, the catcher's signals are caught (they no longer do what they did: terminate,
 * the JVM's shutdown...) and kept for {@link #receive()}. Standard signals merge while one of
 * their kind waits to be received; real-time ones queue, each with its value. Opening takes the
 * signals over from an earlier registration or catcher, closing gives them back (see {@link
 * Signals#handle}).
 *
 * <p>{@link #receive()} sleeps in {@code sigtimedwait}, as C's {@code sigwaitinfo}: one system
 * call per signal. The catcher is also a descriptor (an epoll set of a signalfd and of the queue
 * of signals jipc's handler caught): readable while a signal waits, so a {@link
 * io.jipc.poll.Poller} can watch it among sockets and pipes, as C programs put a signalfd in
 * their event loop. (The kernel wakes every thread polling a signalfd for each signal the
 * process gets, whichever it is for: a poller watching a catcher wakes, and polls again, for
 * signals that are not its own. And a signal jipc's handler takes is pending, so the catcher
 * readable, for the moment the kernel takes to hand it to the handler: {@link #tryReceive()}
 * after a poll may find nothing, as a read may after a socket's spurious readiness; the signal
 * comes with the next readiness.)
 *
 * <p>Receiving never waits when a signal is there (also with an interrupt pending); a blocked
 * receive returns when another thread closes the catcher ({@link io.jipc.ObjectClosedException})
 * and answers {@link Thread#interrupt()} ({@link io.jipc.IpcInterruptedException}).
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/sigwaitinfo.2.html">sigwaitinfo(2)</a>
 * @see <a href="https://man7.org/linux/man-pages/man2/signalfd.2.html">signalfd(2)</a>
 */
public final class SignalCatcher implements FdBacked {
    private static final long RECORD = SignalH.SIGINFO_SIZE;
    /** Results of the attempt: sigtimedwait took one (its siginfo in the thread's scratch), or the queue has one. */
    private static final long FROM_KERNEL = 1;
    private static final long FROM_QUEUE = 2;
    /** A zero timeout: sigtimedwait's form that never waits. */
    private static final MemorySegment NO_WAIT = Arena.global().allocate(Time.TIMESPEC_SIZE, 8);

    private final SignalDispatcher dispatcher;
    private final Set<Signal> signals;
    private final Fd epoll;
    private final Fd signalfd;
    private final Fd queued;
    private final int signalfdNumber;
    private final int queuedNumber;
    /** Signals the handler caught for this catcher; guarded by itself. */
    private final ArrayDeque<SignalInfo> queue = new ArrayDeque<>();
    private final Listener listener;
    private final Operation receiveOp;
    private final MemorySegment one;
    /** The signals this catcher takes with sigtimedwait now (kept by the dispatcher). */
    private final MemorySegment waitSet;

    private SignalCatcher(SignalDispatcher dispatcher, Set<Signal> signals, Fd epoll, Fd signalfd, Fd queued,
            int signalfdNumber, int queuedNumber) {
        this.dispatcher = dispatcher;
        this.signals = signals;
        this.epoll = epoll;
        this.signalfd = signalfd;
        this.queued = queued;
        this.signalfdNumber = signalfdNumber;
        this.queuedNumber = queuedNumber;
        this.listener = new Listener(signals);
        Arena arena = Arena.ofAuto();
        this.one = arena.allocate(ValueLayout.JAVA_LONG);
        one.set(ValueLayout.JAVA_LONG, 0, 1L);
        this.waitSet = arena.allocate(SignalH.SIGSET.layout());
        SignalH.sigemptyset(waitSet);
        // Sleeps in sigtimedwait (a relative timeout), as C's sigwaitinfo: one system call per
        // signal. The descriptor (epoll over the signalfd and the queue's eventfd) is for pollers,
        // and for the engine's poll(2) fallback.
        this.receiveOp = Operation.on(Handles.of(epoll), "sigtimedwait", this::attempt)
                .readiness(Poll.POLLIN).timeout(Operation.Timeout.RELATIVE).build();
    }

    /** Opens a catcher for these signals; see {@link #open(Set)}. */
    public static SignalCatcher open(Signal first, Signal... more) throws IpcException {
        EnumSet<Signal> all = EnumSet.of(Objects.requireNonNull(first, "signal"));
        for (Signal s : more) {
            all.add(Objects.requireNonNull(s, "signal"));
        }
        return open(all);
    }

    /**
     * Opens a catcher: from now until {@link #close()}, {@code signals} are caught and kept for
     * {@link #receive()}.
     *
     * @throws IllegalArgumentException for a signal that cannot be caught here, saying why
     *                                  ({@link Signals#reservation})
     * @throws IpcException if a descriptor cannot be made, or jipc's handler cannot be installed
     */
    public static SignalCatcher open(Set<Signal> signals) throws IpcException {
        Signals.checkSignals(signals);
        SignalDispatcher d = SignalDispatcher.get();
        String label = "signals " + signals;
        Fd ep = null;
        Fd sfd = null;
        Fd ev = null;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment empty = a.allocate(SignalH.SIGSET.layout());
            SignalH.sigemptyset(empty);
            int s = Signalfd.signalfd(-1, empty, Signalfd.SFD_CLOEXEC | Signalfd.SFD_NONBLOCK);
            if (s < 0) {
                throw IpcException.of("signalfd", label, -s);
            }
            sfd = Fd.adopt(s, label);
            int e = Eventfd.eventfd(0, Eventfd.EFD_CLOEXEC | Eventfd.EFD_NONBLOCK);
            if (e < 0) {
                throw IpcException.of("eventfd", label, -e);
            }
            ev = Fd.adopt(e, label);
            int p = Epoll.epoll_create1(Epoll.EPOLL_CLOEXEC);
            if (p < 0) {
                throw IpcException.of("epoll_create1", label, -p);
            }
            ep = Fd.adopt(p, label);
            MemorySegment event = a.allocate(Epoll.EPOLL_EVENT_SIZE, 8);
            for (int fd : new int[] {s, e}) {
                event.set(ValueLayout.JAVA_INT, Epoll.EVENTS, Epoll.EPOLLIN);
                event.set(Epoll.DATA_LAYOUT, Epoll.DATA, fd);
                int r = Epoll.epoll_ctl(p, Epoll.EPOLL_CTL_ADD, fd, event);
                if (r < 0) {
                    throw IpcException.of("epoll_ctl", label, -r);
                }
            }
            SignalCatcher c = new SignalCatcher(d, Collections.unmodifiableSet(EnumSet.copyOf(signals)), ep, sfd, ev, s, e);
            d.add(c.listener);
            return c;
        } catch (IpcException | RuntimeException e) {
            for (Fd fd : new Fd[] {ep, sfd, ev}) {
                if (fd != null) {
                    fd.close();
                }
            }
            throw e;
        }
    }

    /** The signals this catcher catches. */
    public Set<Signal> signals() {
        return signals;
    }

    /**
     * Waits until one of the signals arrives, and returns it.
     *
     * @throws io.jipc.ObjectClosedException if the catcher is closed, before or while waiting
     * @throws io.jipc.IpcInterruptedException if the thread is interrupted while waiting
     */
    public SignalInfo receive() throws IpcException {
        return await(Deadline.FOREVER);
    }

    /** A signal that has arrived, or empty; never waits. */
    public Optional<SignalInfo> tryReceive() throws IpcException {
        return Optional.ofNullable(await(Deadline.NOW));
    }

    /** Waits at most {@code timeout} for one of the signals; empty if none came. */
    public Optional<SignalInfo> tryReceive(Duration timeout) throws IpcException {
        return Optional.ofNullable(await(Deadline.after(timeout)));
    }

    private SignalInfo await(long deadline) throws IpcException {
        Waiter w = Waiter.current();
        // poll() reads the eventfd's number: pinned, so that a close in between cannot free it.
        queued.acquire("read");
        try {
            while (true) {
                long r = receiveOp.run(w, deadline, true);
                if (r == Operation.NOTHING) {
                    return null;
                }
                if (r == FROM_KERNEL) {
                    SignalInfo info = SignalDispatcher.fromHandler(w.scratch(RECORD), 0);
                    if (info != null && dispatcher.isTop(listener, info.signal())) {
                        return info;
                    }
                    if (info != null) {
                        dispatcher.route(info); // taken just as another listener took the signal over
                    }
                } else if (r == FROM_QUEUE) {
                    SignalInfo info = poll(w);
                    if (info != null) {
                        return info;
                    }
                    // another thread took it: look again
                } else {
                    throw receiveOp.failure(r);
                }
            }
        } finally {
            queued.release();
        }
    }

    /**
     * One call of the wait: what the handler caught first (the queue), then sigtimedwait for a
     * signal pending in the kernel — blocked in every thread, or (while it sleeps, as the kernel
     * unblocks the set for it) sent to the process. NOW with a zero timeout.
     */
    private long attempt(Waiter w, int how) {
        synchronized (queue) {
            if (!queue.isEmpty()) {
                return FROM_QUEUE;
            }
        }
        int r = SignalH.sigtimedwait(waitSet, w.scratch(RECORD), how == Attempt.NOW ? NO_WAIT : w.timeoutArg);
        if (r > 0) {
            return FROM_KERNEL;
        }
        if (r == -EAGAIN) {
            return how == Attempt.NOW ? -EAGAIN : -ETIMEDOUT;
        }
        return r; // -EINTR: the engine looks why (close, interrupt, deadline, or the dispatcher's wake)
    }

    /**
     * Takes the first queued signal. The queue's eventfd is readable exactly while the queue is
     * not empty (written when the first one goes in, drained when the last one comes out, both
     * under the lock), so epoll never sleeps while a signal waits.
     */
    private SignalInfo poll(Waiter w) {
        synchronized (queue) {
            SignalInfo info = queue.poll();
            if (info != null && queue.isEmpty()) {
                Unistd.read(queuedNumber, w.intOut(), 8);
            }
            return info;
        }
    }

    /** The catcher's descriptor: readable while a signal waits to be received. */
    @Override
    public Fd fd() {
        return epoll;
    }

    /**
     * Stops catching: each signal goes back to what it did before (signals caught and not
     * received are dropped). A thread blocked in {@link #receive()} gets {@link
     * io.jipc.ObjectClosedException}. Idempotent and thread-safe.
     */
    @Override
    public void close() {
        dispatcher.remove(listener);
        epoll.close();
        signalfd.close();
        queued.close();
    }

    @Override
    public String toString() {
        return "SignalCatcher" + signals + (listener.open ? "" : " (closed)");
    }

    /** The catcher as the dispatcher sees it: its set (for sigtimedwait and its signalfd), and its queue for what the handler caught. */
    private final class Listener extends SignalDispatcher.Listener {
        Listener(Set<Signal> signals) {
            super(signals);
        }

        @Override
        void accept(SignalDispatcher d, SignalInfo info) {
            synchronized (queue) {
                if (!info.signal().realTime()) {
                    for (Iterator<SignalInfo> i = queue.iterator(); i.hasNext(); ) {
                        if (i.next().signal() == info.signal()) {
                            return; // merged with the one waiting
                        }
                    }
                }
                if (queue.size() >= SignalDispatcher.QUEUE_LIMIT) {
                    d.drop();
                    return;
                }
                queue.add(info);
                if (queue.size() == 1) {
                    Unistd.write(queuedNumber, one, 8);
                }
            }
            // A receiver asleep in sigtimedwait cannot see the queue: wake it to look.
            Handles.of(epoll).wakeWaiters();
        }

        @Override
        boolean readsItself() {
            return true;
        }

        @Override
        void signalsNow(MemorySegment set) {
            Signalfd.signalfd(signalfdNumber, set, 0);
            MemorySegment.copy(set, 0, waitSet, 0, SignalH.SIGSET_SIZE);
            // A receiver asleep in sigtimedwait waits with the set it entered with: one that got a
            // signal back (a later catcher closed) would sleep on while it stays pending.
            Handles.of(epoll).wakeWaiters();
        }
    }
}
