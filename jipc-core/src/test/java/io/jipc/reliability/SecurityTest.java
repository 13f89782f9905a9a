package io.jipc.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jipc.IpcKey;
import io.jipc.channel.Channel;
import io.jipc.internal.libc.Unistd;
import io.jipc.mq.PosixMessageQueue;
import io.jipc.mq.SysVMessageQueue;
import io.jipc.sem.PermitPool;
import io.jipc.sem.PosixSemaphore;
import io.jipc.sem.SysVSemaphoreSet;
import io.jipc.shm.Mapping;
import io.jipc.shm.SharedMemory;
import io.jipc.shm.SysVSharedMemory;
import io.jipc.socket.PeerCredentials;
import io.jipc.socket.UnixAddress;
import io.jipc.socket.UnixServerSocket;
import io.jipc.socket.UnixSocket;
import io.jipc.sync.SlotKind;
import io.jipc.sync.Slots;
import io.jipc.testing.Peer;
import io.jipc.testing.PeerJvm;
import io.jipc.testing.TestIpc;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Security: the modes objects are created with whatever the creator's umask, exclusive creation
 * when two processes race for one name, what a stranger (uid 65534, no capabilities) is refused,
 * a server refusing a peer by uid, and stale-socket replacement racing live servers. Each runs
 * between real processes: the umask is process-wide, so the creator is a JVM started under it.
 * {@code -Djipc.security.trials=N} sets the race trials per kind (default 50); docs/reliability.md
 * quotes a run.
 */
class SecurityTest {
    static final int TRIALS = Integer.getInteger("jipc.security.trials", 50);
    static final Duration WAIT = Duration.ofSeconds(60);
    /** Every kind of {@link SecurityPeer#KINDS}, and the memfd. */
    static final int DEFAULT_MODE = 0600;

    private Path dir;
    private final List<Runnable> cleanup = new CopyOnWriteArrayList<>();

    @BeforeEach
    void directory() throws IOException {
        // 0755, so that a stranger reaches the objects and only their own modes keep it out.
        dir = Files.createTempDirectory("jipc-security");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterEach
    void removeEverything() throws IOException {
        for (Runnable r : cleanup) {
            r.run();
        }
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    // ------------------------------------------------------------------ modes

    @Test
    void everyKindIsCreated0600WhateverTheUmask() throws Exception {
        Map<String, List<String>> wrong = new LinkedHashMap<>();
        for (String umask : List.of("000", "077", "277")) {
            Path sub = Files.createDirectory(dir.resolve("umask" + umask));
            Files.setPosixFilePermissions(sub, PosixFilePermissions.fromString("rwxr-xr-x"));
            String name = TestIpc.name("umask" + umask);
            int key = keys();
            Map<String, String> at = SecurityPeer.places(sub, name, key);
            removeLater(at, sub, name, key);
            try (Peer p = Peer.start("umask-" + umask, List.of("sh", "-c", "umask " + umask + " && exec \"$0\" \"$@\"",
                    PeerJvm.javaCommand(), "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), SecurityPeer.class.getName(),
                    "create", sub.toString(), name, "0x" + Integer.toHexString(key)))) {
                p.awaitSuccess(WAIT);
                Map<String, Integer> modes = modes(p.stdout(), at, key);
                assertThat(modes.keySet()).containsAll(List.of(SecurityPeer.KINDS)).contains("memfd");
                modes.forEach((kind, mode) -> {
                    if (mode != DEFAULT_MODE) {
                        wrong.computeIfAbsent("umask " + umask, u -> new ArrayList<>()).add(kind + " " + Integer.toOctalString(mode));
                    }
                });
                System.out.println("security umask=" + umask + " kinds=" + modes.size() + " modes="
                        + modes.entrySet().stream().map(e -> e.getKey() + ":" + Integer.toOctalString(e.getValue()))
                                .collect(Collectors.joining(",")));
            }
        }
        assertThat(wrong).as("objects created with another mode than 0600").isEmpty();
    }

    /** The mode of each object the peer's {@code create} printed. */
    private static Map<String, Integer> modes(String out, Map<String, String> at, int key) throws Exception {
        Map<String, Integer> modes = new LinkedHashMap<>();
        for (String line : out.lines().toList()) {
            String[] f = line.split(" ", 2);
            String kind = f[0];
            int mode = switch (kind) {
                case "fifo", "stream-socket", "dgram-socket", "file-lock" -> fileMode(Path.of(f[1]));
                case "posix-sem" -> fileMode(Path.of("/dev/shm/sem." + f[1].substring(1)));
                case "shm", "channel" -> fileMode(Path.of("/dev/shm" + f[1]));
                case "posix-mq" -> {
                    try (PosixMessageQueue q = PosixMessageQueue.openExisting(f[1])) {
                        int n = q.fd().acquire("fstat");
                        try {
                            // the queue's own inode, through the descriptor's link (no /dev/mqueue mount needed)
                            yield (int) Files.getAttribute(Path.of("/proc/self/fd/" + n), "unix:mode") & 07777;
                        } finally {
                            q.fd().release();
                        }
                    }
                }
                case "sysv-mq" -> sysvMode("msg", key);
                case "sysv-sem" -> sysvMode("sem", key + 1);
                case "permit-pool" -> sysvMode("sem", key + 2);
                case "sysv-shm" -> sysvMode("shm", key + 3);
                case "memfd" -> Integer.parseInt(f[1], 8);
                default -> throw new AssertionError("unexpected line " + line);
            };
            modes.put(kind, mode);
        }
        return modes;
    }

    static int fileMode(Path p) throws IOException {
        return (int) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    /** The perms column of the System V object with this key, from /proc/sysvipc. */
    static int sysvMode(String table, int key) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/sysvipc", table)).stream().skip(1).toList()) {
            String[] f = line.trim().split("\\s+");
            if ((int) Long.parseLong(f[0]) == key) {
                return Integer.parseInt(f[2], 8) & 0777;
            }
        }
        throw new AssertionError("no System V " + table + " with key 0x" + Integer.toHexString(key));
    }

    /** Four consecutive System V keys of this run. */
    private static int keys() {
        int first = TestIpc.key();
        for (int i = 1; i < 4; i++) {
            assertThat(TestIpc.key()).isEqualTo(first + i);
        }
        return first;
    }

    private void removeLater(Map<String, String> at, Path sub, String name, int key) {
        cleanup.add(() -> {
            ignoring(() -> PosixMessageQueue.unlink(at.get("posix-mq")));
            ignoring(() -> PosixSemaphore.unlink(at.get("posix-sem")));
            ignoring(() -> SharedMemory.unlink(at.get("shm")));
            ignoring(() -> Channel.unlink(at.get("channel")));
            ignoring(() -> {
                try (SysVMessageQueue q = SysVMessageQueue.openExisting(IpcKey.of(key))) {
                    q.remove();
                }
            });
            ignoring(() -> {
                try (SysVSemaphoreSet s = SysVSemaphoreSet.openExisting(IpcKey.of(key + 1))) {
                    s.remove();
                }
            });
            ignoring(() -> {
                try (PermitPool s = PermitPool.openExisting(IpcKey.of(key + 2))) {
                    s.remove();
                }
            });
            ignoring(() -> {
                try (SysVSharedMemory s = SysVSharedMemory.openExisting(IpcKey.of(key + 3))) {
                    s.remove();
                }
            });
            ignoring(() -> {
                try (var s = Files.list(sub)) {
                    for (Path p : s.toList()) {
                        Files.delete(p);
                    }
                }
                Files.delete(sub);
            });
        });
    }

    interface Action {
        void run() throws Exception;
    }

    static void ignoring(Action a) {
        try {
            a.run();
        } catch (Exception gone) {
            // not made, or removed already
        }
    }

    // ------------------------------------------------------------------ a stranger

    /** A JVM as uid/gid 65534 with no capabilities, from the build's class directories (which it can read). */
    static Peer asStranger(String... args) {
        String classPath = java.util.Arrays.stream(System.getProperty("java.class.path").split(":"))
                .filter(e -> e.endsWith("/classes") || e.endsWith("/test-classes")).collect(Collectors.joining(":"));
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                PeerJvm.javaCommand(), "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", classPath, SecurityPeer.class.getName()));
        cmd.addAll(List.of(args));
        return Peer.start("stranger", cmd);
    }

    static void assumeRootAndSetpriv() {
        assumeTrue(Unistd.getuid() == 0, "needs root to start a peer as uid 65534");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs setpriv (util-linux) to start a peer as uid 65534");
    }

    @Test
    void aStrangerIsRefusedEveryObjectMadeWithTheDefaults() throws Exception {
        assumeRootAndSetpriv();
        String name = TestIpc.name("stranger");
        int key = keys();
        Path sub = Files.createDirectory(dir.resolve("objects"));
        Files.setPosixFilePermissions(sub, PosixFilePermissions.fromString("rwxr-xr-x"));
        Map<String, String> at = SecurityPeer.places(sub, name, key);
        removeLater(at, sub, name, key);
        try (Peer creator = PeerJvm.start(SecurityPeer.class, "create", sub.toString(), name, "0x" + Integer.toHexString(key))) {
            creator.awaitSuccess(WAIT);
        }
        try (Peer stranger = asStranger("open", sub.toString(), name, "0x" + Integer.toHexString(key))) {
            stranger.awaitSuccess(WAIT);
            List<String> lines = stranger.stdout().lines().toList();
            System.out.println("security stranger: " + String.join("; ", lines));
            assertThat(lines).hasSize(SecurityPeer.KINDS.length);
            for (String line : lines) {
                assertThat(line).as("uid 65534 opening a 0600 object of root's").matches("\\S+ denied .*\\(EACCES\\)");
            }
        }
    }

    @Test
    void aServerRefusesAStrangerByUidAndServesItsOwnUser() throws Exception {
        assumeRootAndSetpriv();
        UnixAddress address = UnixAddress.of(dir.resolve("server.sock"));
        List<PeerCredentials> refused = new ArrayList<>();
        int me = Unistd.getuid();
        // 0666, as a server that wants strangers to reach it so that it can choose by uid.
        try (UnixServerSocket server = UnixServerSocket.bind(address,
                UnixServerSocket.Options.defaults().withMode(PosixFilePermissions.fromString("rw-rw-rw-")).withUnlinkOnClose(true));
                Peer stranger = asStranger("connect", address.toString())) {
            stranger.awaitOutput("connected", WAIT);
            try (Peer friend = PeerJvm.start(SecurityPeer.class, "connect", address.toString())) {
                friend.awaitOutput("connected", WAIT);
                try (UnixSocket accepted = server.tryAcceptIf(peer -> {
                    if (peer.uid() != me) {
                        refused.add(peer);
                        return false;
                    }
                    return true;
                }, WAIT).orElseThrow()) {
                    assertThat(accepted.peerCredentials().pid()).isEqualTo((int) friend.pid());
                    assertThat(refused).extracting(PeerCredentials::uid).containsExactly(65534);
                    stranger.awaitSuccess(WAIT);
                    assertThat(stranger.stdout()).isEqualTo("connected\neof\n");
                }
                friend.awaitSuccess(WAIT);
            }
        }
    }

    // ------------------------------------------------------------------ races

    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    /** Two racer JVMs behind a gate word in shared memory, with the slots a mutex race needs. */
    final class Race implements AutoCloseable {
        final SharedMemory gateShm;
        final Mapping gate;
        final Peer a;
        final Peer b;
        final Slots slots = Slots.from(64);
        long trial;
        int won;
        int lost;

        Race(int mutexSlots) throws Exception {
            String gateName = TestIpc.name("gate");
            Slots size = Slots.from(64);
            for (int i = 0; i < mutexSlots; i++) {
                size.reserve(SlotKind.MUTEX);
            }
            gateShm = SharedMemory.createExclusively(gateName, size.size());
            gate = gateShm.map();
            Peer pa = null;
            Peer pb = null;
            try {
                pa = PeerJvm.start(SecurityPeer.class, "race", gateName);
                pb = PeerJvm.start(SecurityPeer.class, "race", gateName);
                pa.awaitOutput("racing\n", WAIT);
                pb.awaitOutput("racing\n", WAIT);
                a = pa;
                b = pb;
            } catch (RuntimeException | Error e) {
                for (Peer p : new Peer[] {pa, pb}) {
                    if (p != null) {
                        p.close();
                    }
                }
                gate.close();
                gateShm.close();
                throw e;
            } finally {
                gateShm.unlink(); // both racers have it open (or are gone): nothing is left if the test fails
            }
        }

        /** One trial: both racers armed, the gate opened; returns how many won. */
        int run(String kind, String arg) {
            long t = ++trial;
            a.send(kind + " " + arg + " " + t);
            b.send(kind + " " + arg + " " + t);
            a.awaitOutput("armed " + t + "\n", WAIT);
            b.awaitOutput("armed " + t + "\n", WAIT);
            LONG.setVolatile(gate.segment(), 0L, t);
            String ra = result(a, t);
            String rb = result(b, t);
            assertThat(List.of(ra, rb)).as("trial %d of %s", t, kind).allMatch(r -> r.equals("won") || r.equals("lost"));
            int winners = (ra.equals("won") ? 1 : 0) + (rb.equals("won") ? 1 : 0);
            won += winners;
            lost += 2 - winners;
            return winners;
        }

        private String result(Peer p, long t) {
            String start = "\n" + t + " ";
            p.awaitOutput(start, WAIT);
            String out = p.stdout();
            int at = out.indexOf(start) + start.length();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (true) {
                out = p.stdout();
                int end = out.indexOf('\n', at);
                if (end > 0) {
                    return out.substring(at, end);
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("no result of trial " + t + ": " + out);
                }
                Thread.onSpinWait();
            }
        }

        @Override
        public void close() {
            try {
                for (Peer p : new Peer[] {a, b}) {
                    if (p.process().isAlive()) {
                        p.send("exit");
                        p.awaitExit(WAIT);
                    }
                }
            } finally {
                a.close();
                b.close();
                gate.close();
                gateShm.close();
            }
        }
    }

    @Test
    void exactlyOneOfTwoProcessesCreatesExclusively() throws Exception {
        String name = TestIpc.name("race");
        int key = TestIpc.key();
        Map<String, Action> removeAfter = new LinkedHashMap<>();
        Map<String, String> args = new LinkedHashMap<>();
        args.put("fifo", dir.resolve("fifo").toString());
        removeAfter.put("fifo", () -> Files.delete(dir.resolve("fifo")));
        args.put("stream-socket", dir.resolve("stream.sock").toString());
        removeAfter.put("stream-socket", () -> Files.delete(dir.resolve("stream.sock")));
        args.put("seqpacket-socket", dir.resolve("seqpacket.sock").toString());
        removeAfter.put("seqpacket-socket", () -> Files.delete(dir.resolve("seqpacket.sock")));
        args.put("dgram-socket", dir.resolve("dgram.sock").toString());
        removeAfter.put("dgram-socket", () -> Files.delete(dir.resolve("dgram.sock")));
        args.put("posix-mq", name + "-mq");
        removeAfter.put("posix-mq", () -> PosixMessageQueue.unlink(name + "-mq"));
        args.put("posix-sem", name + "-sem");
        removeAfter.put("posix-sem", () -> PosixSemaphore.unlink(name + "-sem"));
        args.put("shm", name + "-shm");
        removeAfter.put("shm", () -> SharedMemory.unlink(name + "-shm"));
        args.put("channel", name + "-channel");
        removeAfter.put("channel", () -> Channel.unlink(name + "-channel"));
        String hexKey = "0x" + Integer.toHexString(key);
        args.put("sysv-mq", hexKey);
        removeAfter.put("sysv-mq", () -> {
            try (SysVMessageQueue q = SysVMessageQueue.openExisting(IpcKey.of(key))) {
                q.remove();
            }
        });
        args.put("sysv-sem", hexKey);
        removeAfter.put("sysv-sem", () -> {
            try (SysVSemaphoreSet s = SysVSemaphoreSet.openExisting(IpcKey.of(key))) {
                s.remove();
            }
        });
        args.put("permit-pool", hexKey);
        removeAfter.put("permit-pool", () -> {
            try (PermitPool s = PermitPool.openExisting(IpcKey.of(key))) {
                s.remove();
            }
        });
        args.put("sysv-shm", hexKey);
        removeAfter.put("sysv-shm", () -> {
            try (SysVSharedMemory s = SysVSharedMemory.openExisting(IpcKey.of(key))) {
                s.remove();
            }
        });
        Map<String, String> figures = new LinkedHashMap<>();
        try (Race race = new Race(TRIALS)) {
            for (Map.Entry<String, String> e : args.entrySet()) {
                String kind = e.getKey();
                int before = race.lost;
                for (int t = 0; t < TRIALS; t++) {
                    try {
                        assertThat(race.run(kind, e.getValue())).as("winners of a %s race", kind).isEqualTo(1);
                    } finally {
                        ignoring(removeAfter.get(kind));
                    }
                }
                figures.put(kind, TRIALS + " trials, " + TRIALS + " won, " + (race.lost - before) + " lost");
            }
            int before = race.lost;
            for (int t = 0; t < TRIALS; t++) {
                long slot = race.slots.reserve(SlotKind.MUTEX);
                assertThat(race.run("mutex-slot", String.valueOf(slot))).as("winners of a mutex slot race").isEqualTo(1);
            }
            figures.put("mutex-slot", TRIALS + " trials, " + TRIALS + " won, " + (race.lost - before) + " lost");
        }
        figures.forEach((k, v) -> System.out.println("security race " + k + ": " + v));
    }

    /**
     * Stale-socket replacement, raced: two processes replace one stale socket file at once (exactly
     * one wins, and the path leads to the winner: the loser never removed the winner's fresh file),
     * and both try to replace a live server's file many times (always refused; the live server keeps
     * its file, same inode, and still takes connections).
     */
    @Test
    void replacingAStaleSocketNeverRemovesALiveServersFile() throws Exception {
        Path path = dir.resolve("replaced.sock");
        UnixAddress address = UnixAddress.of(path);
        UnixServerSocket.bind(address).close(); // a server gone, its file left
        int reached = 0;
        try (Race race = new Race(0)) {
            for (int t = 0; t < TRIALS; t++) {
                // the previous trial's winner closes its server when the next line comes: stale again
                assertThat(race.run("replace", path.toString())).as("winners of a stale-socket replacement").isEqualTo(1);
                try (UnixSocket s = UnixSocket.connect(address)) {
                    reached++;
                }
            }
            int staleLost = race.lost;
            // The last winner still holds its server: its file goes, and the racer closes it on the next line.
            Files.deleteIfExists(path);
            try (UnixServerSocket live = UnixServerSocket.bind(address)) {
                Object inode = Files.getAttribute(path, "unix:ino");
                for (int t = 0; t < TRIALS; t++) {
                    assertThat(race.run("replace", path.toString())).as("replacements of a live server").isZero();
                }
                assertThat(Files.getAttribute(path, "unix:ino")).isEqualTo(inode);
                try (UnixSocket c = UnixSocket.connect(address); UnixSocket served = live.accept()) {
                    c.send(new byte[] {1});
                    assertThat(served.receive(new byte[1])).isEqualTo(1);
                }
                System.out.println("security replace: stale " + TRIALS + " trials, " + TRIALS + " won, " + staleLost
                        + " lost, winner reached " + reached + "/" + TRIALS + "; live " + TRIALS + " trials, 0 won, "
                        + (race.lost - staleLost) + " lost, live server kept its file");
            }
        }
    }
}
