package io.jipc.bench;

import io.jipc.Fd;
import io.jipc.FdBacked;
import io.jipc.socket.SocketType;
import io.jipc.socket.UnixSocket;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The wiring the socket mechanisms share: a socketpair end handed to the peer, or a listener the peer connects to. */
final class PeerSockets {
    private PeerSockets() {}

    /** Where the peer finds its end of a socketpair. */
    static final int PEER_FD = 3;

    /** How long this side waits for the peer JVM to connect (it has to start first). */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(60);

    /**
     * Starts the peer with {@code theirs} at descriptor {@link #PEER_FD}, then closes this process's
     * copy of it (the peer has its own; ours would keep end-of-stream from ever arriving). On
     * failure {@code ours} is closed too.
     */
    static void handOver(PeerLauncher launcher, FdBacked ours, FdBacked theirs) throws IOException {
        try {
            launcher.start(List.of(), Map.of(PEER_FD, theirs.fd()));
        } catch (IOException | RuntimeException e) {
            ours.close();
            throw e;
        } finally {
            theirs.close();
        }
    }

    /**
     * jipc's side of a socketpair mechanism: {@link UnixSocket#pair(SocketType)} made here, this
     * end kept, the other handed to the peer at {@link #PEER_FD} and adopted there.
     */
    static JavaImpl jipcSocketPair(SocketType type) {
        return jipcSocketPair(type, JavaImpl.JIPC, UnixSocketLink::new);
    }

    /** A link over one connected jipc socket. */
    @FunctionalInterface
    interface SocketLink {
        Link over(UnixSocket socket) throws IOException;
    }

    /** As {@link #jipcSocketPair(SocketType)}, for implementation {@code impl} whose link {@code link} makes. */
    static JavaImpl jipcSocketPair(SocketType type, String impl, SocketLink link) {
        return new JavaImpl(impl, (launcher, scratch) -> {
            UnixSocket.Pair pair = UnixSocket.pair(type);
            handOver(launcher, pair.first(), pair.second());
            return link.over(pair.first());
        }, args -> {
            Fd fd = peerEnd();
            try {
                return link.over(UnixSocket.adopt(fd));
            } catch (IOException | RuntimeException e) {
                fd.close();
                throw e;
            }
        });
    }

    /** The peer's end of the socketpair, as the harness handed it over. */
    static Fd peerEnd() {
        return Fd.adopt(PEER_FD, "fd " + PEER_FD);
    }

    /**
     * Waits for the peer to connect to {@code server} (the JDK's accept has no timeout: this polls
     * a non-blocking accept), giving up when the peer has died or after {@link #CONNECT_TIMEOUT}.
     *
     * @return the connection, blocking
     */
    static SocketChannel accept(ServerSocketChannel server, PeerLauncher launcher) throws IOException {
        server.configureBlocking(false);
        long deadline = System.nanoTime() + CONNECT_TIMEOUT.toNanos();
        while (true) {
            SocketChannel channel = server.accept();
            if (channel != null) {
                channel.configureBlocking(true);
                return channel;
            }
            if (!launcher.isAlive()) {
                throw new IOException("the peer exited before it connected to " + server.getLocalAddress());
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IOException("the peer did not connect to " + server.getLocalAddress() + " within " + CONNECT_TIMEOUT);
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted waiting for the peer to connect");
            }
        }
    }
}
