package io.jipc.internal.wait;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.testing.Peer;
import io.jipc.testing.PeerJvm;
import io.jipc.testing.TestIpc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hot paths whose calls usually succeed are allocation-free by construction, not by C2's
 * grace: a downcall that captures errno makes a 40-byte slice of the capture segment on every
 * call (the JDK's {@code SharedUtils.checkCaptureSegment}), which only C2's escape analysis
 * removes, in some compilations and not in others (a full test JVM measured 80 bytes per pipe
 * round now and then). Such calls go without the capture and are made again with it only after
 * a failure ({@code Errnos.UNCAPTURED}). A JVM whose JIT is C1 only, with no escape analysis at
 * all, shows what the calls themselves allocate.
 */
class WithoutEscapeAnalysisTest {
    @TempDir
    Path dir;

    @Test
    void blockingCallsThatSucceedAllocateNothingEvenWithoutEscapeAnalysis() throws Exception {
        try (Peer peer = PeerJvm.start(List.of("-XX:TieredStopAtLevel=1"), WithoutEscapeAnalysisPeer.class,
                TestIpc.name("noea"), dir.toString())) {
            peer.awaitSuccess(Duration.ofSeconds(120));
            Map<String, Double> perRound = new TreeMap<>();
            for (String line : peer.stdout().split("\n")) {
                int colon = line.lastIndexOf(": ");
                perRound.put(line.substring(0, colon), Double.parseDouble(line.substring(colon + 2)));
            }
            assertThat(perRound).containsOnlyKeys("pipe write+read", "mq send+receive", "sem release+acquire",
                    "unix stream send+receive", "unix seqpacket send+receive", "sysv-msg send+receive",
                    "sysv-sem op+op", "mutex lock+unlock", "flock lock+unlock", "posix lock+unlock", "ofd lock+unlock");
            assertThat(perRound).allSatisfy((path, bytes) ->
                    assertThat(bytes).as("bytes allocated per round by %s under C1", path).isLessThan(1.0));
        }
    }
}
