package io.jipc.socket;

import io.jipc.Fd;
import io.jipc.FdBacked;
import io.jipc.IpcException;
import io.jipc.Transfer;
import io.jipc.internal.libc.Socket;
import io.jipc.internal.wait.Deadline;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A connected UNIX-domain socket, STREAM or SEQPACKET: from {@link #connect(UnixAddress)}, {@link
 * UnixServerSocket#accept()}, {@link #pair(SocketType)} ({@code socketpair(2)}) or a descriptor
 * another process passed ({@link #adopt(Fd)}).
 *
 * <p><b>Blocking.</b> Every transfer comes in the three forms of every jipc wait: {@code
 * send}/{@code receive} wait until done, {@code trySend}/{@code tryReceive} never wait, and {@code
 * trySend}/{@code tryReceive} with a {@link Duration} wait at most that long. A try form that moved
 * nothing answers {@link Transfer#NOTHING}; one that moved part of a stream send answers the bytes
 * it sent. An untimed call sleeps inside send(2)/recv(2), as in C; a blocked call returns promptly
 * when another thread closes the socket ({@link io.jipc.ObjectClosedException}) and answers {@link
 * Thread#interrupt()} at once ({@link io.jipc.IpcInterruptedException}); the socket stays usable
 * after an interrupt.
 *
 * <p><b>Streams and records.</b> On a STREAM socket {@code send} sends every byte, and a receive
 * returns what has arrived, at least one byte, or {@link Transfer#EOF} once the peer has shut down
 * its side. On a SEQPACKET socket each send is one record, delivered whole or refused (EMSGSIZE),
 * and each receive takes one record: a record longer than the buffer is cut, and the receive
 * returns its real length so the caller can tell. Two threads sending on one stream take turns:
 * one send's bytes are never interleaved with another's.
 *
 * <p><b>Many small messages in one call.</b> On a STREAM a receive returns all that has arrived,
 * up to the buffer's size: to take everything in one call, receive into a large buffer (a native
 * segment or direct buffer as large as you like; heap memory moves at most 64 KiB per call), and
 * send many small pieces with the gathering {@link #send(ByteBuffer[])}. On a SEQPACKET socket a
 * {@link MessageBatch} sends and receives up to 1024 records per call ({@link #sendBatch}, {@link
 * #receiveBatch}).
 *
 * <p><b>No allocation per call.</b> {@link MemorySegment} and direct {@link ByteBuffer} data go to
 * the kernel as they are; {@code byte[]} and heap buffers go through a native buffer of the calling
 * thread (its own, so no lock is held for it while a call sleeps).
 *
 * <p><b>Descriptors and credentials.</b> {@link #sendFds(ByteBuffer, List)} passes descriptors
 * (SCM_RIGHTS); {@link #receiveMessage(ByteBuffer, int)} receives them, owned and close-on-exec;
 * {@link #peerCredentials()} says which process connected (SO_PEERCRED).
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/unix.7.html">unix(7)</a>
 */
public final class UnixSocket extends AbstractUnixSocket {
    private final MessageIo io;
    private final ControlMessages control;

    UnixSocket(Fd fd, SocketType type, String label, boolean passCredentials) {
        super(fd, type, label);
        this.io = new MessageIo(fd, label, type);
        this.control = new ControlMessages(io, type, passCredentials);
    }

    /**
     * A connected pair of sockets ({@code socketpair(2)}); closing the pair closes both.
     *
     * @see <a href="https://man7.org/linux/man-pages/man2/socketpair.2.html">socketpair(2)</a>
     */
    public record Pair(UnixSocket first, UnixSocket second) implements AutoCloseable {
        @Override
        public void close() {
            first.close();
            second.close();
        }
    }

    // ------------------------------------------------------------------ factories

    /**
     * Connects a STREAM socket to {@code address} ({@code connect(2)}), waiting as long as it takes
     * when the listener's backlog is full (asleep inside connect, as in C).
     *
     * @throws io.jipc.NotFoundException when no socket file exists at a path
     * @throws IpcException ECONNREFUSED when nothing listens at the address (a stale socket file
     *         or a free abstract name), EACCES without write permission on the socket file
     * @throws io.jipc.IpcInterruptedException if the thread is interrupted while it waits
     * @see <a href="https://man7.org/linux/man-pages/man2/connect.2.html">connect(2)</a>
     */
    public static UnixSocket connect(UnixAddress address) throws IpcException {
        return connect(address, SocketType.STREAM);
    }

    /** Connects a socket of {@code type} (STREAM or SEQPACKET) to {@code address}, waiting while the backlog is full. */
    public static UnixSocket connect(UnixAddress address, SocketType type) throws IpcException {
        return connect(address, type, Deadline.FOREVER).orElseThrow();
    }

    /** Connects a STREAM socket if the listener has room in its backlog now; empty if it is full. */
    public static Optional<UnixSocket> tryConnect(UnixAddress address) throws IpcException {
        return connect(address, SocketType.STREAM, Deadline.NOW);
    }

    /** Connects a STREAM socket, waiting at most {@code timeout} while the backlog is full; empty if it stayed full. */
    public static Optional<UnixSocket> tryConnect(UnixAddress address, Duration timeout) throws IpcException {
        return connect(address, SocketType.STREAM, Deadline.after(timeout));
    }

    /** Connects a socket of {@code type} if the listener has room in its backlog now; empty if it is full. */
    public static Optional<UnixSocket> tryConnect(UnixAddress address, SocketType type) throws IpcException {
        return connect(address, type, Deadline.NOW);
    }

    /**
     * Connects a socket of {@code type}, waiting at most {@code timeout} while the listener's
     * backlog is full (a UNIX listener refuses nobody for being busy: the connect waits).
     *
     * @return the connected socket, or empty when the backlog stayed full until the timeout
     */
    public static Optional<UnixSocket> tryConnect(UnixAddress address, SocketType type, Duration timeout)
            throws IpcException {
        return connect(address, type, Deadline.after(timeout));
    }

    private static Optional<UnixSocket> connect(UnixAddress address, SocketType type, long deadline)
            throws IpcException {
        Objects.requireNonNull(address, "address");
        if (!type.isConnectionOriented()) {
            throw new IllegalArgumentException("UnixSocket connects STREAM or SEQPACKET sockets; use UnixDatagramSocket for DGRAM");
        }
        if (address.isUnnamed()) {
            throw new IllegalArgumentException("cannot connect to an unnamed address");
        }
        String label = address.toString();
        Fd fd = Sockets.open(type, label);
        try {
            if (!Sockets.connect(fd, label, address, deadline)) {
                fd.close();
                return Optional.empty();
            }
            return Optional.of(new UnixSocket(fd, type, label, false));
        } catch (IpcException | RuntimeException | Error e) {
            fd.close();
            throw e;
        }
    }

    /**
     * Two connected sockets of {@code type} (STREAM or SEQPACKET), {@code socketpair(2)}: hand one
     * to a child process or pass it over another socket.
     *
     * @see <a href="https://man7.org/linux/man-pages/man2/socketpair.2.html">socketpair(2)</a>
     */
    public static Pair pair(SocketType type) throws IpcException {
        if (!type.isConnectionOriented()) {
            throw new IllegalArgumentException("UnixSocket.pair makes STREAM or SEQPACKET pairs; use UnixDatagramSocket.pair for DGRAM");
        }
        Fd[] fds = Sockets.pair(type);
        return new Pair(new UnixSocket(fds[0], type, "socketpair", false), new UnixSocket(fds[1], type, "socketpair", false));
    }

    /**
     * Takes ownership of a connected STREAM or SEQPACKET socket descriptor, e.g. one received from
     * another process. Its blocking mode, which belongs to the open file description and so is
     * seen by every process sharing the socket, is left as it is: jipc's try forms say so per call
     * ({@code MSG_DONTWAIT}); untimed calls sleep in the kernel only on a blocking description,
     * and wait in poll(2) on another.
     *
     * @throws IllegalArgumentException if the descriptor is not a UNIX stream or seqpacket socket
     */
    public static UnixSocket adopt(Fd fd) throws IpcException {
        SocketType type = Sockets.checkUnixSocket(fd);
        if (!type.isConnectionOriented()) {
            throw new IllegalArgumentException(fd + " is a DGRAM socket: use UnixDatagramSocket.adopt");
        }
        boolean pass = Sockets.getInt(fd, fd.label(), Socket.SO_PASSCRED, "getsockopt(SO_PASSCRED)") != 0;
        return new UnixSocket(fd, type, fd.label(), pass);
    }

    @Override
    void passCredentialsChanged(boolean on) {
        control.passCredentials = on;
    }

    // ------------------------------------------------------------------ who is on the other end

    /**
     * The credentials of the process that made the connection (for a pair: that created it),
     * SO_PEERCRED, taken when it connected. A server refuses a peer by checking them right after
     * accept.
     *
     * @see <a href="https://man7.org/linux/man-pages/man7/unix.7.html">unix(7), SO_PEERCRED</a>
     */
    public PeerCredentials peerCredentials() throws IpcException {
        return peerCredentialsOf();
    }

    /** The peer's address ({@code getpeername(2)}); unnamed for a client that never bound. */
    public UnixAddress remoteAddress() throws IpcException {
        return Sockets.name(fd, label, true);
    }

    // ------------------------------------------------------------------ send

    /**
     * Sends the buffer's remaining bytes, advancing its position ({@code send(2)}, MSG_NOSIGNAL: a
     * closed peer gives EPIPE, never SIGPIPE). STREAM: every byte, waiting for room; SEQPACKET: one
     * record.
     *
     * @throws io.jipc.MessageTooLargeException for a record larger than the socket's send buffer allows
     * @throws io.jipc.ObjectClosedException if the socket is closed, before or during the wait
     * @throws io.jipc.IpcInterruptedException if the thread is interrupted while it waits
     * @see <a href="https://man7.org/linux/man-pages/man2/send.2.html">send(2)</a>
     */
    public void send(ByteBuffer src) throws IpcException {
        io.send(src, null, Deadline.FOREVER);
    }

    /**
     * Sends what goes now, advancing the buffer's position.
     *
     * @return the bytes sent (on a STREAM possibly fewer than remaining), or {@link Transfer#NOTHING}
     */
    public int trySend(ByteBuffer src) throws IpcException {
        return (int) io.send(src, null, Deadline.NOW);
    }

    /** Sends, waiting at most {@code timeout} for room; the bytes sent, or {@link Transfer#NOTHING}. */
    public int trySend(ByteBuffer src, Duration timeout) throws IpcException {
        return (int) io.send(src, null, Deadline.after(timeout));
    }

    /** Sends the whole array (a record on SEQPACKET). */
    public void send(byte[] src) throws IpcException {
        io.send(src, 0, src.length, null, Deadline.FOREVER);
    }

    /** Sends what of the array goes now; the bytes sent, or {@link Transfer#NOTHING}. */
    public int trySend(byte[] src) throws IpcException {
        return (int) io.send(src, 0, src.length, null, Deadline.NOW);
    }

    /** Sends the array, waiting at most {@code timeout}; the bytes sent, or {@link Transfer#NOTHING}. */
    public int trySend(byte[] src, Duration timeout) throws IpcException {
        return (int) io.send(src, 0, src.length, null, Deadline.after(timeout));
    }

    /** Sends {@code length} bytes of {@code src} from {@code offset}. */
    public void send(byte[] src, int offset, int length) throws IpcException {
        io.send(src, offset, length, null, Deadline.FOREVER);
    }

    /** Sends what of {@code length} bytes from {@code offset} goes now; the bytes sent, or {@link Transfer#NOTHING}. */
    public int trySend(byte[] src, int offset, int length) throws IpcException {
        return (int) io.send(src, offset, length, null, Deadline.NOW);
    }

    /** Sends {@code length} bytes from {@code offset}, waiting at most {@code timeout}; the bytes sent, or {@link Transfer#NOTHING}. */
    public int trySend(byte[] src, int offset, int length, Duration timeout) throws IpcException {
        return (int) io.send(src, offset, length, null, Deadline.after(timeout));
    }

    /** Sends the segment's bytes; a native segment goes to the kernel without a copy. */
    public void send(MemorySegment src) throws IpcException {
        io.send(src, null, Deadline.FOREVER);
    }

    /** Sends what of the segment goes now; the bytes sent, or {@link Transfer#NOTHING}. */
    public long trySend(MemorySegment src) throws IpcException {
        return io.send(src, null, Deadline.NOW);
    }

    /** Sends the segment, waiting at most {@code timeout}; the bytes sent, or {@link Transfer#NOTHING}. */
    public long trySend(MemorySegment src, Duration timeout) throws IpcException {
        return io.send(src, null, Deadline.after(timeout));
    }

    /**
     * Sends the buffers' remaining bytes in order, advancing each one's position (a gathering
     * send, as {@link java.nio.channels.GatheringByteChannel#write(ByteBuffer[])}): on a STREAM
     * every byte, in one send(2) per 64 KiB, waiting for room; on a SEQPACKET socket one record
     * made of them all. Many small pieces go in one system call instead of one each: the bytes are
     * gathered in the calling thread's native buffer first (for the few-hundred-byte pieces this
     * is for, cheaper than the calls it saves; one large buffer goes faster alone).
     *
     * @throws NullPointerException if a buffer is null (nothing sent)
     */
    public void send(ByteBuffer[] srcs) throws IpcException {
        io.send(srcs, 0, srcs.length, Deadline.FOREVER);
    }

    /**
     * Sends what of the buffers goes now, in order, advancing their positions past it.
     *
     * @return the bytes sent (a STREAM may take part), or {@link Transfer#NOTHING}
     */
    public long trySend(ByteBuffer[] srcs) throws IpcException {
        return io.send(srcs, 0, srcs.length, Deadline.NOW);
    }

    /** Sends the buffers, waiting at most {@code timeout} for room; the bytes sent, or {@link Transfer#NOTHING}. */
    public long trySend(ByteBuffer[] srcs, Duration timeout) throws IpcException {
        return io.send(srcs, 0, srcs.length, Deadline.after(timeout));
    }

    /**
     * Sends data with descriptors (sendmsg with one SCM_RIGHTS control message), advancing the
     * buffer's position: the receiver gets its own descriptors for the same open files. Each is
     * pinned for the call, so one closed meanwhile by another thread is still passed (one already
     * closed fails the call with {@link io.jipc.ObjectClosedException}); the caller keeps its own.
     *
     * <p>A STREAM socket needs at least one data byte to carry them (the descriptors travel with
     * the first byte, every byte is sent); a SEQPACKET record may be empty.
     *
     * @param fds 0 to 253 (SCM_MAX_FD) descriptors or jipc objects with one (pipes, sockets, queues...)
     * @see <a href="https://man7.org/linux/man-pages/man7/unix.7.html">unix(7), SCM_RIGHTS</a>
     */
    public void sendFds(ByteBuffer data, List<? extends FdBacked> fds) throws IpcException {
        control.sendFds(data, Objects.requireNonNull(fds, "fds"), null, Deadline.FOREVER);
    }

    /** Sends data with descriptors if that goes now; the bytes sent, or {@link Transfer#NOTHING} (then none passed). */
    public int trySendFds(ByteBuffer data, List<? extends FdBacked> fds) throws IpcException {
        return (int) control.sendFds(data, Objects.requireNonNull(fds, "fds"), null, Deadline.NOW);
    }

    /** Sends data with descriptors, waiting at most {@code timeout}; the bytes sent, or {@link Transfer#NOTHING}. */
    public int trySendFds(ByteBuffer data, List<? extends FdBacked> fds, Duration timeout) throws IpcException {
        return (int) control.sendFds(data, Objects.requireNonNull(fds, "fds"), null, Deadline.after(timeout));
    }

    // ------------------------------------------------------------------ receive

    /**
     * Receives into the buffer, advancing its position ({@code recv(2)}). Descriptors a peer sent
     * along are discarded by the kernel (closed, never installed here): use {@link
     * #receiveMessage(ByteBuffer, int)} to get them.
     *
     * @return STREAM: the bytes received (at least 1 when the buffer has room), or {@link
     *         Transfer#EOF}. SEQPACKET: the record's length, larger than the bytes stored when the
     *         record was cut short; 0 for an empty record; {@link Transfer#EOF} once the peer has
     *         closed
     * @see <a href="https://man7.org/linux/man-pages/man2/recv.2.html">recv(2)</a>
     */
    public int receive(ByteBuffer dst) throws IpcException {
        return io.receive(dst, 0, Deadline.FOREVER);
    }

    /** Receives what has arrived; as {@link #receive(ByteBuffer)}, or {@link Transfer#NOTHING} if nothing has. */
    public int tryReceive(ByteBuffer dst) throws IpcException {
        return io.receive(dst, 0, Deadline.NOW);
    }

    /** Receives, waiting at most {@code timeout}; {@link Transfer#NOTHING} if nothing arrived. */
    public int tryReceive(ByteBuffer dst, Duration timeout) throws IpcException {
        return io.receive(dst, 0, Deadline.after(timeout));
    }

    /** Receives into the array; see {@link #receive(ByteBuffer)}. */
    public int receive(byte[] dst) throws IpcException {
        return io.receive(dst, 0, dst.length, 0, Deadline.FOREVER);
    }

    /** Receives into the array what has arrived; {@link Transfer#NOTHING} if nothing has. */
    public int tryReceive(byte[] dst) throws IpcException {
        return io.receive(dst, 0, dst.length, 0, Deadline.NOW);
    }

    /** Receives into the array, waiting at most {@code timeout}; {@link Transfer#NOTHING} if nothing arrived. */
    public int tryReceive(byte[] dst, Duration timeout) throws IpcException {
        return io.receive(dst, 0, dst.length, 0, Deadline.after(timeout));
    }

    /** Receives into {@code length} bytes of the array from {@code offset}. */
    public int receive(byte[] dst, int offset, int length) throws IpcException {
        return io.receive(dst, offset, length, 0, Deadline.FOREVER);
    }

    /** Receives into part of the array what has arrived; {@link Transfer#NOTHING} if nothing has. */
    public int tryReceive(byte[] dst, int offset, int length) throws IpcException {
        return io.receive(dst, offset, length, 0, Deadline.NOW);
    }

    /** Receives into part of the array, waiting at most {@code timeout}; {@link Transfer#NOTHING} if nothing arrived. */
    public int tryReceive(byte[] dst, int offset, int length, Duration timeout) throws IpcException {
        return io.receive(dst, offset, length, 0, Deadline.after(timeout));
    }

    /** Receives into the segment; a native segment is filled by the kernel directly. */
    public long receive(MemorySegment dst) throws IpcException {
        return io.receive(dst, 0, Deadline.FOREVER);
    }

    /** Receives into the segment what has arrived; {@link Transfer#NOTHING} if nothing has. */
    public long tryReceive(MemorySegment dst) throws IpcException {
        return io.receive(dst, 0, Deadline.NOW);
    }

    /** Receives into the segment, waiting at most {@code timeout}; {@link Transfer#NOTHING} if nothing arrived. */
    public long tryReceive(MemorySegment dst, Duration timeout) throws IpcException {
        return io.receive(dst, 0, Deadline.after(timeout));
    }

    /**
     * Copies what would be received next without consuming it (MSG_PEEK), waiting for data.
     *
     * @return as {@link #receive(ByteBuffer)}
     */
    public int peek(ByteBuffer dst) throws IpcException {
        return io.receive(dst, Socket.MSG_PEEK, Deadline.FOREVER);
    }

    /** Peeks at what has arrived; {@link Transfer#NOTHING} if nothing has. */
    public int tryPeek(ByteBuffer dst) throws IpcException {
        return io.receive(dst, Socket.MSG_PEEK, Deadline.NOW);
    }

    /** Peeks, waiting at most {@code timeout}; {@link Transfer#NOTHING} if nothing arrived. */
    public int tryPeek(ByteBuffer dst, Duration timeout) throws IpcException {
        return io.receive(dst, Socket.MSG_PEEK, Deadline.after(timeout));
    }

    /**
     * Receives data with whatever came along (recvmsg): up to {@code maxFds} passed descriptors,
     * owned by the returned message and close-on-exec (MSG_CMSG_CLOEXEC), and the sender's
     * credentials when SO_PASSCRED is on. If the peer sent more descriptors than {@code maxFds},
     * those that fit arrive, the kernel closes the rest, and {@link
     * ReceivedMessage#controlTruncated()} says so (MSG_CTRUNC). At end of stream the message says
     * {@link ReceivedMessage#endOfStream()}.
     *
     * <p>On a STREAM socket Linux ends a receive with the bytes that carried descriptors: bytes
     * sent after them come with the next receive, bytes sent before them may come with this one.
     *
     * @param maxFds 0 to 253
     * @see <a href="https://man7.org/linux/man-pages/man2/recvmsg.2.html">recvmsg(2)</a>
     */
    public ReceivedMessage receiveMessage(ByteBuffer dst, int maxFds) throws IpcException {
        return control.receiveMessage(dst, maxFds, Deadline.FOREVER, false);
    }

    /** As {@link #receiveMessage(ByteBuffer, int)} if something has arrived; empty if nothing has. */
    public Optional<ReceivedMessage> tryReceiveMessage(ByteBuffer dst, int maxFds) throws IpcException {
        return Optional.ofNullable(control.receiveMessage(dst, maxFds, Deadline.NOW, false));
    }

    /** As {@link #receiveMessage(ByteBuffer, int)}, waiting at most {@code timeout}; empty if nothing arrived. */
    public Optional<ReceivedMessage> tryReceiveMessage(ByteBuffer dst, int maxFds, Duration timeout)
            throws IpcException {
        return Optional.ofNullable(control.receiveMessage(dst, maxFds, Deadline.after(timeout), false));
    }

    // ------------------------------------------------------------------ batches (SEQPACKET)

    /**
     * Sends the batch's records from its {@link MessageBatch#position() position} on ({@code
     * sendmmsg(2)}), waiting for room; see {@link UnixDatagramSocket#sendBatch(MessageBatch)}.
     *
     * @throws UnsupportedOperationException on a STREAM socket, which has no records (send the
     *         bytes with {@link #send(ByteBuffer[])})
     */
    public void sendBatch(MessageBatch batch) throws IpcException {
        io.sendBatch(batch, requireRecords(Deadline.FOREVER));
    }

    /** Sends what of the batch goes now; the records sent, or {@link Transfer#NOTHING}. SEQPACKET only. */
    public int trySendBatch(MessageBatch batch) throws IpcException {
        return io.sendBatch(batch, requireRecords(Deadline.NOW));
    }

    /** Sends the batch, waiting at most {@code timeout}; the records sent, or {@link Transfer#NOTHING}. SEQPACKET only. */
    public int trySendBatch(MessageBatch batch, Duration timeout) throws IpcException {
        return io.sendBatch(batch, requireRecords(Deadline.after(timeout)));
    }

    /**
     * Receives records into the batch ({@code recvmmsg(2)}): waits for one, then takes those
     * already there; see {@link UnixDatagramSocket#receiveBatch(MessageBatch)}.
     *
     * @return the records received, at least 1, or {@link Transfer#EOF} once the peer has shut
     *         down and every record has been received (as for {@link #receive(ByteBuffer)}, an
     *         empty record sent last before the peer closed looks like the end)
     * @throws UnsupportedOperationException on a STREAM socket: to take everything that has
     *         arrived in one call, receive into a large buffer
     */
    public int receiveBatch(MessageBatch batch) throws IpcException {
        return io.receiveBatch(batch, requireRecords(Deadline.FOREVER));
    }

    /** Receives the records there now into the batch; how many, {@link Transfer#EOF}, or {@link Transfer#NOTHING}. SEQPACKET only. */
    public int tryReceiveBatch(MessageBatch batch) throws IpcException {
        return io.receiveBatch(batch, requireRecords(Deadline.NOW));
    }

    /**
     * Receives into the batch, waiting at most {@code timeout} for the first record; how many,
     * {@link Transfer#EOF}, or {@link Transfer#NOTHING}. SEQPACKET only.
     */
    public int tryReceiveBatch(MessageBatch batch, Duration timeout) throws IpcException {
        return io.receiveBatch(batch, requireRecords(Deadline.after(timeout)));
    }

    private long requireRecords(long deadline) {
        if (type != SocketType.SEQPACKET) {
            throw new UnsupportedOperationException("a STREAM socket has no records to batch: send(ByteBuffer[]) gathers"
                    + " many buffers in one call, and a receive into a large buffer takes all that has arrived");
        }
        return deadline;
    }

    // ------------------------------------------------------------------ shutdown

    /**
     * Shuts down the sending side ({@code shutdown(SHUT_WR)}): the peer reads end of stream once it
     * has read what was sent. The socket stays open for receiving.
     *
     * @see <a href="https://man7.org/linux/man-pages/man2/shutdown.2.html">shutdown(2)</a>
     */
    public void shutdownOutput() throws IpcException {
        Sockets.shutdown(fd, label, Socket.SHUT_WR);
    }

    /** Shuts down the receiving side ({@code shutdown(SHUT_RD)}): receives return {@link Transfer#EOF}, the peer's sends fail with EPIPE. */
    public void shutdownInput() throws IpcException {
        Sockets.shutdown(fd, label, Socket.SHUT_RD);
    }

    /** Shuts down both directions ({@code shutdown(SHUT_RDWR)}) without closing the descriptor. */
    public void shutdown() throws IpcException {
        Sockets.shutdown(fd, label, Socket.SHUT_RDWR);
    }

    // ------------------------------------------------------------------ java.io views

    /**
     * A blocking {@link InputStream} over this socket: {@code read} returns -1 at end of stream.
     * Closing the stream shuts down the receiving side; it does not close the socket.
     */
    public InputStream inputStream() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                int n = io.receive(b, off, len, 0, Deadline.FOREVER);
                return n == Transfer.EOF ? -1 : Math.min(n, len);
            }

            @Override
            public void close() throws IOException {
                if (fd.isOpen()) {
                    shutdownInput();
                }
            }
        };
    }

    /**
     * A blocking {@link OutputStream} over this socket (on SEQPACKET each {@code write} is one
     * record). Closing the stream shuts down the sending side, so the peer reads end of stream; it
     * does not close the socket.
     */
    public OutputStream outputStream() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                io.send(b, off, len, null, Deadline.FOREVER);
            }

            @Override
            public void close() throws IOException {
                if (fd.isOpen()) {
                    shutdownOutput();
                }
            }
        };
    }
}
