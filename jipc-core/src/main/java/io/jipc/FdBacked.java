package io.jipc;

/**
 * A jipc object that lives on a file descriptor (pipes, FIFOs, sockets, POSIX queues, memfds,
 * pidfds...), or an {@link Fd} itself: it can be passed to another process over a UNIX socket,
 * handed to a child process at a chosen number, and watched by a poller.
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/unix.7.html">unix(7)</a>
 * @see <a href="https://man7.org/linux/man-pages/man3/posix_spawn.3.html">posix_spawn(3)</a>
 */
public interface FdBacked extends AutoCloseable {
    /** The owned descriptor behind this object; closing it closes the object. */
    Fd fd();

    /** Closes the object and its descriptor; idempotent, never throws. */
    @Override
    void close();
}
