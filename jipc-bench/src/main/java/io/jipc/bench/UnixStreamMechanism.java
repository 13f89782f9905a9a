package io.jipc.bench;

import io.jipc.socket.SocketType;
import io.jipc.socket.UnixSocket;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code unix-stream}: one connected UNIX-domain stream socket pair, both directions.
 *
 * <ul>
 * <li>{@code jipc}: {@link UnixSocket#pair(SocketType)} ({@code socketpair(2)}) made here; the peer
 *     gets one end at descriptor 3 and adopts it ({@link UnixSocket#adopt}). Sends and receives go
 *     through {@code UnixSocket.send/receive(MemorySegment)}.
 * <li>{@code jipc-batch}: the same pair; the sender sends a batch of messages per gathering {@code
 *     UnixSocket.send(ByteBuffer[])}, the receiver reads all that has arrived into a large buffer.
 * <li>{@code jdk}: the JDK cannot make a socketpair or adopt a descriptor, so its pair is made the
 *     way a JDK program makes one: a {@link ServerSocketChannel} bound to a path in the scratch
 *     directory ({@link UnixDomainSocketAddress}), the peer JVM connecting a {@link SocketChannel}
 *     to it; both ends blocking channels, reading and writing a direct buffer. Once connected the
 *     two sockets are the same kernel object as a socketpair's (a connected pair of AF_UNIX stream
 *     sockets); the path is removed as soon as the peer is in.
 * <li>C baseline ({@code c/unix-stream.c}): {@code socketpair} before fork, {@code send}/{@code
 *     recv} looping over short transfers, as jipc does.
 * </ul>
 */
final class UnixStreamMechanism implements Mechanism {
    private final List<JavaImpl> impls = List.of(
            PeerSockets.jipcSocketPair(SocketType.STREAM),
            PeerSockets.jipcSocketPair(SocketType.STREAM, JavaImpl.JIPC_BATCH, BatchLinks::stream),
            PeerSockets.jipcSocketPair(SocketType.STREAM, JavaImpl.FFM, s -> FfmLinks.streamSocket(FfmLinks.number(s), s::close)),
            new JavaImpl(JavaImpl.JDK, UnixStreamMechanism::connectJdk, UnixStreamMechanism::acceptJdk));

    @Override
    public String name() {
        return "unix-stream";
    }

    @Override
    public String description() {
        return "a connected pair of UNIX-domain stream sockets";
    }

    @Override
    public List<JavaImpl> javaImpls() {
        return impls;
    }

    private static Link connectJdk(PeerLauncher launcher, Path scratch) throws IOException {
        Path path = scratch.resolve("jdk.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(path), 1);
            launcher.start(List.of(path.toString()), Map.of());
            SocketChannel channel = PeerSockets.accept(server, launcher);
            try {
                return new ChannelLink(channel);
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        } finally {
            Files.deleteIfExists(path);
        }
    }

    private static Link acceptJdk(List<String> args) throws IOException {
        if (args.size() != 1) {
            throw new IllegalArgumentException("the jdk unix-stream peer needs the socket path, got " + args);
        }
        SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(args.get(0)));
        try {
            return new ChannelLink(channel);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }
}
