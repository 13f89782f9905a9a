package io.jipc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.testing.Peer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The frame-buffer example, run the one way its README says: each side killed with SIGKILL while
 * holding the robust mutex, the other told and recovering, only whole frames read, nothing left.
 */
class FrameBufferExampleIT {
    static final Path RUN = Path.of(System.getProperty("basedir", "."), "..", "examples", "frame-buffer", "run").normalize();
    private static final Pattern HEADER = Pattern.compile("supervisor \\d+: segment (\\S+),");

    @Test
    void eachSideSurvivesASigkillOfTheOtherAndReadsOnlyWholeFrames() throws Exception {
        try (Peer p = Peer.start("frame-buffer", List.of(RUN.toString()))) {
            p.awaitSuccess(Duration.ofSeconds(240));
            String out = p.stdout();
            assertThat(out).containsPattern("supervisor: killed producer \\d+ \\(SIGKILL\\) while writing frame (\\d+)")
                    .containsPattern("consumer \\d+: the producer died holding the lock while writing frame \\d+: torn"
                            + " frame discarded")
                    .containsPattern("supervisor: killed consumer \\d+ \\(SIGKILL\\) while reading frame \\d+")
                    .containsPattern("producer \\d+: the consumer died holding the lock \\(reading frame \\d+\\)")
                    .contains("supervisor: both survived a SIGKILL of the other; segment removed");
            List<String> whole = out.lines().filter(l -> l.contains(" whole (65536 bytes")).toList();
            assertThat(whole.size()).as("whole frames read (a torn one would have failed the consumer)").isGreaterThanOrEqualTo(4);
            Matcher m = HEADER.matcher(out);
            assertThat(m.find()).as(out).isTrue();
            assertThat(Path.of("/dev/shm", m.group(1).substring(1))).doesNotExist();
        }
    }
}
