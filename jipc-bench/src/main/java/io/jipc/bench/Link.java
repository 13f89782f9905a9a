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
     * Sends one message: the first {@code size} bytes of {@code buf}, all of them (a stream
     * mechanism loops over short writes).
     */
    void send(MemorySegment buf, int size) throws IOException;

    /**
     * Receives one message of exactly {@code size} bytes into {@code buf}, waiting as long as it
     * takes (a stream mechanism loops over short reads). End of file is an {@link IOException}.
     */
    void receive(MemorySegment buf, int size) throws IOException;

    /** Closes this end and whatever it created; idempotent. */
    @Override
    void close() throws IOException;
}
