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
