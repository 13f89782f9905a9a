package io.jipc.pipe;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jipc.Errno;
import io.jipc.IpcException;
import io.jipc.process.ChildProcess;
import io.jipc.process.Redirect;
import io.jipc.testing.CPeer;
import io.jipc.testing.Peer;
import io.jipc.testing.PeerJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Pipes between processes: a C program using plain blocking libc calls, and a second JVM that
 * adopts the descriptors it inherited at fd 3 and 4.
 *
 * <p>A peer reaches our pipe through {@code /proc/<our pid>/fd/<n>}: opening that path opens the
 * same pipe (a new open file description, in blocking mode, as a child would inherit it).
 */
class PipeCrossProcessTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    static String procPath(Pipe.End end) throws IpcException {
        int n = end.fd().acquire("test");
        end.fd().release();
        return "/proc/" + ProcessHandle.current().pid() + "/fd/" + n;
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        new Random(42).nextBytes(b);
        return b;
    }

    /** Writes {@code data} to the pipe from another thread, then closes the write end. */
    private static CompletableFuture<Void> feed(Pipe.WriteEnd out, byte[] data) {
        return CompletableFuture.runAsync(() -> {
            try (out) {
                out.write(data);
            } catch (IpcException e) {
                throw new AssertionError(e);
            }
        }, runnable -> Thread.ofPlatform().start(runnable));
    }

    @Test
    void aCPeerEchoesDataBothWaysThenSeesEndOfStream() throws Exception {
        byte[] data = bytes(1 << 20);
        try (Pipe toPeer = Pipe.open(); Pipe fromPeer = Pipe.open();
                Peer peer = CPeer.start("pipe_peer", "echo", procPath(toPeer.readEnd()), procPath(fromPeer.writeEnd()))) {
            peer.awaitOutput("ready", WAIT);
            toPeer.readEnd().close();
            fromPeer.writeEnd().close();
            CompletableFuture<Void> writer = feed(toPeer.writeEnd(), data);
            assertThat(fromPeer.readEnd().inputStream().readAllBytes()).isEqualTo(data);
            writer.get(60, TimeUnit.SECONDS);
            assertThat(fromPeer.readEnd().read(new byte[1])).isEqualTo(-1);
            peer.awaitSuccess(WAIT);
        }
    }

    @Test
    void writingAfterTheCPeerClosedItsReadEndThrowsEpipe() throws Exception {
        try (Pipe pipe = Pipe.open(); Peer peer = CPeer.start("pipe_peer", "drop-reader", procPath(pipe.readEnd()))) {
            peer.awaitOutput("ready", WAIT);
            pipe.readEnd().close();
            pipe.writeEnd().write("heard".getBytes(UTF_8));
            peer.send("close");
            peer.awaitOutput("closed", WAIT);
            assertThatThrownBy(() -> pipe.writeEnd().write("lost".getBytes(UTF_8)))
                    .isInstanceOf(IpcException.class).hasMessage("write(pipe): Broken pipe (EPIPE)");
            peer.stdin().close();
            peer.awaitSuccess(WAIT);
        }
    }

    /** How PipePeer reports an adopted blocking descriptor: as it found it. */
    private static String adoptedMode() {
        return "blocking=true nonblock-flag=false";
    }

    @Test
    void aChildJvmAdoptsTheDescriptorsItInheritedAtFd3And4() throws Exception {
        byte[] data = bytes(300_000);
        try (Pipe toPeer = Pipe.open(); Pipe fromPeer = Pipe.open()) {
            List<String> cmd = new ArrayList<>(List.of(CPeer.compile("with_fd").toString(),
                    procPath(toPeer.readEnd()) + ":r:3", procPath(fromPeer.writeEnd()) + ":w:4", "--",
                    PeerJvm.javaCommand(), "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-cp", System.getProperty("java.class.path"),
                    PipePeer.class.getName(), "echo-inherited"));
            try (Peer peer = Peer.start("PipePeer", cmd)) {
                // The child got blocking descriptors (as posix_spawn/exec hand them over); adopting made
                // them jipc's and left them blocking (these /proc copies refuse RWF_NOWAIT: a first
                // non-blocking call would make them non-blocking; the peer makes none).
                peer.awaitOutput("ready " + adoptedMode(), WAIT);
                toPeer.readEnd().close();
                fromPeer.writeEnd().close();
                CompletableFuture<Void> writer = feed(toPeer.writeEnd(), data);
                assertThat(fromPeer.readEnd().inputStream().readAllBytes()).isEqualTo(data);
                writer.get(60, TimeUnit.SECONDS);
                peer.awaitSuccess(WAIT);
                assertThat(peer.stdout()).endsWith("eof\n");
            }
        }
    }

    /** The same through io.jipc.process: ChildProcess places the ends at fd 3 and 4 with posix_spawn. */
    @Test
    void aChildProcessGetsPipeEndsAtChosenNumbers() throws Exception {
        byte[] data = bytes(200_000);
        try (Pipe toPeer = Pipe.open(); Pipe fromPeer = Pipe.open(); Pipe output = Pipe.open()) {
            List<String> cmd = List.of(PeerJvm.javaCommand(), "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-cp", System.getProperty("java.class.path"),
                    PipePeer.class.getName(), "echo-inherited");
            try (ChildProcess child = ChildProcess.builder(cmd)
                    .fd(3, Redirect.handOver(toPeer.readEnd()))
                    .fd(4, Redirect.handOver(fromPeer.writeEnd()))
                    .stdout(Redirect.handOver(output.writeEnd()))
                    .start()) {
                assertThat(toPeer.readEnd().isOpen()).as("handed over: closed here").isFalse();
                CompletableFuture<Void> writer = feed(toPeer.writeEnd(), data);
                assertThat(fromPeer.readEnd().inputStream().readAllBytes()).isEqualTo(data);
                writer.get(60, TimeUnit.SECONDS);
                assertThat(child.tryWaitFor(WAIT).orElseThrow().success()).isTrue();
                assertThat(new String(output.readEnd().inputStream().readAllBytes(), UTF_8))
                        .isEqualTo("ready " + adoptedMode() + "\neof\n");
            }
        }
    }

    @Test
    void epipeReachesAJvmAsAnExceptionEvenWithReducedSignalUse() {
        for (List<String> options : List.of(List.<String>of(), List.of("-Xrs"))) {
            try (Peer peer = PeerJvm.start(options, PipePeer.class, "epipe")) {
                peer.awaitSuccess(WAIT);
                assertThat(peer.stdout()).as("JVM options %s", options).isEqualTo("EPIPE\n");
            }
        }
    }

    /**
     * Above /proc/sys/fs/pipe-max-size only CAP_SYS_RESOURCE may go. If this process has it, a
     * second JVM without it (setpriv) shows the refusal.
     */
    @Test
    void raisingTheCapacityAboveTheSystemLimitIsRefusedNamingIt() throws Exception {
        String max = Files.readAllLines(Path.of("/proc/sys/fs/pipe-max-size")).get(0).trim();
        int wanted = Integer.parseInt(max) * 2;
        String expected = "fcntl(F_SETPIPE_SZ)(pipe): cannot set the capacity to " + wanted + " bytes: above"
                + " /proc/sys/fs/pipe-max-size is " + max + " (raising past it needs CAP_SYS_RESOURCE), or the"
                + " user's pipe buffer quota (/proc/sys/fs/pipe-user-pages-soft) is spent (EPERM)";
        try (Pipe pipe = Pipe.open()) {
            pipe.setCapacity(wanted);
        } catch (IpcException e) {
            assertThat(e.error()).isEqualTo(Errno.EPERM);
            assertThat(e).hasMessage(expected);
            return;
        }
        List<String> cmd = List.of("setpriv", "--inh-caps=-sys_resource", "--bounding-set=-sys_resource",
                PeerJvm.javaCommand(), "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                PipePeer.class.getName(), "raise-capacity", Integer.toString(wanted));
        try (Peer peer = Peer.start("PipePeer", cmd)) {
            peer.awaitSuccess(WAIT);
            assertThat(peer.stdout()).isEqualTo(expected + "\n");
        }
    }
}
