package io.jipc.socket;

import io.jipc.Fd;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * What one {@code recvmsg(2)} brought besides the bytes: the descriptors passed with the message
 * (SCM_RIGHTS), the sender's credentials (SCM_CREDENTIALS), the sender's address (datagrams), and
 * whether the data or the control part was cut short.
 *
 * <p><b>Descriptors are owned by this object until taken.</b> Each received descriptor is an
 * {@link Fd} that jipc adopted as it arrived, close-on-exec (MSG_CMSG_CLOEXEC), so none can leak
 * into a child process or be lost. {@link #takeFds()} hands them to the caller; {@link #close()}
 * closes every descriptor not taken. Use try-with-resources:
 *
 * <pre>{@code
 * try (ReceivedMessage m = socket.receiveMessage(buffer, 4)) {
 *     if (m.controlTruncated()) { ... some descriptors were discarded by the kernel ... }
 *     List<Fd> fds = m.takeFds();
 * }
 * }</pre>
 *
 * <p><b>MSG_CTRUNC.</b> When the sender passed more descriptors than the receive allowed for, the
 * kernel installs those that fit, closes the rest on the receiver's behalf and sets MSG_CTRUNC:
 * {@link #controlTruncated()} says so, and the descriptors that did arrive are here as usual. jipc
 * never drops that flag: a caller who asked for {@code n} descriptors and sees fewer can tell a
 * sender who sent fewer from a buffer that was too small.
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/recvmsg.2.html">recvmsg(2)</a>
 * @see <a href="https://man7.org/linux/man-pages/man7/unix.7.html">unix(7)</a>
 * @see <a href="https://man7.org/linux/man-pages/man3/cmsg.3.html">cmsg(3)</a>
 */
public final class ReceivedMessage implements AutoCloseable {
    private final int bytes;
    private final long messageLength;
    private final boolean endOfStream;
    private final boolean dataTruncated;
    private final boolean controlTruncated;
    private final PeerCredentials credentials;
    private final UnixAddress sender;
    private final List<Fd> fds;

    ReceivedMessage(int bytes, long messageLength, boolean endOfStream, boolean dataTruncated,
            boolean controlTruncated, PeerCredentials credentials, UnixAddress sender, List<Fd> fds) {
        this.bytes = bytes;
        this.messageLength = messageLength;
        this.endOfStream = endOfStream;
        this.dataTruncated = dataTruncated;
        this.controlTruncated = controlTruncated;
        this.credentials = credentials;
        this.sender = sender;
        this.fds = new ArrayList<>(fds);
    }

    /** The number of data bytes stored in the caller's buffer (0 at end of stream). */
    public int bytes() {
        return bytes;
    }

    /**
     * The length of the message as sent: for datagrams and seqpacket records this exceeds {@link
     * #bytes()} when the buffer was too small (the rest is lost, see {@link #dataTruncated()}); for
     * a stream it equals {@link #bytes()}.
     */
    public long messageLength() {
        return messageLength;
    }

    /** Whether a stream socket's peer has shut down its sending side (recvmsg returned 0). */
    public boolean endOfStream() {
        return endOfStream;
    }

    /** MSG_TRUNC: the datagram or record was longer than the buffer; the rest was discarded. */
    public boolean dataTruncated() {
        return dataTruncated;
    }

    /**
     * MSG_CTRUNC: the control buffer was too small for what the sender attached; descriptors that
     * did not fit were closed by the kernel and never reached this process.
     */
    public boolean controlTruncated() {
        return controlTruncated;
    }

    /**
     * The sender's credentials, present when the receiving socket has {@link
     * AbstractUnixSocket#setPassCredentials(boolean) SO_PASSCRED} set (the kernel attaches them to
     * every message then).
     */
    public Optional<PeerCredentials> credentials() {
        return Optional.ofNullable(credentials);
    }

    /** The sender's address for a datagram ({@link UnixAddress#unnamed()} when it has none, or for connections). */
    public UnixAddress sender() {
        return sender;
    }

    /** How many received descriptors this message still owns. */
    public synchronized int fdCount() {
        return fds.size();
    }

    /** The received descriptors still owned by this message, in the order they were sent; they stay owned by it. */
    public synchronized List<Fd> fds() {
        return Collections.unmodifiableList(new ArrayList<>(fds));
    }

    /** Hands every received descriptor to the caller, who closes them from now on. */
    public synchronized List<Fd> takeFds() {
        List<Fd> taken = List.copyOf(fds);
        fds.clear();
        return taken;
    }

    /** Closes the descriptors that were not taken. Idempotent. */
    @Override
    public synchronized void close() {
        for (Fd fd : fds) {
            fd.close();
        }
        fds.clear();
    }

    @Override
    public synchronized String toString() {
        return "ReceivedMessage[bytes=" + bytes + (dataTruncated ? " of " + messageLength : "")
                + (endOfStream ? ", end of stream" : "") + ", fds=" + fds.size()
                + (controlTruncated ? ", MSG_CTRUNC" : "")
                + (credentials == null ? "" : ", " + credentials)
                + (sender.isUnnamed() ? "" : ", from " + sender) + "]";
    }
}
