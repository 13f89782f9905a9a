package io.jipc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.mq.PosixMessageQueue;
import io.jipc.mq.SysVMessageQueue;
import io.jipc.testing.MqueueLeakProbe;
import io.jipc.testing.Peer;
import io.jipc.testing.TestIpc;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code jipc mq} and {@code jipc sysv-msg} through the real {@code ./jipc} launcher, in separate processes. */
class MqLauncherIT {
    private static final Duration T = Duration.ofSeconds(120);

    @BeforeAll
    static void probe() {
        MqueueLeakProbe.register();
    }

    /** Runs ./jipc under LANG=C, where only /proc/self/cmdline keeps non-ASCII arguments intact. */
    private static Peer jipc(String... args) {
        List<String> cmd = new ArrayList<>(List.of("env", "LANG=C", "LC_ALL=C", LauncherIT.LAUNCHER.toString()));
        cmd.addAll(List.of(args));
        return Peer.start("jipc", cmd);
    }

    /** Standard error without the note the launcher prints when it rebuilds. */
    private static String errors(Peer p) {
        return p.stderr().lines().filter(l -> !l.contains("building the command line")).map(l -> l + "\n")
                .collect(java.util.stream.Collectors.joining());
    }

    private static Peer ok(String... args) {
        Peer p = jipc(args);
        assertThat(p.awaitExit(T)).as(String.join(" ", args) + "\n" + p.stderr()).isZero();
        return p;
    }

    @Test
    void posixQueueEndToEnd() throws Exception {
        String q = TestIpc.name("launcher");
        try {
            ok("mq", "create", q, "--max-messages", "2", "--message-size", "32", "--exclusive").close();
            ok("mq", "send", q, "h\u00e9llo", "--priority", "3").close();
            try (Peer p = ok("mq", "receive", q, "--json")) {
                assertThat(p.stdout()).isEqualTo("{\"priority\":3,\"data\":\"h\u00e9llo\"}\n");
            }
            try (Peer p = jipc("mq", "receive", q, "--timeout", "100ms")) {
                assertThat(p.awaitExit(T)).isEqualTo(ExitCodes.WOULD_BLOCK);
                assertThat(p.stdout()).isEmpty();
            }
            try (Peer p = jipc("mq", "send", q, "x".repeat(33))) {
                assertThat(p.awaitExit(T)).isEqualTo(ExitCodes.SYSTEM);
                assertThat(errors(p)).isEqualTo("jipc: mq_send(" + q + "): Message too long (EMSGSIZE)\n"
                        + "jipc: message of 33 bytes exceeds the queue's message size 32\n");
            }
            ok("mq", "unlink", q).close();
        } finally {
            try {
                PosixMessageQueue.unlink(q);
            } catch (io.jipc.NotFoundException done) {
                // unlinked by the test itself
            }
        }
    }

    @Test
    void systemVQueueEndToEnd() throws Exception {
        String key = Converters.formatKey(TestIpc.key());
        int id;
        try (Peer p = ok("sysv-msg", "create", "--key", key)) {
            id = Integer.parseInt(p.stdout().strip());
        }
        try {
            ok("sysv-msg", "send", "--key", key, "--type", "2", "two").close();
            ok("sysv-msg", "send", "--id", String.valueOf(id), "--type", "1", "one").close();
            try (Peer p = ok("sysv-msg", "receive", "--key", key, "--type", "-5")) {
                assertThat(p.stdoutBytes()).isEqualTo("one".getBytes(StandardCharsets.UTF_8));
            }
            try (Peer p = jipc("sysv-msg", "receive", "--key", key, "--type", "3", "--nonblock")) {
                assertThat(p.awaitExit(T)).isEqualTo(ExitCodes.WOULD_BLOCK);
            }
            ok("sysv-msg", "remove", "--id", String.valueOf(id)).close();
            try (Peer p = jipc("sysv-msg", "info", "--key", key)) {
                assertThat(p.awaitExit(T)).isEqualTo(ExitCodes.SYSTEM);
                assertThat(errors(p)).isEqualTo("jipc: msgget(key " + key + "): No such file or directory (ENOENT)\n");
            }
        } finally {
            try {
                SysVMessageQueue.openId(id).remove();
            } catch (io.jipc.IpcException done) {
                // removed by the test itself
            }
        }
    }
}
