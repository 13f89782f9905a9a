package io.jipc.socket;

import static io.jipc.internal.libc.Errnos.ECONNABORTED;
import static io.jipc.internal.libc.Errnos.EINTR;

import io.jipc.Fd;
import io.jipc.IpcException;
import io.jipc.Perms;
import io.jipc.internal.libc.Poll;
import io.jipc.internal.libc.Socket;
import io.jipc.internal.wait.Attempt;
import io.jipc.internal.wait.Deadline;
import io.jipc.internal.wait.Handle;
import io.jipc.internal.wait.Handles;
import io.jipc.internal.wait.Operation;
import java.lang.foreign.MemorySegment;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A listening UNIX-domain socket, STREAM or SEQPACKET: {@code socket(2)}, {@code bind(2)},
 * {@code listen(2)}, then {@code accept4(2)} for each connection.
 *
 * <pre>{@code
 * try (UnixServerSocket server = UnixServerSocket.bind(UnixAddress.parse("/run/app.sock"),
 *         UnixServerSocket.Options.defaults().withReplaceStale(true))) {
 *     try (UnixSocket client = server.accept()) { ... }
 * }
 * }</pre>
 *
 * <p><b>Accepting.</b> {@link #accept()} waits as long as it takes, {@link #tryAccept()} never
 * waits, {@link #tryAccept(Duration)} waits at most that long; the try forms answer an empty
 * {@link Optional} when no connection came. An untimed accept sleeps inside accept4(2), as in C.
 * accept4 has no per-call non-blocking flag, so the first accept that must not sleep in the
 * kernel (a try form, or a thread without its wake-up timer) sets O_NONBLOCK on the listening
 * socket, and from then on every accept waits in poll(2) instead (one failed call and a poll more
 * per connection waited for). Close and interrupt end either wait.
 *
 * <p><b>The socket file.</b> Binding a path creates a socket file with mode 0600 by default
 * ({@link Options#withMode}), never wider at any moment. It stays after {@link #close()} (the rule
 * for every named jipc object) unless {@link Options#withUnlinkOnClose} says otherwise; {@link
 * #unlink()} removes it, and only if it is still the file this socket created.
 *
 * <p><b>Stale files.</b> A server that died leaves its socket file behind, and bind then fails with
 * EADDRINUSE. {@link Options#withReplaceStale} checks the file: if nothing is bound to it any more
 * (a connect gets ECONNREFUSED) it is removed and the bind retried; a live server's socket is never
 * touched. Abstract names have no such problem: the kernel frees them with the last socket.
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/unix.7.html">unix(7)</a>
 */
public final class UnixServerSocket extends AbstractUnixSocket {
    /**
     * How a server is bound.
     *
     * @param type            STREAM or SEQPACKET
     * @param backlog         connections the kernel queues before {@link #accept()} takes them
     *                        (capped by {@code /proc/sys/net/core/somaxconn})
     * @param mode            the socket file's permissions (connecting needs write permission);
     *                        ignored for abstract names, which have none
     * @param replaceStale    replace a socket file whose server is gone (see the class comment);
     *                        never a live one
     * @param unlinkOnClose   remove the socket file on close, if it is still this server's file
     * @param passCredentials turn SO_PASSCRED on before listening, so accepted connections inherit it
     * @see <a href="https://man7.org/linux/man-pages/man2/bind.2.html">bind(2)</a>
     * @see <a href="https://man7.org/linux/man-pages/man2/listen.2.html">listen(2)</a>
     */
    public record Options(SocketType type, int backlog, Set<PosixFilePermission> mode, boolean replaceStale,
            boolean unlinkOnClose, boolean passCredentials) {
        public Options {
            Objects.requireNonNull(type, "type");
            if (!type.isConnectionOriented()) {
                throw new IllegalArgumentException("a server socket is STREAM or SEQPACKET; a DGRAM socket is bound with UnixDatagramSocket.bind");
            }
            if (backlog < 0) {
                throw new IllegalArgumentException("the backlog is >= 0, not " + backlog);
            }
            mode = Set.copyOf(Objects.requireNonNull(mode, "mode"));
        }

        /** STREAM, backlog 128, mode 0600, no replacement, the file kept on close, SO_PASSCRED off. */
        public static Options defaults() {
            return new Options(SocketType.STREAM, 128, Perms.DEFAULT, false, false, false);
        }

        /** STREAM (the default) or SEQPACKET. */
        public Options withType(SocketType t) {
            return new Options(t, backlog, mode, replaceStale, unlinkOnClose, passCredentials);
        }

        /** The listen backlog (default 128). */
        public Options withBacklog(int n) {
            return new Options(type, n, mode, replaceStale, unlinkOnClose, passCredentials);
        }

        /** The socket file's permissions (default 0600). */
        public Options withMode(Set<PosixFilePermission> permissions) {
            return new Options(type, backlog, permissions, replaceStale, unlinkOnClose, passCredentials);
        }

        /** Whether to replace a socket file whose server is gone (default false). */
        public Options withReplaceStale(boolean replace) {
            return new Options(type, backlog, mode, replace, unlinkOnClose, passCredentials);
        }

        /** Whether {@link #close()} removes the socket file (default false). */
        public Options withUnlinkOnClose(boolean unlink) {
            return new Options(type, backlog, mode, replaceStale, unlink, passCredentials);
        }

        /** Whether accepted connections have SO_PASSCRED on (default false). */
        public Options withPassCredentials(boolean pass) {
            return new Options(type, backlog, mode, replaceStale, unlinkOnClose, pass);
        }
    }

    private final UnixAddress address;
    private final Sockets.BoundFile file;
    private final boolean unlinkOnClose;
    private volatile boolean passCredentials;
    private final Operation acceptOp;

    private UnixServerSocket(Fd fd, SocketType type, UnixAddress address, Sockets.BoundFile file, boolean unlinkOnClose,
            boolean passCredentials) {
        super(fd, type, address.toString());
        this.address = address;
        this.file = file;
        this.unlinkOnClose = unlinkOnClose;
        this.passCredentials = passCredentials;
        Handle handle = Handles.of(fd);
        this.acceptOp = Operation.on(handle, "accept4", (w, how) -> {
            if (how == Attempt.NOW) {
                // The form that never sleeps needs O_NONBLOCK (see the class comment). Looked at
                // every time, not taken from the handle: a process sharing the description, or a
                // child process it was handed to, may have cleared it.
                int r = Sockets.setNonBlocking(w.target, true);
                if (r < 0) {
                    return r;
                }
                handle.blocking(false);
            }
            int r = Socket.accept4(w.target, MemorySegment.NULL, MemorySegment.NULL, Socket.SOCK_CLOEXEC);
            // A connection reset before it was taken: take the next one.
            return r == -ECONNABORTED ? -EINTR : r;
        }).readiness(Poll.POLLIN).build();
    }

    /** A STREAM server at {@code address} with the defaults (backlog 128, mode 0600, no replacement). */
    public static UnixServerSocket bind(UnixAddress address) throws IpcException {
        return bind(address, Options.defaults());
    }

    /**
     * Creates the socket, binds it to {@code address}, sets the file's mode and listens.
     *
     * @throws IllegalArgumentException for an unnamed address
     * @throws IpcException EADDRINUSE when the address is taken (the message says whether by a
     *         live server), ENOENT or EACCES for the directory
     */
    public static UnixServerSocket bind(UnixAddress address, Options options) throws IpcException {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(options, "options");
        if (address.isUnnamed()) {
            throw new IllegalArgumentException("a server binds a path or an abstract name, not an unnamed address");
        }
        String label = address.toString();
        Fd fd = Sockets.open(options.type(), label);
        Sockets.BoundFile bound = null;
        try {
            if (options.passCredentials()) {
                Sockets.setInt(fd, label, Socket.SO_PASSCRED, 1, "setsockopt(SO_PASSCRED)");
            }
            bound = Sockets.bind(fd, label, address, options.mode(), options.replaceStale());
            int n = fd.acquire("listen");
            try {
                int r = Socket.listen(n, options.backlog());
                if (r < 0) {
                    throw IpcException.of("listen", label, -r);
                }
            } finally {
                fd.release();
            }
            return new UnixServerSocket(fd, options.type(), address, bound, options.unlinkOnClose(),
                    options.passCredentials());
        } catch (IpcException | RuntimeException | Error e) {
            if (bound != null) {
                try {
                    Sockets.unlink(bound, label);
                } catch (IpcException gone) {
                    // someone removed it already: nothing of ours is left
                }
            }
            fd.close();
            throw e;
        }
    }

    /**
     * Takes ownership of a listening socket descriptor, e.g. one inherited from a service manager
     * (socket activation) or passed by another process. Its blocking mode, which every process
     * sharing the socket sees, is left as it is until a try form needs O_NONBLOCK (see the class
     * comment). {@link #unlink()} of an adopted server removes nothing: jipc did not create its file.
     *
     * @throws IllegalArgumentException if the descriptor is not a listening UNIX stream or seqpacket socket
     */
    public static UnixServerSocket adopt(Fd fd) throws IpcException {
        SocketType type = Sockets.checkUnixSocket(fd);
        if (!type.isConnectionOriented() || Sockets.getInt(fd, fd.label(), Socket.SO_ACCEPTCONN, "getsockopt(SO_ACCEPTCONN)") == 0) {
            throw new IllegalArgumentException(fd + " is not a listening UNIX stream or seqpacket socket");
        }
        UnixAddress address = Sockets.name(fd, fd.label(), false);
        boolean pass = Sockets.getInt(fd, fd.label(), Socket.SO_PASSCRED, "getsockopt(SO_PASSCRED)") != 0;
        return new UnixServerSocket(fd, type, address, null, false, pass);
    }

    @Override
    void passCredentialsChanged(boolean on) {
        passCredentials = on;
    }

    /** The address this server was bound to. */
    public UnixAddress address() {
        return address;
    }

    /**
     * Takes the next connection, waiting as long as it takes ({@code accept4(2)}, SOCK_CLOEXEC;
     * the connection is in blocking mode, as every connected jipc socket).
     *
     * @throws io.jipc.ObjectClosedException if the server is closed, before or during the wait
     * @throws io.jipc.IpcInterruptedException if the thread is interrupted while it waits
     * @see <a href="https://man7.org/linux/man-pages/man2/accept.2.html">accept(2)</a>
     */
    public UnixSocket accept() throws IpcException {
        return accept(Deadline.FOREVER).orElseThrow();
    }

    /** Takes a connection that is waiting now; empty if there is none. */
    public Optional<UnixSocket> tryAccept() throws IpcException {
        return accept(Deadline.NOW);
    }

    /** Takes the next connection, waiting at most {@code timeout}; empty if none came. */
    public Optional<UnixSocket> tryAccept(Duration timeout) throws IpcException {
        return accept(Deadline.after(timeout));
    }

    /**
     * Takes the next connection whose peer {@code accept} approves (by its SO_PEERCRED), closing
     * the others at once: how a server refuses a peer by uid, gid or pid.
     *
     * <pre>{@code
     * UnixSocket s = server.acceptIf(peer -> peer.uid() == allowedUid);
     * }</pre>
     */
    public UnixSocket acceptIf(Predicate<PeerCredentials> accept) throws IpcException {
        return acceptIf(accept, Deadline.FOREVER).orElseThrow();
    }

    /** As {@link #acceptIf(Predicate)} among the connections waiting now; empty if none is approved. */
    public Optional<UnixSocket> tryAcceptIf(Predicate<PeerCredentials> accept) throws IpcException {
        return acceptIf(accept, Deadline.NOW);
    }

    /** As {@link #acceptIf(Predicate)}, waiting at most {@code timeout}; empty if no approved connection came. */
    public Optional<UnixSocket> tryAcceptIf(Predicate<PeerCredentials> accept, Duration timeout) throws IpcException {
        return acceptIf(accept, Deadline.after(timeout));
    }

    private Optional<UnixSocket> acceptIf(Predicate<PeerCredentials> accept, long deadline) throws IpcException {
        Objects.requireNonNull(accept, "accept");
        while (true) {
            Optional<UnixSocket> next = accept(deadline);
            if (next.isEmpty()) {
                return next;
            }
            UnixSocket s = next.get();
            boolean ok = false;
            try {
                ok = accept.test(s.peerCredentials());
            } finally {
                if (!ok) {
                    s.close();
                }
            }
            if (ok) {
                return next;
            }
        }
    }

    private Optional<UnixSocket> accept(long deadline) throws IpcException {
        long r = acceptOp.run(deadline);
        if (r == Operation.NOTHING) {
            return Optional.empty();
        }
        if (r < 0) {
            throw acceptOp.failure(r);
        }
        return Optional.of(new UnixSocket(Fd.adopt((int) r, label), type, label, passCredentials));
    }

    /**
     * Removes the socket file this server created, if it is still that file (same device and
     * inode): a file another server has since put at the path is left alone. Does nothing for an
     * abstract name, whose name the kernel frees with the last socket, and for an adopted server.
     *
     * @throws io.jipc.NotFoundException if the file this server created is gone (removed, or
     *         replaced by another, which stays)
     */
    public void unlink() throws IpcException {
        if (file != null) {
            Sockets.unlink(file, label);
        }
    }

    /** Closes the server (and removes its file first if bound with {@link Options#withUnlinkOnClose}). */
    @Override
    public void close() {
        if (unlinkOnClose && fd.isOpen() && file != null) {
            try {
                Sockets.unlink(file, label);
            } catch (IpcException ignored) {
                // close never throws: a file we could not remove stays, as without the option
            }
        }
        super.close();
    }
}
