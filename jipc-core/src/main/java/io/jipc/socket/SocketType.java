package io.jipc.socket;

import io.jipc.internal.libc.Socket;

/**
 * The three kinds of UNIX-domain socket ({@code SOCK_STREAM}, {@code SOCK_DGRAM}, {@code
 * SOCK_SEQPACKET}).
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/unix.7.html">unix(7)</a>
 */
public enum SocketType {
    /** A connected byte stream: no message boundaries, end of stream when the peer shuts down. */
    STREAM(Socket.SOCK_STREAM),
    /** Datagrams: boundaries kept, reliable and ordered on Linux, connection optional. */
    DGRAM(Socket.SOCK_DGRAM),
    /** A connection carrying records: boundaries kept, like DGRAM, but connected, like STREAM. */
    SEQPACKET(Socket.SOCK_SEQPACKET);

    final int value;

    SocketType(int value) {
        this.value = value;
    }

    /** Whether the type needs connect/accept (STREAM and SEQPACKET). */
    public boolean isConnectionOriented() {
        return this != DGRAM;
    }

    /** Whether the type keeps message boundaries (DGRAM and SEQPACKET). */
    public boolean keepsBoundaries() {
        return this != STREAM;
    }

    /** The type for a command-line word: {@code stream}, {@code dgram} or {@code seqpacket}. */
    public static SocketType parse(String text) {
        return switch (text) {
            case "stream" -> STREAM;
            case "dgram" -> DGRAM;
            case "seqpacket" -> SEQPACKET;
            default -> throw new IllegalArgumentException("socket type is stream, dgram or seqpacket, not " + text);
        };
    }

    static SocketType of(int value) {
        for (SocketType t : values()) {
            if (t.value == value) {
                return t;
            }
        }
        throw new IllegalArgumentException("not a UNIX socket type jipc knows: " + value);
    }
}
