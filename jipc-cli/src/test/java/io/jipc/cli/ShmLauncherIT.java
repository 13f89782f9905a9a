package io.jipc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.testing.CPeer;
import io.jipc.testing.Peer;
import io.jipc.testing.SmallShmLimits;
import io.jipc.testing.TestIpc;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code jipc shm} and {@code jipc sysv-shm} through the real {@code ./jipc}, with C on the other end. */
class ShmLauncherIT {
    private static final Duration T = Duration.ofSeconds(120);

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

    private static String ok(String... args) {
        try (Peer p = jipc(args)) {
            assertThat(p.awaitExit(T)).as(String.join(" ", args) + "\n" + p.stderr()).isZero();
            return p.stdout();
        }
    }

    private static String c(String... args) {
        try (Peer p = CPeer.start("shm_peer", args)) {
            p.awaitSuccess(T);
            return p.stdout().strip();
        }
    }

    @Test
    void posixObjectsEndToEndUnderTheCLocale() throws Exception {
        String name = TestIpc.name("launcher-shm") + "-caf\u00e9";
        ok("shm", "create", name, "--size", "64K", "--exclusive", "--mode", "0640");
        try {
            try (Peer p = jipc("shm", "write", name, "--offset", "100")) {
                p.stdin().write("from stdin \u00e9".getBytes(StandardCharsets.UTF_8));
                p.stdin().close();
                assertThat(p.awaitExit(T)).as(p.stderr()).isZero();
            }
            assertThat(c("posix-read", name, "100", "13")).isEqualTo("from stdin \u00e9");
            assertThat(c("posix-write", name, "200", "from c")).isEqualTo("wrote 65536");
            assertThat(ok("shm", "read", name, "--offset", "200", "--length", "6")).isEqualTo("from c");
            assertThat(ok("shm", "info", name, "--json")).startsWith("{\"name\":\"" + name + "\",\"size\":65536,\"mode\":\"0640\"");
        } finally {
            ok("shm", "unlink", name);
        }
        try (Peer p = jipc("shm", "read", name)) {
            assertThat(p.awaitExit(T)).isEqualTo(ExitCodes.SYSTEM);
            assertThat(errors(p)).isEqualTo("jipc: shm_open(" + name + "): No such file or directory (ENOENT)\n");
        }
    }

    @Test
    void systemVSegmentsEndToEnd() throws Exception {
        String key = Converters.formatKey(TestIpc.key());
        String id = ok("sysv-shm", "create", "--key", key, "--size", "4096").strip();
        try {
            ok("sysv-shm", "write", "--key", key, "hello from jipc");
            assertThat(c("sysv-read", id, "0", "15")).isEqualTo("hello from jipc");
            assertThat(ok("sysv-shm", "info", "--id", id)).contains("size 4096\n", "attach_count 0\n");
        } finally {
            ok("sysv-shm", "remove", "--id", id);
        }
    }

    /** Where shared memory is scarce (its own namespace), the errors name the limit and its value; nothing is left. */
    @Test
    void limitsAreNamedWithTheirValues() throws Exception {
        SmallShmLimits.assumeAvailable();
        String name = TestIpc.name("launcher-limits");
        List<String> script = List.of("sh", "-c", "\"$0\" shm create " + name + " --size 2M; echo \"exit $?\";"
                + " \"$0\" sysv-shm create --key 0 --size 65537; echo \"exit $?\"; ls /dev/shm | wc -l; ipcs -m | grep -c 0x || true",
                LauncherIT.LAUNCHER.toString());
        try (Peer p = Peer.start("limits", SmallShmLimits.command(script))) {
            p.awaitSuccess(T);
            assertThat(errors(p)).isEqualTo("jipc: ftruncate(" + name + "): No space left on device (ENOSPC)\n"
                    + "jipc: size 2097152 is more than the tmpfs at /dev/shm (its size= mount option) can ever hold, "
                    + SmallShmLimits.TMPFS + " bytes\n"
                    + "jipc: shmget(key IPC_PRIVATE): Invalid argument (EINVAL)\n"
                    + "jipc: size 65537 is more than shmmax = " + SmallShmLimits.SHMMAX + " (/proc/sys/kernel/shmmax)\n");
            assertThat(p.stdout()).isEqualTo("exit 3\nexit 3\n0\n0\n");
        }
    }
}
