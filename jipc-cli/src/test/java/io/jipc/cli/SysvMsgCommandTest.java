package io.jipc.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.IpcKey;
import io.jipc.mq.SysVMessageQueue;
import io.jipc.testing.CPeer;
import io.jipc.testing.Peer;
import io.jipc.testing.TestIpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SysvMsgCommandTest {
    @TempDir
    Path dir;

    private static String key() {
        return Converters.formatKey(TestIpc.key());
    }

    private static int create(String... target) {
        String[] args = new String[target.length + 2];
        args[0] = "sysv-msg";
        args[1] = "create";
        System.arraycopy(target, 0, args, 2, target.length);
        CliRun r = CliRun.run(args);
        assertThat(r.status()).as(r.stderr()).isZero();
        return Integer.parseInt(r.stdout().strip());
    }

    @Test
    void createSendReceiveEverySelectorInfoRemove() throws Exception {
        String key = key();
        int id = create("--key", key, "--mode", "0640");
        String sid = String.valueOf(id);
        assertThat(CliRun.run("sysv-msg", "create", "--key", key).stdout()).as("opens the existing queue").isEqualTo(id + "\n");
        for (String[] m : new String[][] {{"3", "c1"}, {"1", "a1"}, {"2", "b1"}, {"1", "a2"}, {"5", "e1"}}) {
            assertThat(CliRun.run("sysv-msg", "send", "--key", key, "--type", m[0], m[1]).status()).isZero();
        }
        CliRun info = CliRun.run("sysv-msg", "info", "--id", sid, "--json");
        long pid = ProcessHandle.current().pid();
        assertThat(info.stdout()).isEqualTo("{\"id\":" + id + ",\"key\":\"" + key + "\",\"messages\":5,\"bytes\":10,"
                + "\"max_bytes\":" + SysVMessageQueue.openId(id).info().maxBytes() + ",\"last_send_pid\":" + pid
                + ",\"last_receive_pid\":0,\"mode\":\"0640\"}\n");
        assertThat(CliRun.run("sysv-msg", "receive", "--id", sid, "--type", "1").stdout()).isEqualTo("a1");
        assertThat(CliRun.run("sysv-msg", "receive", "--id", sid, "--type", "1", "--except", "--json").stdout())
                .isEqualTo("{\"type\":3,\"data\":\"c1\"}\n");
        assertThat(CliRun.run("sysv-msg", "receive", "--key", key, "--type", "-2").stdout()).isEqualTo("a2");
        assertThat(CliRun.run("sysv-msg", "receive", "--key", key, "--type", "-4", "--json").stdout())
                .isEqualTo("{\"type\":2,\"data\":\"b1\"}\n");
        assertThat(CliRun.run("sysv-msg", "receive", "--key", key, "--timeout", "1s").stdout()).isEqualTo("e1");
        CliRun empty = CliRun.run("sysv-msg", "receive", "--key", key, "--nonblock");
        assertThat(empty.status()).isEqualTo(ExitCodes.WOULD_BLOCK);
        assertThat(empty.stdout()).isEmpty();
        assertThat(CliRun.run("sysv-msg", "receive", "--key", key, "--timeout", "150ms").status())
                .isEqualTo(ExitCodes.WOULD_BLOCK);
        assertThat(CliRun.run("sysv-msg", "info", "--key", key).stdout()).contains("messages 0\n", "last_receive_pid " + pid + "\n");

        assertThat(CliRun.run("sysv-msg", "remove", "--key", key).status()).isZero();
        CliRun gone = CliRun.run("sysv-msg", "info", "--id", sid);
        assertThat(gone.status()).isEqualTo(ExitCodes.SYSTEM);
        assertThat(gone.stderr()).isEqualTo("jipc: msgctl(msqid " + id + ", IPC_STAT): Invalid argument (EINVAL)\n"
                + "jipc: no queue has msqid " + id + " (removed?)\n");
    }

    @Test
    void ftokPathsAndPrivateKeys() throws Exception {
        Path anchor = Files.createFile(dir.resolve("anchor"));
        int id = create("--path", anchor.toString(), "--project-id", "42", "--exclusive");
        try {
            assertThat(CliRun.run("sysv-msg", "info", "--path", anchor.toString(), "--project-id", "42", "--json").stdout())
                    .contains("\"id\":" + id, "\"key\":\"" + IpcKey.ftok(anchor, 42) + "\"");
            CliRun exists = CliRun.run("sysv-msg", "create", "--path", anchor.toString(), "--project-id", "42", "--exclusive");
            assertThat(exists.status()).isEqualTo(ExitCodes.SYSTEM);
            assertThat(exists.stderr()).endsWith("File exists (EEXIST)\n");
        } finally {
            SysVMessageQueue.openId(id).remove();
        }
        int priv = create("--key", "0");
        try {
            assertThat(CliRun.run("sysv-msg", "send", "--id", String.valueOf(priv), "--type", "1", "p").status()).isZero();
            assertThat(CliRun.run("sysv-msg", "receive", "--id", String.valueOf(priv)).stdout()).isEqualTo("p");
            assertThat(CliRun.run("sysv-msg", "info", "--key", "0").stderr()).contains("use --id");
        } finally {
            SysVMessageQueue.openId(priv).remove();
        }
    }

    @Test
    void fullQueuesExitOneAndSystemErrorsExitThree() throws Exception {
        String key = key();
        int id = create("--key", key);
        try (SysVMessageQueue q = SysVMessageQueue.openId(id)) {
            q.setMaxBytes(4);
            assertThat(CliRun.run("sysv-msg", "send", "--key", key, "--type", "1", "1234", "--nonblock").status()).isZero();
            assertThat(CliRun.run("sysv-msg", "send", "--key", key, "--type", "1", "5", "--nonblock").status())
                    .isEqualTo(ExitCodes.WOULD_BLOCK);
            assertThat(CliRun.run("sysv-msg", "send", "--key", key, "--type", "1", "5", "--timeout", "100ms").status())
                    .isEqualTo(ExitCodes.WOULD_BLOCK);
            q.setMaxBytes(16384); // msgmnb, the most an unprivileged process may set
            long msgmax = Long.parseLong(Files.readAllLines(Path.of("/proc/sys/kernel/msgmax")).get(0).strip());
            CliRun big = CliRun.runWithInput(new byte[(int) msgmax + 1], "sysv-msg", "send", "--key", key, "--type", "2");
            assertThat(big.status()).isEqualTo(ExitCodes.SYSTEM);
            assertThat(big.stderr()).isEqualTo("jipc: msgsnd(msqid " + id + "): Invalid argument (EINVAL)\n"
                    + "jipc: standard input holds more than msgmax = " + msgmax + " bytes (/proc/sys/kernel/msgmax);"
                    + " nothing was sent\n");
            CliRun bigArg = CliRun.run("sysv-msg", "send", "--key", key, "--type", "2", "x".repeat((int) msgmax + 1));
            assertThat(bigArg.status()).isEqualTo(ExitCodes.SYSTEM);
            assertThat(bigArg.stderr()).isEqualTo("jipc: msgsnd(msqid " + id + "): Invalid argument (EINVAL)\n"
                    + "jipc: message of " + (msgmax + 1) + " bytes exceeds msgmax = " + msgmax
                    + " (/proc/sys/kernel/msgmax)\n");
            q.remove();
        }
        CliRun missing = CliRun.run("sysv-msg", "receive", "--key", key);
        assertThat(missing.status()).isEqualTo(ExitCodes.SYSTEM);
        assertThat(missing.stderr()).isEqualTo("jipc: msgget(key " + key + "): No such file or directory (ENOENT)\n");
    }

    @Test
    void maxSizeFailsWithE2bigOrTruncates() throws Exception {
        String key = key();
        int id = create("--key", key);
        try {
            assertThat(CliRun.run("sysv-msg", "send", "--key", key, "--type", "1", "0123456789").status()).isZero();
            CliRun tooBig = CliRun.run("sysv-msg", "receive", "--key", key, "--max-size", "4");
            assertThat(tooBig.status()).isEqualTo(ExitCodes.SYSTEM);
            assertThat(tooBig.stderr()).isEqualTo("jipc: msgrcv(msqid " + id + "): Argument list too long (E2BIG)\n"
                    + "jipc: the message is longer than 4 bytes and stays queued: raise --max-size, or add --truncate"
                    + " to cut it\n");
            CliRun huge = CliRun.run("sysv-msg", "receive", "--key", key, "--max-size", "2147483647", "--nonblock");
            assertThat(huge.status()).as("--max-size above msgmax receives as msgmax: " + huge.stderr()).isZero();
            assertThat(huge.stdout()).isEqualTo("0123456789");
            assertThat(CliRun.run("sysv-msg", "send", "--key", key, "--type", "1", "0123456789").status()).isZero();
            assertThat(CliRun.run("sysv-msg", "receive", "--key", key, "--max-size", "4", "--truncate", "--json").stdout())
                    .isEqualTo("{\"type\":1,\"data\":\"0123\"}\n");
            assertThat(CliRun.run("sysv-msg", "receive", "--key", key, "--nonblock").status()).isEqualTo(ExitCodes.WOULD_BLOCK);
        } finally {
            SysVMessageQueue.openId(id).remove();
        }
    }

    @Test
    void usageErrorsExitTwo() {
        assertThat(CliRun.run("sysv-msg", "receive").stderr()).isEqualTo("jipc: which queue? give --id, --key or --path\n");
        assertThat(CliRun.run("sysv-msg", "receive", "--id", "1", "--key", "2").status()).isEqualTo(ExitCodes.USAGE);
        assertThat(CliRun.run("sysv-msg", "create", "--id", "1").status()).isEqualTo(ExitCodes.USAGE);
        assertThat(CliRun.run("sysv-msg", "send", "--key", "5", "x").status()).as("--type is required").isEqualTo(ExitCodes.USAGE);
        assertThat(CliRun.run("sysv-msg", "send", "--key", "5", "--type", "0", "x").stderr())
                .isEqualTo("jipc: --type must be 1 or more, got 0\n");
        assertThat(CliRun.run("sysv-msg", "receive", "--key", "5", "--type", "-1", "--except").stderr())
                .contains("MSG_EXCEPT needs a positive type");
        assertThat(CliRun.run("sysv-msg", "info", "--key", "nope").status()).isEqualTo(ExitCodes.USAGE);
        assertThat(CliRun.run("sysv-msg", "info", "--path", "/tmp", "--project-id", "0").stderr())
                .contains("ftok project id must be 1..255");
        assertThat(CliRun.run("sysv-msg", "info", "--key", "5", "--project-id", "3").stderr())
                .isEqualTo("jipc: --project-id goes with --path\n");
    }

    @Test
    void interoperatesWithACProgram() throws Exception {
        String key = key();
        int id = create("--key", key);
        try {
            try (Peer c = CPeer.start("msg_peer", "send", String.valueOf(id), "7:from-c")) {
                c.awaitSuccess(Duration.ofSeconds(30));
            }
            assertThat(CliRun.run("sysv-msg", "receive", "--key", key, "--json").stdout())
                    .isEqualTo("{\"type\":7,\"data\":\"from-c\"}\n");
            assertThat(CliRun.runWithInput("héllo".getBytes(UTF_8), "sysv-msg", "send", "--id", String.valueOf(id),
                    "--type", "4").status()).isZero();
            try (Peer c = CPeer.start("msg_peer", "receive", String.valueOf(id), "4", "0", "1")) {
                c.awaitSuccess(Duration.ofSeconds(30));
                assertThat(c.stdout()).isEqualTo("4 héllo\n");
            }
        } finally {
            SysVMessageQueue.openId(id).remove();
        }
    }
}
