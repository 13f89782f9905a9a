package io.jipc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jipc.NotFoundException;
import io.jipc.cli.tour.Tour;
import io.jipc.cli.tour.TourStep;
import io.jipc.cli.tour.TourSteps;
import io.jipc.mq.PosixMessageQueue;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code ./jipc tour}: every stop runs between real processes, and nothing is left behind, Ctrl-C or not. */
class TourLauncherIT {
    private static final Duration T = Duration.ofSeconds(180);
    private static final Pattern TOUR_PID = Pattern.compile("this process \\(pid (\\d+)\\)");

    @Test
    void theWholeTourRunsEveryStopBetweenRealProcessesAndLeavesNothing() throws Exception {
        Shell.Result r = Shell.run(new Shell.Run(List.of("tour")), T);
        String out = r.out();
        assertThat(r.status()).as(out + r.stderr()).isZero();
        assertThat(r.errLines()).as("no progress when standard error is not a terminal").isEmpty();
        List<TourStep> steps = TourSteps.ALL;
        for (int i = 0; i < steps.size(); i++) {
            assertThat(out).contains("\n" + (i + 1) + "/" + steps.size() + " " + steps.get(i).mechanism() + ": ");
        }
        assertThat(out).contains("tr answered \"HELLO THROUGH A PIPE\"", "the reader printed \"hello through a FIFO\"",
                "this process reads \"a file only the child opened\"", "it printed \"the child has the lock\"",
                "got {\"priority\":9,\"data\":\"disk almost full\"}", "got {\"type\":2,\"data\":\"order 42: 3 books\"}",
                "values now [0, 0]", "read \"frame 1 from pid ", "now reads \"written by the child\"",
                "received SIGUSR1 with value 42 from pid ", "OwnerDiedException after ",
                "read all 100000 records in place, in order");
        // Every child named is another process than the tour's own.
        long tour = tourPid(out);
        Matcher children = Pattern.compile("\\(pid (\\d+)\\)").matcher(out);
        int count = 0;
        while (children.find()) {
            if (Long.parseLong(children.group(1)) != tour) {
                count++;
            }
        }
        assertThat(count).as("a child per stop").isGreaterThanOrEqualTo(steps.size());
        assertThat(out).containsPattern("Tour done: " + steps.size() + " mechanisms in [\\d.]+ ms; everything it created is removed.");
        assertNothingLeft(tour);
    }

    @Test
    void onlyRunsTheStopsAskedForAndRefusesUnknownOnes() {
        Shell.Result r = Shell.run(new Shell.Run(List.of("tour", "--only", "pipe,sem")), T);
        assertThat(r.status()).as(r.stderr()).isZero();
        assertThat(r.out()).contains("1/2 pipe: ", "2/2 sem: ").doesNotContain(" fifo: ");
        Shell.Result bad = Shell.run(new Shell.Run(List.of("tour", "--only", "pipe,smoke-signals")), T);
        assertThat(bad.status()).isEqualTo(ExitCodes.USAGE);
        assertThat(bad.errLines().get(0)).startsWith("jipc: --only: no stop 'smoke-signals' in the tour; its stops: pipe, fifo,");
    }

    /** On a terminal (script(1) gives it a pseudo-terminal) standard error shows which stop is running. */
    @Test
    void progressShowsOnATerminal() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "no script(1)");
        String cmd = Shell.quote(LauncherIT.LAUNCHER.toString().getBytes(StandardCharsets.UTF_8)) + " tour --only pipe,sem"
                + " >/dev/null";
        try (io.jipc.testing.Peer p = io.jipc.testing.Peer.start("script",
                // script(1) runs the command with $SHELL; the quoting is bash's, and CI's SHELL may be dash.
                List.of("env", "SHELL=/bin/bash", "script", "-qec", cmd, "/dev/null"))) {
            assertThat(p.awaitExit(T)).as(p.stdout()).isZero();
            assertThat(p.stdout()).contains("\rjipc tour: 1/2 pipe...", "\rjipc tour: 2/2 sem...")
                    .doesNotContain("HELLO");
        }
    }

    /** Ctrl-C (SIGINT to the tour alone, as a test) while a child is at work: exit 130, and every object and child gone. */
    @ParameterizedTest(name = "interrupted at: {0}")
    @ValueSource(strings = {"started `jipc fifo read", "started `jipc sysv-sem op", "created /jipc-tour-",
            "that locks it and never unlocks"})
    void ctrlCInTheMiddleLeavesNothingBehind(String marker) throws Exception {
        Shell.Run run = new Shell.Run(List.of("tour")).signalsAtDefault();
        try (Shell.Started s = Shell.start(run)) {
            long deadline = System.nanoTime() + T.toNanos();
            String out = "";
            while (!out.contains(marker)) {
                assertThat(System.nanoTime()).as("no '" + marker + "' in:\n" + out).isLessThan(deadline);
                assertThat(s.process.isAlive()).as("ended before '" + marker + "':\n" + out).isTrue();
                Thread.sleep(20);
                Path file = s.dir.resolve("out");
                out = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
            }
            s.signal("INT");
            Shell.Result r = s.await(T);
            assertThat(r.status()).as(r.out() + r.stderr()).isEqualTo(130);
            assertThat(r.errLines()).as("quiet: the signal ended it").isEmpty();
            long tour = tourPid(r.out());
            Matcher children = Pattern.compile("\\(pid (\\d+)\\)").matcher(r.out());
            while (children.find()) {
                long pid = Long.parseLong(children.group(1));
                if (pid != tour) {
                    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).as("child " + pid).isNotEqualTo(
                            java.util.Optional.of(true));
                }
            }
            assertNothingLeft(tour);
        }
    }

    private static long tourPid(String out) {
        Matcher m = TOUR_PID.matcher(out);
        assertThat(m.find()).as(out).isTrue();
        return Long.parseLong(m.group(1));
    }

    /** No /dev/shm entry, POSIX queue, System V object, or temporary file of the tour of process {@code pid}. */
    static void assertNothingLeft(long pid) throws Exception {
        String prefix = "jipc-tour-" + pid + "-";
        try (Stream<Path> shm = Files.list(Path.of("/dev/shm"))) {
            assertThat(shm.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(prefix));
        }
        for (TourStep step : TourSteps.ALL) {
            String name = "/" + prefix + step.mechanism();
            assertThatThrownBy(() -> PosixMessageQueue.openExisting(name)).as(name).isInstanceOf(NotFoundException.class);
        }
        for (String table : List.of("msg", "sem", "shm")) {
            List<String> lines = Files.readAllLines(Path.of("/proc/sysvipc/" + table));
            for (int n = 0; n < 16; n++) {
                String key = Integer.toString(Tour.key(pid, n));
                assertThat(lines.stream().skip(1).map(l -> l.trim().split("\\s+")[0])).as(table + " key " + key)
                        .doesNotContain(key);
            }
        }
        try (Stream<Path> tmp = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            assertThat(tmp.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(prefix));
        }
    }
}
