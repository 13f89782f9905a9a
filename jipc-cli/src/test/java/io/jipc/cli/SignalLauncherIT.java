package io.jipc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.internal.libc.Unistd;
import io.jipc.testing.CPeer;
import io.jipc.testing.Peer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code jipc signal wait} through the real launcher: signals from other processes, and the CLI's own signal handling beside it. */
class SignalLauncherIT {
    private static final Duration T = Duration.ofSeconds(120);

    /** Waits for "ready PID" on the command's standard error and returns the PID. */
    static long ready(Peer p) throws InterruptedException {
        long deadline = System.nanoTime() + T.toNanos();
        while (true) {
            for (String line : p.stderr().lines().toList()) {
                if (line.startsWith("ready ")) {
                    return Long.parseLong(line.substring(6));
                }
            }
            assertThat(p.process().isAlive()).as("still waiting for ready; stderr: " + p.stderr()).isTrue();
            assertThat(System.nanoTime() - deadline).as("ready within " + T).isNegative();
            Thread.sleep(20);
        }
    }

    /** {@code jipc signal send PID SIGNAL [OPTIONS]} through the launcher, which must succeed. */
    private static void send(long pid, String signal, String... options) {
        List<String> args = new ArrayList<>(List.of("signal", "send", Long.toString(pid), signal));
        args.addAll(List.of(options));
        try (Peer s = LauncherIT.jipc(args.toArray(String[]::new))) {
            assertThat(s.awaitExit(T)).as(s.stderr()).isZero();
        }
    }

    @Test
    void waitSaysReadyThenPrintsEachSignalFromOtherProcesses() throws Exception {
        try (Peer w = LauncherIT.jipc("signal", "wait", "USR1", "SIGRTMIN+1", "--count", "2")) {
            long pid = ready(w);
            assertThat(pid).as("the launcher execs the JVM: the pid a user sees").isEqualTo(w.pid());
            send(pid, "USR1");
            send(pid, "RTMIN+1", "--value", "7");
            assertThat(w.awaitExit(T)).as(w.stderr()).isZero();
            assertThat(w.stdout().lines()).containsExactlyInAnyOrder("SIGUSR1", "SIGRTMIN+1");
            assertThat(w.stderr().lines().filter(l -> !l.contains("building the command line"))).containsExactly("ready " + pid);
        }
    }

    @Test
    void asJsonItTellsTheSenderAndTheValue() throws Exception {
        try (Peer w = LauncherIT.jipc("signal", "wait", "RTMIN+2", "--json")) {
            long pid = ready(w);
            try (Peer c = CPeer.start("signal_peer", "queue", Long.toString(pid), "36", "42")) {
                c.awaitSuccess(T);
                assertThat(w.awaitExit(T)).isZero();
                assertThat(w.stdout()).isEqualTo("{\"signal\":\"SIGRTMIN+2\",\"number\":36,\"origin\":\"queue\",\"code\":-1,"
                        + "\"pid\":" + c.pid() + ",\"uid\":" + Unistd.getuid() + ",\"value\":42}\n");
            }
        }
    }

    @Test
    void aTimeoutIsExitOne() throws Exception {
        try (Peer w = LauncherIT.jipc("signal", "wait", "WINCH", "--timeout", "300ms")) {
            assertThat(w.awaitExit(T)).isEqualTo(ExitCodes.WOULD_BLOCK);
            assertThat(w.stdout()).isEmpty();
        }
    }

    /** The CLI ends on SIGTERM with 143 (SignalExit); a wait for SIGTERM takes it instead, and exits 0. */
    @Test
    void waitingForTermTakesItFromTheCliAndOtherSignalsStillEndIt() throws Exception {
        try (Peer w = LauncherIT.jipcWithSignalsAtDefault("signal", "wait", "TERM", "HUP", "--count", "2")) {
            long pid = ready(w);
            send(pid, "TERM"); // (not Process.destroy(): it closes the pipes the command writes to)
            send(pid, "HUP");
            assertThat(w.awaitExit(T)).as(w.stderr()).isZero();
            assertThat(w.stdout().lines()).containsExactlyInAnyOrder("SIGTERM", "SIGHUP");
        }
        try (Peer w = LauncherIT.jipcWithSignalsAtDefault("signal", "wait", "USR1")) {
            long pid = ready(w);
            send(pid, "INT");
            assertThat(w.awaitExit(T)).as("SIGINT, not waited for: the CLI's 128+2").isEqualTo(130);
            assertThat(w.stdout()).isEmpty();
            assertThat(w.stderr().lines().filter(l -> !l.contains("building"))).containsExactly("ready " + pid);
        }
    }
}
