package io.jipc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.signal.Signal;
import io.jipc.signal.Signals;
import io.jipc.socket.UnixAddress;
import io.jipc.socket.UnixSocket;
import io.jipc.testing.Peer;
import io.jipc.testing.TestIpc;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The signal daemon example, run the way its README says, with its signals sent from outside:
 * SIGHUP reloads, SIGPIPE (sent, or from a client that left) is survived, SIGTERM in the middle
 * of a job lets the job finish and its client get the answer, then the daemon exits 0 and
 * removes its socket.
 */
class SignalDaemonExampleIT {
    static final Path RUN = Path.of(System.getProperty("basedir", "."), "..", "examples", "signal-daemon", "run").normalize();
    private static final Duration T = Duration.ofSeconds(180);
    private static final Pattern PID = Pattern.compile("daemon: pid (\\d+), serving");

    private static String ask(Path socket, String name) throws Exception {
        try (UnixSocket s = UnixSocket.connect(UnixAddress.of(socket))) {
            s.send(name.getBytes(StandardCharsets.UTF_8));
            s.shutdownOutput();
            byte[] buf = new byte[256];
            int n = 0;
            int r;
            while ((r = s.receive(buf, n, buf.length - n)) > 0) {
                n += r;
            }
            return new String(buf, 0, n, StandardCharsets.UTF_8);
        }
    }

    @Test
    void reloadsOnHupSurvivesPipeAndFinishesItsJobOnTerm() throws Exception {
        Path dir = Files.createTempDirectory(TestIpc.PREFIX + "daemon");
        Path config = dir.resolve("daemon.conf");
        Path socket = dir.resolve("daemon.sock");
        Files.writeString(config, "greeting=hello\nwork=50\n");
        try (Peer daemon = Peer.start("signal-daemon", List.of(RUN.toString(), config.toString(), socket.toString()))) {
            daemon.awaitOutput("serving", T);
            Matcher m = PID.matcher(daemon.stdout());
            assertThat(m.find()).isTrue();
            long pid = Long.parseLong(m.group(1));
            assertThat(pid).as("the script execs the daemon").isEqualTo(daemon.pid());
            assertThat(ask(socket, "ann")).isEqualTo("hello, ann\n");

            Files.writeString(config, "greeting=bonjour\nwork=2000\n");
            Signals.send(pid, Signal.SIGHUP);
            daemon.awaitOutput("reloaded " + config + ": greeting=bonjour, work=2000ms", T);
            Files.writeString(config, "greeting=oops\nwork=soon\n");
            Signals.send(pid, Signal.SIGHUP);
            daemon.awaitOutput("cannot reload (" + config + ": work must be a number of milliseconds, not soon), keeping"
                    + " greeting=bonjour, work=2000ms", T);

            Signals.send(pid, Signal.SIGPIPE);
            daemon.awaitOutput("SIGPIPE from pid " + ProcessHandle.current().pid() + ": ignored", T);
            // A client that leaves before its answer: the daemon's send fails with EPIPE, nothing more.
            try (UnixSocket quitter = UnixSocket.connect(UnixAddress.of(socket))) {
                quitter.send("quitter".getBytes(StandardCharsets.UTF_8));
                quitter.shutdownOutput();
                daemon.awaitOutput("job 2: quitter", T);
            }
            daemon.awaitOutput("job 2: client gone before its answer: ", T);

            // SIGTERM in the middle of a job: the job finishes and answers, then the daemon stops.
            CompletableFuture<String> slow = CompletableFuture.supplyAsync(() -> {
                try {
                    return ask(socket, "bob");
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            daemon.awaitOutput("job 3: bob", T);
            Signals.send(pid, Signal.SIGTERM);
            assertThat(slow.get(T.toSeconds(), TimeUnit.SECONDS)).isEqualTo("bonjour, bob\n");
            assertThat(daemon.awaitExit(T)).as(daemon.stderr()).isZero();
            assertThat(daemon.stdout()).contains("daemon: SIGTERM from pid " + ProcessHandle.current().pid()
                    + ": finishing, then stopping\n", "daemon: stopped cleanly after 3 jobs; " + socket + " removed\n");
            assertThat(daemon.stdout().indexOf("job 3: answered")).as("answered before it stopped")
                    .isLessThan(daemon.stdout().indexOf("stopped cleanly"));
            assertThat(socket).doesNotExist();
        } finally {
            Shell.deleteTree(dir);
        }
    }

    @Test
    void withoutArgumentsItMakesItsOwnFilesAndRemovesThemOnCtrlC() throws Exception {
        try (Peer daemon = Peer.start("signal-daemon", List.of(RUN.toString()))) {
            daemon.awaitOutput("serving", T);
            Matcher m = Pattern.compile("daemon: pid (\\d+), serving (\\S+) ").matcher(daemon.stdout());
            assertThat(m.find()).isTrue();
            Path socket = Path.of(m.group(2));
            assertThat(ask(socket, "eve")).isEqualTo("hello, eve\n");
            Signals.send(Long.parseLong(m.group(1)), Signal.SIGINT);
            assertThat(daemon.awaitExit(T)).isZero();
            assertThat(daemon.stdout()).contains("daemon: SIGINT from pid ");
            assertThat(socket.getParent()).as("the script's temporary directory").doesNotExist();
        }
    }
}
