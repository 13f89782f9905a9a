package io.jipc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.socket.ReceivedMessage;
import io.jipc.socket.SocketType;
import io.jipc.socket.UnixAddress;
import io.jipc.socket.UnixServerSocket;
import io.jipc.socket.UnixSocket;
import io.jipc.testing.CPeer;
import io.jipc.testing.Peer;
import io.jipc.testing.TestIpc;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code jipc sock listen|send} run in-process with captured output, against the library and C peers. */
class SockCommandTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private final List<Path> files = new java.util.ArrayList<>();

    static String pathAddress(String what) {
        return "/tmp/" + TestIpc.name(what).substring(1);
    }

    static String abstractAddress(String what) {
        return "@" + TestIpc.name(what).substring(1);
    }

    @AfterEach
    void removeFiles() throws Exception {
        for (Path p : files) {
            Files.deleteIfExists(p);
        }
    }

    /**
     * Waits until a socket at {@code address} is ready in /proc/net/unix: listening (flag
     * __SO_ACCEPTCON, 00010000) for stream and seqpacket, bound for dgram (type 0002).
     */
    static void awaitBound(String address) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            for (String line : Files.readAllLines(Path.of("/proc/net/unix"), java.nio.charset.StandardCharsets.ISO_8859_1)) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 8 && f[7].equals(address) && (f[3].equals("00010000") || f[4].equals("0002"))) {
                    return;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError(address + " never bound");
    }

    static CompletableFuture<CliRun> inBackground(String... args) {
        return CompletableFuture.supplyAsync(() -> CliRun.run(args), r -> Thread.ofPlatform().start(r));
    }

    static List<Map<String, Object>> jsonLines(CliRun r) {
        return r.stdout().lines().map(Json::object).toList();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object o) {
        return (List<Object>) o;
    }

    @Test
    void streamListenPrintsOneJsonLinePerConnectionWithPeerAndFds() throws Exception {
        String address = pathAddress("cli-stream");
        Path passed = Files.createTempFile("jipct-cli", ".txt");
        files.add(passed);
        CompletableFuture<CliRun> listen = inBackground("sock", "listen", address, "--count", "2", "--json");
        awaitBound(address);
        assertThat(Files.getPosixFilePermissions(Path.of(address))).as("mode 0600")
                .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                        java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
        CliRun first = CliRun.run("sock", "send", address, "héllo", "--fd", passed.toString(), "--fd", "/dev/null");
        assertThat(first.status()).as(first.stderr()).isZero();
        CliRun second = CliRun.runWithInput(new byte[] {(byte) 0xff, 0, 1}, "sock", "send", address);
        assertThat(second.status()).as(second.stderr()).isZero();
        CliRun r = listen.get(30, TimeUnit.SECONDS);
        assertThat(r.status()).as(r.stderr()).isZero();
        List<Map<String, Object>> lines = jsonLines(r);
        assertThat(lines).hasSize(2);
        Map<String, Object> a = lines.get(0);
        assertThat(a.keySet()).containsExactly("data", "peer", "fds");
        assertThat(a.get("data")).isEqualTo("héllo");
        assertThat(map(a.get("peer"))).containsEntry("pid", ProcessHandle.current().pid())
                .containsEntry("uid", (long) io.jipc.internal.libc.Unistd.getuid())
                .containsEntry("gid", (long) io.jipc.internal.libc.Unistd.getgid());
        assertThat(list(a.get("fds"))).containsExactly(Map.of("target", passed.toRealPath().toString()),
                Map.of("target", "/dev/null"));
        Map<String, Object> b = lines.get(1);
        assertThat(b).doesNotContainKey("data").containsEntry("data_base64", "/wAB");
        assertThat(list(b.get("fds"))).isEmpty();
        assertThat(Files.exists(Path.of(address))).as("the socket file goes when listen exits").isFalse();
    }

    @Test
    void plainListenCopiesRawBytes() throws Exception {
        String address = abstractAddress("cli-raw");
        CompletableFuture<CliRun> listen = inBackground("sock", "listen", address, "--type", "seqpacket", "--count", "3");
        awaitBound(address);
        try (UnixSocket s = UnixSocket.connect(UnixAddress.parse(address), SocketType.SEQPACKET)) {
            s.send(new byte[] {1, 2});
            s.send(new byte[0]);
            s.send("three".getBytes(StandardCharsets.UTF_8));
        }
        CliRun r = listen.get(30, TimeUnit.SECONDS);
        assertThat(r.status()).as(r.stderr()).isZero();
        assertThat(r.stdoutBytes()).isEqualTo(new byte[] {1, 2, 't', 'h', 'r', 'e', 'e'});
    }

    /** A datagram from a C program: the peer is the C process, from SCM_CREDENTIALS. */
    @Test
    void dgramListenNamesTheSendingProcess() throws Exception {
        String address = abstractAddress("cli-dgram");
        CompletableFuture<CliRun> listen = inBackground("sock", "listen", address, "--type", "dgram", "--json");
        awaitBound(address);
        try (Peer c = CPeer.start("unix_peer", "send-pipe", "dgram", address, "1")) {
            c.awaitOutput("sent 1", WAIT);
            CliRun r = listen.get(30, TimeUnit.SECONDS);
            assertThat(r.status()).as(r.stderr()).isZero();
            Map<String, Object> line = jsonLines(r).get(0);
            assertThat(line.get("data")).isEqualTo("P");
            assertThat(map(line.get("peer")).get("pid")).isEqualTo(c.pid());
            assertThat(map(list(line.get("fds")).get(0)).get("target").toString()).startsWith("pipe:[");
        }
    }

    @Test
    void sendPassesDescriptorsAServerCanUse() throws Exception {
        UnixAddress address = UnixAddress.parse(abstractAddress("cli-send"));
        Path passed = Files.createTempFile("jipct-cli", ".txt");
        files.add(passed);
        Files.writeString(passed, "content of the passed file");
        try (UnixServerSocket server = UnixServerSocket.bind(address, UnixServerSocket.Options.defaults().withType(SocketType.SEQPACKET))) {
            CompletableFuture<CliRun> send = inBackground("sock", "send", address.toString(), "", "--type", "seqpacket",
                    "--fd", passed.toString());
            try (UnixSocket c = server.tryAccept(WAIT).orElseThrow();
                    ReceivedMessage m = c.receiveMessage(ByteBuffer.allocate(16), 4)) {
                assertThat(m.bytes()).as("an empty record may carry descriptors").isZero();
                try (var ch = io.jipc.PassedFiles.openChannel(m.fds().get(0))) {
                    ByteBuffer b = ByteBuffer.allocate(64);
                    ch.read(b);
                    assertThat(new String(b.array(), 0, b.position(), StandardCharsets.UTF_8)).isEqualTo("content of the passed file");
                }
            }
            assertThat(send.get(30, TimeUnit.SECONDS).status()).isZero();
        }
    }

    @Test
    void aTimeoutExitsOne() {
        CliRun r = CliRun.run("sock", "listen", abstractAddress("cli-timeout"), "--timeout", "100ms");
        assertThat(r.status()).isEqualTo(ExitCodes.WOULD_BLOCK);
        assertThat(r.stdout()).isEmpty();
    }

    @Test
    void systemErrorsExitThreeWithOneLine() throws Exception {
        String missing = pathAddress("cli-missing");
        CliRun r = CliRun.run("sock", "send", missing, "x");
        assertThat(r.status()).isEqualTo(ExitCodes.SYSTEM);
        assertThat(r.stderr()).isEqualTo("jipc: connect(" + missing + "): No such file or directory (ENOENT)\n");

        String free = abstractAddress("cli-free");
        r = CliRun.run("sock", "send", free, "x", "--type", "dgram");
        assertThat(r.status()).isEqualTo(ExitCodes.SYSTEM);
        assertThat(r.stderr()).isEqualTo("jipc: sendto(" + free + "): Connection refused (ECONNREFUSED)\n");

        r = CliRun.run("sock", "send", free, "x", "--fd", "/nonexistent/jipc");
        assertThat(r.status()).isEqualTo(ExitCodes.SYSTEM);
        assertThat(r.stderr()).isEqualTo("jipc: open(/nonexistent/jipc): No such file or directory (ENOENT)\n");

        UnixAddress taken = UnixAddress.parse(abstractAddress("cli-taken"));
        try (UnixServerSocket s = UnixServerSocket.bind(taken)) {
            r = CliRun.run("sock", "listen", taken.toString());
            assertThat(r.status()).isEqualTo(ExitCodes.SYSTEM);
            assertThat(r.stderr()).isEqualTo("jipc: bind(" + taken + "): Address already in use (EADDRINUSE)\n"
                    + "jipc: another socket is bound to the abstract name " + taken + "; the name is free again once"
                    + " that socket is closed\n");
        }
    }

    @Test
    void usageErrorsExitTwo() {
        assertThat(CliRun.run("sock").status()).isEqualTo(ExitCodes.USAGE);
        CliRun r = CliRun.run("sock", "send", "@x", "data", "--type", "raw");
        assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.stderr()).startsWith("jipc: --type: socket type is stream, dgram or seqpacket");
        r = CliRun.run("sock", "listen", "/tmp/" + "x".repeat(110));
        assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.stderr()).contains("at most 107 bytes");
        r = CliRun.run("sock", "send", "@x", "", "--fd", "/dev/null");
        assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.stderr()).contains("at least one data byte");
        assertThat(CliRun.run("sock", "listen", "@x", "--count", "0").status()).isEqualTo(ExitCodes.USAGE);
        assertThat(CliRun.run("sock", "bogus").status()).isEqualTo(ExitCodes.USAGE);
    }

    /** A taken path: the advice says what is there, in this command's flags, and never offers --replace-stale wrongly. */
    @Test
    void aTakenPathIsExplainedByWhatIsThere() throws Exception {
        String file = pathAddress("cli-file");
        files.add(Path.of(file));
        Files.writeString(Path.of(file), "not a socket");
        CliRun r = CliRun.run("sock", "listen", file);
        assertThat(r.status()).isEqualTo(ExitCodes.SYSTEM);
        assertThat(r.stderr()).isEqualTo("jipc: bind(" + file + "): Address already in use (EADDRINUSE)\n"
                + "jipc: " + file + " is a regular file, not a socket: listen binds a new socket file there; choose"
                + " another path (--replace-stale replaces only a stale socket file)\n");
        assertThat(Files.readString(Path.of(file))).isEqualTo("not a socket");

        String dir = pathAddress("cli-dir");
        Files.createDirectory(Path.of(dir));
        try {
            r = CliRun.run("sock", "listen", dir);
            assertThat(r.stderr()).contains("\njipc: " + dir + " is a directory, not a socket");
        } finally {
            Files.delete(Path.of(dir));
        }

        String live = pathAddress("cli-live");
        files.add(Path.of(live));
        try (UnixServerSocket s = UnixServerSocket.bind(UnixAddress.parse(live))) {
            r = CliRun.run("sock", "listen", live);
            assertThat(r.stderr()).isEqualTo("jipc: bind(" + live + "): Address already in use (EADDRINUSE)\n"
                    + "jipc: a live server listens on " + live + ": stop it or choose another path (--replace-stale"
                    + " never replaces a live socket)\n");
            r = CliRun.run("sock", "listen", live, "--replace-stale");
            assertThat(r.stderr()).startsWith("jipc: bind(" + live + "): Address already in use (EADDRINUSE)\njipc: ")
                    .doesNotContain("replaceStale");
            assertThat(s.tryAccept(Duration.ofMillis(50))).as("the probes made no connection").isEmpty();
        }
    }

    @Test
    void replaceStaleTakesOverADeadServersFile() throws Exception {
        String address = pathAddress("cli-stale");
        files.add(Path.of(address));
        try (Peer dead = CPeer.start("unix_peer", "hold", "stream", address)) {
            dead.awaitOutput("ready", WAIT);
        }
        CliRun refused = CliRun.run("sock", "listen", address, "--timeout", "10ms");
        assertThat(refused.status()).isEqualTo(ExitCodes.SYSTEM);
        assertThat(refused.stderr()).isEqualTo("jipc: bind(" + address + "): Address already in use (EADDRINUSE)\n"
                + "jipc: " + address + " is a socket file left by a server that is gone: --replace-stale replaces it\n");
        CompletableFuture<CliRun> listen = inBackground("sock", "listen", address, "--replace-stale", "--keep");
        awaitBound(address);
        assertThat(CliRun.run("sock", "send", address, "ok").status()).isZero();
        CliRun r = listen.get(30, TimeUnit.SECONDS);
        assertThat(r.status()).as(r.stderr()).isZero();
        assertThat(r.stdout()).isEqualTo("ok");
        assertThat(Files.exists(Path.of(address))).as("--keep").isTrue();
    }
}
