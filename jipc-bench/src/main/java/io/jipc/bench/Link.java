package io.jipc.bench;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * One end of a benchmarked exchange, as a mechanism provides it: sends and receives whole
 * messages of a fixed size. {@link Exchange} runs the same loops over every mechanism's link,
 * and {@code c/bench.h} runs them in C over the same mechanism.
 *
 * <p>Implementations call the jipc API the way an application would, and allocate nothing per
 * message. For handoff mechanisms (semaphores, mutexes, signals) a message is one handoff and the
 * bytes are ignored; such a link leaves {@code buf} as it is.
 */
public interface Link extends AutoCloseable {
    /**
     * Sends one message: all of {@code message} (a stream mechanism loops over short writes).
     * The segment is native and its size is the message size.
     */
    void send(MemorySegment message) throws IOException;

    /**
     * Receives one message, filling all of {@code message}, waiting as long as it takes (a stream
     * mechanism loops over short reads). End of file is an {@link IOException}. A link that holds
     * sent messages ({@link #flush()}) sends them first.
     */
    void receive(MemorySegment message) throws IOException;

    /**
     * Sends the messages {@link #send} has held back, if any: a batching link ({@code jipc-batch})
     * sends several per call, so it holds messages until it has a batch, until this is called
     * (at the end of every run of sends that the other side answers) or until it receives.
     */
    default void flush() throws IOException {}

    /** Closes this end and whatever it created; idempotent. */
    @Override
    void close() throws IOException;
}
