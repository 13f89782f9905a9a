package io.jipc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.IpcKey;
import io.jipc.sem.SysVSemaphoreSet;
import io.jipc.testing.CPeer;
import io.jipc.testing.Peer;
import io.jipc.testing.TestIpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SysvSemCommandTest {
    private static final Duration T = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private static int create(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "sysv-sem";
        all[1] = "create";
        System.arraycopy(args, 0, all, 2, args.length);
        CliRun r = CliRun.run(all);
        assertThat(r.status()).as(r.stderr()).isZero();
        return Integer.parseInt(r.stdout().strip());
    }

    private static void removeQuietly(int id) {
        try {
            SysVSemaphoreSet.openId(id).remove();
        } catch (Exception gone) {
            // removed by the test itself
        }
    }

    @Test
    void createOpValuesRemove() throws Exception {
        String key = Converters.formatKey(TestIpc.key());
        int id = create("--key", key, "--count", "3", "--value", "2", "--mode", "0640");
        String sid = String.valueOf(id);
        try {
            assertThat(CliRun.run("sysv-sem", "create", "--key", key, "--count", "2").stdout()).as("opens the existing set")
                    .isEqualTo(id + "\n");
            assertThat(CliRun.run("sysv-sem", "values", "--id", sid).stdout()).isEqualTo("2 2 2\n");
            assertThat(CliRun.run("sysv-sem", "values", "--key", key, "--json").stdout()).isEqualTo("{\"values\":[2,2,2]}\n");
            CliRun op = CliRun.run("sysv-sem", "op", "--key", key, "0:-1", "1:+1");
            assertThat(op.status()).isZero();
            assertThat(op.stdout() + op.stderr()).as("quiet on success").isEmpty();
            assertThat(CliRun.run("sysv-sem", "values", "--id", sid).stdout()).isEqualTo("1 3 2\n");

            assertThat(CliRun.run("sysv-sem", "op", "--id", sid, "0:-2", "--nonblock").status()).isEqualTo(ExitCodes.WOULD_BLOCK);
            assertThat(CliRun.run("sysv-sem", "op", "--id", sid, "1:-1", "2:0", "--nonblock").status())
                    .as("atomic: 2 is not zero, so 1 is not taken").isEqualTo(ExitCodes.WOULD_BLOCK);
            assertThat(CliRun.run("sysv-sem", "op", "--id", sid, "0:-5", "--timeout", "150ms").status())
                    .isEqualTo(ExitCodes.WOULD_BLOCK);
            assertThat(CliRun.run("sysv-sem", "values", "--id", sid).stdout()).as("nothing applied").isEqualTo("1 3 2\n");
            assertThat(CliRun.run("sysv-sem", "op", "--id", sid, "2:-2", "2:0", "--timeout", "1s").status()).isZero();
            try (Peer c = CPeer.start("sysv_sem_peer", "values", sid)) {
                c.awaitSuccess(T);
                assertThat(c.stdout()).isEqualTo("1 3 0\n");
            }

            CliRun exists = CliRun.run("sysv-sem", "create", "--key", key, "--count", "3", "--exclusive");
            assertThat(exists.status()).isEqualTo(ExitCodes.SYSTEM);
            assertThat(exists.stderr()).isEqualTo("jipc: semget(key " + key + "): File exists (EEXIST)\n");
            CliRun bigger = CliRun.run("sysv-sem", "create", "--key", key, "--count", "4");
            assertThat(bigger.status()).isEqualTo(ExitCodes.SYSTEM);
            assertThat(bigger.stderr()).isEqualTo("jipc: semget(key " + key + "): Invalid argument (EINVAL)\n"
                    + "jipc: the existing set has fewer than the 4 semaphores asked for (it has 3)\n");

            assertThat(CliRun.run("sysv-sem", "remove", "--key", key).status()).isZero();
            CliRun gone = CliRun.run("sysv-sem", "values", "--id", sid);
            assertThat(gone.status()).isEqualTo(ExitCodes.SYSTEM);
            assertThat(gone.stderr()).isEqualTo("jipc: semctl(semid " + id + ", IPC_STAT): Invalid argument (EINVAL)\n"
                    + "jipc: no semaphore set has semid " + id + " (removed?)\n");
            assertThat(CliRun.run("sysv-sem", "values", "--key", key).stderr())
                    .isEqualTo("jipc: semget(key " + key + "): No such file or directory (ENOENT)\n");
        } finally {
            removeQuietly(id);
        }
    }

    @Test
    void aBlockedOpWakesWhenCGivesAndWhenTheSetIsRemoved() throws Exception {
        int id = create("--key", Converters.formatKey(TestIpc.key()), "--count", "1");
        String sid = String.valueOf(id);
        try {
            CompletableFuture<CliRun> taking = CompletableFuture.supplyAsync(() -> CliRun.run("sysv-sem", "op", "--id", sid, "0:-2"),
                    r -> Thread.ofPlatform().start(r));
            Thread.sleep(200);
            assertThat(taking).isNotDone();
            try (Peer c = CPeer.start("sysv_sem_peer", "op", sid, "0", "0:+2")) {
                c.awaitSuccess(T);
            }
            assertThat(taking.get(10, TimeUnit.SECONDS).status()).isZero();

            CompletableFuture<CliRun> removed = CompletableFuture.supplyAsync(() -> CliRun.run("sysv-sem", "op", "--id", sid, "0:-1"),
                    r -> Thread.ofPlatform().start(r));
            Thread.sleep(200);
            assertThat(removed).isNotDone();
            try (Peer c = CPeer.start("sysv_sem_peer", "remove", sid)) {
                c.awaitSuccess(T);
            }
            CliRun r = removed.get(10, TimeUnit.SECONDS);
            assertThat(r.status()).isEqualTo(ExitCodes.SYSTEM);
            assertThat(r.stderr()).isEqualTo("jipc: semop(semid " + id + "): Identifier removed (EIDRM)\n");
        } finally {
            removeQuietly(id);
        }
    }

    @Test
    void ftokPathsPrivateKeysAndTheKernelsRefusals() throws Exception {
        Path anchor = Files.createFile(dir.resolve("anchor"));
        int id = create("--path", anchor.toString(), "--project-id", "7", "--count", "1", "--value", "32767", "--exclusive");
        try {
            assertThat(CliRun.run("sysv-sem", "values", "--path", anchor.toString(), "--project-id", "7").stdout())
                    .isEqualTo("32767\n");
            assertThat(IpcKey.ftok(anchor, 7)).isEqualTo(SysVSemaphoreSet.openId(id).key());
            CliRun range = CliRun.run("sysv-sem", "op", "--id", String.valueOf(id), "0:+1");
            assertThat(range.status()).isEqualTo(ExitCodes.SYSTEM);
            assertThat(range.stderr()).isEqualTo("jipc: semop(semid " + id + "): Numerical result out of range (ERANGE)\n"
                    + "jipc: an operation would take a value above SEMVMX 32767, or this process's undo adjustment outside"
                    + " -32768..32767; nothing was applied\n");
        } finally {
            removeQuietly(id);
        }
        int priv = create("--key", "0", "--count", "2", "--value", "1");
        try {
            assertThat(CliRun.run("sysv-sem", "op", "--id", String.valueOf(priv), "1:-1").status()).isZero();
            assertThat(CliRun.run("sysv-sem", "values", "--id", String.valueOf(priv)).stdout()).isEqualTo("1 0\n");
            assertThat(CliRun.run("sysv-sem", "values", "--key", "0").stderr()).contains("use --id");
        } finally {
            removeQuietly(priv);
        }
    }

    @Test
    void usageErrorsExitTwoAndChangeNothing() {
        String key = Converters.formatKey(TestIpc.key());
        assertThat(CliRun.run("sysv-sem").status()).isEqualTo(ExitCodes.USAGE);
        assertThat(CliRun.run("sysv-sem", "values").stderr()).isEqualTo("jipc: which semaphore set? give --id, --key or --path\n");
        assertThat(CliRun.run("sysv-sem", "create", "--key", key).status()).as("--count is required").isEqualTo(ExitCodes.USAGE);
        assertThat(CliRun.run("sysv-sem", "create", "--key", key, "--count", "0").stderr())
                .isEqualTo("jipc: --count must be at least 1, got 0\n");
        assertThat(CliRun.run("sysv-sem", "create", "--key", key, "--count", "1", "--value", "32768").stderr())
                .isEqualTo("jipc: a System V semaphore's value is 0..32767 (SEMVMX), got 32768\n");
        assertThat(CliRun.run("sysv-sem", "create", "--id", "1", "--count", "1").status()).isEqualTo(ExitCodes.USAGE);
        assertThat(CliRun.run("sysv-sem", "values", "--key", key).status()).as("nothing was created").isEqualTo(ExitCodes.SYSTEM);

        int id = create("--key", key, "--count", "2", "--value", "1");
        String sid = String.valueOf(id);
        try {
            CliRun bad = CliRun.run("sysv-sem", "op", "--id", sid, "0-1");
            assertThat(bad.status()).isEqualTo(ExitCodes.USAGE);
            assertThat(bad.stderr()).isEqualTo("jipc: invalid operation '0-1': write INDEX:DELTA, e.g. 0:-1 (take one), 1:+1"
                    + " (give one) or 2:0 (wait for zero)\n");
            assertThat(CliRun.run("sysv-sem", "op", "--id", sid, "x:1").status()).isEqualTo(ExitCodes.USAGE);
            assertThat(CliRun.run("sysv-sem", "op", "--id", sid, "0:-1", "0:40000").stderr())
                    .isEqualTo("jipc: delta must fit a short, -32768..32767 (sem_op), got 40000\n");
            assertThat(CliRun.run("sysv-sem", "op", "--id", sid, "0:-1", "2:-1").stderr())
                    .isEqualTo("jipc: semaphore index 2 is outside the set (0..1)\n");
            assertThat(CliRun.run("sysv-sem", "op", "--id", sid, "0:-1", "99999999999:1").status()).isEqualTo(ExitCodes.USAGE);
            assertThat(CliRun.run("sysv-sem", "op", "--id", sid).status()).as("an OP is required").isEqualTo(ExitCodes.USAGE);
            assertThat(CliRun.run("sysv-sem", "op", "--id", sid, "0:-1", "--nonblock", "--timeout", "1s").status())
                    .isEqualTo(ExitCodes.USAGE);
            assertThat(CliRun.run("sysv-sem", "values", "--id", sid).stdout()).as("nothing applied").isEqualTo("1 1\n");
        } finally {
            removeQuietly(id);
        }
    }
}
