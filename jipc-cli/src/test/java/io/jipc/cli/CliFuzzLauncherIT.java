package io.jipc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.process.ChildProcess;
import io.jipc.testing.Hostile;
import io.jipc.testing.MqueueLeakProbe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI fuzzer's sample through the real launcher ({@link CliFuzzTest} runs the bulk
 * in-process): vectors of {@link CliFuzz} with a name's bytes made non-UTF-8, standard input
 * closed or {@code /dev/null}, standard output closed, {@code /dev/full} or a broken pipe. Exit
 * 0–3 (CMD's status for {@code lock … -- CMD}), no stack trace or JVM message on standard error,
 * no {@code hs_err} file. {@code -Djipc.cli.launcherVectors=N} (default 12).
 */
class CliFuzzLauncherIT {
    private static final int VECTORS = Integer.getInteger("jipc.cli.launcherVectors", 12);

    @BeforeAll
    static void probe() {
        MqueueLeakProbe.register();
    }

    @Test
    void sampledVectorsThroughTheLauncherExitCleanly(@TempDir Path dir) throws Exception {
        Hostile h = Hostile.forProperty("cli fuzzer through the launcher");
        Files.writeString(dir.resolve("existing"), "x");
        ChildProcess child = ChildProcess.builder("/bin/sleep", "600").start();
        CliFuzz fuzz = new CliFuzz(h, dir, child.pid());
        CliFuzzTest.ourObjects(fuzz);
        List<String> failures = new ArrayList<>();
        int run = 0;
        try {
            while (run < VECTORS) {
                List<String> v = fuzz.vector();
                if (!fuzz.safe(v) || !child.isAlive()) {
                    continue;
                }
                List<Object> args = new ArrayList<>();
                for (String t : v) {
                    // a name with bytes that are not UTF-8, as a shell passes them
                    args.add(t.startsWith("/" + io.jipc.testing.TestIpc.PREFIX) && h.chance(0.5)
                            ? concat(t.getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0xff, (byte) 0xc3}) : t);
                }
                Shell.Run r = new Shell.Run(args);
                r.stdin(h.pick(Shell.Stream.FILE, Shell.Stream.CLOSED, Shell.Stream.DEV_NULL));
                r.stdout(h.pick(Shell.Stream.FILE, Shell.Stream.FILE, Shell.Stream.CLOSED, Shell.Stream.DEV_FULL, Shell.Stream.BROKEN_PIPE));
                Shell.Result res = Shell.run(r, Duration.ofSeconds(60));
                run++;
                boolean lock = v.get(0).equals("lock") && v.contains("--");
                int s = res.status();
                if (!(s >= 0 && s <= 3) && !(lock && (s == 126 || s == 127))) {
                    failures.add(r + ": exit " + s + ": " + res.stderr());
                }
                String err = String.join("\n", res.errLines());
                if (err.contains("\tat ") || err.contains("Exception in thread") || err.contains("internal error")
                        || err.contains("WARNING:")) {
                    failures.add(r + ": " + err);
                }
                CliFuzzTest.cleanUp(fuzz);
            }
        } finally {
            child.signal(io.jipc.signal.Signal.SIGKILL);
            child.tryWaitFor(Duration.ofSeconds(10));
            child.close();
            CliFuzzTest.removeOurObjects(fuzz);
        }
        try (Stream<Path> s = Stream.concat(Files.list(Path.of(".")), Files.list(LauncherIT.LAUNCHER.getParent()))) {
            assertThat(s.filter(p -> p.getFileName().toString().startsWith("hs_err"))).as("JVM crash logs").isEmpty();
        }
        System.out.println("cli fuzzer through the launcher: seed " + Hostile.runSeed() + ", " + run + " vectors, failures "
                + failures.size());
        assertThat(failures).as("seed " + Hostile.runSeed()).isEmpty();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = new byte[a.length + b.length];
        System.arraycopy(a, 0, c, 0, a.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
