package io.jipc.signal;

import io.jipc.IpcException;
import io.jipc.internal.libc.SignalH;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Sending signals, and handling them on a Java thread.
 *
 * <pre>{@code
 * Signals.send(pid, Signal.SIGTERM);                 // kill(2)
 * Signals.queue(pid, Signal.SIGRTMIN_1, 42);         // sigqueue(3): the receiver gets 42
 *
 * try (SignalRegistration r = Signals.handle(Signal.SIGHUP,
 *         info -> reload.set(true))) {                // on jipc's dispatch thread, never in signal context
 *     ...
 * }                                                  // SIGHUP does again what it did before
 * }</pre>
 *
 * To send to a process that can never be confused with another that reuses its pid, hold it by
 * its pidfd: {@link io.jipc.process.ChildProcess#signal}, {@link io.jipc.process.PidFd#signal}.
 * To wait for signals in a thread of your own (or in a {@link io.jipc.poll.Poller}), use a
 * {@link SignalCatcher}. How a signal reaches the handler, and what is known about its sender,
 * is in the package documentation.
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/kill.2.html">kill(2)</a>
 * @see <a href="https://man7.org/linux/man-pages/man3/sigqueue.3.html">sigqueue(3)</a>
 * @see <a href="https://man7.org/linux/man-pages/man3/killpg.3.html">killpg(3)</a>
 * @see <a href="https://man7.org/linux/man-pages/man7/signal.7.html">signal(7)</a>
 */
public final class Signals {
    private Signals() {}

    /**
     * Sends {@code signal} to process {@code pid}
     * (<a href="https://man7.org/linux/man-pages/man2/kill.2.html">kill(2)</a>). The receiver sees
     * {@link SignalInfo.Origin#KILL} with this process's pid and uid.
     *
     * @param pid a process id, above 0 (0 and negative numbers mean groups: {@link #sendToGroup})
     * @throws IpcException ESRCH if there is no such process, EPERM if this user may not signal it
     */
    public static void send(long pid, Signal signal) throws IpcException {
        int p = checkPid(pid, "pid");
        int r = SignalH.kill(p, Objects.requireNonNull(signal, "signal").number());
        if (r < 0) {
            throw IpcException.of("kill", Long.toString(pid), -r);
        }
    }

    /**
     * Sends {@code signal} to every process of process group {@code processGroup}
     * (<a href="https://man7.org/linux/man-pages/man3/killpg.3.html">killpg(3)</a>): a shell job,
     * or the children a {@link io.jipc.process.ChildProcessBuilder#newProcessGroup()} started.
     *
     * @throws IpcException ESRCH if the group has no process, EPERM if this user may signal none of them
     */
    public static void sendToGroup(long processGroup, Signal signal) throws IpcException {
        int g = checkPid(processGroup, "process group");
        int r = SignalH.killpg(g, Objects.requireNonNull(signal, "signal").number());
        if (r < 0) {
            throw IpcException.of("killpg", Long.toString(processGroup), -r);
        }
    }

    /**
     * Sends {@code signal} with an int {@code value} to process {@code pid}
     * (<a href="https://man7.org/linux/man-pages/man3/sigqueue.3.html">sigqueue(3)</a>). The
     * receiver sees {@link SignalInfo.Origin#QUEUE}, this process's pid and uid, and the value
     * (a C program in {@code si_value.sival_int}). Real-time signals queue: each one sent is
     * received; a standard one merges with one of its kind still pending.
     *
     * @throws IpcException ESRCH if there is no such process, EPERM if this user may not signal
     *                      it, EAGAIN if the receiver's user has as many signals queued as its
     *                      {@code RLIMIT_SIGPENDING} allows
     */
    public static void queue(long pid, Signal signal, int value) throws IpcException {
        int p = checkPid(pid, "pid");
        int r = SignalH.sigqueue(p, Objects.requireNonNull(signal, "signal").number(), value);
        if (r < 0) {
            throw IpcException.of("sigqueue", Long.toString(pid), -r);
        }
    }

    /**
     * Handles {@code signal} with {@code handler}, on jipc's dispatch thread, until the returned
     * registration is closed, which restores what the signal did before. A later registration
     * (or {@link SignalCatcher}) for the same signal takes it over until that one is closed.
     *
     * @throws IllegalArgumentException for a signal that cannot be caught here, saying why:
     *                                  SIGKILL and SIGSTOP, and those this JVM or jipc keeps for
     *                                  itself ({@link #reservation})
     * @throws IpcException if jipc's handler cannot be installed (see the package documentation)
     */
    public static SignalRegistration handle(Signal signal, SignalHandler handler) throws IpcException {
        return handle(EnumSet.of(Objects.requireNonNull(signal, "signal")), handler);
    }

    /** Handles each of {@code signals} with {@code handler}; see {@link #handle(Signal, SignalHandler)}. */
    public static SignalRegistration handle(Set<Signal> signals, SignalHandler handler) throws IpcException {
        Objects.requireNonNull(handler, "handler");
        checkSignals(signals);
        SignalDispatcher d = SignalDispatcher.get();
        SignalDispatcher.HandlerListener l = new SignalDispatcher.HandlerListener(signals, handler);
        d.add(l);
        return new SignalRegistration(d, l);
    }

    /**
     * Why jipc cannot catch {@code signal} in this JVM, or empty if it can: SIGKILL and SIGSTOP
     * can never be caught; SIGSEGV, SIGBUS, SIGFPE and SIGILL are HotSpot's (implicit exceptions,
     * crash reports), SIGQUIT too (thread dumps) unless the JVM runs with {@code -Xrs}, SIGUSR2
     * (thread suspension; {@code _JAVA_SR_SIGNUM} moves it), SIGRTMAX-2 is NIO's, and one
     * real-time signal is jipc's own (normally SIGRTMAX-3). SIGHUP, SIGINT and SIGTERM are free:
     * a handler replaces the JVM's shutdown on them until it is closed.
     */
    public static Optional<String> reservation(Signal signal) {
        return Optional.ofNullable(Reservations.why(Objects.requireNonNull(signal, "signal")));
    }

    /**
     * How many signals jipc has had to drop because they came faster than they were handled or
     * received: more than {@value SignalDispatcher#QUEUE_LIMIT} waiting for handlers, or for one
     * catcher, or in the dispatch pipe. 0 unless a flood of real-time signals outran the reader;
     * the kernel's own queue has a limit too ({@code RLIMIT_SIGPENDING}, which makes sigqueue
     * fail with EAGAIN).
     */
    public static long lost() {
        SignalDispatcher d = SignalDispatcher.existing();
        return d == null ? 0 : d.lost();
    }

    /** Refuses, before anything is made, no signals and signals that cannot be caught here. */
    static void checkSignals(Set<Signal> signals) {
        Objects.requireNonNull(signals, "signals");
        if (signals.isEmpty()) {
            throw new IllegalArgumentException("no signal given");
        }
        for (Signal s : signals) {
            String why = Reservations.why(Objects.requireNonNull(s, "signal"));
            if (why != null) {
                throw new IllegalArgumentException(why);
            }
        }
    }

    private static int checkPid(long pid, String what) {
        if (pid <= 0 || pid > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a " + what + " is a number from 1 to " + Integer.MAX_VALUE + ", got " + pid);
        }
        return (int) pid;
    }
}
