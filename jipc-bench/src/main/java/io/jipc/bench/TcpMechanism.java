package io.jipc.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code tcp}: one TCP connection over loopback (127.0.0.1), both directions, TCP_NODELAY on both
 * ends. jipc has no TCP, so the Java implementation is the JDK's alone ({@code jdk}): a {@link
 * ServerSocketChannel} bound to an ephemeral loopback port here, the peer JVM connecting a blocking
 * {@link SocketChannel}. It is the yardstick for the UNIX-domain rows: what the same exchange costs
 * through the network stack. C baseline ({@code c/tcp.c}): listen on an ephemeral loopback port
 * before fork, the child connects, TCP_NODELAY on both, {@code send}/{@code recv} looping.
 */
final class TcpMechanism implements Mechanism {
    private static final InetAddress LOOPBACK = loopback();

    private final List<JavaImpl> impls = List.of(
            new JavaImpl(JavaImpl.JDK, TcpMechanism::connect, TcpMechanism::accept));

    private static InetAddress loopback() {
        try {
            return InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
        } catch (IOException e) {
            throw new AssertionError("four bytes are an IPv4 address", e);
        }
    }

    @Override
    public String name() {
        return "tcp";
    }

    @Override
    public String description() {
        return "a TCP connection over loopback (127.0.0.1), TCP_NODELAY";
    }

    @Override
    public List<JavaImpl> javaImpls() {
        return impls;
    }

    private static Link connect(PeerLauncher launcher, Path scratch) throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.INET)) {
            server.bind(new InetSocketAddress(LOOPBACK, 0), 1);
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            launcher.start(List.of(Integer.toString(port)), Map.of());
            return link(PeerSockets.accept(server, launcher));
        }
    }

    private static Link accept(List<String> args) throws IOException {
        if (args.size() != 1) {
            throw new IllegalArgumentException("the tcp peer needs the port, got " + args);
        }
        return link(SocketChannel.open(new InetSocketAddress(LOOPBACK, Integer.parseInt(args.get(0)))));
    }

    private static Link link(SocketChannel channel) throws IOException {
        try {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            return new ChannelLink(channel);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }
}
