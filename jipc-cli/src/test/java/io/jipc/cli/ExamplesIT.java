package io.jipc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.testing.Peer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each example of examples/, run the one way the README says, does what it claims and leaves nothing behind. */
class ExamplesIT {
    private static final Duration T = Duration.ofSeconds(180);
    static final Path EXAMPLES = Path.of(System.getProperty("basedir", "."), "..", "examples").normalize();

    @TempDir
    Path dir;

    private static Peer run(String example, String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of(EXAMPLES.resolve(example).resolve("run").toString()));
        cmd.addAll(List.of(args));
        return Peer.start(example, cmd);
    }

    @Test
    void pipelineCountsWhatLsListsThroughAPipe() throws Exception {
        for (int i = 0; i < 7; i++) {
            Files.createFile(dir.resolve("file-" + i));
        }
        try (Peer p = run("pipeline", dir.toString())) {
            p.awaitSuccess(T);
            assertThat(p.stdout()).containsPattern("stage ls \\(pid \\d+\\)\nstage wc \\(pid \\d+\\)\n")
                    .contains("ls " + dir + " | wc -l = 7 (both exited 0)");
        }
    }

    @Test
    void fifoPairCarriesEveryLineAndRemovesTheFifo() throws Exception {
        try (Peer p = run("fifo-pair")) {
            p.awaitSuccess(T);
            Matcher writer = Pattern.compile("writer (\\d+): wrote 3 lines and closed").matcher(p.stdout());
            assertThat(writer.find()).as(p.stdout()).isTrue();
            for (int i = 1; i <= 3; i++) {
                assertThat(p.stdout()).containsPattern("reader \\d+: got \"line " + i + " from writer " + writer.group(1) + "\"");
            }
            assertThat(p.stdout()).containsPattern("reader (\\d+): end of file, FIFO removed");
        }
        assertNoTemp("jipc-fifo-example-");
    }

    @Test
    void fdPassingClientReadsTheFileThroughThePassedDescriptor() throws Exception {
        try (Peer p = run("fd-passing")) {
            p.awaitSuccess(T);
            Matcher client = Pattern.compile("client (\\d+): received \"today.log\" and an open file").matcher(p.stdout());
            assertThat(client.find()).as(p.stdout()).isTrue();
            assertThat(p.stdout()).contains("server: client pid " + client.group(1) + " uid ",
                    "client: | 12:00 backup done\nclient: | 12:05 disk 81% full\n");
        }
        assertNoTemp("jipc-fd-passing.");
    }

    @Test
    void recordLockLosesNoUpdate() throws Exception {
        try (Peer p = run("record-lock")) {
            p.awaitSuccess(T);
            assertThat(p.stdout().lines().filter(l -> l.matches("updater \\d+: 200 updates done"))).hasSize(4);
            assertThat(p.stdout()).contains("record 2 = 800 (4 processes x 200 updates, none lost)");
        }
        assertNoTemp("jipc-records");
    }

    @Test
    void connectionPoolNeverHasMoreThanTwoInUse() throws Exception {
        try (Peer p = run("connection-pool")) {
            p.awaitSuccess(T);
            String out = p.stdout();
            Matcher pool = Pattern.compile("pool (/jipc-pool-\\d+): 2 connections for 5 workers").matcher(out);
            assertThat(pool.find()).as(out).isTrue();
            assertThat(out.lines().filter(l -> l.contains(" got "))).hasSize(5);
            assertThat(out.lines().filter(l -> l.contains("(in use: "))).allMatch(l -> l.matches(".*\\(in use: [012]\\)"));
            assertThat(out).containsPattern("at most [12] connections were in use at once \\(pool of 2\\); 2 free now");
            assertThat(Path.of("/dev/shm/sem." + pool.group(1).substring(1))).doesNotExist();
        }
    }

    private static void assertNoTemp(String prefix) throws Exception {
        try (Stream<Path> tmp = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            assertThat(tmp.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(prefix));
        }
    }
}
