package io.jipc.mq;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * A POSIX queue message with its priority: the convenience form of {@link PosixMessageQueue}'s
 * receive (it allocates; the forms taking a buffer and a {@link Envelope} do not).
 *
 * @param priority 0 (lowest) to 32767; higher priorities are received first
 * @param data     the payload (the record does not copy it)
 * @see <a href="https://man7.org/linux/man-pages/man3/mq_receive.3.html">mq_receive(3)</a>
 */
public record PosixMessage(int priority, byte[] data) {
    public PosixMessage {
        Objects.requireNonNull(data, "data");
        PosixMessageQueue.checkPriority(priority);
    }

    /** The payload decoded as UTF-8 (malformed input replaced). */
    public String text() {
        return new String(data, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PosixMessage m && m.priority == priority && Arrays.equals(m.data, data);
    }

    @Override
    public int hashCode() {
        return 31 * priority + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "PosixMessage[priority=" + priority + ", " + data.length + " bytes]";
    }
}
