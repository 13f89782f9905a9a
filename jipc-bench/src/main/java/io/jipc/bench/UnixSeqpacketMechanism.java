package io.jipc.bench;

import io.jipc.Fd;
import io.jipc.socket.SocketType;
import io.jipc.socket.UnixSocket;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code unix-seqpacket}: one connected UNIX-domain seqpacket socket pair, both directions; a
 * message is one record. {@link UnixSocket#pair(SocketType)} ({@code socketpair(2)}) made here, the
 * peer gets one end at descriptor 3 and adopts it. The JDK has no seqpacket sockets, so there is no
 * {@code jdk} row. C baseline ({@code c/unix-seqpacket.c}): {@code socketpair} before fork, one
 * {@code send}/{@code recv(MSG_TRUNC)} per record, as jipc does.
 */
final class UnixSeqpacketMechanism implements Mechanism {
    private final List<JavaImpl> impls = List.of(
            new JavaImpl(JavaImpl.JIPC, UnixSeqpacketMechanism::connect, UnixSeqpacketMechanism::accept));

    @Override
    public String name() {
        return "unix-seqpacket";
    }

    @Override
    public String description() {
        return "a connected pair of UNIX-domain seqpacket sockets, one record per message";
    }

    @Override
    public List<JavaImpl> javaImpls() {
        return impls;
    }

    private static Link connect(PeerLauncher launcher, Path scratch) throws IOException {
        UnixSocket.Pair pair = UnixSocket.pair(SocketType.SEQPACKET);
        PeerSockets.handOver(launcher, pair.first(), pair.second());
        return new UnixSocketLink(pair.first());
    }

    private static Link accept(List<String> args) throws IOException {
        Fd fd = PeerSockets.peerEnd();
        try {
            return new UnixSocketLink(UnixSocket.adopt(fd));
        } catch (IOException | RuntimeException e) {
            fd.close();
            throw e;
        }
    }
}
