package io.jipc.signal;

import java.util.Collections;
import java.util.Set;

/**
 * A handler installed by {@link Signals#handle}: its signals go to it until {@link #close()},
 * which puts back what each signal did before — the JVM's handler, the default action, an
 * ignore, or an earlier jipc registration it had taken the signal from.
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/sigaction.2.html">sigaction(2)</a>
 */
public final class SignalRegistration implements AutoCloseable {
    private final SignalDispatcher dispatcher;
    private final SignalDispatcher.HandlerListener listener;

    SignalRegistration(SignalDispatcher dispatcher, SignalDispatcher.HandlerListener listener) {
        this.dispatcher = dispatcher;
        this.listener = listener;
    }

    /** The signals this registration handles. */
    public Set<Signal> signals() {
        return Collections.unmodifiableSet(listener.signals);
    }

    /** Whether {@link #close()} has not been called. */
    public boolean isOpen() {
        return listener.open;
    }

    /**
     * Stops handling: each signal goes back to what it did before this registration (a signal
     * already read and not yet handled is dropped; a handler already running finishes). Idempotent
     * and thread-safe; may be called from the handler itself.
     */
    @Override
    public void close() {
        dispatcher.remove(listener);
    }

    @Override
    public String toString() {
        return "SignalRegistration" + listener.signals + (isOpen() ? "" : " (closed)");
    }
}
