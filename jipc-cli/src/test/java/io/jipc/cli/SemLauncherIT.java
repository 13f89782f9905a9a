package io.jipc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.sem.PosixSemaphore;
import io.jipc.sem.SysVSemaphoreSet;
import io.jipc.testing.Peer;
import io.jipc.testing.TestIpc;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code jipc sem} and {@code jipc sysv-sem} through the real {@code ./jipc} launcher, one process per command. */
class SemLauncherIT {
    private static final Duration T = Duration.ofSeconds(120);

    private static Peer jipc(String... args) {
        List<String> cmd = new ArrayList<>(List.of(LauncherIT.LAUNCHER.toString()));
        cmd.addAll(List.of(args));
        return Peer.start("jipc", cmd);
    }

    /** Standard error without the note the launcher prints when it rebuilds. */
    private static String errors(Peer p) {
        return p.stderr().lines().filter(l -> !l.contains("building the command line")).map(l -> l + "\n")
                .collect(java.util.stream.Collectors.joining());
    }

    private static String ok(String... args) {
        try (Peer p = jipc(args)) {
            assertThat(p.awaitExit(T)).as(String.join(" ", args) + "\n" + p.stderr()).isZero();
            return p.stdout();
        }
    }

    /** Waits until the launcher's JVM (a descendant of {@code p}) has {@code file} mapped: it has opened the semaphore. */
    private static void awaitMapped(Peer p, String file) throws Exception {
        long deadline = System.nanoTime() + T.toNanos();
        while (true) {
            for (ProcessHandle h : p.process().descendants().toList()) {
                try {
                    if (java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + h.pid() + "/maps")).contains(file)) {
                        return;
                    }
                } catch (java.io.IOException gone) {
                    // not there (any more)
                }
            }
            if (java.nio.file.Files.exists(java.nio.file.Path.of("/proc/" + p.pid() + "/maps"))
                    && java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + p.pid() + "/maps")).contains(file)) {
                return;
            }
            assertThat(System.nanoTime() - deadline).as("the command opens " + file).isNegative();
            Thread.sleep(20);
        }
    }

    @Test
    void posixSemaphoreBetweenProcesses() throws Exception {
        String name = TestIpc.name("launcher-sem");
        try {
            ok("sem", "create", name, "--exclusive");
            try (Peer waiter = jipc("sem", "wait", name)) {
                awaitMapped(waiter, "/dev/shm/sem." + name.substring(1));
                Thread.sleep(200);
                assertThat(waiter.process().isAlive()).as("waits while the value is 0").isTrue();
                ok("sem", "post", name, "--count", "2");
                assertThat(waiter.awaitExit(T)).isZero();
            }
            assertThat(ok("sem", "value", name)).isEqualTo("1\n");
            try (Peer p = jipc("sem", "wait", name, "--timeout", "100ms")) {
                assertThat(p.awaitExit(T)).isZero();
            }
            try (Peer p = jipc("sem", "wait", name, "--timeout", "100ms")) {
                assertThat(p.awaitExit(T)).isEqualTo(ExitCodes.WOULD_BLOCK);
                assertThat(p.stdout()).isEmpty();
            }
            ok("sem", "unlink", name);
            try (Peer p = jipc("sem", "value", name)) {
                assertThat(p.awaitExit(T)).isEqualTo(ExitCodes.SYSTEM);
                assertThat(errors(p)).isEqualTo("jipc: sem_open(" + name + "): No such file or directory (ENOENT)\n");
            }
        } finally {
            try {
                PosixSemaphore.unlink(name);
            } catch (io.jipc.NotFoundException done) {
                // unlinked by the test itself
            }
        }
    }

    @Test
    void systemVSetBetweenProcessesAndUndoAtExit() throws Exception {
        String key = Converters.formatKey(TestIpc.key());
        int id = Integer.parseInt(ok("sysv-sem", "create", "--key", key, "--count", "2", "--value", "1").strip());
        try {
            // SEM_UNDO: the command's own exit gives back what it took.
            ok("sysv-sem", "op", "--key", key, "0:-1", "--undo");
            assertThat(ok("sysv-sem", "values", "--id", String.valueOf(id))).isEqualTo("1 1\n");
            ok("sysv-sem", "op", "--key", key, "0:-1");
            assertThat(ok("sysv-sem", "values", "--key", key, "--json")).isEqualTo("{\"values\":[0,1]}\n");
            try (Peer p = jipc("sysv-sem", "op", "--key", key, "0:-1", "1:-1", "--nonblock")) {
                assertThat(p.awaitExit(T)).isEqualTo(ExitCodes.WOULD_BLOCK);
            }
            try (Peer waiter = jipc("sysv-sem", "op", "--id", String.valueOf(id), "0:-1");
                 SysVSemaphoreSet set = SysVSemaphoreSet.openId(id)) {
                long deadline = System.nanoTime() + T.toNanos();
                while (set.waitingForIncrease(0) == 0) {
                    assertThat(System.nanoTime() - deadline).as("the command waits in semop").isNegative();
                    Thread.sleep(20);
                }
                ok("sysv-sem", "remove", "--key", key);
                assertThat(waiter.awaitExit(T)).isEqualTo(ExitCodes.SYSTEM);
                assertThat(errors(waiter)).isEqualTo("jipc: semop(semid " + id + "): Identifier removed (EIDRM)\n");
            }
        } finally {
            try {
                SysVSemaphoreSet.openId(id).remove();
            } catch (io.jipc.IpcException done) {
                // removed by the test itself
            }
        }
    }
}
