package io.jipc.signal;

import java.util.Locale;
import java.util.Optional;

/**
 * Every Linux signal: its number, its name, what the kernel does by default when it arrives, and
 * whether a process may catch, block or ignore it. See
 * <a href="https://man7.org/linux/man-pages/man7/signal.7.html">signal(7)</a>.
 *
 * <p>Sending, handling and waiting for signals: {@link Signals}, {@link SignalCatcher}.
 *
 * <p>The numbers are Linux's on x86_64 and aarch64 (the generic table). The real-time signals
 * run from {@link #SIGRTMIN} (34) to {@link #SIGRTMAX} (64), named as {@code kill -l} names
 * them: {@code SIGRTMIN+1} … {@code SIGRTMIN+15}, {@code SIGRTMAX-14} … {@code SIGRTMAX-1}.
 * Numbers 32 and 33 exist in the kernel but glibc keeps them for its threads implementation;
 * they have no constant here.
 */
public enum Signal {
    SIGHUP(1, Action.TERMINATE,
            "hangup: the controlling terminal went away; daemons take it as \"reload your configuration\""),
    SIGINT(2, Action.TERMINATE,
            "interrupt from the keyboard (Ctrl-C)"),
    SIGQUIT(3, Action.CORE,
            "quit from the keyboard (Ctrl-\\); a JVM prints a thread dump"),
    SIGILL(4, Action.CORE,
            "illegal instruction"),
    SIGTRAP(5, Action.CORE,
            "trace or breakpoint trap"),
    /** Also known as SIGIOT. */
    SIGABRT(6, Action.CORE,
            "abort(3)"),
    SIGBUS(7, Action.CORE,
            "bus error: access to a page of a mapped file beyond its end"),
    SIGFPE(8, Action.CORE,
            "arithmetic error, such as integer division by zero"),
    /** Cannot be caught, blocked or ignored. */
    SIGKILL(9, Action.TERMINATE,
            "kill: ends the process; cannot be caught, blocked or ignored"),
    SIGUSR1(10, Action.TERMINATE,
            "user-defined signal 1"),
    SIGSEGV(11, Action.CORE,
            "invalid memory reference"),
    SIGUSR2(12, Action.TERMINATE,
            "user-defined signal 2"),
    SIGPIPE(13, Action.TERMINATE,
            "write to a pipe or socket nobody reads any more"),
    SIGALRM(14, Action.TERMINATE,
            "timer set by alarm(2) expired"),
    SIGTERM(15, Action.TERMINATE,
            "termination request: the polite way to stop a process"),
    SIGSTKFLT(16, Action.TERMINATE,
            "stack fault on a coprocessor (unused on Linux)"),
    /** Also known as SIGCLD. */
    SIGCHLD(17, Action.IGNORE,
            "a child process exited, was stopped or continued"),
    SIGCONT(18, Action.CONTINUE,
            "continue a stopped process"),
    /** Cannot be caught, blocked or ignored. */
    SIGSTOP(19, Action.STOP,
            "stop the process; cannot be caught, blocked or ignored"),
    SIGTSTP(20, Action.STOP,
            "stop from the keyboard (Ctrl-Z)"),
    SIGTTIN(21, Action.STOP,
            "a background process read from its terminal"),
    SIGTTOU(22, Action.STOP,
            "a background process wrote to its terminal"),
    SIGURG(23, Action.IGNORE,
            "urgent (out-of-band) data on a socket"),
    SIGXCPU(24, Action.CORE,
            "CPU time limit (RLIMIT_CPU) exceeded"),
    SIGXFSZ(25, Action.CORE,
            "file size limit (RLIMIT_FSIZE) exceeded"),
    SIGVTALRM(26, Action.TERMINATE,
            "virtual timer (setitimer ITIMER_VIRTUAL) expired"),
    SIGPROF(27, Action.TERMINATE,
            "profiling timer expired"),
    SIGWINCH(28, Action.IGNORE,
            "the terminal's window size changed"),
    /** Also known as SIGPOLL. */
    SIGIO(29, Action.TERMINATE,
            "I/O is possible on a descriptor (O_ASYNC)"),
    SIGPWR(30, Action.TERMINATE,
            "power failure"),
    SIGSYS(31, Action.CORE,
            "bad system call (seccomp, or a number the kernel does not know)"),
    SIGRTMIN(34),
    SIGRTMIN_1(35),
    SIGRTMIN_2(36),
    SIGRTMIN_3(37),
    SIGRTMIN_4(38),
    SIGRTMIN_5(39),
    SIGRTMIN_6(40),
    SIGRTMIN_7(41),
    SIGRTMIN_8(42),
    SIGRTMIN_9(43),
    SIGRTMIN_10(44),
    SIGRTMIN_11(45),
    SIGRTMIN_12(46),
    SIGRTMIN_13(47),
    SIGRTMIN_14(48),
    SIGRTMIN_15(49),
    SIGRTMAX_14(50),
    SIGRTMAX_13(51),
    SIGRTMAX_12(52),
    SIGRTMAX_11(53),
    SIGRTMAX_10(54),
    SIGRTMAX_9(55),
    SIGRTMAX_8(56),
    SIGRTMAX_7(57),
    SIGRTMAX_6(58),
    SIGRTMAX_5(59),
    SIGRTMAX_4(60),
    SIGRTMAX_3(61),
    SIGRTMAX_2(62),
    SIGRTMAX_1(63),
    SIGRTMAX(64);

    /**
     * What the kernel does with a signal whose disposition is the default (signal(7)).
     *
     * @see <a href="https://man7.org/linux/man-pages/man7/signal.7.html">signal(7)</a>
     */
    public enum Action {
        /** Terminate the process ("Term"). */
        TERMINATE,
        /** Terminate the process and dump core ("Core"). */
        CORE,
        /** Ignore the signal ("Ign"). */
        IGNORE,
        /** Stop the process ("Stop"). */
        STOP,
        /** Continue a stopped process ("Cont"). */
        CONTINUE
    }

    private static final Signal[] BY_NUMBER = new Signal[65];

    static {
        for (Signal s : values()) {
            BY_NUMBER[s.number] = s;
        }
    }

    private final int number;
    private final Action defaultAction;
    private final String signalName;
    private final String description;

    Signal(int number, Action defaultAction, String description) {
        this.number = number;
        this.defaultAction = defaultAction;
        this.signalName = name();
        this.description = description;
    }

    /** A real-time signal: terminates by default, named {@code SIGRTMIN+n} / {@code SIGRTMAX-n}. */
    Signal(int number) {
        this.number = number;
        this.defaultAction = Action.TERMINATE;
        this.signalName = name().replace("MIN_", "MIN+").replace("MAX_", "MAX-");
        this.description = "real-time signal: no fixed meaning; queued, each carries a value";
    }

    /** The signal's number on Linux. */
    public int number() {
        return number;
    }

    /** The name as C and {@code kill -l} spell it: {@code SIGUSR1}, {@code SIGRTMIN+3}. */
    public String signalName() {
        return signalName;
    }

    /** What the signal means, in one line (after signal(7)): {@code "termination request: ..."}. */
    public String description() {
        return description;
    }

    /** What happens when the signal arrives and its disposition is the default. */
    public Action defaultAction() {
        return defaultAction;
    }

    /** Whether a process can catch, block or ignore it: every signal but SIGKILL and SIGSTOP. */
    public boolean catchable() {
        return this != SIGKILL && this != SIGSTOP;
    }

    /**
     * Whether this is a POSIX real-time signal (queued, carries a value, no fixed meaning). The
     * others, the standard signals, are not queued: one sent again while the first is still
     * pending is merged into it.
     */
    public boolean realTime() {
        return number >= SIGRTMIN.number;
    }

    /** The signal with this number, if Linux has one (1–31, 34–64). */
    public static Optional<Signal> find(int number) {
        return number > 0 && number < BY_NUMBER.length ? Optional.ofNullable(BY_NUMBER[number]) : Optional.empty();
    }

    /**
     * The signal with this number.
     *
     * @throws IllegalArgumentException for a number that is not a signal (allowed: 1–31, 34–64)
     */
    public static Signal of(int number) {
        return find(number).orElseThrow(() -> new IllegalArgumentException(
                "no signal numbered " + number + " (allowed: 1-31 and 34-64)"));
    }

    /**
     * Reads a signal as people write it: a name with or without {@code SIG} in any case
     * ({@code USR1}, {@code sigusr1}, {@code SIGRTMIN+2}), the old aliases ({@code IOT},
     * {@code POLL}, {@code CLD}), or a number ({@code 10}).
     *
     * @throws IllegalArgumentException when it is none of those
     */
    public static Signal parse(String text) {
        String t = text.strip().toUpperCase(Locale.ROOT);
        if (!t.isEmpty() && t.chars().allMatch(Character::isDigit)) {
            try {
                return of(Integer.parseInt(t));
            } catch (NumberFormatException tooBig) {
                throw new IllegalArgumentException("no signal numbered " + text);
            }
        }
        String name = t.startsWith("SIG") ? t : "SIG" + t;
        switch (name) {
            case "SIGIOT":
                return SIGABRT;
            case "SIGPOLL":
                return SIGIO;
            case "SIGCLD":
                return SIGCHLD;
            default:
                break;
        }
        for (Signal s : values()) {
            if (s.signalName.equals(name) || s.name().equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown signal \"" + text
                + "\": use a name such as USR1 or SIGTERM, SIGRTMIN+N, or a number 1-31 or 34-64");
    }

    /** The C name, e.g. {@code SIGTERM}. */
    @Override
    public String toString() {
        return signalName;
    }
}
