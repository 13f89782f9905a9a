package io.jipc.socket;

import io.jipc.Fd;
import io.jipc.FdBacked;
import io.jipc.IpcException;
import io.jipc.internal.wait.Deadline;
import io.jipc.internal.libc.Socket;
import io.jipc.internal.libc.Un;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A UNIX-domain datagram socket (SOCK_DGRAM): messages keep their boundaries and, unlike UDP, are
 * reliable and ordered; a full receiver makes the sender wait (or, non-blocking, say it would).
 *
 * <pre>{@code
 * try (UnixDatagramSocket server = UnixDatagramSocket.builder(UnixAddress.parse("@logd")).bind();
 *      UnixDatagramSocket client = UnixDatagramSocket.unbound()) {
 *     client.sendTo(ByteBuffer.wrap("hello".getBytes()), server.localAddress());
 *     ByteBuffer b = ByteBuffer.allocate(4096);
 *     int length = server.receive(b);
 * }
 * }</pre>
 *
 * <p>A receive takes exactly one datagram and returns its real length: when that exceeds the
 * buffer the rest is lost (the return value shows it, MSG_TRUNC). Sending to an unbound or closed
 * address fails with ECONNREFUSED (or ENOENT for a missing path). A sender that wants replies
 * needs an address of its own: {@link #bindAutomatically()} gives it a free abstract name.
 *
 * <p>The blocking forms, timeouts, interrupts and the allocation-free paths are as in {@link
 * UnixSocket}. One Linux quirk: poll cannot wait for room in an unconnected receiver's queue, so a
 * {@code sendTo} that finds it full retries with short pauses (50 µs up to 10 ms) instead of
 * sleeping in poll; a {@link #connect connected} socket waits in poll.
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/unix.7.html">unix(7)</a>
 */
public final class UnixDatagramSocket extends AbstractUnixSocket {
    /** What a timed or non-blocking transfer returns when nothing could move in time. */
    public static final int WOULD_BLOCK = MessageIo.WOULD_BLOCK;

    private final MessageIo io;
    private final Sockets.BoundFile file;
    private final boolean unlinkOnClose;

    private UnixDatagramSocket(Fd fd, String label, Sockets.BoundFile file, boolean unlinkOnClose, boolean passCredentials) {
        super(fd, SocketType.DGRAM, label);
        this.io = new MessageIo(fd, label, SocketType.DGRAM);
        this.io.passCredentials = passCredentials;
        this.file = file;
        this.unlinkOnClose = unlinkOnClose;
    }

    /** A connected pair of datagram sockets ({@code socketpair(2)}); closing the pair closes both. */
    public record Pair(UnixDatagramSocket first, UnixDatagramSocket second) implements AutoCloseable {
        @Override
        public void close() {
            first.close();
            second.close();
        }
    }

    /** How to bind: file permissions, stale-file replacement, SO_PASSCRED. */
    public static final class Builder {
        private final UnixAddress address;
        private Set<PosixFilePermission> permissions = Sockets.DEFAULT_PERMISSIONS;
        private boolean replaceStale;
        private boolean unlinkOnClose;
        private boolean passCredentials;

        private Builder(UnixAddress address) {
            this.address = Objects.requireNonNull(address, "address");
            if (address.isUnnamed()) {
                throw new IllegalArgumentException("bind a path or an abstract name; for an automatic name use bindAutomatically()");
            }
        }

        /** The socket file's permissions (default 0600); sending to it needs write permission. */
        public Builder permissions(Set<PosixFilePermission> permissions) {
            this.permissions = EnumSet.noneOf(PosixFilePermission.class);
            this.permissions.addAll(permissions);
            return this;
        }

        /** Replace a socket file nothing is bound to any more; never a live one (see {@link UnixServerSocket}). */
        public Builder replaceStale() {
            this.replaceStale = true;
            return this;
        }

        /** Remove the socket file on close (if it is still this socket's file). */
        public Builder unlinkOnClose() {
            this.unlinkOnClose = true;
            return this;
        }

        /** Turn SO_PASSCRED on before binding, so that every datagram ever received carries its sender's credentials. */
        public Builder passCredentials() {
            this.passCredentials = true;
            return this;
        }

        /** Creates and binds the socket ({@code bind(2)}); EADDRINUSE when the address is taken. */
        public UnixDatagramSocket bind() throws IpcException {
            String label = address.toString();
            Fd fd = Sockets.open(SocketType.DGRAM, label, false);
            try {
                if (passCredentials) {
                    Sockets.setInt(fd, label, Socket.SO_PASSCRED, 1, "setsockopt(SO_PASSCRED)");
                }
                Sockets.BoundFile bound = Sockets.bind(fd, label, address, permissions, replaceStale);
                return new UnixDatagramSocket(fd, label, bound, unlinkOnClose, passCredentials);
            } catch (IpcException | RuntimeException | Error e) {
                fd.close();
                throw e;
            }
        }
    }

    /** Starts describing a datagram socket bound to {@code address}. */
    public static Builder builder(UnixAddress address) {
        return new Builder(address);
    }

    /** A datagram socket bound to {@code address} with the defaults (mode 0600). */
    public static UnixDatagramSocket bind(UnixAddress address) throws IpcException {
        return builder(address).bind();
    }

    /**
     * A datagram socket bound to a free abstract name the kernel picks (autobind: five hex
     * digits), so that it can receive replies; {@link #localAddress()} tells the name.
     */
    public static UnixDatagramSocket bindAutomatically() throws IpcException {
        Fd fd = Sockets.open(SocketType.DGRAM, "autobind", false);
        try {
            int n = fd.acquire("bind");
            try (Arena a = Arena.ofConfined()) {
                MemorySegment sa = a.allocate(Un.SOCKADDR_UN.layout());
                int len = UnixAddress.unnamed().encode(sa);
                int r = Socket.bind(n, sa, len);
                if (r < 0) {
                    throw IpcException.of("bind", "autobind", -r);
                }
            } finally {
                fd.release();
            }
            String label = Sockets.name(fd, "autobind", false).toString();
            return new UnixDatagramSocket(fd, label, null, false, false);
        } catch (IpcException | RuntimeException | Error e) {
            fd.close();
            throw e;
        }
    }

    /** A datagram socket with no address: it can send, and receive only on a pair or after connect from a peer. */
    public static UnixDatagramSocket unbound() throws IpcException {
        return new UnixDatagramSocket(Sockets.open(SocketType.DGRAM, "unix dgram", false), "unix dgram", null, false, false);
    }

    /** Two connected datagram sockets ({@code socketpair(2)}). */
    public static Pair pair() throws IpcException {
        Fd[] fds = Sockets.pair(SocketType.DGRAM);
        return new Pair(new UnixDatagramSocket(fds[0], "socketpair", null, false, false),
                new UnixDatagramSocket(fds[1], "socketpair", null, false, false));
    }

    /**
     * Takes ownership of a datagram socket descriptor (received from another process, inherited).
     * Its blocking mode, which a process sharing the socket would see, is left as it is: jipc's
     * non-blocking and timed forms say so per call ({@code MSG_DONTWAIT}).
     *
     * @throws IllegalArgumentException if it is not a UNIX datagram socket
     */
    public static UnixDatagramSocket adopt(Fd fd) throws IpcException {
        if (Sockets.checkUnixSocket(fd) != SocketType.DGRAM) {
            throw new IllegalArgumentException(fd + " is not a UNIX datagram socket");
        }
        boolean pass = Sockets.getInt(fd, fd.label(), Socket.SO_PASSCRED, "getsockopt(SO_PASSCRED)") != 0;
        return new UnixDatagramSocket(fd, fd.label(), null, false, pass);
    }

    @Override
    void passCredentialsChanged(boolean on) {
        io.passCredentials = on;
    }

    /**
     * Sets the default destination ({@code connect(2)}): {@link #send(ByteBuffer)} goes there, and
     * only datagrams from there are received.
     *
     * @throws IpcException ECONNREFUSED when nothing is bound at the address
     */
    public void connect(UnixAddress address) throws IpcException {
        if (address.isUnnamed()) {
            throw new IllegalArgumentException("cannot connect to an unnamed address");
        }
        Sockets.connect(fd, address.toString(), address, Deadline.FOREVER);
    }

    /** The connected peer's address ({@code getpeername(2)}). */
    public UnixAddress remoteAddress() throws IpcException {
        return Sockets.name(fd, label, true);
    }

    /**
     * The credentials of the peer of a socketpair (SO_PEERCRED). For other datagram sockets use
     * {@link #setPassCredentials(boolean)} and {@link ReceivedMessage#credentials()}: each
     * datagram may come from another process.
     */
    public PeerCredentials peerCredentials() throws IpcException {
        return peerCredentialsOf();
    }

    // ------------------------------------------------------------------ send

    /** Sends one datagram to the connected peer ({@code send(2)}). */
    public int send(ByteBuffer src) throws IpcException {
        return io.send(src, null, Deadline.FOREVER);
    }

    /** Sends one datagram to the connected peer, waiting at most {@code timeout}; {@link #WOULD_BLOCK} if it did not go. */
    public int send(ByteBuffer src, Duration timeout) throws IpcException {
        return io.send(src, null, Deadline.after(timeout));
    }

    /** Sends the array as one datagram to the connected peer. */
    public int send(byte[] src) throws IpcException {
        return io.send(src, 0, src.length, null, Deadline.FOREVER);
    }

    /** Sends the segment as one datagram to the connected peer (a native segment without a copy). */
    public long send(MemorySegment src) throws IpcException {
        return io.send(src, null, Deadline.FOREVER);
    }

    /**
     * Sends one datagram to {@code target} ({@code sendto(2)}).
     *
     * @throws io.jipc.MessageTooLargeException when the datagram exceeds the send buffer
     * @throws IpcException ECONNREFUSED when nothing is bound at {@code target}
     * @see <a href="https://man7.org/linux/man-pages/man2/sendto.2.html">sendto(2)</a>
     */
    public int sendTo(ByteBuffer src, UnixAddress target) throws IpcException {
        return io.send(src, requireNamed(target), Deadline.FOREVER);
    }

    /** Sends one datagram to {@code target}, waiting at most {@code timeout}; {@link #WOULD_BLOCK} if it did not go. */
    public int sendTo(ByteBuffer src, UnixAddress target, Duration timeout) throws IpcException {
        return io.send(src, requireNamed(target), Deadline.after(timeout));
    }

    /** Sends the array as one datagram to {@code target}. */
    public int sendTo(byte[] src, UnixAddress target) throws IpcException {
        return io.send(src, 0, src.length, requireNamed(target), Deadline.FOREVER);
    }

    /** Sends the segment as one datagram to {@code target}. */
    public long sendTo(MemorySegment src, UnixAddress target) throws IpcException {
        return io.send(src, requireNamed(target), Deadline.FOREVER);
    }

    /** Sends one datagram with descriptors (SCM_RIGHTS) to the connected peer; the datagram may be empty. */
    public int sendFds(ByteBuffer data, Fd... fds) throws IpcException {
        return io.sendFds(data, fds.clone(), null, Deadline.FOREVER);
    }

    /** Sends one datagram with the descriptors of jipc objects to the connected peer. */
    public int sendFds(ByteBuffer data, FdBacked... objects) throws IpcException {
        return io.sendFds(data, UnixSocket.fdsOf(objects), null, Deadline.FOREVER);
    }

    /** Sends one datagram with descriptors to {@code target} (connected peer if null), waiting at most {@code timeout}. */
    public int sendFdsTo(ByteBuffer data, List<Fd> fds, UnixAddress target, Duration timeout) throws IpcException {
        return io.sendFds(data, fds.toArray(new Fd[0]), target == null ? null : requireNamed(target), Deadline.after(timeout));
    }

    private static UnixAddress requireNamed(UnixAddress target) {
        if (Objects.requireNonNull(target, "target").isUnnamed()) {
            throw new IllegalArgumentException("cannot send to an unnamed address");
        }
        return target;
    }

    // ------------------------------------------------------------------ receive

    /**
     * Receives one datagram into the buffer, advancing its position by the bytes stored.
     * Descriptors sent with it are discarded by the kernel (use {@link #receiveMessage}).
     *
     * @return the datagram's real length: larger than the bytes stored when it did not fit (the
     *         rest is lost)
     * @see <a href="https://man7.org/linux/man-pages/man2/recv.2.html">recv(2)</a>
     */
    public int receive(ByteBuffer dst) throws IpcException {
        return io.receive(dst, 0, Deadline.FOREVER);
    }

    /** Receives one datagram, waiting at most {@code timeout}; {@link #WOULD_BLOCK} if none came. */
    public int receive(ByteBuffer dst, Duration timeout) throws IpcException {
        return io.receive(dst, 0, Deadline.after(timeout));
    }

    /** Receives one datagram into the array; returns its real length. */
    public int receive(byte[] dst) throws IpcException {
        return io.receive(dst, 0, dst.length, 0, Deadline.FOREVER);
    }

    /** Receives one datagram into the segment; returns its real length. */
    public long receive(MemorySegment dst) throws IpcException {
        return io.receive(dst, 0, Deadline.FOREVER);
    }

    /** Receives one datagram into the segment, waiting at most {@code timeout}. */
    public long receive(MemorySegment dst, Duration timeout) throws IpcException {
        return io.receive(dst, 0, Deadline.after(timeout));
    }

    /** Copies the next datagram without consuming it (MSG_PEEK); returns its real length. */
    public int peek(ByteBuffer dst) throws IpcException {
        return io.receive(dst, Socket.MSG_PEEK, Deadline.FOREVER);
    }

    /** Peeks, waiting at most {@code timeout}; {@link #WOULD_BLOCK} if none came. */
    public int peek(ByteBuffer dst, Duration timeout) throws IpcException {
        return io.receive(dst, Socket.MSG_PEEK, Deadline.after(timeout));
    }

    /**
     * Receives one datagram with its sender's address, up to {@code maxFds} passed descriptors
     * (owned, close-on-exec) and, with SO_PASSCRED, the sender's credentials; see {@link
     * UnixSocket#receiveMessage(ByteBuffer, int)} for MSG_CTRUNC.
     */
    public ReceivedMessage receiveMessage(ByteBuffer dst, int maxFds) throws IpcException {
        return io.receiveMessage(dst, maxFds, Deadline.FOREVER, true);
    }

    /** As {@link #receiveMessage(ByteBuffer, int)}, waiting at most {@code timeout}; empty if none came. */
    public Optional<ReceivedMessage> receiveMessage(ByteBuffer dst, int maxFds, Duration timeout) throws IpcException {
        return Optional.ofNullable(io.receiveMessage(dst, maxFds, Deadline.after(timeout), true));
    }

    /** Shuts down one or both directions ({@code shutdown(2)}): {@code SHUT_RD} = receiving. */
    public void shutdownInput() throws IpcException {
        Sockets.shutdown(fd, label, Socket.SHUT_RD);
    }

    /** Shuts down the sending side. */
    public void shutdownOutput() throws IpcException {
        Sockets.shutdown(fd, label, Socket.SHUT_WR);
    }

    /**
     * Removes the socket file this socket created, if it is still that file; nothing for abstract
     * or automatic names.
     *
     * @return whether a file was removed
     */
    public boolean unlink() throws IpcException {
        return file != null && Sockets.unlink(file, label);
    }

    /** Closes the socket (removing its file first if built with {@link Builder#unlinkOnClose()}). */
    @Override
    public void close() {
        if (unlinkOnClose && fd.isOpen() && file != null) {
            try {
                Sockets.unlink(file, label);
            } catch (IpcException ignored) {
                // close never throws: the file stays, as without the option
            }
        }
        super.close();
    }
}
