package io.jipc.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The crash helper itself: a peer dies exactly at the point the test chose, JVM and C alike. */
class CrashTest {
    private static final Duration T = Duration.ofSeconds(30);

    @Test
    void aJvmPeerDiesAtTheChosenPoint() {
        try (Peer p = PeerJvm.start(CrashPeer.class, "opened", "locked", "written")) {
            Crash.pass(p, "opened", T);
            Crash.killAt(p, "locked", T);
            assertThat(p.stdout()).contains("after opened").doesNotContain("after locked", "written");
        }
    }

    /** What a peer wrote before the kill is all kept, even what the pump had not read yet. */
    @Test
    void everythingAPeerWroteBeforeItWasKilledIsKept(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        for (int round = 0; round < 20; round++) {
            java.nio.file.Path done = dir.resolve("done" + round);
            // 60,000 bytes fit in the pipe at once: the peer is done before the pump has read them.
            try (Peer p = Peer.start("dd", List.of("sh", "-c",
                    "head -c 60000 /dev/zero | tr '\\0' x; : > " + done + "; exec sleep 60"))) {
                while (!java.nio.file.Files.exists(done)) {
                    Thread.onSpinWait();
                }
                p.kill();
                assertThat(p.awaitExit(T)).isEqualTo(128 + 9);
                assertThat(p.stdout()).as("round %d", round).hasSize(60_000);
            }
        }
    }

    @Test
    void aCPeerDiesAtTheChosenPointChosenBySeed() {
        long seed = System.nanoTime();
        List<String> points = List.of("a", "b", "c");
        String chosen = Crash.choose(new SplittableRandom(seed), points);
        try (Peer p = CPeer.start("crash_peer", "a", "b", "c")) {
            for (String point : points) {
                if (point.equals(chosen)) {
                    Crash.killAt(p, point, T);
                    break;
                }
                Crash.pass(p, point, T);
            }
            assertThat(p.stdout()).as("seed %d", seed).doesNotContain("after " + chosen);
        }
        assertThat(Crash.choose(new SplittableRandom(seed), points)).as("a seed replays its choice").isEqualTo(chosen);
    }
}
