package io.jipc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jipc bench} run in-process on a few hundred messages: the exchange between real
 * processes works for every mechanism, and the output keeps cli.md's shape. No timing is asserted.
 */
class BenchCommandTest {
    static final String CACHE = Path.of(System.getProperty("basedir", "."), "target", "bench-cache").toString();

    /** cli.md's line, key for key and in this order, then the keys added after them (cli.md: "more keys may follow"). */
    static final Pattern JSON_LINE = Pattern.compile("\\{\"mechanism\":\"([a-z-]+)\",\"size\":(\\d+),\"impl\":\"(jipc|jipc-batch|ffm|jdk|c|c-mt|c-model)\","
            + "\"p50_ns\":(\\d+),\"p99_ns\":(\\d+),\"p999_ns\":(\\d+),\"max_ns\":(\\d+),"
            + "\"msgs_per_s\":(\\d+),\"mb_per_s\":([0-9.]+(?:E-?\\d+)?)"
            + ",\"cpu_ns_per_msg\":(\\d+),\"peer_cpu_ns_per_msg\":(\\d+),\"rtt_cpu_ns\":(\\d+),\"peer_rtt_cpu_ns\":(\\d+)"
            + ",\"cross_cpu_pct\":([0-9.]+),\"stream_cross_cpu_pct\":([0-9.]+),\"stream_unaccounted_pct\":(?:[0-9.]+|null)"
            + ",\"round_trips\":(\\d+)"
            + ",\"cross_cpu_round_trips\":\\[([0-9,]*)],\"placement\":\"([a-z0-9:,]+)\""
            + ",\"warmup_ms\":(\\d+),\"warmup_rounds\":(\\d+),\"jit_quiet\":(true|false)}");

    @Test
    void jsonHasOneLinePerMechanismSizeAndImplementation(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("bench.svg");
        CliRun r = CliRun.run("bench", "--mechanisms", "pipe,fifo", "--size", "64,1k", "--messages", "200",
                "--rounds", "1", "--json", "--report", report.toString(), "--cache-dir", CACHE, "--warmup-cap", "0s");
        assertThat(r.stderr()).isEmpty();
        assertThat(r.status()).isEqualTo(ExitCodes.OK);
        List<String> keys = new ArrayList<>();
        for (String line : r.stdout().split("\n")) {
            Matcher m = JSON_LINE.matcher(line);
            assertThat(m.matches()).as("cli.md's JSON line: %s", line).isTrue();
            keys.add(m.group(1) + " " + m.group(2) + " " + m.group(3));
            long p50 = Long.parseLong(m.group(4));
            long p99 = Long.parseLong(m.group(5));
            long p999 = Long.parseLong(m.group(6));
            long max = Long.parseLong(m.group(7));
            assertThat(p50).isPositive().isLessThanOrEqualTo(p99);
            assertThat(p99).isLessThanOrEqualTo(p999);
            assertThat(p999).isLessThanOrEqualTo(max);
            assertThat(Long.parseLong(m.group(8))).isPositive();
            assertThat(Double.parseDouble(m.group(9))).isPositive();
            for (int g = 10; g <= 13; g++) {
                assertThat(Long.parseLong(m.group(g))).as("CPU ns, %s", line).isPositive();
            }
            // The default placement: both exchanging threads on one CPU, so nothing crosses.
            assertThat(m.group(14)).isEqualTo("0.0");
            assertThat(m.group(16)).isEqualTo("200");
            assertThat(m.group(17)).isEqualTo("0");
            assertThat(m.group(18)).startsWith("same:");
            assertThat(Long.parseLong(m.group(20))).isPositive();
        }
        assertThat(keys).containsExactly("pipe 64 jipc", "pipe 64 jipc-batch", "pipe 64 ffm", "pipe 64 c", "pipe 64 c-mt",
                "pipe 1024 jipc", "pipe 1024 jipc-batch", "pipe 1024 ffm", "pipe 1024 c", "pipe 1024 c-mt", "fifo 64 jipc",
                "fifo 64 jipc-batch", "fifo 64 ffm", "fifo 64 c", "fifo 64 c-mt", "fifo 1024 jipc", "fifo 1024 jipc-batch",
                "fifo 1024 ffm", "fifo 1024 c", "fifo 1024 c-mt");
        String svg = Files.readString(report, StandardCharsets.UTF_8);
        assertThat(svg).startsWith("<?xml").contains("<svg").contains("pipe, 64 B").contains("fifo, 1 KiB");
    }

    /**
     * The JDK's rows sit beside jipc's, the bare FFM calls' and C's where the JDK has the
     * mechanism; tcp, which jipc does not have, has the JDK's and C's alone.
     */
    @Test
    void theJdksRowsComeBetweenJipcAndC() {
        CliRun r = CliRun.run("bench", "--mechanisms", "unix-stream,tcp", "--size", "64", "--messages", "200",
                "--rounds", "1", "--json", "--cache-dir", CACHE, "--warmup-cap", "0s", "--no-c-mt");
        assertThat(r.status()).as(r.stderr()).isEqualTo(ExitCodes.OK);
        List<String> keys = new ArrayList<>();
        for (String line : r.stdout().split("\n")) {
            Matcher m = JSON_LINE.matcher(line);
            assertThat(m.matches()).as("cli.md's JSON line: %s", line).isTrue();
            keys.add(m.group(1) + " " + m.group(2) + " " + m.group(3));
        }
        assertThat(keys).containsExactly("unix-stream 64 jipc", "unix-stream 64 jipc-batch", "unix-stream 64 ffm", "unix-stream 64 jdk",
                "unix-stream 64 c", "tcp 64 jdk", "tcp 64 c");

        CliRun table = CliRun.run("bench", "--mechanisms", "unix-stream", "--size", "64", "--messages", "200",
                "--rounds", "1", "--cache-dir", CACHE, "--warmup-cap", "0s");
        assertThat(table.status()).as(table.stderr()).isEqualTo(ExitCodes.OK);
        for (String row : List.of("jipc ", "jipc-batch ", "ffm ", "jdk ", "c ", "c-mt ", "jipc/c ", "jipc-batch/c ", "ffm/c ",
                "jdk/c ", "c-mt/c ", "jipc/ffm ", "jipc/c-mt ", "jipc-batch/c-mt ", "jipc/jdk ")) {
            assertThat(table.stdout().lines().filter(l -> l.trim().startsWith(row)).count()).as(row).isEqualTo(1);
        }
    }

    @Test
    void theTableShowsEachImplementationAndTheRatio(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("bench.html");
        CliRun r = CliRun.run("bench", "--mechanisms", "pipe", "--size", "64", "--messages", "200", "--rounds", "1",
                "--report", report.toString(), "--cache-dir", CACHE, "--warmup-cap", "0s", "--placement", "free");
        assertThat(r.status()).as(r.stderr()).isEqualTo(ExitCodes.OK);
        assertThat(r.stderr()).as("no progress when stderr is not a terminal").isEmpty();
        assertThat(r.stdout()).contains("pipe, 64 B").contains("p50").contains("msgs/s");
        assertThat(r.stdout().lines().filter(l -> l.trim().startsWith("jipc ")).count()).isEqualTo(1);
        assertThat(r.stdout().lines().filter(l -> l.trim().startsWith("c ")).count()).isEqualTo(1);
        assertThat(r.stdout().lines().filter(l -> l.trim().startsWith("jipc/c ")).count()).isEqualTo(1);
        assertThat(r.stdout()).contains("Placement: free").contains("cpu/msg").contains("x-cpu");
        assertThat(Files.readString(report)).startsWith("<!DOCTYPE html>").contains("<svg").contains("jipc/c")
                .contains("CPU/msg, sender");
    }

    @Test
    void badArgumentsAreUsageErrors() {
        CliRun unknown = CliRun.run("bench", "--mechanisms", "carrier-pigeon");
        assertThat(unknown.status()).isEqualTo(ExitCodes.USAGE);
        assertThat(unknown.stderr()).startsWith("jipc: ").contains("carrier-pigeon").contains("pipe");
        for (String[] args : new String[][] {{"--size", "0"}, {"--size", "lots"}, {"--messages", "0"}, {"--rounds", "0"},
                {"--placement", "nearby"}, {"--cpus", "99999"}, {"--warmup-cap", "soon"}}) {
            CliRun r = CliRun.run("bench", args[0], args[1]);
            assertThat(r.status()).as(String.join(" ", args)).isEqualTo(ExitCodes.USAGE);
            assertThat(r.stderr()).startsWith("jipc: ");
        }
    }
}
