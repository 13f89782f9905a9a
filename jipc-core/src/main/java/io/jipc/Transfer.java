package io.jipc;

/**
 * The two answers a count-returning read, write, send or receive gives besides a count, the same
 * on every mechanism (pipes, FIFOs, sockets, queues).
 *
 * <p>A blocking call ({@code read}, {@code receive}) returns a count, or {@link #EOF} on a stream
 * whose other end has closed. Its {@code try} forms ({@code tryRead(…)}, {@code tryReceive(…,
 * Duration)}, {@code trySend(…)} on a stream) return {@link #NOTHING} when nothing was moved —
 * nothing there yet, no room, or the time ran out — so that an empty datagram or record (a count
 * of 0) and the end of a stream can never be mistaken for it. Sends of whole messages answer
 * {@code false} instead, and receives of whole objects an empty {@link java.util.Optional}.
 * <pre>{@code
 * int n = socket.tryReceive(buffer, Duration.ofMillis(50));
 * if (n == Transfer.NOTHING) { ... nothing came in 50 ms ... }
 * else if (n == Transfer.EOF) { ... the peer closed ... }
 * else { ... n bytes ... }
 * }</pre>
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/read.2.html">read(2)</a>
 * @see <a href="https://man7.org/linux/man-pages/man2/write.2.html">write(2)</a>
 */
public final class Transfer {
    private Transfer() {}

    /** The other end has closed: no more data will come (read(2)'s 0, NIO's -1). */
    public static final int EOF = -1;

    /** Nothing was moved: no data or room now, or none before the timeout. */
    public static final int NOTHING = -2;
}
