package io.jipc.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.jipc.internal.libc.Eventfd;
import io.jipc.internal.libc.Unistd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/** The guard itself: a deliberately leaky test class must fail, and a tidy one must pass. */
class LeakGuardTest {
    static final AtomicInteger LEAKED_FD = new AtomicInteger(-1);

    /** Leaks a descriptor, a /dev/shm entry of this run, a private queue and a mapping. Not run by surefire (nested). */
    static class LeakyFixture {
        @Test
        void leaks() throws IOException, io.jipc.IpcException {
            LEAKED_FD.set(Eventfd.eventfd(0, Eventfd.EFD_CLOEXEC));
            Files.writeString(Path.of("/dev/shm", TestIpc.PREFIX + "leaky"), "left behind");
            var queue = io.jipc.mq.SysVMessageQueue.createExclusively(io.jipc.IpcKey.PRIVATE);
            queue.send(new byte[] {1}, 1); // used by this JVM: the guard can tell it is this run's
            LEAKED_QUEUE.set(queue.id());
            try (io.jipc.shm.MemFd memory = io.jipc.shm.MemFd.create(TestIpc.PREFIX + "leaky-map", 4096)) {
                LEAKED_MAPPING.set(memory.map()); // the descriptor is closed, the mapping stays
            }
        }
    }

    static final AtomicInteger LEAKED_QUEUE = new AtomicInteger(-1);
    static final java.util.concurrent.atomic.AtomicReference<io.jipc.shm.Mapping> LEAKED_MAPPING =
            new java.util.concurrent.atomic.AtomicReference<>();

    /** Opens and closes what it uses. */
    static class TidyFixture {
        @Test
        void tidy() throws IOException {
            int fd = Eventfd.eventfd(0, Eventfd.EFD_CLOEXEC);
            Unistd.close(fd);
            Path p = Path.of("/dev/shm", TestIpc.PREFIX + "tidy");
            Files.writeString(p, "x");
            Files.delete(p);
        }
    }

    @Test
    void aLeakyClassFailsNamingWhatItLeft() throws IOException {
        try {
            var results = run(LeakyFixture.class);
            results.testEvents().assertStatistics(s -> s.succeeded(1));
            Event failed = results.containerEvents().failed().stream().findFirst()
                    .orElseThrow(() -> new AssertionError("the leaky class passed"));
            Throwable why = failed.getPayload(org.junit.platform.engine.TestExecutionResult.class).orElseThrow()
                    .getThrowable().orElseThrow();
            assertThat(why).hasMessageContaining("leak guard")
                    .hasMessageContaining("anon_inode:[eventfd]")
                    .hasMessageContaining("/dev/shm/" + TestIpc.PREFIX + "leaky")
                    .hasMessageContaining("sysv msg private id " + LEAKED_QUEUE.get())
                    .hasMessageContaining(" /memfd:" + TestIpc.PREFIX + "leaky-map (deleted)");
            assertThat(Files.exists(Path.of("/dev/shm", TestIpc.PREFIX + "leaky"))).as("removed by the guard").isFalse();
            assertThat(Files.readString(Path.of("/proc/sysvipc/msg"))).as("removed by the guard")
                    .doesNotContainPattern("\\s" + LEAKED_QUEUE.get() + "\\s");
        } finally {
            if (LEAKED_FD.get() >= 0) {
                Unistd.close(LEAKED_FD.get());
            }
            if (LEAKED_MAPPING.get() != null) {
                LEAKED_MAPPING.get().close();
            }
        }
    }

    @Test
    void aTidyClassPasses() {
        var results = run(TidyFixture.class);
        results.testEvents().assertStatistics(s -> s.succeeded(1));
        results.containerEvents().assertStatistics(s -> s.failed(0));
    }

    private static org.junit.platform.testkit.engine.EngineExecutionResults run(Class<?> fixture) {
        return EngineTestKit.engine("junit-jupiter")
                .configurationParameter("junit.jupiter.extensions.autodetection.enabled", "true")
                .selectors(selectClass(fixture)).execute();
    }
}
