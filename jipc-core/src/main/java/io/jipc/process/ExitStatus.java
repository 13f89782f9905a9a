package io.jipc.process;

import io.jipc.signal.Signal;
import java.util.Optional;

/**
 * How a child process ended: it exited with a code, or a signal terminated it (possibly dumping
 * core), as {@code waitid(2)} reports it in {@code si_code}/{@code si_status}. See
 * <a href="https://man7.org/linux/man-pages/man2/waitid.2.html">waitid(2)</a>.
 *
 * @param exitCode     the exit code 0–255 when the process exited, -1 when a signal killed it
 * @param signalNumber the terminating signal's number, 0 when the process exited
 * @param coreDumped   whether the terminating signal dumped core
 */
public record ExitStatus(int exitCode, int signalNumber, boolean coreDumped) {
    public ExitStatus {
        boolean exited = signalNumber == 0 && exitCode >= 0 && exitCode <= 255 && !coreDumped;
        boolean killed = exitCode == -1 && signalNumber > 0 && signalNumber <= 64;
        if (!exited && !killed) {
            throw new IllegalArgumentException("either an exit code 0-255 and no signal, or exit code -1 and a signal 1-64; got "
                    + exitCode + ", " + signalNumber + (coreDumped ? ", core dumped" : ""));
        }
    }

    /** A process that called {@code exit(code)}. */
    public static ExitStatus exited(int code) {
        return new ExitStatus(code, 0, false);
    }

    /** A process terminated by a signal. */
    public static ExitStatus killed(int signalNumber, boolean coreDumped) {
        return new ExitStatus(-1, signalNumber, coreDumped);
    }

    /** Whether the process exited by itself (as opposed to being killed by a signal). */
    public boolean exited() {
        return signalNumber == 0;
    }

    /** Whether the process exited with code 0. */
    public boolean success() {
        return exitCode == 0;
    }

    /** The terminating signal; empty when the process exited (or for glibc's internal numbers 32 and 33). */
    public Optional<Signal> signal() {
        return signalNumber == 0 ? Optional.empty() : Signal.find(signalNumber);
    }

    /** Whether {@code signal} terminated the process. */
    public boolean killedBy(Signal signal) {
        return signalNumber == signal.number();
    }

    /** The status as a shell reports it in {@code $?}: the exit code, or 128 + the signal number. */
    public int shellStatus() {
        return exited() ? exitCode : 128 + signalNumber;
    }

    /** {@code exit 3}, {@code killed by SIGTERM}, {@code killed by SIGSEGV (core dumped)}. */
    @Override
    public String toString() {
        if (exited()) {
            return "exit " + exitCode;
        }
        String name = signal().map(Signal::signalName).orElse("signal " + signalNumber);
        return "killed by " + name + (coreDumped ? " (core dumped)" : "");
    }
}
