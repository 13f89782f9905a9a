package io.jipc.bench;

import io.jipc.socket.SocketType;
import java.util.List;

/**
 * {@code unix-seqpacket}: one connected UNIX-domain seqpacket socket pair, both directions; a
 * message is one record. {@code UnixSocket.pair(SEQPACKET)} ({@code socketpair(2)}) made here, the
 * peer gets one end at descriptor 3 and adopts it. {@code jipc-batch} sends and receives records
 * in {@link io.jipc.socket.MessageBatch}es (sendmmsg, recvmmsg). The JDK has no seqpacket sockets, so there is no
 * {@code jdk} row. C baseline ({@code c/unix-seqpacket.c}): {@code socketpair} before fork, one
 * {@code send}/{@code recv(MSG_TRUNC)} per record, as jipc does.
 */
final class UnixSeqpacketMechanism implements Mechanism {
    private final List<JavaImpl> impls = List.of(PeerSockets.jipcSocketPair(SocketType.SEQPACKET),
            PeerSockets.jipcSocketPair(SocketType.SEQPACKET, JavaImpl.JIPC_BATCH,
                    s -> new BatchLinks.Messages(BatchLinks.of(s), "unix-seqpacket")),
            PeerSockets.jipcSocketPair(SocketType.SEQPACKET, JavaImpl.FFM, s -> FfmLinks.messageSocket(FfmLinks.number(s), s::close)));

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
}
