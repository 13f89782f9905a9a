package io.jipc.socket;

import io.jipc.Transfer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The second JVM of the socket tests, speaking through jipc only.
 *
 * <pre>
 *   echo-server TYPE ADDR     bind, print "ready"; connections: print "peer pid=.. uid=.. gid=..",
 *                             echo until EOF, print "eof"; dgram: answer one datagram to its sender
 *   client TYPE ADDR TEXT     connect, send TEXT, print "reply=..." and the server's pid as seen by SO_PEERCRED
 * </pre>
 */
public final class SocketPeer {
    private SocketPeer() {}

    public static void main(String[] args) throws Exception {
        SocketType type = SocketType.parse(args[1]);
        UnixAddress address = UnixAddress.parse(args[2]);
        switch (args[0]) {
            case "echo-server" -> echoServer(type, address);
            case "client" -> client(type, address, args[3]);
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    private static void echoServer(SocketType type, UnixAddress address) throws Exception {
        ByteBuffer buf = ByteBuffer.allocateDirect(65536);
        if (type == SocketType.DGRAM) {
            try (UnixDatagramSocket s = UnixDatagramSocket.bind(address, UnixDatagramSocket.Options.defaults().withUnlinkOnClose(true))) {
                System.out.println("ready");
                try (ReceivedMessage m = s.receiveMessage(buf, 0)) {
                    buf.flip();
                    System.out.println("got=" + StandardCharsets.UTF_8.decode(buf.duplicate()));
                    s.sendTo(buf, m.sender());
                }
            }
            return;
        }
        try (UnixServerSocket server = UnixServerSocket.bind(address,
                UnixServerSocket.Options.defaults().withType(type).withUnlinkOnClose(true))) {
            System.out.println("ready");
            try (UnixSocket c = server.accept()) {
                PeerCredentials p = c.peerCredentials();
                System.out.println("peer pid=" + p.pid() + " uid=" + p.uid() + " gid=" + p.gid());
                while (true) {
                    buf.clear();
                    int n = c.receive(buf);
                    if (n == Transfer.EOF) {
                        break;
                    }
                    buf.flip();
                    System.out.println("got=" + StandardCharsets.UTF_8.decode(buf.duplicate()));
                    c.send(buf);
                }
                System.out.println("eof");
            }
        }
    }

    private static void client(SocketType type, UnixAddress address, String text) throws Exception {
        byte[] data = text.getBytes(StandardCharsets.UTF_8);
        byte[] reply = new byte[65536];
        if (type == SocketType.DGRAM) {
            try (UnixDatagramSocket s = UnixDatagramSocket.bindAutomatically()) {
                s.sendTo(data, address);
                int n = s.receive(reply);
                System.out.println("reply=" + new String(reply, 0, n, StandardCharsets.UTF_8));
            }
            return;
        }
        try (UnixSocket s = UnixSocket.connect(address, type)) {
            s.send(data);
            int got = 0;
            while (got < data.length) {
                int n = s.receive(reply, got, reply.length - got);
                if (n == Transfer.EOF) {
                    break;
                }
                got += n;
            }
            System.out.println("reply=" + new String(reply, 0, got, StandardCharsets.UTF_8));
            System.out.println("server pid=" + s.peerCredentials().pid());
        }
    }
}
