package io.jipc.hostile;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.testing.Hostile;
import io.jipc.testing.Peer;
import io.jipc.testing.PeerJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile input, issue 20: every public entry point of jipc-core's exported packages fed random
 * names, sizes, offsets, flags, durations, closed objects and other-thread use ({@link
 * HostileInputPeer}, in a JVM of its own so that a crash fails this test). Passes when that JVM
 * exits 0 — only documented exceptions, no leak, no hang, every entry point called or excused —
 * with no {@code hs_err} file, and nothing of its prefix left in /dev/shm or System V.
 *
 * <p>{@code -Djipc.seed=N} replays a run; {@code -Djipc.tries=N} sets the tries per entry point
 * (default 2; a long run: {@code -Djipc.tries=200}).
 */
class HostileInputTest {
    @Test
    @Timeout(1800)
    void everyEntryPointRefusesHostileInputWithADocumentedException(@TempDir Path dir) throws Exception {
        List<String> jvm = new ArrayList<>(List.of("-Djipc.seed=" + Hostile.runSeed(),
                "-XX:ErrorFile=" + dir.resolve("hs_err_pid%p.log"), "-Xmx512m"));
        for (String p : List.of("jipc.tries", "jipc.hostile.callMillis")) {
            if (System.getProperty(p) != null) {
                jvm.add("-D" + p + "=" + System.getProperty(p));
            }
        }
        System.out.println("hostile input: seed " + Hostile.runSeed() + " (rerun with -Djipc.seed=" + Hostile.runSeed() + ")");
        int status;
        String out;
        try (Peer peer = PeerJvm.start(jvm, HostileInputPeer.class)) {
            status = peer.awaitExit(Duration.ofMinutes(29));
            out = peer.stdout();
            System.out.print(out);
            System.out.print(peer.stderr());
            String prefix = line(out, "prefix ");
            try (Stream<Path> shm = Files.list(Path.of("/dev/shm"))) {
                assertThat(shm.map(p -> p.getFileName().toString()).filter(n -> prefix != null && n.contains(prefix)))
                        .as("/dev/shm entries the peer left").isEmpty();
            }
            String keys = line(out, "keys 0x");
            if (keys != null) {
                int range = Integer.parseUnsignedInt(keys, 16);
                for (String kind : List.of("msg", "sem", "shm")) {
                    for (String row : Files.readAllLines(Path.of("/proc/sysvipc", kind)).stream().skip(1).toList()) {
                        int key = (int) Long.parseLong(row.trim().split("\\s+")[0]);
                        assertThat((key & 0xFFFF_F000) == range).as("System V " + kind + " left: " + row).isFalse();
                    }
                }
            }
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.filter(p -> p.getFileName().toString().startsWith("hs_err"))).as("JVM crash logs").isEmpty();
        }
        assertThat(status).as("the hostile-input JVM's exit status (>= 128: it crashed); its report:\n" + out).isZero();
    }

    private static String line(String out, String start) {
        return out.lines().filter(l -> l.startsWith(start)).map(l -> l.substring(start.length()).trim()).findFirst().orElse(null);
    }
}
