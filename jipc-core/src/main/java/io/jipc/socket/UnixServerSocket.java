package io.jipc.socket;

import static io.jipc.internal.libc.Errnos.EAGAIN;
import static io.jipc.internal.libc.Errnos.ECONNABORTED;
import static io.jipc.internal.libc.Errnos.EINTR;

import io.jipc.internal.wait.Legacy;
import io.jipc.Fd;
import io.jipc.IpcException;
import io.jipc.internal.wait.Deadline;
import io.jipc.internal.libc.Poll;
import io.jipc.internal.libc.Socket;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A listening UNIX-domain socket, STREAM or SEQPACKET: {@code socket(2)}, {@code bind(2)},
 * {@code listen(2)}, then {@code accept4(2)} for each connection.
 *
 * <pre>{@code
 * try (UnixServerSocket server = UnixServerSocket.builder(UnixAddress.parse("/run/app.sock"))
 *         .replaceStale().bind()) {
 *     try (UnixSocket client = server.accept()) { ... }
 * }
 * }</pre>
 *
 * <p><b>The socket file.</b> Binding a path creates a socket file with mode 0600 by default
 * ({@link Builder#permissions}), never wider at any moment. It stays after {@link #close()} (the
 * rule for every named jipc object) unless {@link Builder#unlinkOnClose()} says otherwise; {@link
 * #unlink()} removes it, and only if it is still the file this socket created.
 *
 * <p><b>Stale files.</b> A server that died leaves its socket file behind, and bind then fails with
 * EADDRINUSE. {@link Builder#replaceStale()} checks the file: if nothing is bound to it any more
 * (a connect gets ECONNREFUSED) it is removed and the bind retried; a live server's socket is never
 * touched. Abstract names have no such problem: the kernel frees them with the last socket.
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/unix.7.html">unix(7)</a>
 */
public final class UnixServerSocket extends AbstractUnixSocket {
    private final UnixAddress address;
    private final Sockets.BoundFile file;
    private final boolean unlinkOnClose;
    private volatile boolean passCredentials;

    private UnixServerSocket(Fd fd, SocketType type, UnixAddress address, Sockets.BoundFile file, boolean unlinkOnClose) {
        super(fd, type, address.toString());
        this.address = address;
        this.file = file;
        this.unlinkOnClose = unlinkOnClose;
    }

    /** How to bind: type, backlog, file permissions, stale-file replacement. */
    public static final class Builder {
        private final UnixAddress address;
        private SocketType type = SocketType.STREAM;
        private int backlog = 128;
        private Set<PosixFilePermission> permissions = Sockets.DEFAULT_PERMISSIONS;
        private boolean replaceStale;
        private boolean unlinkOnClose;
        private boolean passCredentials;

        private Builder(UnixAddress address) {
            this.address = Objects.requireNonNull(address, "address");
            if (address.isUnnamed()) {
                throw new IllegalArgumentException("a server binds a path or an abstract name, not an unnamed address");
            }
        }

        /** STREAM (the default) or SEQPACKET. */
        public Builder type(SocketType type) {
            if (!type.isConnectionOriented()) {
                throw new IllegalArgumentException("a server socket is STREAM or SEQPACKET; a DGRAM socket is bound with UnixDatagramSocket.builder");
            }
            this.type = type;
            return this;
        }

        /**
         * The listen backlog (default 128): connections the kernel queues before {@link #accept()}
         * takes them; capped by {@code /proc/sys/net/core/somaxconn}.
         */
        public Builder backlog(int backlog) {
            if (backlog < 0) {
                throw new IllegalArgumentException("the backlog is >= 0, not " + backlog);
            }
            this.backlog = backlog;
            return this;
        }

        /**
         * The socket file's permissions (default 0600); connecting needs write permission. Ignored
         * for abstract names, which have none.
         */
        public Builder permissions(Set<PosixFilePermission> permissions) {
            this.permissions = EnumSet.noneOf(PosixFilePermission.class);
            this.permissions.addAll(permissions);
            return this;
        }

        /** Replace a socket file whose server is gone (see the class comment); never a live one. */
        public Builder replaceStale() {
            this.replaceStale = true;
            return this;
        }

        /** Remove the socket file when the server is closed (if it is still this server's file). */
        public Builder unlinkOnClose() {
            this.unlinkOnClose = true;
            return this;
        }

        /** Turn SO_PASSCRED on before listening, so accepted connections inherit it. */
        public Builder passCredentials() {
            this.passCredentials = true;
            return this;
        }

        /**
         * Creates the socket, binds it, sets its mode and listens.
         *
         * @throws IpcException EADDRINUSE when the address is taken (the message says whether by a
         *         live server), ENOENT or EACCES for the directory
         */
        public UnixServerSocket bind() throws IpcException {
            String label = address.toString();
            Fd fd = Sockets.open(type, label, true);
            Sockets.BoundFile bound = null;
            try {
                if (passCredentials) {
                    Sockets.setInt(fd, label, Socket.SO_PASSCRED, 1, "setsockopt(SO_PASSCRED)");
                }
                bound = Sockets.bind(fd, label, address, permissions, replaceStale);
                int n = fd.acquire("listen");
                try {
                    int r = Socket.listen(n, backlog);
                    if (r < 0) {
                        throw IpcException.of("listen", label, -r);
                    }
                } finally {
                    fd.release();
                }
                UnixServerSocket s = new UnixServerSocket(fd, type, address, bound, unlinkOnClose);
                s.passCredentials = passCredentials;
                return s;
            } catch (IpcException | RuntimeException | Error e) {
                if (bound != null) {
                    Sockets.unlink(bound, label);
                }
                fd.close();
                throw e;
            }
        }
    }

    /** Starts describing a server bound to {@code address}. */
    public static Builder builder(UnixAddress address) {
        return new Builder(address);
    }

    /** A STREAM server at {@code address} with the defaults (backlog 128, mode 0600, no replacement). */
    public static UnixServerSocket bind(UnixAddress address) throws IpcException {
        return builder(address).bind();
    }

    /**
     * Takes ownership of a listening socket descriptor, e.g. one inherited from a service manager
     * (socket activation) or passed by another process. Sets O_NONBLOCK on it. {@link #unlink()}
     * of an adopted server removes nothing: jipc did not create its file.
     *
     * @throws IllegalArgumentException if the descriptor is not a listening UNIX stream or seqpacket socket
     */
    public static UnixServerSocket adopt(Fd fd) throws IpcException {
        SocketType type = Sockets.checkUnixSocket(fd);
        if (!type.isConnectionOriented() || Sockets.getInt(fd, fd.label(), Socket.SO_ACCEPTCONN, "getsockopt(SO_ACCEPTCONN)") == 0) {
            throw new IllegalArgumentException(fd + " is not a listening UNIX stream or seqpacket socket");
        }
        fd.setNonBlocking(true);
        UnixAddress address = Sockets.name(fd, fd.label(), false);
        UnixServerSocket s = new UnixServerSocket(fd, type, address, null, false);
        s.passCredentials = Sockets.getInt(fd, fd.label(), Socket.SO_PASSCRED, "getsockopt(SO_PASSCRED)") != 0;
        return s;
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
     * @see <a href="https://man7.org/linux/man-pages/man2/accept.2.html">accept(2)</a>
     */
    public UnixSocket accept() throws IpcException {
        return accept(Deadline.FOREVER);
    }

    /** Takes the next connection, waiting at most {@code timeout}; empty if none came. */
    public Optional<UnixSocket> accept(Duration timeout) throws IpcException {
        return Optional.ofNullable(accept(Deadline.after(timeout)));
    }

    /**
     * Takes the next connection whose peer {@code accept} approves (by its SO_PEERCRED), closing
     * the others at once: how a server refuses a peer by uid, gid or pid.
     *
     * <pre>{@code
     * UnixSocket s = server.acceptIf(peer -> peer.uid() == allowedUid, Duration.ofSeconds(5)).orElseThrow();
     * }</pre>
     *
     * @return the first approved connection, or empty when none came within {@code timeout}
     */
    public Optional<UnixSocket> acceptIf(Predicate<PeerCredentials> accept, Duration timeout) throws IpcException {
        long deadline = Deadline.after(timeout);
        while (true) {
            UnixSocket s = accept(deadline);
            if (s == null) {
                return Optional.empty();
            }
            boolean ok = false;
            try {
                ok = accept.test(s.peerCredentials());
            } finally {
                if (!ok) {
                    s.close();
                }
            }
            if (ok) {
                return Optional.of(s);
            }
        }
    }

    private UnixSocket accept(long deadline) throws IpcException {
        int n = fd.acquire("accept4");
        try {
            while (true) {
                int r = Socket.accept4(n, java.lang.foreign.MemorySegment.NULL, java.lang.foreign.MemorySegment.NULL,
                        Socket.SOCK_CLOEXEC);
                if (r >= 0) {
                    return new UnixSocket(Fd.adopt(r, label), type, label, passCredentials);
                }
                if (r == -EINTR || r == -ECONNABORTED) {
                    continue;
                }
                if (r != -EAGAIN) {
                    throw IpcException.of("accept4", label, -r);
                }
                if (!Legacy.await(fd, Poll.POLLIN, deadline, "accept4")) {
                    return null;
                }
            }
        } finally {
            fd.release();
        }
    }

    /**
     * Removes the socket file this server created, if it is still that file (same device and
     * inode): a file another server has since put at the path is left alone. Does nothing for an
     * abstract name.
     *
     * @return whether a file was removed
     */
    public boolean unlink() throws IpcException {
        return file != null && Sockets.unlink(file, label);
    }

    /** Closes the server (and removes its file first if built with {@link Builder#unlinkOnClose()}). */
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
