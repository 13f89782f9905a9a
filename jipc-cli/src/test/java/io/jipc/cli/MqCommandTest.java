package io.jipc.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.mq.PosixMessage;
import io.jipc.mq.PosixMessageQueue;
import io.jipc.testing.CPeer;
import io.jipc.testing.MqueueLeakProbe;
import io.jipc.testing.Peer;
import io.jipc.testing.TestIpc;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MqCommandTest {
    @BeforeAll
    static void probe() {
        MqueueLeakProbe.register();
    }

    @Test
    void createSendReceiveInfoUnlink() throws Exception {
        String q = TestIpc.name("cli");
        CliRun create = CliRun.run("mq", "create", q, "--max-messages", "4", "--message-size", "64", "--mode", "0640");
        assertThat(create.status()).isZero();
        assertThat(create.stdout()).isEmpty();
        assertThat(create.stderr()).isEmpty();
        assertThat(CliRun.run("mq", "send", q, "low").status()).isZero();
        assertThat(CliRun.run("mq", "send", q, "high", "--priority", "9").status()).isZero();
        assertThat(CliRun.runWithInput("from stdin".getBytes(UTF_8), "mq", "send", q, "--priority", "5").status()).isZero();

        CliRun info = CliRun.run("mq", "info", q, "--json");
        assertThat(info.status()).isZero();
        assertThat(info.stdout()).isEqualTo("{\"name\":\"" + q + "\",\"max_messages\":4,\"message_size\":64,"
                + "\"current_messages\":3}\n");
        assertThat(CliRun.run("mq", "info", q).stdout()).contains("max_messages 4\n", "current_messages 3\n");

        CliRun high = CliRun.run("mq", "receive", q);
        assertThat(high.status()).isZero();
        assertThat(high.stdout()).as("raw bytes, nothing added").isEqualTo("high");
        assertThat(CliRun.run("mq", "receive", q, "--json").stdout()).isEqualTo("{\"priority\":5,\"data\":\"from stdin\"}\n");
        assertThat(CliRun.run("mq", "receive", q, "--timeout", "1s").stdout()).isEqualTo("low");

        assertThat(CliRun.run("mq", "unlink", q).status()).isZero();
        CliRun gone = CliRun.run("mq", "unlink", q);
        assertThat(gone.status()).isEqualTo(ExitCodes.SYSTEM);
        assertThat(gone.stderr()).isEqualTo("jipc: mq_unlink(" + q + "): No such file or directory (ENOENT)\n");
    }

    @Test
    void emptyAndFullQueuesExitOne() throws Exception {
        String q = TestIpc.name("cli-wait");
        assertThat(CliRun.run("mq", "create", q, "--max-messages", "1", "--message-size", "8", "--exclusive").status())
                .isZero();
        try {
            CliRun empty = CliRun.run("mq", "receive", q, "--nonblock");
            assertThat(empty.status()).isEqualTo(ExitCodes.WOULD_BLOCK);
            assertThat(empty.stdout()).isEmpty();
            long start = System.nanoTime();
            assertThat(CliRun.run("mq", "receive", q, "--timeout", "200ms").status()).isEqualTo(ExitCodes.WOULD_BLOCK);
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(Duration.ofMillis(200).toNanos());
            assertThat(CliRun.run("mq", "send", q, "one", "--nonblock").status()).isZero();
            assertThat(CliRun.run("mq", "send", q, "two", "--nonblock").status()).isEqualTo(ExitCodes.WOULD_BLOCK);
            assertThat(CliRun.run("mq", "send", q, "two", "--timeout", "100ms").status()).isEqualTo(ExitCodes.WOULD_BLOCK);
        } finally {
            PosixMessageQueue.unlink(q);
        }
    }

    @Test
    void systemErrorsExitThreeWithOneLine() throws Exception {
        String q = TestIpc.name("cli-err");
        assertThat(CliRun.run("mq", "create", q, "--message-size", "4", "--max-messages", "2").status()).isZero();
        try {
            CliRun big = CliRun.run("mq", "send", q, "12345");
            assertThat(big.status()).isEqualTo(ExitCodes.SYSTEM);
            assertThat(big.stderr()).isEqualTo("jipc: mq_send(" + q + "): Message too long (EMSGSIZE)\n"
                    + "jipc: message of 5 bytes exceeds the queue's message size 4\n");
            CliRun bigStdin = CliRun.runWithInput("12345".getBytes(java.nio.charset.StandardCharsets.UTF_8), "mq", "send", q);
            assertThat(bigStdin.status()).isEqualTo(ExitCodes.SYSTEM);
            assertThat(bigStdin.stderr()).isEqualTo("jipc: mq_send(" + q + "): Message too long (EMSGSIZE)\n"
                    + "jipc: standard input holds more than the queue's message size, 4 bytes; nothing was sent\n");
            CliRun exists = CliRun.run("mq", "create", q, "--exclusive");
            assertThat(exists.status()).isEqualTo(ExitCodes.SYSTEM);
            assertThat(exists.stderr()).isEqualTo("jipc: mq_open(" + q + "): File exists (EEXIST)\n");
        } finally {
            PosixMessageQueue.unlink(q);
        }
        CliRun missing = CliRun.run("mq", "receive", q, "--nonblock");
        assertThat(missing.status()).isEqualTo(ExitCodes.SYSTEM);
        assertThat(missing.stderr()).isEqualTo("jipc: mq_open(" + q + "): No such file or directory (ENOENT)\n");
        CliRun limit = CliRun.run("mq", "create", q, "--max-messages", "100000");
        assertThat(limit.status()).isEqualTo(ExitCodes.SYSTEM);
        assertThat(limit.stderr()).isEqualTo("jipc: mq_open(" + q + "): Invalid argument (EINVAL)\n"
                + "jipc: --max-messages 100000 exceeds the kernel's hard limit 65536 (HARD_MSGMAX)\n");
    }

    @Test
    void usageErrorsExitTwo() {
        CliRun badName = CliRun.run("mq", "create", "jobs");
        assertThat(badName.status()).isEqualTo(ExitCodes.USAGE);
        assertThat(badName.stderr()).startsWith("jipc: queue name \"jobs\" does not start with a slash").hasLineCount(1);
        assertThat(CliRun.run("mq", "send", "/a/b", "x").status()).isEqualTo(ExitCodes.USAGE);
        assertThat(CliRun.run("mq", "send", TestIpc.name("u"), "x", "--priority", "40000").stderr())
                .contains("--priority must be 0..32767");
        CliRun both = CliRun.run("mq", "receive", TestIpc.name("u"), "--nonblock", "--timeout", "1s");
        assertThat(both.status()).isEqualTo(ExitCodes.USAGE);
        assertThat(both.stderr()).isEqualTo("jipc: --timeout and --nonblock cannot be combined\n");
        assertThat(CliRun.run("mq", "create", TestIpc.name("u"), "--max-messages", "0").status()).isEqualTo(ExitCodes.USAGE);
        assertThat(CliRun.run("mq").status()).isEqualTo(ExitCodes.USAGE);
        assertThat(CliRun.run("mq", "frobnicate").status()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void binaryPayloadsAreBase64InJson() throws Exception {
        String q = TestIpc.name("cli-bin");
        try (PosixMessageQueue queue = PosixMessageQueue.createExclusively(q)) {
            queue.send(new PosixMessage(3, new byte[] {(byte) 0xff, 0, 1}));
            assertThat(CliRun.run("mq", "receive", q, "--json").stdout()).isEqualTo("{\"priority\":3,\"data_base64\":\"/wAB\"}\n");
            queue.send(new PosixMessage(3, new byte[] {(byte) 0xff, 0, 1}));
            assertThat(CliRun.run("mq", "receive", q).stdoutBytes()).containsExactly(0xff, 0, 1);
            queue.unlink();
        }
    }

    @Test
    void interoperatesWithACProgram() throws Exception {
        String q = TestIpc.name("cli-c");
        assertThat(CliRun.run("mq", "create", q, "--max-messages", "5", "--message-size", "32").status()).isZero();
        try {
            try (Peer c = CPeer.start("mq_peer", "send", q, "2:two", "7:seven")) {
                c.awaitSuccess(Duration.ofSeconds(30));
            }
            assertThat(CliRun.run("mq", "receive", q, "--json").stdout()).isEqualTo("{\"priority\":7,\"data\":\"seven\"}\n");
            assertThat(CliRun.run("mq", "send", q, "from-cli", "--priority", "4").status()).isZero();
            try (Peer c = CPeer.start("mq_peer", "receive", q, "2")) {
                c.awaitSuccess(Duration.ofSeconds(30));
                assertThat(c.stdout()).isEqualTo("4 from-cli\n2 two\n");
            }
        } finally {
            PosixMessageQueue.unlink(q);
        }
    }
}
