package io.jipc.socket;

import io.jipc.Fd;
import io.jipc.FdBacked;
import io.jipc.IpcException;
import io.jipc.internal.libc.Socket;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * What every UNIX-domain socket has: its owned descriptor, its type, its local address, buffer
 * sizes and the SO_PASSCRED switch. The descriptors jipc creates are close-on-exec and in blocking
 * mode, as C programs expect; a call that waits sleeps inside its socket call (or, where it
 * cannot, in poll(2)) and uses no CPU, returns promptly when the socket is closed from another
 * thread ({@link io.jipc.ObjectClosedException}) and answers {@link Thread#interrupt()} at once
 * ({@link io.jipc.IpcInterruptedException}).
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/unix.7.html">unix(7)</a>
 * @see <a href="https://man7.org/linux/man-pages/man7/socket.7.html">socket(7)</a>
 */
public abstract sealed class AbstractUnixSocket implements FdBacked
        permits UnixSocket, UnixDatagramSocket, UnixServerSocket {
    final Fd fd;
    final SocketType type;
    final String label;

    AbstractUnixSocket(Fd fd, SocketType type, String label) {
        this.fd = fd;
        this.type = type;
        this.label = label;
    }

    @Override
    public final Fd fd() {
        return fd;
    }

    /** STREAM, DGRAM or SEQPACKET. */
    public final SocketType type() {
        return type;
    }

    /**
     * The address this socket is bound to ({@code getsockname(2)}); {@link UnixAddress#unnamed()}
     * when it is not bound.
     *
     * @see <a href="https://man7.org/linux/man-pages/man2/getsockname.2.html">getsockname(2)</a>
     */
    public UnixAddress localAddress() throws IpcException {
        return Sockets.name(fd, label, false);
    }

    /**
     * The send buffer size (SO_SNDBUF), as the kernel reports it: twice what was set, the kernel's
     * bookkeeping included.
     *
     * @see <a href="https://man7.org/linux/man-pages/man7/socket.7.html">socket(7)</a>
     */
    public int sendBufferSize() throws IpcException {
        return Sockets.getInt(fd, label, Socket.SO_SNDBUF, "getsockopt(SO_SNDBUF)");
    }

    /**
     * Sets the send buffer size (SO_SNDBUF); the kernel doubles the value and caps it at {@code
     * /proc/sys/net/core/wmem_max}. For datagram sockets this also bounds the largest datagram.
     *
     * @throws IllegalArgumentException if {@code bytes} is not positive
     */
    public void setSendBufferSize(int bytes) throws IpcException {
        if (bytes <= 0) {
            throw new IllegalArgumentException("a buffer size is a positive number of bytes, not " + bytes);
        }
        Sockets.setInt(fd, label, Socket.SO_SNDBUF, bytes, "setsockopt(SO_SNDBUF)");
    }

    /** The receive buffer size (SO_RCVBUF), as the kernel reports it (twice what was set). */
    public int receiveBufferSize() throws IpcException {
        return Sockets.getInt(fd, label, Socket.SO_RCVBUF, "getsockopt(SO_RCVBUF)");
    }

    /**
     * Sets the receive buffer size (SO_RCVBUF); the kernel doubles the value and caps it at
     * {@code /proc/sys/net/core/rmem_max}.
     *
     * @throws IllegalArgumentException if {@code bytes} is not positive
     */
    public void setReceiveBufferSize(int bytes) throws IpcException {
        if (bytes <= 0) {
            throw new IllegalArgumentException("a buffer size is a positive number of bytes, not " + bytes);
        }
        Sockets.setInt(fd, label, Socket.SO_RCVBUF, bytes, "setsockopt(SO_RCVBUF)");
    }

    /**
     * Turns SO_PASSCRED on or off: when on, the kernel attaches the sender's pid, uid and gid
     * (SCM_CREDENTIALS) to every message this socket receives, readable through {@link
     * ReceivedMessage#credentials()}. Set it before the peer sends: the credentials are attached
     * when a message is sent. A server socket passes the setting on to the connections it accepts.
     *
     * @see <a href="https://man7.org/linux/man-pages/man7/unix.7.html">unix(7), SO_PASSCRED</a>
     */
    public void setPassCredentials(boolean on) throws IpcException {
        Sockets.setInt(fd, label, Socket.SO_PASSCRED, on ? 1 : 0, "setsockopt(SO_PASSCRED)");
        passCredentialsChanged(on);
    }

    /** Whether SO_PASSCRED is on. */
    public boolean passCredentials() throws IpcException {
        return Sockets.getInt(fd, label, Socket.SO_PASSCRED, "getsockopt(SO_PASSCRED)") != 0;
    }

    void passCredentialsChanged(boolean on) {}

    /** Whether {@link #close()} has not been called. */
    public boolean isOpen() {
        return fd.isOpen();
    }

    /**
     * Closes the socket: at once, or when the last call in flight returns; calls blocked on it
     * are woken and throw {@link io.jipc.ObjectClosedException}. Idempotent, thread-safe. A
     * filesystem socket's path stays (see {@code unlink()}), unless it was bound with {@code
     * withUnlinkOnClose}.
     */
    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + type + " " + label + (fd.isOpen() ? "" : ", closed") + "]";
    }

    /** The SO_PEERCRED of a connected socket (shared by stream, seqpacket and pairs). */
    PeerCredentials peerCredentialsOf() throws IpcException {
        int n = fd.acquire("getsockopt(SO_PEERCRED)");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cred = a.allocate(Socket.UCRED.layout());
            MemorySegment len = a.allocate(ValueLayout.JAVA_INT);
            len.set(ValueLayout.JAVA_INT, 0, (int) Socket.UCRED_SIZE);
            int r = Socket.getsockopt(n, Socket.SOL_SOCKET, Socket.SO_PEERCRED, cred, len);
            if (r < 0) {
                throw IpcException.of("getsockopt(SO_PEERCRED)", label, -r);
            }
            return new PeerCredentials(cred.get(ValueLayout.JAVA_INT, Socket.UCRED_PID),
                    cred.get(ValueLayout.JAVA_INT, Socket.UCRED_UID), cred.get(ValueLayout.JAVA_INT, Socket.UCRED_GID));
        } finally {
            fd.release();
        }
    }
}
