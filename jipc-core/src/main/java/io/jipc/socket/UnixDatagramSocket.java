package io.jipc.socket;

import io.jipc.Fd;
import io.jipc.FdBacked;
import io.jipc.IpcException;
import io.jipc.Perms;
import io.jipc.Transfer;
import io.jipc.internal.libc.Socket;
import io.jipc.internal.libc.Un;
import io.jipc.internal.wait.Deadline;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A UNIX-domain datagram socket (SOCK_DGRAM): messages keep their boundaries and, unlike UDP, are
 * reliable and ordered; a full receiver makes the sender wait (or, in a try form, say it did not
 * send).
 *
 * <pre>{@code
 * try (UnixDatagramSocket server = UnixDatagramSocket.bind(UnixAddress.parse("@logd"));
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
 * <p><b>Blocking.</b> Every send and receive comes in three forms: {@code send}/{@code receive}
 * wait until done, {@code trySend}/{@code tryReceive} never wait, and with a {@link Duration} they
 * wait at most that long. A try send that did not send answers {@code false}; a try receive that
 * got nothing answers {@link Transfer#NOTHING} (0 is an empty datagram). Close, interrupt and the
 * allocation-free paths are as in {@link UnixSocket}. One Linux quirk: poll(2) cannot wait for
 * room in an unconnected receiver's queue (it reports the sender's own buffer), so a {@code
 * sendTo} that finds the queue full sleeps inside sendto(2) — under the thread's timer when it is
 * timed — where a {@link #connect connected} socket's timed send waits in poll.
 *
 * <p><b>Many small datagrams</b> go faster in a {@link MessageBatch}: {@link #sendBatch} and
 * {@link #receiveBatch} move up to 1024 in one system call ({@code sendmmsg}, {@code recvmmsg}),
 * in the same three forms.
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/unix.7.html">unix(7)</a>
 */
public final class UnixDatagramSocket extends AbstractUnixSocket {
    /**
     * How a datagram socket is bound.
     *
     * @param mode            the socket file's permissions (sending to it needs write permission)
     * @param replaceStale    replace a socket file nothing is bound to any more; never a live one
     *                        (see {@link UnixServerSocket})
     * @param unlinkOnClose   remove the socket file on close, if it is still this socket's file
     * @param passCredentials turn SO_PASSCRED on before binding, so that every datagram ever
     *                        received carries its sender's credentials
     * @see <a href="https://man7.org/linux/man-pages/man2/bind.2.html">bind(2)</a>
     * @see <a href="https://man7.org/linux/man-pages/man7/unix.7.html">unix(7)</a>
     */
    public record Options(Set<PosixFilePermission> mode, boolean replaceStale, boolean unlinkOnClose,
            boolean passCredentials) {
        public Options {
            mode = Set.copyOf(Objects.requireNonNull(mode, "mode"));
        }

        /** Mode 0600, no replacement, the file kept on close, SO_PASSCRED off. */
        public static Options defaults() {
            return new Options(Perms.DEFAULT, false, false, false);
        }

        /** The socket file's permissions (default 0600). */
        public Options withMode(Set<PosixFilePermission> permissions) {
            return new Options(permissions, replaceStale, unlinkOnClose, passCredentials);
        }

        /** Whether to replace a socket file whose socket is gone (default false). */
        public Options withReplaceStale(boolean replace) {
            return new Options(mode, replace, unlinkOnClose, passCredentials);
        }

        /** Whether {@link #close()} removes the socket file (default false). */
        public Options withUnlinkOnClose(boolean unlink) {
            return new Options(mode, replaceStale, unlink, passCredentials);
        }

        /** Whether SO_PASSCRED is on from the start (default false). */
        public Options withPassCredentials(boolean pass) {
            return new Options(mode, replaceStale, unlinkOnClose, pass);
        }
    }

    private final MessageIo io;
    private final ControlMessages control;
    private final Sockets.BoundFile file;
    private final boolean unlinkOnClose;

    private UnixDatagramSocket(Fd fd, String label, Sockets.BoundFile file, boolean unlinkOnClose, boolean passCredentials) {
        super(fd, SocketType.DGRAM, label);
        this.io = new MessageIo(fd, label, SocketType.DGRAM);
        this.control = new ControlMessages(io, SocketType.DGRAM, passCredentials);
        this.file = file;
        this.unlinkOnClose = unlinkOnClose;
    }

    /**
     * A connected pair of datagram sockets ({@code socketpair(2)}); closing the pair closes both.
     *
     * @see <a href="https://man7.org/linux/man-pages/man2/socketpair.2.html">socketpair(2)</a>
     */
    public record Pair(UnixDatagramSocket first, UnixDatagramSocket second) implements AutoCloseable {
        @Override
        public void close() {
            first.close();
            second.close();
        }
    }

    // ------------------------------------------------------------------ factories

    /** A datagram socket bound to {@code address} with the defaults (mode 0600). */
    public static UnixDatagramSocket bind(UnixAddress address) throws IpcException {
        return bind(address, Options.defaults());
    }

    /**
     * Creates a datagram socket and binds it to {@code address} ({@code bind(2)}).
     *
     * @throws IllegalArgumentException for an unnamed address (see {@link #bindAutomatically()})
     * @throws IpcException EADDRINUSE when the address is taken
     */
    public static UnixDatagramSocket bind(UnixAddress address, Options options) throws IpcException {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(options, "options");
        if (address.isUnnamed()) {
            throw new IllegalArgumentException("bind a path or an abstract name; for an automatic name use bindAutomatically()");
        }
        String label = address.toString();
        Fd fd = Sockets.open(SocketType.DGRAM, label);
        try {
            if (options.passCredentials()) {
                Sockets.setInt(fd, label, Socket.SO_PASSCRED, 1, "setsockopt(SO_PASSCRED)");
            }
            Sockets.BoundFile bound = Sockets.bind(fd, label, address, options.mode(), options.replaceStale());
            return new UnixDatagramSocket(fd, label, bound, options.unlinkOnClose(), options.passCredentials());
        } catch (IpcException | RuntimeException | Error e) {
            fd.close();
            throw e;
        }
    }

    /**
     * A datagram socket bound to a free abstract name the kernel picks (autobind: five hex
     * digits), so that it can receive replies; {@link #localAddress()} tells the name.
     */
    public static UnixDatagramSocket bindAutomatically() throws IpcException {
        Fd fd = Sockets.open(SocketType.DGRAM, "autobind");
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
        return new UnixDatagramSocket(Sockets.open(SocketType.DGRAM, "unix dgram"), "unix dgram", null, false, false);
    }

    /** Two connected datagram sockets ({@code socketpair(2)}). */
    public static Pair pair() throws IpcException {
        Fd[] fds = Sockets.pair(SocketType.DGRAM);
        return new Pair(new UnixDatagramSocket(fds[0], "socketpair", null, false, false),
                new UnixDatagramSocket(fds[1], "socketpair", null, false, false));
    }

    /**
     * Takes ownership of a datagram socket descriptor (received from another process, inherited).
     * Its blocking mode, which a process sharing the socket would see, is left as it is: jipc's try
     * forms say so per call ({@code MSG_DONTWAIT}).
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
        control.passCredentials = on;
    }

    /**
     * Sets the default destination ({@code connect(2)}): {@link #send(ByteBuffer)} goes there, and
     * only datagrams from there are received. Never waits.
     *
     * @throws IpcException ECONNREFUSED when nothing is bound at the address
     */
    public void connect(UnixAddress address) throws IpcException {
        if (address.isUnnamed()) {
            throw new IllegalArgumentException("cannot connect to an unnamed address");
        }
        Sockets.connectDatagram(fd, address.toString(), address);
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

    /**
     * Sends the buffer's remaining bytes as one datagram to the connected peer ({@code send(2)}),
     * waiting while its queue is full; advances the position.
     *
     * @throws io.jipc.MessageTooLargeException when the datagram exceeds the send buffer
     * @see <a href="https://man7.org/linux/man-pages/man2/send.2.html">send(2)</a>
     */
    public void send(ByteBuffer src) throws IpcException {
        io.send(src, null, Deadline.FOREVER);
    }

    /** Sends one datagram to the connected peer if its queue has room now; false (nothing sent) if not. */
    public boolean trySend(ByteBuffer src) throws IpcException {
        return io.send(src, null, Deadline.NOW) != Transfer.NOTHING;
    }

    /** Sends one datagram to the connected peer, waiting at most {@code timeout} for room; false if it did not go. */
    public boolean trySend(ByteBuffer src, Duration timeout) throws IpcException {
        return io.send(src, null, Deadline.after(timeout)) != Transfer.NOTHING;
    }

    /** Sends the array as one datagram to the connected peer. */
    public void send(byte[] src) throws IpcException {
        io.send(src, 0, src.length, null, Deadline.FOREVER);
    }

    /** Sends the array as one datagram if there is room now; false if not. */
    public boolean trySend(byte[] src) throws IpcException {
        return io.send(src, 0, src.length, null, Deadline.NOW) != Transfer.NOTHING;
    }

    /** Sends the array as one datagram, waiting at most {@code timeout}; false if it did not go. */
    public boolean trySend(byte[] src, Duration timeout) throws IpcException {
        return io.send(src, 0, src.length, null, Deadline.after(timeout)) != Transfer.NOTHING;
    }

    /** Sends the segment as one datagram to the connected peer (a native segment without a copy). */
    public void send(MemorySegment src) throws IpcException {
        io.send(src, null, Deadline.FOREVER);
    }

    /** Sends the segment as one datagram if there is room now; false if not. */
    public boolean trySend(MemorySegment src) throws IpcException {
        return io.send(src, null, Deadline.NOW) != Transfer.NOTHING;
    }

    /** Sends the segment as one datagram, waiting at most {@code timeout}; false if it did not go. */
    public boolean trySend(MemorySegment src, Duration timeout) throws IpcException {
        return io.send(src, null, Deadline.after(timeout)) != Transfer.NOTHING;
    }

    /**
     * Sends one datagram to {@code target} ({@code sendto(2)}), waiting inside sendto while the
     * receiver's queue is full.
     *
     * @throws io.jipc.MessageTooLargeException when the datagram exceeds the send buffer
     * @throws IpcException ECONNREFUSED when nothing is bound at {@code target}
     * @see <a href="https://man7.org/linux/man-pages/man2/sendto.2.html">sendto(2)</a>
     */
    public void sendTo(ByteBuffer src, UnixAddress target) throws IpcException {
        io.send(src, requireNamed(target), Deadline.FOREVER);
    }

    /** Sends one datagram to {@code target} if its queue has room now; false (nothing sent) if not. */
    public boolean trySendTo(ByteBuffer src, UnixAddress target) throws IpcException {
        return io.send(src, requireNamed(target), Deadline.NOW) != Transfer.NOTHING;
    }

    /** Sends one datagram to {@code target}, waiting at most {@code timeout}; false if it did not go. */
    public boolean trySendTo(ByteBuffer src, UnixAddress target, Duration timeout) throws IpcException {
        return io.send(src, requireNamed(target), Deadline.after(timeout)) != Transfer.NOTHING;
    }

    /** Sends the array as one datagram to {@code target}. */
    public void sendTo(byte[] src, UnixAddress target) throws IpcException {
        io.send(src, 0, src.length, requireNamed(target), Deadline.FOREVER);
    }

    /** Sends the array as one datagram to {@code target} if there is room now; false if not. */
    public boolean trySendTo(byte[] src, UnixAddress target) throws IpcException {
        return io.send(src, 0, src.length, requireNamed(target), Deadline.NOW) != Transfer.NOTHING;
    }

    /** Sends the array as one datagram to {@code target}, waiting at most {@code timeout}; false if it did not go. */
    public boolean trySendTo(byte[] src, UnixAddress target, Duration timeout) throws IpcException {
        return io.send(src, 0, src.length, requireNamed(target), Deadline.after(timeout)) != Transfer.NOTHING;
    }

    /** Sends the segment as one datagram to {@code target}. */
    public void sendTo(MemorySegment src, UnixAddress target) throws IpcException {
        io.send(src, requireNamed(target), Deadline.FOREVER);
    }

    /** Sends the segment as one datagram to {@code target} if there is room now; false if not. */
    public boolean trySendTo(MemorySegment src, UnixAddress target) throws IpcException {
        return io.send(src, requireNamed(target), Deadline.NOW) != Transfer.NOTHING;
    }

    /** Sends the segment as one datagram to {@code target}, waiting at most {@code timeout}; false if it did not go. */
    public boolean trySendTo(MemorySegment src, UnixAddress target, Duration timeout) throws IpcException {
        return io.send(src, requireNamed(target), Deadline.after(timeout)) != Transfer.NOTHING;
    }

    /**
     * Sends one datagram with descriptors (SCM_RIGHTS) to the connected peer; the datagram may be
     * empty. See {@link UnixSocket#sendFds(ByteBuffer, List)}.
     */
    public void sendFds(ByteBuffer data, List<? extends FdBacked> fds) throws IpcException {
        control.sendFds(data, Objects.requireNonNull(fds, "fds"), null, Deadline.FOREVER);
    }

    /** Sends one datagram with descriptors to the connected peer if there is room now; false if not. */
    public boolean trySendFds(ByteBuffer data, List<? extends FdBacked> fds) throws IpcException {
        return control.sendFds(data, Objects.requireNonNull(fds, "fds"), null, Deadline.NOW) != Transfer.NOTHING;
    }

    /** Sends one datagram with descriptors to the connected peer, waiting at most {@code timeout}; false if it did not go. */
    public boolean trySendFds(ByteBuffer data, List<? extends FdBacked> fds, Duration timeout) throws IpcException {
        return control.sendFds(data, Objects.requireNonNull(fds, "fds"), null, Deadline.after(timeout))
                != Transfer.NOTHING;
    }

    /** Sends one datagram with descriptors to {@code target}, waiting while its queue is full. */
    public void sendFdsTo(ByteBuffer data, List<? extends FdBacked> fds, UnixAddress target) throws IpcException {
        control.sendFds(data, Objects.requireNonNull(fds, "fds"), requireNamed(target), Deadline.FOREVER);
    }

    /** Sends one datagram with descriptors to {@code target} if there is room now; false if not. */
    public boolean trySendFdsTo(ByteBuffer data, List<? extends FdBacked> fds, UnixAddress target) throws IpcException {
        return control.sendFds(data, Objects.requireNonNull(fds, "fds"), requireNamed(target), Deadline.NOW)
                != Transfer.NOTHING;
    }

    /** Sends one datagram with descriptors to {@code target}, waiting at most {@code timeout}; false if it did not go. */
    public boolean trySendFdsTo(ByteBuffer data, List<? extends FdBacked> fds, UnixAddress target, Duration timeout)
            throws IpcException {
        return control.sendFds(data, Objects.requireNonNull(fds, "fds"), requireNamed(target), Deadline.after(timeout))
                != Transfer.NOTHING;
    }

    private static UnixAddress requireNamed(UnixAddress target) {
        if (Objects.requireNonNull(target, "target").isUnnamed()) {
            throw new IllegalArgumentException("cannot send to an unnamed address");
        }
        return target;
    }

    // ------------------------------------------------------------------ batches

    /**
     * Sends the batch's messages from its {@link MessageBatch#position() position} on, each one
     * datagram, to the connected peer ({@code sendmmsg(2)}), waiting while its queue is full; the
     * position ends at the batch's count. If the socket is closed or the thread interrupted part
     * way, the exception leaves the position at the first datagram that did not go.
     *
     * @throws io.jipc.MessageTooLargeException when a datagram exceeds the send buffer (those
     *         before it went)
     * @see <a href="https://man7.org/linux/man-pages/man2/sendmmsg.2.html">sendmmsg(2)</a>
     */
    public void sendBatch(MessageBatch batch) throws IpcException {
        io.sendBatch(batch, Deadline.FOREVER);
    }

    /**
     * Sends what of the batch goes now, never waiting; advances its position past those sent.
     *
     * @return the datagrams sent, or {@link Transfer#NOTHING} when the queue had no room (0 when
     *         the batch had none to send)
     */
    public int trySendBatch(MessageBatch batch) throws IpcException {
        return io.sendBatch(batch, Deadline.NOW);
    }

    /**
     * Sends the batch, waiting at most {@code timeout} for room; advances its position past those sent.
     *
     * @return the datagrams sent (all when they went in time), or {@link Transfer#NOTHING}
     */
    public int trySendBatch(MessageBatch batch, Duration timeout) throws IpcException {
        return io.sendBatch(batch, Deadline.after(timeout));
    }

    /**
     * Receives datagrams into the batch ({@code recvmmsg(2)}): waits for one, then takes those
     * already queued, up to the batch's capacity. The batch's count becomes the number received;
     * {@link MessageBatch#length(int)} gives each one's real length, more than a slot when it was
     * cut ({@link MessageBatch#truncated(int)}).
     *
     * @return the datagrams received, at least 1
     * @see <a href="https://man7.org/linux/man-pages/man2/recvmmsg.2.html">recvmmsg(2)</a>
     */
    public int receiveBatch(MessageBatch batch) throws IpcException {
        return io.receiveBatch(batch, Deadline.FOREVER);
    }

    /** Receives the datagrams queued now into the batch; how many, or {@link Transfer#NOTHING} if none is. */
    public int tryReceiveBatch(MessageBatch batch) throws IpcException {
        return io.receiveBatch(batch, Deadline.NOW);
    }

    /**
     * Receives into the batch, waiting at most {@code timeout} for the first datagram, then taking
     * those queued behind it; how many, or {@link Transfer#NOTHING} if none came.
     */
    public int tryReceiveBatch(MessageBatch batch, Duration timeout) throws IpcException {
        return io.receiveBatch(batch, Deadline.after(timeout));
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

    /** Receives one datagram if one is there now; its real length, or {@link Transfer#NOTHING}. */
    public int tryReceive(ByteBuffer dst) throws IpcException {
        return io.receive(dst, 0, Deadline.NOW);
    }

    /** Receives one datagram, waiting at most {@code timeout}; its real length, or {@link Transfer#NOTHING}. */
    public int tryReceive(ByteBuffer dst, Duration timeout) throws IpcException {
        return io.receive(dst, 0, Deadline.after(timeout));
    }

    /** Receives one datagram into the array; returns its real length. */
    public int receive(byte[] dst) throws IpcException {
        return io.receive(dst, 0, dst.length, 0, Deadline.FOREVER);
    }

    /** Receives one datagram into the array if one is there now; its real length, or {@link Transfer#NOTHING}. */
    public int tryReceive(byte[] dst) throws IpcException {
        return io.receive(dst, 0, dst.length, 0, Deadline.NOW);
    }

    /** Receives one datagram into the array, waiting at most {@code timeout}; its real length, or {@link Transfer#NOTHING}. */
    public int tryReceive(byte[] dst, Duration timeout) throws IpcException {
        return io.receive(dst, 0, dst.length, 0, Deadline.after(timeout));
    }

    /** Receives one datagram into the segment; returns its real length. */
    public long receive(MemorySegment dst) throws IpcException {
        return io.receive(dst, 0, Deadline.FOREVER);
    }

    /** Receives one datagram into the segment if one is there now; its real length, or {@link Transfer#NOTHING}. */
    public long tryReceive(MemorySegment dst) throws IpcException {
        return io.receive(dst, 0, Deadline.NOW);
    }

    /** Receives one datagram into the segment, waiting at most {@code timeout}; its real length, or {@link Transfer#NOTHING}. */
    public long tryReceive(MemorySegment dst, Duration timeout) throws IpcException {
        return io.receive(dst, 0, Deadline.after(timeout));
    }

    /** Copies the next datagram without consuming it (MSG_PEEK), waiting for one; returns its real length. */
    public int peek(ByteBuffer dst) throws IpcException {
        return io.receive(dst, Socket.MSG_PEEK, Deadline.FOREVER);
    }

    /** Peeks at the next datagram if one is there now; its real length, or {@link Transfer#NOTHING}. */
    public int tryPeek(ByteBuffer dst) throws IpcException {
        return io.receive(dst, Socket.MSG_PEEK, Deadline.NOW);
    }

    /** Peeks, waiting at most {@code timeout}; the datagram's real length, or {@link Transfer#NOTHING}. */
    public int tryPeek(ByteBuffer dst, Duration timeout) throws IpcException {
        return io.receive(dst, Socket.MSG_PEEK, Deadline.after(timeout));
    }

    /**
     * Receives one datagram with its sender's address, up to {@code maxFds} passed descriptors
     * (owned, close-on-exec) and, with SO_PASSCRED, the sender's credentials; see {@link
     * UnixSocket#receiveMessage(ByteBuffer, int)} for MSG_CTRUNC.
     */
    public ReceivedMessage receiveMessage(ByteBuffer dst, int maxFds) throws IpcException {
        return control.receiveMessage(dst, maxFds, Deadline.FOREVER, true);
    }

    /** As {@link #receiveMessage(ByteBuffer, int)} if a datagram is there now; empty if not. */
    public Optional<ReceivedMessage> tryReceiveMessage(ByteBuffer dst, int maxFds) throws IpcException {
        return Optional.ofNullable(control.receiveMessage(dst, maxFds, Deadline.NOW, true));
    }

    /** As {@link #receiveMessage(ByteBuffer, int)}, waiting at most {@code timeout}; empty if none came. */
    public Optional<ReceivedMessage> tryReceiveMessage(ByteBuffer dst, int maxFds, Duration timeout)
            throws IpcException {
        return Optional.ofNullable(control.receiveMessage(dst, maxFds, Deadline.after(timeout), true));
    }

    /** Shuts down the receiving side ({@code shutdown(SHUT_RD)}). */
    public void shutdownInput() throws IpcException {
        Sockets.shutdown(fd, label, Socket.SHUT_RD);
    }

    /** Shuts down the sending side ({@code shutdown(SHUT_WR)}). */
    public void shutdownOutput() throws IpcException {
        Sockets.shutdown(fd, label, Socket.SHUT_WR);
    }

    /**
     * Removes the socket file this socket created, if it is still that file. Does nothing for an
     * abstract or automatic name (the kernel frees it with the last socket) or an adopted socket.
     *
     * @throws io.jipc.NotFoundException if the file this socket created is gone (removed, or
     *         replaced by another, which stays)
     */
    public void unlink() throws IpcException {
        if (file != null) {
            Sockets.unlink(file, label);
        }
    }

    /** Closes the socket (removing its file first if bound with {@link Options#withUnlinkOnClose}). */
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
