package io.jipc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.mq.PosixMessage;
import io.jipc.mq.PosixMessageQueue;
import io.jipc.pipe.Pipe;
import io.jipc.process.ChildProcess;
import io.jipc.process.ExitStatus;
import io.jipc.process.Redirect;
import io.jipc.testing.TestIpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's example, as written there (names made unique per run), so it cannot rot. */
class ReadmeExampleTest {
    @Test
    void childReadsFd3(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        ExitStatus status;
        // A child reads at fd 3 what this process writes, the way a shell does `cmd 3<pipe`.
        try (Pipe pipe = Pipe.open();
             ChildProcess child = ChildProcess.builder("sh", "-c", "cat <&3")
                     .fd(3, Redirect.handOver(pipe.readEnd()))
                     .stdout(Redirect.to(out))
                     .start()) {
            pipe.writeEnd().write("hello\n".getBytes(UTF_8));
            pipe.writeEnd().close();
            status = child.tryWaitFor(Duration.ofSeconds(5)).orElseThrow();
        }
        assertThat(status.success()).isTrue();
        assertThat(Files.readString(out)).isEqualTo("hello\n");
    }

    @Test
    void priorityQueue() throws Exception {
        String name = TestIpc.name("jobs");
        // POSIX queue: higher priorities first; a C program can mq_receive the same bytes.
        try (var q = PosixMessageQueue.createOrOpen(name, PosixMessageQueue.Options.defaults())) {
            q.send("normal".getBytes(UTF_8), 1);
            q.send("urgent".getBytes(UTF_8), 9);
            PosixMessage m = q.receive();           // m.priority() == 9
            assertThat(m.priority()).isEqualTo(9);
            assertThat(new String(m.data(), UTF_8)).isEqualTo("urgent");
            q.unlink();
        }
    }
}
