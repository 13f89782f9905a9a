package io.jipc.mq;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * A System V queue message with its type: the convenience form of {@link SysVMessageQueue}'s
 * receive (it allocates; the forms taking a buffer and a {@link Envelope} do not).
 *
 * @param type a positive number the receiver can select on ({@link TypeSelector})
 * @param data the payload (the record does not copy it)
 * @see <a href="https://man7.org/linux/man-pages/man2/msgrcv.2.html">msgrcv(2)</a>
 */
public record SysVMessage(long type, byte[] data) {
    public SysVMessage {
        Objects.requireNonNull(data, "data");
        SysVMessageQueue.checkType(type);
    }

    /** The payload decoded as UTF-8 (malformed input replaced). */
    public String text() {
        return new String(data, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SysVMessage m && m.type == type && Arrays.equals(m.data, data);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(type) * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "SysVMessage[type=" + type + ", " + data.length + " bytes]";
    }
}
