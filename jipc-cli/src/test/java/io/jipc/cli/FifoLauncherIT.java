package io.jipc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.testing.Peer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code jipc fifo} through the real {@code ./jipc} launcher: two separate jipc processes meet at a FIFO. */
class FifoLauncherIT {
    private static final Duration WAIT = Duration.ofSeconds(120);

    @Test
    void createWriteAndReadAcrossTwoLauncherProcesses() throws Exception {
        Path path = FifoCommandTest.fifoPath("it-fifo");
        try {
            try (Peer create = LauncherIT.jipc("fifo", "create", path.toString(), "--mode", "0644")) {
                create.awaitSuccess(WAIT);
            }
            try (Peer lonely = LauncherIT.jipc("fifo", "write", path.toString(), "nobody", "--timeout", "300ms")) {
                assertThat(lonely.awaitExit(WAIT)).as("no reader: timed out").isEqualTo(ExitCodes.WOULD_BLOCK);
            }
            try (Peer read = LauncherIT.jipc("fifo", "read", path.toString(), "--timeout", "60s");
                    Peer write = LauncherIT.jipc("fifo", "write", path.toString(), "through the launcher")) {
                write.awaitSuccess(WAIT);
                read.awaitSuccess(WAIT);
                assertThat(read.stdout()).isEqualTo("through the launcher");
            }
        } finally {
            Files.deleteIfExists(path);
        }
    }
}
