package io.jipc.signal;

import io.jipc.IpcException;
import io.jipc.internal.ServiceDescriptors;
import io.jipc.internal.libc.Eventfd;
import io.jipc.internal.libc.Fcntl;
import io.jipc.internal.libc.Poll;
import io.jipc.internal.libc.SignalH;
import io.jipc.internal.libc.Signalfd;
import io.jipc.internal.libc.Unistd;
import io.jipc.internal.wait.Waiter;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The process's one owner of signal dispositions for jipc: which {@link Listener} (a handler's
 * registration or a {@link SignalCatcher}) each signal goes to, the dispositions saved to be put
 * back, and the dispatch thread that reads signals and runs handlers. See the package
 * documentation for the two ways a signal arrives.
 *
 * <p><b>Per signal, a stack.</b> The first listener for a signal saves its disposition and
 * installs jipc's; each later one goes on top and takes the signal over; closing any of them
 * takes it out of the stack, and the last one out puts the saved disposition back. So closing a
 * registration restores exactly what was there before it, nested registrations included.
 *
 * <p><b>Two sources, one route.</b> The dispatch thread waits in poll(2) on the handler's pipe
 * (signals a thread took, each record a {@code siginfo_t}), on its signalfd (signals blocked in
 * every thread whose top listener is a handler, polled only while there are such; catchers take
 * theirs with sigtimedwait) and on an eventfd that wakes it for work other threads queue. Every
 * record goes to the signal's top listener at the time it is read; one with no listener any more (it arrived while the last one
 * closed) is dropped.
 *
 * <p>Process-lifetime resources: the pipe (its write end is in the handler's code, so it is never
 * closed: a handler may be running somewhere at any time), the dispatch signalfd, the eventfd,
 * the code page and the thread. They are created on first use and are service descriptors (the
 * leak guard's word for descriptors jipc keeps for itself).
 */
final class SignalDispatcher {
    /** Records a read takes at most. */
    private static final int BATCH = 64;
    private static final long RECORD = SignalH.SIGINFO_SIZE;
    /** The most signals waiting for a handler or a catcher; more are dropped and counted (a flood). */
    static final int QUEUE_LIMIT = 8192;
    /** The pipe's size asked for: 8192 records (the kernel may give less; the default is 512). */
    private static final int PIPE_SIZE = 1 << 20;
    private static final int MAX_SIGNAL = SignalH.NSIG_MAX;

    private static SignalDispatcher instance;

    /** The process's dispatcher, created (pipe, handler code, thread) on first use. */
    static synchronized SignalDispatcher get() throws IpcException {
        if (instance == null) {
            instance = new SignalDispatcher();
        }
        return instance;
    }

    /** The dispatcher if one exists, else null (for counts that need none made). */
    static synchronized SignalDispatcher existing() {
        return instance;
    }

    private final int pipeRead;
    private final HandlerStub stub;
    private final HandlerStub.Refused noStub;
    private final int handlerSignalfd;
    private final int wakeEvent;
    private final Thread thread;
    private final AtomicLong dropped = new AtomicLong();
    private final MemorySegment one;

    // Guarded by this.
    @SuppressWarnings({"unchecked", "rawtypes"})
    private final ArrayList<Listener>[] stacks = new ArrayList[MAX_SIGNAL + 1];
    private final MemorySegment[] saved = new MemorySegment[MAX_SIGNAL + 1];
    private final MemorySegment action;
    private final MemorySegment handlerMask;
    private final MemorySegment catcherMask;
    private final ArrayDeque<Call> calls = new ArrayDeque<>();
    /**
     * Whether some signal's top listener is a handler: only then does the thread poll its
     * signalfd. The kernel wakes every thread polling any signalfd of the process for every
     * signal the process gets, whatever the masks; a thread polling an empty one would wake (and
     * cost a context switch) for each signal a catcher takes.
     */
    private volatile boolean handlerSignals;

    private SignalDispatcher() throws IpcException {
        // jipc's wake signal is chosen now, before any listener could take the one it would choose.
        Waiter.signal();
        Arena global = Arena.global();
        action = global.allocate(SignalH.SIGACTION.layout());
        handlerMask = global.allocate(SignalH.SIGSET.layout());
        catcherMask = global.allocate(SignalH.SIGSET.layout());
        one = global.allocate(ValueLayout.JAVA_LONG);
        one.set(ValueLayout.JAVA_LONG, 0, 1L);
        SignalH.sigemptyset(handlerMask);
        for (int n = 0; n <= MAX_SIGNAL; n++) {
            stacks[n] = new ArrayList<>(2);
        }
        MemorySegment ends = global.allocate(ValueLayout.JAVA_INT, 2);
        int r = Unistd.pipe2(ends, Fcntl.O_CLOEXEC | Fcntl.O_NONBLOCK);
        if (r < 0) {
            throw IpcException.of("pipe2", "signal dispatch", -r);
        }
        pipeRead = ends.getAtIndex(ValueLayout.JAVA_INT, 0);
        int pipeWrite = ends.getAtIndex(ValueLayout.JAVA_INT, 1);
        Fcntl.fcntl(pipeWrite, Fcntl.F_SETPIPE_SZ, PIPE_SIZE); // best effort: the default holds 512 records
        int sfd = Signalfd.signalfd(-1, handlerMask, Signalfd.SFD_CLOEXEC | Signalfd.SFD_NONBLOCK);
        int ev = Eventfd.eventfd(0, Eventfd.EFD_CLOEXEC | Eventfd.EFD_NONBLOCK);
        if (sfd < 0 || ev < 0) {
            Unistd.close(pipeRead);
            Unistd.close(pipeWrite);
            if (sfd >= 0) {
                Unistd.close(sfd);
            }
            if (ev >= 0) {
                Unistd.close(ev);
            }
            throw sfd < 0 ? IpcException.of("signalfd", "signal dispatch", -sfd) : IpcException.of("eventfd", "signal dispatch", -ev);
        }
        handlerSignalfd = sfd;
        wakeEvent = ev;
        HandlerStub s = null;
        HandlerStub.Refused why = null;
        try {
            s = HandlerStub.map(pipeWrite);
        } catch (HandlerStub.Refused e) {
            why = e;
        }
        stub = s;
        noStub = why;
        for (int fd : new int[] {pipeRead, pipeWrite, sfd, ev}) {
            ServiceDescriptors.add(fd);
        }
        thread = Thread.ofPlatform().daemon().name("jipc-signal-dispatch").unstarted(this::loop);
        thread.start();
    }

    // ---------------------------------------------------------------- listeners

    /** Someone signals go to: a handler's registration or a catcher. */
    abstract static class Listener {
        final Set<Signal> signals;
        /** Set by {@link #remove}; read without the lock by a call about to run. */
        volatile boolean open = true;

        Listener(Set<Signal> signals) {
            this.signals = EnumSet.copyOf(signals);
        }

        /** A signal for this listener: called under the dispatcher's lock, on any thread. */
        abstract void accept(SignalDispatcher d, SignalInfo info);

        /** Whether the listener reads its signals itself (a catcher), whose set the dispatcher keeps. */
        boolean readsItself() {
            return false;
        }

        /** A catcher's new set of signals (those it is the top listener of), under the dispatcher's lock. */
        void signalsNow(MemorySegment set) {}
    }

    /** A handler's listener: its signals are run on the dispatch thread. */
    static final class HandlerListener extends Listener {
        final SignalHandler handler;
        /** Per standard signal: a call is queued and not started yet (a repeat merges into it). */
        private final boolean[] pending = new boolean[MAX_SIGNAL + 1];

        HandlerListener(Set<Signal> signals, SignalHandler handler) {
            super(signals);
            this.handler = handler;
        }

        @Override
        void accept(SignalDispatcher d, SignalInfo info) {
            int n = info.signal().number();
            boolean standard = !info.signal().realTime();
            if (standard && pending[n]) {
                return; // merged, as the kernel merges a pending standard signal
            }
            if (d.calls.size() >= QUEUE_LIMIT) {
                d.dropped.incrementAndGet();
                return;
            }
            if (standard) {
                pending[n] = true;
            }
            d.calls.add(new Call(this, info));
            if (Thread.currentThread() != d.thread) {
                Unistd.write(d.wakeEvent, d.one, 8);
            }
        }
    }

    private record Call(HandlerListener listener, SignalInfo info) {}

    /**
     * Makes {@code l} the top listener of its signals, installing jipc's handler where it is the
     * first. Nothing changes if it throws.
     *
     * @throws IllegalArgumentException for a signal jipc may not catch (see {@link Reservations})
     * @throws IpcException if the handler cannot be installed, or (without handler code) a signal
     *                      is not blocked in every thread
     */
    synchronized void add(Listener l) throws IpcException {
        for (Signal s : l.signals) {
            String why = Reservations.why(s, !stacks[s.number()].isEmpty());
            if (why != null) {
                throw new IllegalArgumentException(why);
            }
        }
        if (stub == null) {
            long blocked = blockedInEveryThread();
            for (Signal s : l.signals) {
                if ((blocked & bit(s.number())) == 0) {
                    throw noStub.exception("without it jipc catches only signals blocked in every thread, and " + s
                            + " is not: start the JVM with it blocked (ChildProcessBuilder.blockSignals,"
                            + " env --block-signal=" + s.signalName().substring(3) + ")");
                }
            }
        }
        List<Signal> installed = new ArrayList<>();
        Set<Listener> affected = new LinkedHashSet<>();
        affected.add(l);
        try {
            for (Signal s : l.signals) {
                int n = s.number();
                if (stacks[n].isEmpty()) {
                    install(n);
                    installed.add(s);
                } else {
                    affected.add(top(n));
                }
            }
        } catch (IpcException e) {
            for (Signal s : installed) {
                restore(s.number());
            }
            throw e;
        }
        for (Signal s : l.signals) {
            stacks[s.number()].add(l);
        }
        updateMasks(affected);
    }

    /** Takes {@code l} out of its signals' stacks, restoring the saved disposition where it was the last. */
    synchronized void remove(Listener l) {
        if (!l.open) {
            return;
        }
        l.open = false;
        Set<Listener> affected = new LinkedHashSet<>();
        for (Signal s : l.signals) {
            int n = s.number();
            stacks[n].remove(l);
            if (stacks[n].isEmpty()) {
                restore(n);
            } else {
                affected.add(top(n));
            }
        }
        calls.removeIf(c -> c.listener == l);
        updateMasks(affected);
    }

    private Listener top(int n) {
        ArrayList<Listener> stack = stacks[n];
        return stack.isEmpty() ? null : stack.get(stack.size() - 1);
    }

    /** Whether a jipc listener has {@code signal} now (its disposition is jipc's). */
    synchronized boolean catches(Signal signal) {
        return !stacks[signal.number()].isEmpty();
    }

    /** Whether {@code l} is the top listener of {@code signal} now (a catcher's check of what it read itself). */
    synchronized boolean isTop(Listener l, Signal signal) {
        return top(signal.number()) == l;
    }

    /** Hands a signal to its top listener; drops it when there is none. Any thread. */
    synchronized void route(SignalInfo info) {
        Listener top = top(info.signal().number());
        if (top != null) {
            top.accept(this, info);
        }
    }

    /** Counts a signal a full queue dropped. */
    void drop() {
        dropped.incrementAndGet();
    }

    /** Signals lost to full queues: the handler's pipe, the handlers' and catchers' queues. */
    long lost() {
        return dropped.get() + (stub == null ? 0 : stub.lost());
    }

    private void install(int n) throws IpcException {
        MemorySegment old = saved[n];
        if (old == null) {
            old = Arena.global().allocate(SignalH.SIGACTION.layout());
            saved[n] = old;
        }
        action.fill((byte) 0);
        if (stub != null) {
            action.set(ValueLayout.ADDRESS, SignalH.SA_HANDLER, stub.entry());
            action.set(ValueLayout.JAVA_INT, SignalH.SA_FLAGS, SignalH.SA_SIGINFO | SignalH.SA_RESTART);
        } else {
            // Blocked in every thread, the signal waits for a signalfd or sigtimedwait; should a thread unblock it
            // later, it is swallowed there rather than killing the process.
            action.set(ValueLayout.ADDRESS, SignalH.SA_HANDLER, SignalH.doNothingHandler());
            action.set(ValueLayout.JAVA_INT, SignalH.SA_FLAGS, SignalH.SA_RESTART);
        }
        int r = SignalH.sigaction(n, action, old);
        if (r < 0) {
            throw IpcException.of("sigaction", Signal.of(n).signalName(), -r);
        }
    }

    private void restore(int n) {
        SignalH.sigaction(n, saved[n], MemorySegment.NULL);
    }

    /** Gives the dispatch signalfd the handlers' signals, and each affected catcher its own. */
    private void updateMasks(Set<Listener> affected) {
        SignalH.sigemptyset(handlerMask);
        for (int n = 1; n <= MAX_SIGNAL; n++) {
            if (top(n) instanceof HandlerListener) {
                SignalH.sigaddset(handlerMask, n);
            }
        }
        Signalfd.signalfd(handlerSignalfd, handlerMask, 0);
        boolean any = false;
        for (int n = 1; n <= MAX_SIGNAL && !any; n++) {
            any = top(n) instanceof HandlerListener;
        }
        handlerSignals = any;
        for (Listener l : affected) {
            if (l != null && l.open && l.readsItself()) {
                SignalH.sigemptyset(catcherMask);
                for (int n = 1; n <= MAX_SIGNAL; n++) {
                    if (top(n) == l) {
                        SignalH.sigaddset(catcherMask, n);
                    }
                }
                l.signalsNow(catcherMask);
            }
        }
        Unistd.write(wakeEvent, one, 8); // the thread polls again with the new mask
    }

    // ---------------------------------------------------------------- the dispatch thread

    private void loop() {
        Arena arena = Arena.ofAuto();
        MemorySegment fds = arena.allocate(Poll.POLLFD_SIZE * 3, 8);
        int[] numbers = {pipeRead, wakeEvent, handlerSignalfd};
        for (int i = 0; i < 3; i++) {
            fds.set(ValueLayout.JAVA_INT, i * Poll.POLLFD_SIZE + Poll.POLLFD_FD, numbers[i]);
            fds.set(ValueLayout.JAVA_SHORT, i * Poll.POLLFD_SIZE + Poll.POLLFD_EVENTS, Poll.POLLIN);
        }
        MemorySegment buf = arena.allocate(RECORD * BATCH, 8);
        MemorySegment counter = arena.allocate(ValueLayout.JAVA_LONG);
        while (true) {
            boolean more;
            synchronized (this) {
                more = !calls.isEmpty();
            }
            boolean signalfd = handlerSignals;
            for (int i = 0; i < 3; i++) {
                fds.set(ValueLayout.JAVA_SHORT, i * Poll.POLLFD_SIZE + Poll.POLLFD_REVENTS, (short) 0);
            }
            // With calls waiting, a look without sleeping: signals keep being read between handlers.
            int ready = Poll.poll(fds, signalfd ? 3 : 2, more ? 0 : -1);
            if (ready > 0) {
                if (revents(fds, 0) != 0) {
                    drain(pipeRead, buf, false);
                }
                if (revents(fds, 1) != 0) {
                    Unistd.read(wakeEvent, counter, 8);
                }
                if (signalfd && revents(fds, 2) != 0) {
                    drain(handlerSignalfd, buf, true);
                }
            }
            Call c;
            synchronized (this) {
                c = calls.poll();
                if (c != null && !c.info.signal().realTime()) {
                    c.listener.pending[c.info.signal().number()] = false;
                }
            }
            if (c != null && c.listener.open) {
                run(c);
            }
        }
    }

    private static short revents(MemorySegment fds, int i) {
        return fds.get(ValueLayout.JAVA_SHORT, i * Poll.POLLFD_SIZE + Poll.POLLFD_REVENTS);
    }

    /** Reads every whole record there is and routes each. */
    private void drain(int fd, MemorySegment buf, boolean signalfd) {
        while (true) {
            long r = Unistd.read(fd, buf, buf.byteSize());
            if (r <= 0) {
                return; // -EAGAIN: nothing more
            }
            for (long at = 0; at + RECORD <= r; at += RECORD) {
                SignalInfo info = signalfd ? fromSignalfd(buf, at) : fromHandler(buf, at);
                if (info != null) {
                    route(info);
                }
            }
            if (r < buf.byteSize()) {
                return; // a short read took everything
            }
        }
    }

    private void run(Call c) {
        try {
            c.listener.handler.handle(c.info);
        } catch (Throwable t) {
            // The handler's failure is its own: report it as an uncaught exception, keep dispatching.
            try {
                thread.getUncaughtExceptionHandler().uncaughtException(thread, t);
            } catch (Throwable ignored) {
                // nothing better to do with it
            }
        }
    }

    // ---------------------------------------------------------------- records

    /** A {@code siginfo_t} as the handler wrote it; null for a signal jipc has no constant for. */
    static SignalInfo fromHandler(MemorySegment m, long at) {
        Signal s = Signal.find(m.get(ValueLayout.JAVA_INT, at + SignalH.SI_SIGNO)).orElse(null);
        if (s == null) {
            return null;
        }
        int code = m.get(ValueLayout.JAVA_INT, at + SignalH.SI_CODE);
        boolean sender = SignalInfo.hasSender(s, code);
        int word = m.get(ValueLayout.JAVA_INT, at + SignalH.SI_VALUE); // si_int, or SIGCHLD's si_status
        boolean child = s == Signal.SIGCHLD && sender;
        return new SignalInfo(s, code,
                sender ? m.get(ValueLayout.JAVA_INT, at + SignalH.SI_PID) : 0,
                sender ? m.get(ValueLayout.JAVA_INT, at + SignalH.SI_UID) : 0,
                SignalInfo.hasValue(code) ? word : 0,
                child ? word : 0);
    }

    /** A {@code struct signalfd_siginfo}; null for a signal jipc has no constant for. */
    static SignalInfo fromSignalfd(MemorySegment m, long at) {
        Signal s = Signal.find(m.get(ValueLayout.JAVA_INT, at + Signalfd.SSI_SIGNO)).orElse(null);
        if (s == null) {
            return null;
        }
        int code = m.get(ValueLayout.JAVA_INT, at + Signalfd.SSI_CODE);
        boolean sender = SignalInfo.hasSender(s, code);
        boolean child = s == Signal.SIGCHLD && sender;
        return new SignalInfo(s, code,
                sender ? m.get(ValueLayout.JAVA_INT, at + Signalfd.SSI_PID) : 0,
                sender ? m.get(ValueLayout.JAVA_INT, at + Signalfd.SSI_UID) : 0,
                SignalInfo.hasValue(code) ? m.get(ValueLayout.JAVA_INT, at + Signalfd.SSI_INT) : 0,
                child ? m.get(ValueLayout.JAVA_INT, at + Signalfd.SSI_STATUS) : 0);
    }

    // ---------------------------------------------------------------- thread masks

    /** Whether jipc runs its handler code here (false: only signals blocked in every thread can be caught). */
    boolean hasHandlerCode() {
        return stub != null;
    }

    private static long bit(int signal) {
        return 1L << (signal - 1);
    }

    /**
     * The signals blocked in every thread of this process now, as a mask (bit n-1 for signal n),
     * from each thread's {@code SigBlk} in {@code /proc/self/task/TID/status}. A thread that
     * ends meanwhile is skipped; one that starts inherits its creator's mask.
     */
    static long blockedInEveryThread() {
        long all = -1L;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                try {
                    for (String line : Files.readAllLines(task.resolve("status"), java.nio.charset.StandardCharsets.ISO_8859_1)) {
                        if (line.startsWith("SigBlk:")) {
                            all &= Long.parseUnsignedLong(line.substring(7).strip(), 16);
                            break;
                        }
                    }
                } catch (IOException gone) {
                    // the thread ended
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return all;
    }

    static boolean blockedInEveryThread(Signal s) {
        return (blockedInEveryThread() & bit(s.number())) != 0;
    }
}
