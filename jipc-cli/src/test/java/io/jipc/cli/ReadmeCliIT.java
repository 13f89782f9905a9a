package io.jipc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.testing.Peer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The README's "command line at a glance" block, run by bash from the repository root as it is written. */
class ReadmeCliIT {
    private static final Path ROOT = Path.of(System.getProperty("basedir", "."), "..").toAbsolutePath().normalize();

    @Test
    void theCommandLineAtAGlanceRunsAsWritten() throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"));
        Matcher m = Pattern.compile("## The command line at a glance\n```sh\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertThat(m.find()).as("the block in README.md").isTrue();
        String block = m.group(1);
        try (Peer p = Peer.start("readme", List.of("bash", "-c", "set -e; cd " + ROOT + "\n" + block))) {
            int status = p.awaitExit(Duration.ofSeconds(300));
            assertThat(status).as(p.stdout() + p.stderr()).isZero();
            assertThat(p.stdout()).contains("resize photo.jpg", "one at a time\n", "TYPE  ",
                    "exit 3: not a FIFO, kept\n", "Usage: jipc mq send");
            assertThat(p.stderr()).contains("jipc: stat(/tmp/demo.lock): Invalid argument (EINVAL)");
        } finally {
            Files.deleteIfExists(Path.of("/tmp/demo.lock"));
        }
    }
}
