package io.jipc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jipc.NotFoundException;
import io.jipc.mq.PosixMessageQueue;
import io.jipc.testing.Peer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The job-dispatch example, run the one way its README says, leaves nothing behind. */
class JobDispatchExampleIT {
    static final Path RUN = Path.of(System.getProperty("basedir", "."), "..", "examples", "job-dispatch", "run").normalize();
    private static final Pattern HEADER = Pattern.compile("dispatcher (\\d+): inbox (\\S+), jobs msqid (\\d+)");

    @Test
    void urgentJobsFirstEachWorkerOnlyItsKindAndTheQueuesAreRemoved() throws Exception {
        try (Peer p = Peer.start("job-dispatch", List.of(RUN.toString()))) {
            p.awaitSuccess(Duration.ofSeconds(180));
            String out = p.stdout();
            List<String> dispatched = out.lines().filter(l -> l.startsWith("dispatcher: priority")).toList();
            assertThat(dispatched).hasSize(7);
            assertThat(dispatched.get(0)).contains("priority 9", "email bob");
            assertThat(dispatched.get(1)).contains("priority 9", "resize banner.png");
            assertThat(dispatched.get(2)).contains("priority 5", "weekly digest");
            assertThat(out.lines().filter(l -> l.startsWith("resize worker"))).allMatch(l -> l.contains(": doing resize")
                    || l.endsWith("stopping")).hasSize(5);
            assertThat(out.lines().filter(l -> l.startsWith("email worker"))).allMatch(l -> l.contains(": doing email")
                    || l.endsWith("stopping")).hasSize(4);
            assertThat(out).contains("dispatcher: all jobs done; queues removed");
            assertGone(out);
        }
    }

    @Test
    void terminatingTheDispatcherStillRemovesItsQueues() throws Exception {
        try (Peer p = Peer.start("job-dispatch", List.of(RUN.toString()))) {
            p.awaitOutput("doing", Duration.ofSeconds(180));
            p.process().destroy(); // SIGTERM, as Ctrl-C's SIGINT: the shutdown hook runs
            p.awaitExit(Duration.ofSeconds(60));
            assertGone(p.stdout());
        }
    }

    private static void assertGone(String out) throws Exception {
        Matcher m = HEADER.matcher(out);
        assertThat(m.find()).as(out).isTrue();
        String inbox = m.group(2);
        String msqid = m.group(3);
        assertThatThrownBy(() -> PosixMessageQueue.openExisting(inbox)).isInstanceOf(NotFoundException.class);
        assertThat(Files.readAllLines(Path.of("/proc/sysvipc/msg")).stream().skip(1)
                .map(l -> l.trim().split("\\s+")[1])).doesNotContain(msqid);
    }
}
