package io.jipc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.sem.PosixSemaphore;
import io.jipc.testing.CPeer;
import io.jipc.testing.Peer;
import io.jipc.testing.TestIpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SemCommandTest {
    private static final Duration T = Duration.ofSeconds(30);

    private static void unlinkQuietly(String name) {
        try {
            PosixSemaphore.unlink(name);
        } catch (Exception gone) {
            // unlinked by the test itself
        }
    }

    @Test
    void createPostWaitValueUnlink() throws Exception {
        String name = TestIpc.name("cli");
        try {
            assertThat(CliRun.run("sem", "create", name, "--value", "2", "--mode", "0640", "--exclusive").status()).isZero();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of("/dev/shm/sem." + name.substring(1)))))
                    .as("exactly the mode given").isEqualTo("rw-r-----");
            CliRun value = CliRun.run("sem", "value", name);
            assertThat(value.stdout()).isEqualTo("2\n");
            assertThat(value.stderr()).isEmpty();
            CliRun waited = CliRun.run("sem", "wait", name);
            assertThat(waited.status()).isZero();
            assertThat(waited.stdout()).as("quiet on success").isEmpty();
            assertThat(CliRun.run("sem", "wait", name, "--nonblock").status()).isZero();
            CliRun empty = CliRun.run("sem", "wait", name, "--nonblock");
            assertThat(empty.status()).isEqualTo(ExitCodes.WOULD_BLOCK);
            assertThat(empty.stderr()).isEmpty();
            assertThat(CliRun.run("sem", "wait", name, "--timeout", "150ms").status()).isEqualTo(ExitCodes.WOULD_BLOCK);
            assertThat(CliRun.run("sem", "post", name, "--count", "3").status()).isZero();
            assertThat(CliRun.run("sem", "post", name).status()).isZero();
            assertThat(CliRun.run("sem", "value", name).stdout()).isEqualTo("4\n");
            assertThat(CliRun.run("sem", "wait", name, "--timeout", "1s").status()).isZero();

            CliRun exists = CliRun.run("sem", "create", name, "--exclusive");
            assertThat(exists.status()).isEqualTo(ExitCodes.SYSTEM);
            assertThat(exists.stderr()).isEqualTo("jipc: sem_open(" + name + "): File exists (EEXIST)\n");
            assertThat(CliRun.run("sem", "create", name, "--value", "9").status()).as("opens the existing one").isZero();
            assertThat(CliRun.run("sem", "value", name).stdout()).isEqualTo("3\n");

            assertThat(CliRun.run("sem", "unlink", name).status()).isZero();
            CliRun gone = CliRun.run("sem", "value", name);
            assertThat(gone.status()).isEqualTo(ExitCodes.SYSTEM);
            assertThat(gone.stderr()).isEqualTo("jipc: sem_open(" + name + "): No such file or directory (ENOENT)\n");
            assertThat(CliRun.run("sem", "unlink", name).stderr())
                    .isEqualTo("jipc: sem_unlink(" + name + "): No such file or directory (ENOENT)\n");
        } finally {
            unlinkQuietly(name);
        }
    }

    @Test
    void aBlockedWaitWakesWhenACProgramPostsAndCSeesJipcsPosts() throws Exception {
        String name = TestIpc.name("cli-c");
        try {
            assertThat(CliRun.run("sem", "create", name).status()).isZero();
            CompletableFuture<CliRun> waiting = CompletableFuture.supplyAsync(() -> CliRun.run("sem", "wait", name),
                    r -> Thread.ofPlatform().start(r));
            Thread.sleep(200);
            assertThat(waiting).isNotDone();
            try (Peer c = CPeer.start("sem_peer", "post", name, "1")) {
                c.awaitSuccess(T);
            }
            assertThat(waiting.get(10, TimeUnit.SECONDS).status()).isZero();
            assertThat(CliRun.run("sem", "post", name, "--count", "2").status()).isZero();
            try (Peer c = CPeer.start("sem_peer", "value", name)) {
                c.awaitSuccess(T);
                assertThat(c.stdout()).isEqualTo("2\n");
            }
        } finally {
            unlinkQuietly(name);
        }
    }

    @Test
    void anOverflowingPostIsASystemErrorThatChangesNothing() throws Exception {
        String name = TestIpc.name("cli-max");
        try {
            assertThat(CliRun.run("sem", "create", name, "--value", "2147483647").status()).isZero();
            CliRun post = CliRun.run("sem", "post", name);
            assertThat(post.status()).isEqualTo(ExitCodes.SYSTEM);
            assertThat(post.stderr()).isEqualTo("jipc: sem_post(" + name + "): Value too large for defined data type"
                    + " (EOVERFLOW)\njipc: the value is already SEM_VALUE_MAX 2147483647\n");
            assertThat(CliRun.run("sem", "value", name).stdout()).isEqualTo("2147483647\n");
        } finally {
            unlinkQuietly(name);
        }
    }

    @Test
    void usageErrorsExitTwoAndCreateNothing() {
        String name = TestIpc.name("cli-bad");
        assertThat(CliRun.run("sem").status()).isEqualTo(ExitCodes.USAGE);
        CliRun noSlash = CliRun.run("sem", "create", "pool");
        assertThat(noSlash.status()).isEqualTo(ExitCodes.USAGE);
        assertThat(noSlash.stderr()).startsWith("jipc: semaphore name \"pool\" does not start with a slash");
        CliRun tooBig = CliRun.run("sem", "create", name, "--value", "2147483648");
        assertThat(tooBig.status()).isEqualTo(ExitCodes.USAGE);
        assertThat(tooBig.stderr()).isEqualTo("jipc: a POSIX semaphore's value is 0..2147483647 (SEM_VALUE_MAX), got 2147483648\n");
        assertThat(CliRun.run("sem", "create", name, "--value", "-1").status()).isEqualTo(ExitCodes.USAGE);
        assertThat(CliRun.run("sem", "create", name, "--value", "x").status()).isEqualTo(ExitCodes.USAGE);
        assertThat(CliRun.run("sem", "create", name, "--mode", "999").status()).isEqualTo(ExitCodes.USAGE);
        assertThat(Path.of("/dev/shm/sem." + name.substring(1))).as("nothing half-created").doesNotExist();
        assertThat(CliRun.run("sem", "post", name, "--count", "0").stderr())
                .isEqualTo("jipc: --count must be at least 1, got 0\n");
        assertThat(CliRun.run("sem", "wait", name, "--nonblock", "--timeout", "1s").stderr())
                .isEqualTo("jipc: --timeout and --nonblock cannot be combined\n");
        assertThat(CliRun.run("sem", "wait", name, "--timeout", "soon").status()).isEqualTo(ExitCodes.USAGE);
        assertThat(CliRun.run("sem", "value", "/a/b").status()).isEqualTo(ExitCodes.USAGE);
        assertThat(CliRun.run("sem", "unlink", "nope").status()).isEqualTo(ExitCodes.USAGE);
    }
}
