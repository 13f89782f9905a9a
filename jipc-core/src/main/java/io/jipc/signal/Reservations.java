package io.jipc.signal;

import io.jipc.internal.libc.SignalH;
import io.jipc.internal.wait.Waiter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The signals jipc will not catch, and why: those no process can catch, and those this JVM (HotSpot,
 * as in JDK 25) and jipc itself keep for their own work. Found by looking, on JDK 25, at which
 * signals a JVM has handlers for ({@code SigCgt} in {@code /proc/self/status}: 1, 2, 3, 4, 7, 8,
 * 11, 12, 13, 15, 25, 62 and glibc's 33; with {@code -Xrs}: 4, 7, 8, 11, 12, 13, 25, 62, 33) and at
 * HotSpot's own list (its {@code JVM_RegisterSignal} refuses the same ones).
 *
 * <p>Not reserved, although the JVM has handlers for them: SIGHUP, SIGINT and SIGTERM (its
 * shutdown: jipc's handler replaces the JVM's until closed, as {@code sun.misc.Signal} allows),
 * SIGPIPE and SIGXFSZ (the JVM's handlers only ignore them; a write then fails with EPIPE or
 * EFBIG, jipc's handler or not).
 */
final class Reservations {
    private Reservations() {}

    /** Why {@code signal} cannot be caught here, or null if it can. */
    static String why(Signal signal) {
        SignalDispatcher d = SignalDispatcher.existing();
        return why(signal, d != null && d.catches(signal));
    }

    /** Why {@code signal} cannot be caught here, or null if it can. {@code ours}: jipc has it now. */
    static String why(Signal signal, boolean ours) {
        String name = signal.signalName();
        switch (signal) {
            case SIGKILL, SIGSTOP -> {
                return name + " can never be caught: the kernel acts on it itself"
                        + " (it cannot be caught, blocked or ignored; see signal(7))";
            }
            case SIGSEGV -> {
                return name + " is the JVM's: it turns it into NullPointerException and stack overflow"
                        + " errors, and reports crashes with it";
            }
            case SIGBUS -> {
                return name + " is the JVM's: it turns an access past the end of a mapped file into an InternalError,"
                        + " and reports crashes with it";
            }
            case SIGFPE -> {
                return name + " is the JVM's: it turns integer division by zero into ArithmeticException";
            }
            case SIGILL -> {
                return name + " is the JVM's: its compiled code and crash reporting use it";
            }
            case SIGQUIT -> {
                if (!ours && hasForeignHandler(signal.number())) {
                    return name + " is the JVM's: it prints a thread dump (kill -3, Ctrl-\\); a JVM started with -Xrs"
                            + " leaves it free";
                }
                return null;
            }
            default -> {
                // the cases below depend on the run
            }
        }
        if (signal.number() == suspendResumeSignal()) {
            return name + " is the JVM's: HotSpot suspends and resumes threads with it (its SR signal;"
                    + " _JAVA_SR_SIGNUM=N in the environment moves it to N)";
        }
        int rtmax = SignalH.sigrtmax();
        if (signal.number() == rtmax - 2) {
            return name + " is the JDK's: NIO wakes threads blocked in channel I/O with it";
        }
        if (signal.number() == Waiter.signal()) {
            return name + " is jipc's: it wakes threads blocked in jipc calls for close() and interrupt()"
                    + " (-Dio.jipc.wakeSignal=N moves it)";
        }
        return null;
    }

    /**
     * HotSpot's suspend/resume signal: SIGUSR2, or {@code _JAVA_SR_SIGNUM} when that names a
     * signal HotSpot accepts (above SIGSEGV and SIGBUS, below 65; checked on JDK 25).
     */
    static int suspendResumeSignal() {
        String env = System.getenv("_JAVA_SR_SIGNUM");
        if (env != null) {
            try {
                int n = Integer.parseInt(env.strip());
                if (n > Signal.SIGSEGV.number() && n <= SignalH.NSIG_MAX) {
                    return n;
                }
            } catch (NumberFormatException ignored) {
                // HotSpot ignores it too (with a warning) and keeps SIGUSR2
            }
        }
        return Signal.SIGUSR2.number();
    }

    /** Whether someone other than jipc has a handler (not SIG_DFL, not SIG_IGN) for {@code signal}. */
    private static boolean hasForeignHandler(int signal) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment old = a.allocate(SignalH.SIGACTION.layout());
            if (SignalH.sigaction(signal, MemorySegment.NULL, old) < 0) {
                return false;
            }
            long handler = old.get(ValueLayout.ADDRESS, SignalH.SA_HANDLER).address();
            return handler != SignalH.SIG_DFL && handler != SignalH.SIG_IGN;
        }
    }
}
