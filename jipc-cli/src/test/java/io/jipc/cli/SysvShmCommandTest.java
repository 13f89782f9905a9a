package io.jipc.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.IpcKey;
import io.jipc.shm.SysVSharedMemory;
import io.jipc.testing.CPeer;
import io.jipc.testing.Peer;
import io.jipc.testing.TestIpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SysvShmCommandTest {
    @TempDir
    Path dir;

    private static String key() {
        return Converters.formatKey(TestIpc.key());
    }

    private static int create(String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "sysv-shm";
        all[1] = "create";
        System.arraycopy(args, 0, all, 2, args.length);
        CliRun r = CliRun.run(all);
        assertThat(r.status()).as(r.stderr()).isZero();
        return Integer.parseInt(r.stdout().strip());
    }

    @Test
    void createWriteReadInfoRemove() throws Exception {
        String key = key();
        int id = create("--key", key, "--size", "4096", "--mode", "0640");
        String sid = String.valueOf(id);
        assertThat(create("--key", key, "--size", "100")).as("finds the existing one").isEqualTo(id);
        CliRun exists = CliRun.run("sysv-shm", "create", "--key", key, "--size", "100", "--exclusive");
        assertThat(exists.status()).isEqualTo(ExitCodes.SYSTEM);
        assertThat(exists.stderr()).isEqualTo("jipc: shmget(key " + key + "): File exists (EEXIST)\n");
        CliRun larger = CliRun.run("sysv-shm", "create", "--key", key, "--size", "8192");
        assertThat(larger.status()).isEqualTo(ExitCodes.SYSTEM);
        assertThat(larger.stderr()).isEqualTo("jipc: shmget(key " + key + "): Invalid argument (EINVAL)\n"
                + "jipc: the segment for this key exists with 4096 bytes, fewer than the 8192 asked for (a segment"
                + " cannot grow)\n");

        assertThat(CliRun.run("sysv-shm", "write", "--id", sid, "hello", "--offset", "10").status()).isZero();
        assertThat(CliRun.runWithInput("piped".getBytes(UTF_8), "sysv-shm", "write", "--key", key, "--offset", "20")
                .status()).isZero();
        assertThat(CliRun.run("sysv-shm", "read", "--key", key, "--offset", "10", "--length", "5").stdout()).isEqualTo("hello");
        try (Peer c = CPeer.start("shm_peer", "sysv-read", sid, "20", "5")) {
            c.awaitSuccess(Duration.ofSeconds(60));
            assertThat(c.stdout()).isEqualTo("piped\n");
        }
        assertThat(CliRun.run("sysv-shm", "read", "--id", sid).stdoutBytes()).hasSize(4096);
        long pid = ProcessHandle.current().pid();
        assertThat(CliRun.run("sysv-shm", "info", "--id", sid, "--json").stdout()).isEqualTo("{\"id\":" + id + ",\"key\":\""
                + key + "\",\"size\":4096,\"attach_count\":0,\"creator_pid\":" + pid + ",\"last_pid\":" + pid
                + ",\"mode\":\"0640\",\"owner\":" + io.jipc.internal.libc.Unistd.getuid() + ",\"marked_for_removal\":false}\n");
        assertThat(CliRun.run("sysv-shm", "info", "--key", key).stdout()).contains("size 4096\n", "attach_count 0\n",
                "marked_for_removal false\n");
        CliRun past = CliRun.run("sysv-shm", "write", "--id", sid, "x", "--offset", "4097");
        assertThat(past.status()).isEqualTo(ExitCodes.USAGE);
        assertThat(past.stderr()).isEqualTo("jipc: --offset 4097 is past the end of shmid " + id + ", which has 4096 bytes\n");

        assertThat(CliRun.run("sysv-shm", "remove", "--key", key).status()).isZero();
        CliRun gone = CliRun.run("sysv-shm", "info", "--id", sid);
        assertThat(gone.status()).isEqualTo(ExitCodes.SYSTEM);
        assertThat(gone.stderr()).isEqualTo("jipc: shmctl(shmid " + id + ", IPC_STAT): Invalid argument (EINVAL)\n"
                + "jipc: no segment has shmid " + id + " (removed?)\n");
    }

    @Test
    void removingAnAttachedSegmentMarksIt() throws Exception {
        String key = key();
        int id = create("--key", key, "--size", "64");
        try (Peer holder = CPeer.start("shm_peer", "sysv-hold", String.valueOf(id))) {
            holder.awaitOutput("attached", Duration.ofSeconds(60));
            assertThat(CliRun.run("sysv-shm", "write", "--id", String.valueOf(id), "marked").status()).isZero();
            assertThat(CliRun.run("sysv-shm", "remove", "--id", String.valueOf(id)).status()).isZero();
            assertThat(CliRun.run("sysv-shm", "info", "--id", String.valueOf(id)).stdout())
                    .contains("key 0x00000000\n", "attach_count 1\n", "marked_for_removal true\n");
            CliRun refused = CliRun.run("sysv-shm", "read", "--id", String.valueOf(id));
            assertThat(refused.status()).isEqualTo(ExitCodes.SYSTEM);
            assertThat(refused.stderr()).isEqualTo("jipc: shmat(shmid " + id + "): Identifier removed (EIDRM)\n"
                    + "jipc: the segment is marked for removal (IPC_RMID): it is destroyed when its last process"
                    + " detaches, and takes no new attachment\n");
            CliRun byKey = CliRun.run("sysv-shm", "info", "--key", key);
            assertThat(byKey.stderr()).isEqualTo("jipc: shmget(key " + key + "): No such file or directory (ENOENT)\n");
            holder.send("go");
            holder.awaitSuccess(Duration.ofSeconds(60));
            assertThat(holder.stdout()).isEqualTo("attached\nmarked\ndetached\n");
        }
    }

    @Test
    void ftokPathsPrivateKeysAndBadInput() throws Exception {
        Path anchor = Files.createFile(dir.resolve("anchor"));
        int id = create("--path", anchor.toString(), "--project-id", "9", "--size", "1K", "--exclusive");
        try {
            assertThat(CliRun.run("sysv-shm", "info", "--path", anchor.toString(), "--project-id", "9", "--json").stdout())
                    .contains("\"id\":" + id, "\"key\":\"" + IpcKey.ftok(anchor, 9) + "\"", "\"size\":1024");
        } finally {
            SysVSharedMemory.openId(id).remove();
        }
        int priv = create("--key", "0", "--size", "10");
        try {
            assertThat(CliRun.run("sysv-shm", "write", "--id", String.valueOf(priv), "p").status()).isZero();
            assertThat(CliRun.run("sysv-shm", "read", "--id", String.valueOf(priv), "--length", "1").stdout()).isEqualTo("p");
            assertThat(CliRun.run("sysv-shm", "info", "--key", "0").stderr()).contains("use --id");
        } finally {
            SysVSharedMemory.openId(priv).remove();
        }
        for (String[] args : new String[][] {
                {"sysv-shm", "create", "--key", key(), "--size", "0"},
                {"sysv-shm", "create", "--id", "1", "--size", "10"},
                {"sysv-shm", "create", "--size", "10"},
                {"sysv-shm", "read", "--id", "1", "--key", "5"},
                {"sysv-shm", "read"}}) {
            CliRun r = CliRun.run(args);
            assertThat(r.status()).as(String.join(" ", args) + "\n" + r.stderr()).isEqualTo(ExitCodes.USAGE);
        }
    }
}
