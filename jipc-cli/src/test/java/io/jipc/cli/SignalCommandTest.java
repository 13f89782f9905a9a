package io.jipc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.internal.libc.Unistd;
import io.jipc.testing.CPeer;
import io.jipc.testing.Peer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code jipc signal} in-process: the table, sending to a C program, and every usage error. */
class SignalCommandTest {
    private static final Duration T = Duration.ofSeconds(30);
    private static final long SELF = ProcessHandle.current().pid();

    @Test
    void listShowsEverySignalWithItsActionAndWhoMayCatchIt() {
        CliRun r = CliRun.run("signal", "list");
        assertThat(r.status()).isZero();
        List<String> lines = r.stdout().lines().toList();
        assertThat(lines).hasSize(63);
        assertThat(lines.get(0)).isEqualTo("NUM NAME         DEFAULT   CATCHABLE DESCRIPTION");
        assertThat(lines).contains(
                "  1 SIGHUP       terminate yes       hangup: the controlling terminal went away; daemons take it as"
                        + " \"reload your configuration\"",
                "  9 SIGKILL      terminate no        kill: ends the process; cannot be caught, blocked or ignored",
                " 11 SIGSEGV      core      JVM       invalid memory reference",
                " 17 SIGCHLD      ignore    yes       a child process exited, was stopped or continued",
                " 62 SIGRTMAX-2   terminate JDK       real-time signal: no fixed meaning; queued, each carries a value",
                " 61 SIGRTMAX-3   terminate jipc      real-time signal: no fixed meaning; queued, each carries a value");
        assertThat(r.stderr()).isEmpty();
    }

    @Test
    void listAsJsonLines() {
        CliRun r = CliRun.run("signal", "list", "--json");
        assertThat(r.status()).isZero();
        List<String> lines = r.stdout().lines().toList();
        assertThat(lines).hasSize(62);
        assertThat(lines.get(0)).isEqualTo("{\"number\":1,\"name\":\"SIGHUP\",\"default_action\":\"terminate\",\"catchable\":true,"
                + "\"description\":\"hangup: the controlling terminal went away; daemons take it as \\\"reload your"
                + " configuration\\\"\"}");
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("{\"number\":3,\"name\":\"SIGQUIT\",\"default_action\":\"core\","
                + "\"catchable\":true,").contains("\"reserved_by\":\"JVM\",\"reserved\":\"SIGQUIT is the JVM's: it prints a thread dump"));
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("{\"number\":19,\"name\":\"SIGSTOP\",\"default_action\":\"stop\","
                + "\"catchable\":false,"));
    }

    @Test
    void sendAndSendWithAValueReachACProgram() {
        try (Peer c = CPeer.start("signal_peer", "wait", "2", "10", "36")) {
            c.awaitOutput("ready", T);
            assertThat(CliRun.run("signal", "send", Long.toString(c.pid()), "USR1").status()).isZero();
            CliRun queued = CliRun.run("signal", "send", Long.toString(c.pid()), "SIGRTMIN+2", "--value", "-5");
            assertThat(queued.status()).isZero();
            assertThat(queued.stdout()).isEmpty();
            assertThat(queued.stderr()).isEmpty();
            c.awaitSuccess(T);
            int uid = Unistd.getuid();
            assertThat(c.stdout().lines().skip(1)).containsExactlyInAnyOrder("10 0 " + SELF + " " + uid + " 0",
                    "36 -1 " + SELF + " " + uid + " -5");
        }
    }

    @Test
    void aProcessThatIsGoneIsASystemError() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        CliRun r = CliRun.run("signal", "send", Long.toString(p.pid()), "TERM");
        assertThat(r.status()).isEqualTo(ExitCodes.SYSTEM);
        assertThat(r.stderr()).isEqualTo("jipc: kill(" + p.pid() + "): No such process (ESRCH)\n");
        r = CliRun.run("signal", "send", Long.toString(p.pid()), "TERM", "--value", "1");
        assertThat(r.stderr()).isEqualTo("jipc: sigqueue(" + p.pid() + "): No such process (ESRCH)\n");
    }

    @Test
    void usageErrorsSayWhatIsWrong() {
        usage(List.of("signal", "send", "0", "TERM"), "jipc: PID must be a number from 1 to 2147483647, got '0'");
        usage(List.of("signal", "send", "abc", "TERM"), "jipc: PID must be a number from 1 to 2147483647, got 'abc'");
        usage(List.of("signal", "send", "1", "NOPE"), "jipc: unknown signal \"NOPE\": use a name such as USR1 or SIGTERM,"
                + " SIGRTMIN+N, or a number 1-31 or 34-64");
        usage(List.of("signal", "send", "1", "32"), "jipc: no signal numbered 32 (allowed: 1-31 and 34-64)");
        usage(List.of("signal", "send", "1", "TERM", "--group", "--value", "3"),
                "jipc: --value cannot go to a --group: sigqueue signals one process");
        usage(List.of("signal", "wait", "KILL"), "jipc: SIGKILL can never be caught: the kernel acts on it itself"
                + " (it cannot be caught, blocked or ignored; see signal(7))");
        usage(List.of("signal", "wait", "USR1", "STOP"), "jipc: SIGSTOP can never be caught: the kernel acts on it itself"
                + " (it cannot be caught, blocked or ignored; see signal(7))");
        usage(List.of("signal", "wait", "SEGV"), "jipc: SIGSEGV is the JVM's: it turns it into NullPointerException and"
                + " stack overflow errors, and reports crashes with it");
        usage(List.of("signal", "wait", "QUIT"), "jipc: SIGQUIT is the JVM's: it prints a thread dump (kill -3, Ctrl-\\);"
                + " a JVM started with -Xrs leaves it free");
        usage(List.of("signal", "wait", "USR1", "--count", "0"), "jipc: --count must be at least 1, got 0");
        usage(List.of("signal", "wait"), "jipc: Missing required parameter: 'SIGNAL'");
        usage(List.of("signal"), "jipc: a verb is required: send, wait or list");
    }

    private static void usage(List<String> args, String firstLine) {
        CliRun r = CliRun.run(args.toArray(String[]::new));
        assertThat(r.status()).as(String.join(" ", args)).isEqualTo(ExitCodes.USAGE);
        assertThat(r.stderr().lines().findFirst()).as(String.join(" ", args)).hasValue(firstLine);
        assertThat(r.stdout()).isEmpty();
    }

    @Test
    void waitTimesOutWithExitOneAndGivesTheSignalBack() {
        CliRun r = CliRun.run("signal", "wait", "WINCH", "--timeout", "100ms");
        assertThat(r.status()).isEqualTo(ExitCodes.WOULD_BLOCK);
        assertThat(r.stdout()).isEmpty();
        assertThat(r.stderr()).isEqualTo("ready " + SELF + "\n");
    }
}
