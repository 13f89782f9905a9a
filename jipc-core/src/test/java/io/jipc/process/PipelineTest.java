package io.jipc.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jipc.NotFoundException;
import io.jipc.signal.Signal;
import io.jipc.testing.CPeer;
import io.jipc.testing.LeakGuard;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineTest {
    static final Duration WAIT = Duration.ofSeconds(30);
    static String probe;

    @BeforeAll
    static void compileProbe() {
        LeakGuard.register(Zombies.PROBE);
        probe = CPeer.compile("child_probe").toString();
    }

    @AfterAll
    static void noZombieLeft() {
        assertThat(Zombies.ofThisJvm()).isEmpty();
    }

    @Test
    void threeStagesLikeTheShell() throws Exception {
        try (TestPipe out = new TestPipe()) {
            try (Pipeline p = Pipeline.builder()
                    .add("printf", "b\\na\\nc\\nb\\n")
                    .add("sort", "-u")
                    .add("wc", "-l")
                    .stdout(Redirect.handOver(out.write))
                    .start()) {
                assertThat(p.stages()).hasSize(3);
                assertThat(out.readAll(WAIT)).isEqualTo("3\n");
                Pipeline.Status s = p.waitFor();
                assertThat(s.success()).isTrue();
                assertThat(s.stages()).containsOnly(ExitStatus.exited(0));
                assertThat(s.pipeStatus()).containsExactly(0, 0, 0);
            }
        }
    }

    @Test
    void statusOfEachStageAndPipefail() throws Exception {
        try (Pipeline p = Pipeline.builder()
                .add("/bin/sh", "-c", "exit 3")
                .add("cat")
                .add("/bin/sh", "-c", "cat >/dev/null; exit 0")
                .start()) {
            Pipeline.Status s = p.waitFor();
            assertThat(s.pipeStatus()).containsExactly(3, 0, 0);
            assertThat(s.last()).isEqualTo(ExitStatus.exited(0));
            assertThat(s.pipefail()).isEqualTo(ExitStatus.exited(3));
            assertThat(s.success()).isFalse();
        }
        try (Pipeline p = Pipeline.builder()
                .add("/bin/sh", "-c", "exit 3")
                .add("/bin/sh", "-c", "exit 4")
                .add("/bin/sh", "-c", "cat >/dev/null; kill -TERM $$")
                .start()) {
            Pipeline.Status s = p.waitFor();
            assertThat(s.pipeStatus()).containsExactly(3, 4, 143);
            assertThat(s.pipefail().killedBy(Signal.SIGTERM)).isTrue();
        }
    }

    @Test
    void anEarlyExitingReaderKillsTheWriterWithSigpipe() throws Exception {
        // The JVM's own SIGPIPE handling must not reach the children: yes dies of SIGPIPE as in a shell.
        try (TestPipe out = new TestPipe();
                Pipeline p = Pipeline.builder().add("yes").add("head", "-n", "2")
                        .stdout(Redirect.handOver(out.write)).start()) {
            assertThat(out.readAll(WAIT)).isEqualTo("y\ny\n");
            Pipeline.Status s = p.waitFor();
            assertThat(s.stages().get(0).killedBy(Signal.SIGPIPE)).isTrue();
            assertThat(s.last().success()).isTrue();
        }
    }

    @Test
    void stdinFromAPipeAndTimedWait() throws Exception {
        try (TestPipe in = new TestPipe(); TestPipe out = new TestPipe()) {
            try (Pipeline p = Pipeline.builder()
                    .add("cat").add("tr", "a-z", "A-Z").add("cat")
                    .stdin(Redirect.handOver(in.read))
                    .stdout(Redirect.handOver(out.write))
                    .start()) {
                assertThat(p.tryWaitFor(Duration.ofMillis(200))).isEmpty();
                assertThat(p.tryWaitFor()).isEmpty();
                in.write("hello pipeline\n");
                in.write.close();
                assertThat(out.readAll(WAIT)).isEqualTo("HELLO PIPELINE\n");
                assertThat(p.tryWaitFor(WAIT)).hasValueSatisfying(s -> assertThat(s.success()).isTrue());
                assertThat(p.tryWaitFor()).isPresent();
            }
        }
    }

    @Test
    void aLongPipelineCarriesEveryByte(@TempDir Path dir) throws Exception {
        Path input = dir.resolve("in");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 20_000; i++) {
            sb.append("line ").append(i).append('\n');
        }
        Files.writeString(input, sb);
        Path output = dir.resolve("out");
        Pipeline.Builder b = Pipeline.builder();
        for (int i = 0; i < 10; i++) {
            b.add("cat");
        }
        try (Pipeline p = b.stdin(Redirect.from(input)).stdout(Redirect.to(output)).start()) {
            assertThat(p.waitFor().success()).isTrue();
        }
        assertThat(Files.readString(output)).isEqualTo(sb.toString());
    }

    @Test
    void newProcessGroupPutsEveryStageInTheFirstStagesGroup() throws Exception {
        try (TestPipe out = new TestPipe()) {
            try (Pipeline p = Pipeline.builder()
                    .add(probe, "ids")
                    .add(probe, "read", "0", "ids")
                    .add(probe, "read", "0", "ids")
                    .newProcessGroup()
                    .stdout(Redirect.handOver(out.write))
                    .start()) {
                long leader = p.stages().get(0).pid();
                assertThat(p.processGroup()).isEqualTo(leader);
                List<String> lines = out.readAll(WAIT).lines().toList();
                assertThat(lines).hasSize(3);
                for (int i = 0; i < 3; i++) {
                    assertThat(lines.get(i)).startsWith("pid " + p.stages().get(i).pid() + " pgid " + leader + " ");
                }
                assertThat(p.waitFor().success()).isTrue();
            }
        }
    }

    @Test
    void stagesKeepTheirOwnDescriptorsAndEnvironment() throws Exception {
        try (TestPipe out = new TestPipe(); TestPipe err = new TestPipe()) {
            try (Pipeline p = Pipeline.builder()
                    .add(ChildProcess.builder(probe, "env", "STAGE", "write", "2", "first-err\n").env("STAGE", "one")
                            .stderr(Redirect.of(err.write)))
                    .add(ChildProcess.builder(probe, "read", "0", "env", "STAGE").env("STAGE", "two"))
                    .stdout(Redirect.handOver(out.write))
                    .start()) {
                err.write.close();
                assertThat(out.readAll(WAIT)).isEqualTo("STAGE=one\nSTAGE=two\n");
                assertThat(err.readAll(WAIT)).isEqualTo("first-err\n");
                assertThat(p.waitFor().success()).isTrue();
            }
        }
    }

    @Test
    void aStageThatCannotStartStopsTheOthersAndLeavesNothing() throws Exception {
        try (TestPipe in = new TestPipe()) {
            assertThatThrownBy(() -> Pipeline.builder().add("cat").add("jipc-no-such-stage").add("wc", "-l")
                    .stdin(Redirect.of(in.read)).start())
                    .isInstanceOf(NotFoundException.class)
                    .hasMessage(ChildProcessTest.SPAWNP + "(jipc-no-such-stage): No such file or directory (ENOENT)");
            // cat (blocked on our still-open pipe) was killed and reaped: no zombie, no descriptor.
            assertThat(Zombies.ofThisJvm()).isEmpty();
        }
    }

    @Test
    void badPipelinesAreRefusedBeforeAnythingStarts() {
        assertThatThrownBy(() -> Pipeline.builder().start()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Pipeline.builder().add("cat")
                .add(ChildProcess.builder("cat").stdin(Redirect.nullDevice())).start())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stage 2 (cat)");
        assertThatThrownBy(() -> Pipeline.builder().add(ChildProcess.builder("cat").stdout(Redirect.nullDevice()))
                .add("cat").start())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stage 1 (cat)");
    }
}
