package io.jipc.bench;

import io.jipc.Fd;
import io.jipc.socket.UnixDatagramSocket;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code unix-dgram}: one connected UNIX-domain datagram socket pair, both directions; a message is
 * one datagram. {@link UnixDatagramSocket#pair()} ({@code socketpair(2)}) made here, the peer gets
 * one end at descriptor 3 and adopts it. A connected pair needs no addresses, so every send is a
 * plain {@code send(2)} and a full receiver blocks the sender inside it, as in C.
 * {@code jipc-batch} sends up to {@link BatchLinks#MAX_BATCH} datagrams per sendmmsg and
 * receives all that are queued per recvmmsg ({@link io.jipc.socket.MessageBatch}).
 * The JDK has no UNIX datagram sockets, so there is no {@code jdk} row. C baseline ({@code
 * c/unix-dgram.c}): {@code socketpair} before fork, one {@code send}/{@code recv(MSG_TRUNC)} per
 * datagram, as jipc does.
 */
final class UnixDgramMechanism implements Mechanism {
    private final List<JavaImpl> impls = List.of(
            new JavaImpl(JavaImpl.JIPC, UnixDgramMechanism::connect, UnixDgramMechanism::accept),
            new JavaImpl(JavaImpl.JIPC_BATCH,
                    (launcher, scratch) -> new BatchLinks.Messages(BatchLinks.of(pairFor(launcher)), "unix-dgram"),
                    args -> new BatchLinks.Messages(BatchLinks.of(adopted()), "unix-dgram")),
            new JavaImpl(JavaImpl.FFM, (launcher, scratch) -> bare(pairFor(launcher)), args -> bare(adopted())));

    private static Link bare(UnixDatagramSocket socket) throws IOException {
        return FfmLinks.messageSocket(FfmLinks.number(socket), socket::close);
    }

    @Override
    public String name() {
        return "unix-dgram";
    }

    @Override
    public String description() {
        return "a connected pair of UNIX-domain datagram sockets, one datagram per message";
    }

    @Override
    public List<JavaImpl> javaImpls() {
        return impls;
    }

    private static Link connect(PeerLauncher launcher, Path scratch) throws IOException {
        return new UnixDatagramLink(pairFor(launcher));
    }

    private static Link accept(List<String> args) throws IOException {
        return new UnixDatagramLink(adopted());
    }

    /** A socketpair: one end handed to the peer, this one returned. */
    private static UnixDatagramSocket pairFor(PeerLauncher launcher) throws IOException {
        UnixDatagramSocket.Pair pair = UnixDatagramSocket.pair();
        PeerSockets.handOver(launcher, pair.first(), pair.second());
        return pair.first();
    }

    /** The peer's end of the pair. */
    private static UnixDatagramSocket adopted() throws IOException {
        Fd fd = PeerSockets.peerEnd();
        try {
            return UnixDatagramSocket.adopt(fd);
        } catch (IOException | RuntimeException e) {
            fd.close();
            throw e;
        }
    }
}
