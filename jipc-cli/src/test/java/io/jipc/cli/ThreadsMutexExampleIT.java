package io.jipc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.testing.Peer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The threads-mutex example, run the one way its README says: no update lost. */
class ThreadsMutexExampleIT {
    static final Path RUN = Path.of(System.getProperty("basedir", "."), "..", "examples", "threads-mutex", "run").normalize();

    @Test
    void everyThreadsAddsCount() throws Exception {
        try (Peer p = Peer.start("threads-mutex", List.of(RUN.toString()))) {
            p.awaitSuccess(Duration.ofSeconds(180));
            assertThat(p.stdout()).isEqualTo("4 threads x 100000 adds under a SharedMutex: counter = 400000 (expected"
                    + " 400000)\n");
        }
    }
}
