package io.jipc.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.signal.Signal;
import io.jipc.testing.CPeer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every signal's documented default action, shown by a real child raising it: dispositions are
 * reset to default in children (POSIX_SPAWN_SETSIGDEF), so the enum's table must match what
 * the kernel does.
 */
class DefaultActionTest {
    @Test
    void eachSignalDoesWhatItsDefaultActionSays(@TempDir Path dir) throws Exception {
        String probe = CPeer.compile("child_probe").toString();
        for (Signal s : Signal.values()) {
            // A group of its own, whose parent (this JVM) is in another group of the same session,
            // is never orphaned: the kernel discards SIGTSTP/SIGTTIN/SIGTTOU in an orphaned group,
            // which this JVM's own group can be (e.g. run from a job whose shell has gone).
            try (ChildProcess child = ChildProcess.builder(probe, "raise", Integer.toString(s.number()), "exit", "0")
                    .directory(dir).stdout(Redirect.nullDevice()).newProcessGroup().start()) {
                switch (s.defaultAction()) {
                    case TERMINATE, CORE -> assertThat(child.tryWaitFor(Duration.ofSeconds(30)))
                            .as("%s kills", s).hasValueSatisfying(st -> assertThat(st.killedBy(s)).isTrue());
                    case IGNORE, CONTINUE -> assertThat(child.tryWaitFor(Duration.ofSeconds(30)))
                            .as("%s is ignored", s).contains(ExitStatus.exited(0));
                    case STOP -> {
                        Path stat = Path.of("/proc", Long.toString(child.pid()), "stat");
                        long deadline = System.nanoTime() + 30_000_000_000L;
                        while (!Files.readString(stat).contains(") T ") && System.nanoTime() < deadline) {
                            Thread.sleep(5);
                        }
                        assertThat(Files.readString(stat)).as("%s stops", s).contains(") T ");
                        // close() kills and reaps the stopped child.
                    }
                }
            }
        }
    }
}
