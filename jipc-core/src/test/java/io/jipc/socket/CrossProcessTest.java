package io.jipc.socket;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.Transfer;
import io.jipc.testing.CPeer;
import io.jipc.testing.Peer;
import io.jipc.testing.PeerJvm;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every socket type, both address kinds, against a C program using plain libc and against a
 * second JVM using jipc, with jipc on either side of the connection.
 */
class CrossProcessTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    enum Other { C, JVM }

    static Stream<Arguments> matrix() {
        List<Arguments> all = new ArrayList<>();
        for (SocketType type : SocketType.values()) {
            for (SocketTesting.Kind kind : SocketTesting.Kind.values()) {
                for (Other other : Other.values()) {
                    all.add(Arguments.of(type, kind, other));
                }
            }
        }
        return all.stream();
    }

    private static Peer start(Other other, String... args) {
        return other == Other.C ? CPeer.start("unix_peer", args) : PeerJvm.start(SocketPeer.class, args);
    }

    private static String word(SocketType type) {
        return type.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The other process serves; jipc connects (or sends a datagram) and reads the echo. */
    @ParameterizedTest(name = "{0} {1}, {2} server")
    @MethodSource("matrix")
    void jipcClientTalksToAnotherProcessServer(SocketType type, SocketTesting.Kind kind, Other other) throws Exception {
        UnixAddress address = SocketTesting.address(kind, "srv");
        try (Peer server = start(other, "echo-server", word(type), address.toString())) {
            server.awaitOutput("ready", WAIT);
            byte[] reply = new byte[64];
            if (type == SocketType.DGRAM) {
                try (UnixDatagramSocket s = UnixDatagramSocket.bindAutomatically()) {
                    s.sendTo("héllo dgram".getBytes(StandardCharsets.UTF_8), address);
                    int n = s.receive(reply);
                    assertThat(new String(reply, 0, n, StandardCharsets.UTF_8)).isEqualTo("héllo dgram");
                }
            } else {
                try (UnixSocket s = UnixSocket.connect(address, type)) {
                    assertThat(s.peerCredentials().pid()).as("SO_PEERCRED names the server process").isEqualTo((int) server.pid());
                    s.send("first".getBytes(StandardCharsets.UTF_8));
                    assertThat(readExactly(s, reply, 5)).isEqualTo("first");
                    s.send(ByteBuffer.wrap("second".getBytes(StandardCharsets.UTF_8)));
                    assertThat(readExactly(s, reply, 6)).isEqualTo("second");
                    s.shutdownOutput();
                    assertThat(s.receive(reply)).isEqualTo(Transfer.EOF);
                }
                server.awaitOutput("eof", WAIT);
                assertThat(server.stdout()).contains("peer pid=" + ProcessHandle.current().pid());
            }
            server.awaitSuccess(WAIT);
        } finally {
            cleanUp(address);
        }
    }

    /** jipc serves; the other process connects, sends and prints the echo. */
    @ParameterizedTest(name = "{0} {1}, {2} client")
    @MethodSource("matrix")
    void anotherProcessTalksToAJipcServer(SocketType type, SocketTesting.Kind kind, Other other) throws Exception {
        UnixAddress address = SocketTesting.address(kind, "cli");
        ByteBuffer buf = ByteBuffer.allocate(256);
        if (type == SocketType.DGRAM) {
            try (UnixDatagramSocket server = UnixDatagramSocket.bind(address,
                    UnixDatagramSocket.Options.defaults().withUnlinkOnClose(true).withPassCredentials(true));
                    Peer client = start(other, "client", "dgram", address.toString(), "ping")) {
                try (ReceivedMessage m = server.tryReceiveMessage(buf, 0, WAIT).orElseThrow()) {
                    assertThat(m.credentials()).get().extracting(PeerCredentials::pid).isEqualTo((int) client.pid());
                    assertThat(m.sender().isAbstract()).as("the client autobound").isTrue();
                    buf.flip();
                    server.sendTo(buf, m.sender());
                }
                client.awaitSuccess(WAIT);
                assertThat(client.stdout()).contains("reply=ping");
            }
            return;
        }
        try (UnixServerSocket server = UnixServerSocket.bind(address,
                UnixServerSocket.Options.defaults().withType(type).withUnlinkOnClose(true));
                Peer client = start(other, "client", word(type), address.toString(), "ping pong")) {
            try (UnixSocket c = server.tryAccept(WAIT).orElseThrow()) {
                assertThat(c.peerCredentials().pid()).isEqualTo((int) client.pid());
                int got = 0;
                while (got < 9) {
                    int n = c.receive(buf);
                    assertThat(n).isPositive();
                    got += n;
                }
                buf.flip();
                c.send(buf);
                client.awaitSuccess(WAIT);
            }
            assertThat(client.stdout()).contains("reply=ping pong");
            if (other == Other.JVM) {
                assertThat(client.stdout()).contains("server pid=" + ProcessHandle.current().pid());
            }
        }
    }

    private static String readExactly(UnixSocket s, byte[] buf, int n) throws Exception {
        int got = 0;
        while (got < n) {
            int r = s.receive(buf, got, n - got);
            assertThat(r).isPositive();
            got += r;
        }
        return new String(buf, 0, n, StandardCharsets.UTF_8);
    }

    private static void cleanUp(UnixAddress address) throws Exception {
        if (address.isPath()) {
            java.nio.file.Files.deleteIfExists(address.path()); // a C server leaves its file, as C does
        }
    }
}
