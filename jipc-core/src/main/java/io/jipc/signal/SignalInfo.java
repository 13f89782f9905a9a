package io.jipc.signal;

import io.jipc.internal.libc.SignalH;
import java.util.Objects;

/**
 * One signal as it arrived, with what the kernel says about it ({@code siginfo_t}): who sent it
 * and, for {@code sigqueue}, the value sent with it. jipc hands one to a {@link SignalHandler}
 * and returns one from a {@link SignalCatcher}, for every signal it delivers, by either of its
 * two ways (see the package documentation): the kernel's record is the same.
 *
 * <p>What the fields mean depends on the {@link #origin()}:
 * <table>
 *   <caption>siginfo by origin</caption>
 *   <tr><th>origin</th><th>{@link #pid()}, {@link #uid()}</th><th>{@link #value()}</th></tr>
 *   <tr><td>{@link Origin#KILL} (kill, killpg, pidfd_send_signal)</td><td>the sender's pid and real uid</td><td>0</td></tr>
 *   <tr><td>{@link Origin#QUEUE} (sigqueue)</td><td>the sender's pid and real uid</td><td>the value sent</td></tr>
 *   <tr><td>{@link Origin#THREAD} (tgkill, pthread_kill)</td><td>the sender's pid and real uid</td><td>0</td></tr>
 *   <tr><td>{@link Origin#MESSAGE_QUEUE} (mq_notify)</td><td>the process that sent the message</td><td>the {@code sigev_value}</td></tr>
 *   <tr><td>{@link Origin#TIMER} (timer_create)</td><td>0</td><td>the {@code sigev_value}</td></tr>
 *   <tr><td>{@link Origin#KERNEL}: SIGCHLD</td><td>the child's pid and uid</td><td>0; {@link #status()} is the exit status or the signal</td></tr>
 *   <tr><td>{@link Origin#KERNEL}, {@link Origin#OTHER}: anything else</td><td>0</td><td>0</td></tr>
 * </table>
 * The pid is as this process's pid namespace sees it (0 for a sender outside it). A standard
 * signal (not {@link Signal#realTime()}) sent again while the first is still pending is merged
 * into it, by the kernel and by jipc alike: the first one's record is the one delivered.
 *
 * @param signal the signal
 * @param code   the raw {@code si_code}: {@code SI_USER} 0, {@code SI_QUEUE} -1, {@code
 *               SI_TKILL} -6, ..., or the signal's own positive codes ({@code CLD_EXITED}...)
 * @param pid    the sending process (or the child, for SIGCHLD); 0 when there is none
 * @param uid    its real user id; 0 when there is no sender (check {@link #hasSender()})
 * @param value  the {@code sival_int} sent with {@link Origin#QUEUE}, {@link Origin#TIMER} and
 *               {@link Origin#MESSAGE_QUEUE}; 0 otherwise
 * @param status for SIGCHLD, the child's exit status ({@code CLD_EXITED}) or the signal that
 *               stopped or ended it; 0 otherwise
 * @see <a href="https://man7.org/linux/man-pages/man2/sigaction.2.html">sigaction(2), "The siginfo_t argument"</a>
 */
public record SignalInfo(Signal signal, int code, int pid, int uid, int value, int status) {
    /**
     * Who or what raised a signal, from its {@code si_code}.
     *
     * @see <a href="https://man7.org/linux/man-pages/man2/sigaction.2.html">sigaction(2)</a>
     */
    public enum Origin {
        /** {@code kill(2)}, {@code killpg}, {@code raise}, {@code pidfd_send_signal} ({@code SI_USER}). */
        KILL,
        /** {@code sigqueue(3)}, with a value ({@code SI_QUEUE}). */
        QUEUE,
        /** {@code tgkill(2)}, {@code pthread_kill}: sent to one thread ({@code SI_TKILL}). */
        THREAD,
        /** A POSIX timer expired ({@code SI_TIMER}). */
        TIMER,
        /** A message arrived on an empty POSIX queue with {@code mq_notify} ({@code SI_MESGQ}). */
        MESSAGE_QUEUE,
        /** The kernel: a child's state change, a terminal, a fault ({@code SI_KERNEL} or a positive code). */
        KERNEL,
        /** Anything else ({@code SI_ASYNCIO}, {@code SI_SIGIO}...). */
        OTHER
    }

    public SignalInfo {
        Objects.requireNonNull(signal, "signal");
    }

    /** Who or what raised the signal. */
    public Origin origin() {
        return switch (code) {
            case SignalH.SI_USER -> Origin.KILL;
            case SignalH.SI_QUEUE -> Origin.QUEUE;
            case SignalH.SI_TKILL -> Origin.THREAD;
            case SignalH.SI_TIMER -> Origin.TIMER;
            case SignalH.SI_MESGQ -> Origin.MESSAGE_QUEUE;
            default -> code > 0 ? Origin.KERNEL : Origin.OTHER;
        };
    }

    /** Whether {@link #pid()} and {@link #uid()} name a process (a sender, or SIGCHLD's child). */
    public boolean hasSender() {
        return hasSender(signal, code);
    }

    static boolean hasSender(Signal signal, int code) {
        return code == SignalH.SI_USER || code == SignalH.SI_QUEUE || code == SignalH.SI_TKILL
                || code == SignalH.SI_MESGQ || (signal == Signal.SIGCHLD && code > 0 && code < SignalH.SI_KERNEL);
    }

    static boolean hasValue(int code) {
        return code == SignalH.SI_QUEUE || code == SignalH.SI_TIMER || code == SignalH.SI_MESGQ;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(signal.signalName()).append(" (").append(origin());
        if (hasSender()) {
            b.append(" from pid ").append(pid).append(" uid ").append(uid);
        }
        if (hasValue(code)) {
            b.append(", value ").append(value);
        }
        if (signal == Signal.SIGCHLD && hasSender()) {
            b.append(", status ").append(status);
        }
        return b.append(')').toString();
    }
}
