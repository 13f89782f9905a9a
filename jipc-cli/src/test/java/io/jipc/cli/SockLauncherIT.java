package io.jipc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.Fd;
import io.jipc.PassedFiles;
import io.jipc.Transfer;
import io.jipc.socket.ReceivedMessage;
import io.jipc.socket.UnixAddress;
import io.jipc.socket.UnixDatagramSocket;
import io.jipc.socket.UnixServerSocket;
import io.jipc.socket.UnixSocket;
import io.jipc.testing.Peer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code jipc sock} through the real {@code ./jipc} launcher: the library on the module path, another process. */
class SockLauncherIT {
    private static final Duration WAIT = Duration.ofSeconds(120);

    @Test
    void listenInAnotherProcessReportsThisProcessAndItsDescriptor() throws Exception {
        String address = SockCommandTest.abstractAddress("it-listen");
        try (Peer listen = LauncherIT.jipc("sock", "listen", address, "--type", "dgram", "--json", "--timeout", "60s")) {
            SockCommandTest.awaitBound(address);
            try (UnixDatagramSocket s = UnixDatagramSocket.unbound(); Fd devNull = PassedFiles.openReadOnly(Path.of("/dev/null"))) {
                assertThat(s.trySendFdsTo(ByteBuffer.wrap("from the test".getBytes(StandardCharsets.UTF_8)), List.of(devNull),
                        UnixAddress.parse(address), Duration.ofSeconds(5))).isTrue();
            }
            listen.awaitSuccess(WAIT);
            Map<String, Object> line = Json.object(listen.stdout().strip());
            assertThat(line.get("data")).isEqualTo("from the test");
            assertThat(SockCommandTest.map(line.get("peer")).get("pid")).isEqualTo(ProcessHandle.current().pid());
            assertThat(SockCommandTest.list(line.get("fds"))).containsExactly(Map.of("target", "/dev/null"));
            assertThat(listen.stderr().lines().filter(l -> !l.contains("building the command line")))
                    .as("no error; the launcher may note a rebuild").isEmpty();
        }
    }

    @Test
    void sendFromAnotherProcessPassesAFile() throws Exception {
        UnixAddress address = UnixAddress.parse(SockCommandTest.abstractAddress("it-send"));
        Path file = java.nio.file.Files.createTempFile("jipct-it", ".txt");
        try (UnixServerSocket server = UnixServerSocket.bind(address);
                Peer send = LauncherIT.jipc("sock", "send", address.toString(), "payload", "--fd", file.toString())) {
            try (UnixSocket c = server.tryAccept(WAIT).orElseThrow();
                    ReceivedMessage m = c.receiveMessage(ByteBuffer.allocate(64), 2)) {
                assertThat(m.bytes()).isEqualTo(7);
                assertThat(c.peerCredentials().pid()).as("the launcher execs the JVM").isEqualTo((int) send.pid());
                assertThat(m.fdCount()).isEqualTo(1);
                assertThat(c.receive(new byte[8])).isEqualTo(Transfer.EOF);
            }
            send.awaitSuccess(WAIT);
        } finally {
            java.nio.file.Files.deleteIfExists(file);
        }
    }

    @Test
    void errorsFromTheLauncherAreOneLine() {
        String missing = SockCommandTest.pathAddress("it-missing");
        try (Peer p = LauncherIT.jipc("sock", "send", missing, "x")) {
            assertThat(p.awaitExit(WAIT)).isEqualTo(ExitCodes.SYSTEM);
            assertThat(p.stderr()).isEqualTo("jipc: connect(" + missing + "): No such file or directory (ENOENT)\n");
        }
    }
}
