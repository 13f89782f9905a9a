package io.jipc.cli;

import io.jipc.bench.CPrograms;
import io.jipc.bench.Comparison;
import io.jipc.bench.Figures;
import io.jipc.bench.Harness;
import io.jipc.bench.Mechanism;
import io.jipc.bench.Mechanisms;
import io.jipc.bench.Metric;
import io.jipc.bench.Placement;
import io.jipc.bench.Report;
import io.jipc.bench.Table;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.core.JsonGenerator;

/**
 * {@code jipc bench}: latency and throughput of each mechanism between two processes, side by
 * side with the same exchange written in C and, where the JDK has the mechanism, with the JDK's
 * channels. Thin over {@link Harness} in jipc-bench.
 */
@Command(name = "bench",
        mixinStandardHelpOptions = true,
        description = {"Round-trip latency (ping-pong) and one-way streaming throughput between two processes,"
                + " per mechanism, with the CPU time each process spent, side by side with the same exchange written in C"
                + " (compiled with gcc on first use) and, where the JDK has the mechanism, with the JDK's own channels"
                + " (impl jdk). Implementations alternate in rounds (jipc, jdk, c, c-mt, jipc, ...) and each ratio is"
                + " the median of the per-round ratios.",
            "",
            "Placement: by default the exchanging thread of each process (the JVM's, the C program's) is pinned to"
                + " the same CPU, and a JVM's other threads stay free. A round trip is then two system calls and two"
                + " context switches on one CPU, and streaming alternates between filling and draining the buffer: the"
                + " figures, and so the ratios, measure what a message costs. On two CPUs every message has to wake the"
                + " other one, and on a virtual machine whose idle vCPUs halt that wake-up dominates (measured on a"
                + " 2-vCPU EPYC guest: C pipe ping-pong p50 4.8 us on one CPU, 49-55 us on two); left free, the"
                + " scheduler splits round trips between one and two CPUs differently from run to run (36-92 %% crossed,"
                + " p50 5.6-59 us), and a JVM's compiler threads keep the other CPU busy, so the ratio measures"
                + " placement rather than code. Pinning whole JVMs does not help either: their compiler and GC threads"
                + " then preempt the exchanging thread. x-cpu shows how many round trips crossed CPUs in each round.",
            "",
            "CPU time is the whole process's (CLOCK_PROCESS_CPUTIME_ID: every thread, so a JVM's compiler and GC"
                + " threads count, and C's idle thread in c-mt) over the timed part of a round, per round trip"
                + " (cpu/rtt, peer/rtt) and per streamed message (cpu/msg for the sender, peer/msg for the receiver).",
            "",
            "Warm-up: before the measured rounds, unrecorded sets of one round of every implementation run until"
                + " no JVM (this one, and each peer, which reports its own) had its JIT compiler threads run for more"
                + " than 1 ms of CPU per round it ran, two sets in a row (at least three sets, at most --warmup-cap);"
                + " the table says how long that took, and notes any compiler activity during the measured rounds.",
            "",
            "c-mt is the C program with one idle extra thread per process: what a multi-threaded process, as every"
                + " JVM is, pays in the kernel. The plain single-threaded C program (c) stays the baseline.",
            "",
            "jipc-batch (pipe, fifo, unix-stream, unix-seqpacket, unix-dgram) is jipc's batch forms, in rows of their"
                + " own beside jipc's one call per message: the sender sends up to 64 messages per call (a MessageBatch"
                + " per sendmmsg on datagram and seqpacket sockets, a gathering write on pipes, FIFOs and stream"
                + " sockets), the receiver takes all that has arrived per call (recvmmsg, or one large read); each"
                + " message is still checked. Ping-pong sends batches of one.",
            "",
            "ffm (pipe, fifo, unix-stream, unix-seqpacket, unix-dgram, mq, sysv-msg, sem, sysv-sem) makes each message's"
                + " system calls as bare FFM downcalls from Java, the calls the C program makes, with no library in"
                + " between: ffm/c is what any Java program pays, jipc/ffm what jipc itself adds."})
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--mechanisms", split = ",", paramLabel = "LIST",
            description = "Mechanisms to measure, comma-separated (default: all of them: ${COMPLETION-CANDIDATES}).",
            completionCandidates = MechanismNames.class)
    List<String> mechanisms;

    @Option(names = "--size", split = ",", paramLabel = "BYTES",
            description = "Message size(s) in bytes, comma-separated; k/K, KiB, m/M, MiB suffixes allowed (default: 64,64KiB).")
    List<String> sizes;

    @Option(names = "--messages", paramLabel = "N",
            description = "Round trips and streamed messages per round (default: 4000 round trips and up to 20000"
                    + " messages, fewer above 4 KiB).")
    Integer messages;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "5",
            description = "Measured rounds per implementation (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--json", description = "One JSON line per (mechanism, size, implementation).")
    boolean json;

    @Option(names = "--report", paramLabel = "FILE",
            description = "Also write a chart: HTML when FILE ends in .html, else SVG.")
    Path report;

    @Option(names = "--c-model",
            description = "Also run each C program built with the poll model (non-blocking descriptors, poll(2) on"
                    + " EAGAIN) as impl c-model: what jipc's waits would cost without its in-kernel sleeps (it keeps"
                    + " the poll model for timed calls only).")
    boolean cModel;

    @Option(names = "--placement", paramLabel = "WHERE", defaultValue = "same",
            description = "Where the two processes' exchanging threads run: same (one CPU, the default; see above),"
                    + " different (one CPU each) or free (not pinned).")
    String placement;

    @Option(names = "--cpus", split = ",", paramLabel = "CPU",
            description = "The CPU for --placement same, or the two for different (the timing side's first; default:"
                    + " the first this process may use).")
    List<Integer> cpus;

    @Option(names = "--c-mt", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Also run the C program with one idle extra thread per process (impl c-mt; on by default).")
    boolean cThreaded;

    @Option(names = "--warmup-cap", paramLabel = "D", converter = Converters.DurationConverter.class,
            description = "The longest the warm-up may take at one size; at least one set runs (default: 30s).")
    Duration warmupCap;

    @Option(names = "--cache-dir", paramLabel = "DIR", hidden = true,
            description = "Where the compiled C baselines are kept (default: $JIPC_BENCH_CACHE, else ~/.cache/jipc/bench).")
    Path cacheDir;

    @Override
    public Integer call() throws IOException {
        Io io = Io.of(spec);
        List<Mechanism> chosen = new ArrayList<>();
        if (mechanisms == null || mechanisms.isEmpty()) {
            chosen.addAll(Mechanisms.all());
        } else {
            for (String name : mechanisms) {
                chosen.add(Mechanisms.byName(name.trim()));
            }
        }
        List<Integer> sizeList = new ArrayList<>();
        for (String s : sizes == null ? List.of("64", "64KiB") : sizes) {
            sizeList.add(parseSize(s));
        }
        if (messages != null && messages < 1) {
            throw new IllegalArgumentException("--messages must be at least 1, got " + messages);
        }
        if (rounds < 1) {
            throw new IllegalArgumentException("--rounds must be at least 1, got " + rounds);
        }
        Placement where = Placement.of(placementKind(placement), cpus == null ? List.of() : cpus);
        Harness.Options options = new Harness.Options(chosen, sizeList, messages == null ? 0 : messages, rounds,
                cacheDir != null ? cacheDir : CPrograms.defaultCacheDir(), cModel, cThreaded, where,
                warmupCap != null ? warmupCap : Harness.DEFAULT_WARMUP_CAP);
        Harness.Listener progress = io.errIsTerminal() ? new TerminalProgress(io.err()) : (step, steps, what) -> { };
        List<Comparison> results;
        try {
            results = Harness.run(options, progress);
        } finally {
            if (progress instanceof TerminalProgress t) {
                t.clear();
            }
        }
        if (json) {
            JsonLines lines = new JsonLines(io.out());
            for (Comparison c : results) {
                for (String impl : c.implementations()) {
                    Figures f = c.medians(impl);
                    JsonGenerator g = lines.begin();
                    g.writeStringProperty("mechanism", c.mechanism());
                    g.writeNumberProperty("size", c.size());
                    g.writeStringProperty("impl", impl);
                    g.writeNumberProperty("p50_ns", f.p50Ns());
                    g.writeNumberProperty("p99_ns", f.p99Ns());
                    g.writeNumberProperty("p999_ns", f.p999Ns());
                    g.writeNumberProperty("max_ns", f.maxNs());
                    g.writeNumberProperty("msgs_per_s", Math.round(f.msgsPerS()));
                    g.writeNumberProperty("mb_per_s", Math.round(f.mbPerS() * 1000) / 1000.0);
                    // Added after cli.md's keys (cli.md: "more keys may follow").
                    nanos(g, Metric.CPU_NS_PER_MSG, f.cpuNsPerMsg());
                    nanos(g, Metric.PEER_CPU_NS_PER_MSG, f.peerCpuNsPerMsg());
                    nanos(g, Metric.RTT_CPU_NS, f.rttCpuNs());
                    nanos(g, Metric.PEER_RTT_CPU_NS, f.peerRttCpuNs());
                    percent(g, Metric.CROSS_CPU_PCT, f.crossCpuPct());
                    percent(g, Metric.STREAM_CROSS_CPU_PCT, f.streamCrossCpuPct());
                    percent(g, Metric.STREAM_UNACCOUNTED_PCT, c.placement() != null
                            && c.placement().kind() == Placement.Kind.SAME ? c.median(impl, Metric.STREAM_UNACCOUNTED_PCT)
                            : Double.NaN);
                    g.writeNumberProperty("round_trips", f.roundTrips());
                    g.writeName("cross_cpu_round_trips");
                    g.writeStartArray();
                    for (Figures round : c.rounds(impl)) {
                        if (round.crossedRoundTrips() < 0) {
                            g.writeNull();
                        } else {
                            g.writeNumber(round.crossedRoundTrips());
                        }
                    }
                    g.writeEndArray();
                    g.writeStringProperty("placement", c.placement() == null ? null : c.placement().word());
                    Comparison.WarmUp w = c.warmUp();
                    if (w != null) {
                        g.writeNumberProperty("warmup_ms", w.millis());
                        g.writeNumberProperty("warmup_rounds", w.rounds());
                        g.writeBooleanProperty("jit_quiet", w.quiet());
                    }
                    lines.end();
                }
            }
        } else {
            io.println(Table.format(results, rounds).stripTrailing());
        }
        if (report != null) {
            Report.write(report, results, rounds);
        }
        return ExitCodes.OK;
    }

    private static void nanos(JsonGenerator g, Metric metric, double ns) {
        if (Double.isNaN(ns)) {
            g.writeNullProperty(metric.jsonKey());
        } else {
            g.writeNumberProperty(metric.jsonKey(), Math.round(ns));
        }
    }

    private static void percent(JsonGenerator g, Metric metric, double pct) {
        if (Double.isNaN(pct)) {
            g.writeNullProperty(metric.jsonKey());
        } else {
            g.writeNumberProperty(metric.jsonKey(), Math.round(pct * 10) / 10.0);
        }
    }

    static Placement.Kind placementKind(String word) {
        for (Placement.Kind k : Placement.Kind.values()) {
            if (k.word().equals(word.trim().toLowerCase(Locale.ROOT))) {
                return k;
            }
        }
        throw new IllegalArgumentException("invalid placement '" + word + "': same, different or free");
    }

    /** {@code 64}, {@code 4k}, {@code 64KiB}, {@code 1M}, {@code 1MiB}: a positive byte count. */
    static int parseSize(String text) {
        String t = text.trim();
        long unit = 1;
        String lower = t.toLowerCase(Locale.ROOT);
        for (String[] suffix : new String[][] {{"kib", "1024"}, {"mib", "1048576"}, {"k", "1024"}, {"m", "1048576"}}) {
            if (lower.endsWith(suffix[0])) {
                unit = Long.parseLong(suffix[1]);
                t = t.substring(0, t.length() - suffix[0].length());
                break;
            }
        }
        long n;
        try {
            n = Long.parseLong(t) * unit;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid size '" + text + "': a byte count such as 64, 4k or 64KiB");
        }
        if (n < 1 || n > io.jipc.bench.RoundSpec.MAX_SIZE) {
            throw new IllegalArgumentException("invalid size '" + text + "': from 1 byte to 64 MiB");
        }
        return (int) n;
    }

    /** The mechanism names for help and completion. */
    static final class MechanismNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Mechanisms.names().iterator();
        }
    }

    /** One line of progress on a terminal, redrawn in place. */
    private static final class TerminalProgress implements Harness.Listener {
        private final PrintStream err;

        TerminalProgress(PrintStream err) {
            this.err = err;
        }

        @Override
        public void step(int step, int steps, String what) {
            err.printf(Locale.ROOT, "\r\033[Kjipc bench [%d/%d] %s", step, steps, what);
            err.flush();
        }

        void clear() {
            err.print("\r\033[K");
            err.flush();
        }
    }
}
