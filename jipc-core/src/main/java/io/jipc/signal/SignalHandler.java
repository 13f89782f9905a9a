package io.jipc.signal;

/**
 * What to do when a signal arrives, run by {@link Signals#handle} on jipc's dispatch thread
 * ({@code jipc-signal-dispatch}) — an ordinary Java thread, never in signal context: a handler
 * may allocate, take locks, log, do I/O and send signals. One handler runs at a time, in the
 * order the signals were read; a handler that takes long delays the others (signals go on being
 * read meanwhile, between handlers). Hand long work to another thread.
 *
 * <p>An exception a handler throws goes to the dispatch thread's uncaught-exception handler (by
 * default: printed on standard error); dispatching goes on.
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/sigaction.2.html">sigaction(2)</a>
 * @see <a href="https://man7.org/linux/man-pages/man7/signal-safety.7.html">signal-safety(7)</a>
 */
@FunctionalInterface
public interface SignalHandler {
    /** Handles one signal; {@code info} says who sent it and with what value. */
    void handle(SignalInfo info) throws Exception;
}
