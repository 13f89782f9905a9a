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
     * mechanism loops over short reads). End of file is an {@link IOException}.
     */
    void receive(MemorySegment message) throws IOException;

    /** Closes this end and whatever it created; idempotent. */
    @Override
    void close() throws IOException;
}
