/**
 * Linux signals: the {@link io.jipc.signal.Signal} enum of every signal with its number, name and
 * default action.
 *
 * <pre>{@code
 * Signal s = Signal.parse("USR1");            // SIGUSR1, number 10
 * child.signal(Signal.SIGTERM);               // io.jipc.process.ChildProcess
 * if (status.signal() == Signal.SIGKILL) ...  // io.jipc.process.ExitStatus
 * }</pre>
 */
package io.jipc.signal;
