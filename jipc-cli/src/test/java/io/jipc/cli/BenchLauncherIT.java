package io.jipc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.testing.Peer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@code ./jipc bench} from the real launcher: the CLI JVM on the launcher's module path starts
 * the peer JVM with the same paths, and the C baseline runs beside it.
 */
class BenchLauncherIT {
    @Test
    void benchRunsFromTheLauncher() {
        try (Peer p = LauncherIT.jipc("bench", "--mechanisms", "pipe", "--size", "64", "--messages", "200",
                "--rounds", "1", "--json", "--cache-dir", BenchCommandTest.CACHE, "--warmup-cap", "0s")) {
            p.awaitSuccess(Duration.ofSeconds(180));
            String[] lines = p.stdout().split("\n");
            assertThat(lines).hasSize(5);
            for (String line : lines) {
                assertThat(BenchCommandTest.JSON_LINE.matcher(line).matches()).as(line).isTrue();
            }
            assertThat(lines[0]).startsWith("{\"mechanism\":\"pipe\",\"size\":64,\"impl\":\"jipc\",");
            assertThat(lines[1]).startsWith("{\"mechanism\":\"pipe\",\"size\":64,\"impl\":\"jipc-batch\",");
            assertThat(lines[2]).startsWith("{\"mechanism\":\"pipe\",\"size\":64,\"impl\":\"ffm\",");
            assertThat(lines[3]).startsWith("{\"mechanism\":\"pipe\",\"size\":64,\"impl\":\"c\",");
            assertThat(lines[4]).startsWith("{\"mechanism\":\"pipe\",\"size\":64,\"impl\":\"c-mt\",");
            // The launcher grants the harness native access: the default placement and the CPU figures work.
            assertThat(lines[0]).contains("\"placement\":\"same:").doesNotContain("null");
            assertThat(p.stderr()).as("no restricted-method warning").doesNotContain("WARNING");
        }
    }
}
