package io.jipc.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The readable form of a bench run: per mechanism and size, each implementation's medians, the
 * ratios to C, jipc's ratio to the multi-threaded C program and to each other Java implementation
 * (jipc/jdk), and how the run was placed and warmed up.
 */
public final class Table {
    private Table() {}

    /** The columns, in order: round trips (and their CPU), then streaming (and its CPU). */
    static final List<Metric> COLUMNS = List.of(Metric.P50, Metric.P99, Metric.P999, Metric.MAX, Metric.RTT_CPU_NS,
            Metric.PEER_RTT_CPU_NS, Metric.CROSS_CPU_PCT, Metric.MSGS_PER_S, Metric.MB_PER_S, Metric.CPU_NS_PER_MSG,
            Metric.PEER_CPU_NS_PER_MSG);

    private static final int IMPL_WIDTH = 15;

    /** Formats {@code results}; {@code rounds} is the number of measured rounds per implementation. */
    public static String format(List<Comparison> results, int rounds) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT,
                "Round trip (ping-pong) latency and one-way streaming throughput between two processes, and the CPU%n"
                        + "time each process spent. Medians over %d rounds per implementation, the implementations alternating;%n"
                        + "a ratio is the median of the per-round ratios (latency and CPU: lower is better; throughput: higher%n"
                        + "is better). MB/s = 10^6 B/s.%n",
                rounds));
        Placement placement = results.isEmpty() ? null : results.getFirst().placement();
        if (placement != null) {
            out.append(String.format(Locale.ROOT, "Placement: %s%s.%n", placement.describe(),
                    placement.kind() == Placement.Kind.FREE ? ""
                            : ": the exchanging thread of each process pinned (a JVM's other threads free)"));
        }
        out.append(String.format(Locale.ROOT,
                "cpu/rtt, peer/rtt: CPU time of the timing process and of its peer per round trip; cpu/msg, peer/msg:%n"
                        + "of the sender and of the receiver per streamed message. Whole-process CPU time (every thread, so a%n"
                        + "JVM's compiler and GC threads count). x-cpu: round trips that crossed CPUs (lowest-highest round).%n"));
        if (results.stream().anyMatch(c -> c.implementations().contains(JavaImpl.JDK))) {
            out.append(String.format(Locale.ROOT, "%s: the JDK's own API (java.nio.channels, blocking), both ends in Java.%n",
                    JavaImpl.JDK));
        }
        if (results.stream().anyMatch(c -> c.implementations().contains(JavaImpl.JIPC_BATCH))) {
            out.append(String.format(Locale.ROOT, "%s: jipc's batch forms: the sender sends up to %d messages per call (sendmmsg,%n"
                    + "gathering writes), the receiver takes all that has arrived per call; each message still checked.%n",
                    JavaImpl.JIPC_BATCH, BatchLinks.MAX_BATCH));
        }
        if (results.stream().anyMatch(c -> c.implementations().contains(Harness.C_THREADED))) {
            out.append(String.format(Locale.ROOT, "%s: the same C program with one idle extra thread per process: what being a%n"
                    + "multi-threaded process, as every JVM is, costs C (the kernel takes file and memory references%n"
                    + "atomically then). c is the baseline.%n", Harness.C_THREADED));
        }
        if (results.stream().anyMatch(c -> c.implementations().contains(Harness.C_MODEL))) {
            out.append(String.format(Locale.ROOT, "%s: the same C program with jipc's blocking model (O_NONBLOCK, poll(2) on EAGAIN).%n",
                    Harness.C_MODEL));
        }
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "  %-" + IMPL_WIDTH + "s", "impl"));
        for (Metric m : COLUMNS) {
            header.append(String.format(Locale.ROOT, " %" + width(m) + "s", m.label()));
        }
        for (Comparison c : results) {
            out.append(String.format(Locale.ROOT, "%n%s, %s%s%n", c.mechanism(), sizeLabel(c.size()), warmUps(c)));
            out.append(header).append(System.lineSeparator());
            List<String> impls = c.implementations();
            for (String impl : impls) {
                Figures f = c.medians(impl);
                StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "  %-" + IMPL_WIDTH + "s", impl));
                for (Metric m : COLUMNS) {
                    row.append(String.format(Locale.ROOT, " %" + width(m) + "s", value(c, impl, f, m)));
                }
                out.append(row).append(System.lineSeparator());
            }
            if (impls.contains(Comparison.BASELINE)) {
                for (String impl : impls) {
                    if (!impl.equals(Comparison.BASELINE)) {
                        ratioRow(out, c, impl, Comparison.BASELINE);
                    }
                }
            }
            if (impls.contains(JavaImpl.JIPC)) {
                for (String impl : impls) {
                    if (!impl.equals(JavaImpl.JIPC) && !impl.equals(JavaImpl.JIPC_BATCH) && !impl.equals(Comparison.BASELINE)
                            && !impl.equals(Harness.C_MODEL)) {
                        ratioRow(out, c, JavaImpl.JIPC, impl);
                    }
                }
            }
            if (impls.contains(JavaImpl.JIPC_BATCH) && impls.contains(Harness.C_THREADED)) {
                ratioRow(out, c, JavaImpl.JIPC_BATCH, Harness.C_THREADED);
            }
            jitNote(out, c);
            sharedCpuNote(out, c);
        }
        return out.toString();
    }

    /** A streaming round on one CPU in which neither process ran for more than this share of the time is called out. */
    static final double UNACCOUNTED_NOTE_PCT = 5;

    /**
     * A note under a block run on one CPU when the exchange did not have that CPU to itself: the
     * stream's wall time exceeds both sides' CPU time by more than {@link #UNACCOUNTED_NOTE_PCT}.
     */
    private static void sharedCpuNote(StringBuilder out, Comparison c) {
        if (c.placement() == null || c.placement().kind() != Placement.Kind.SAME) {
            return;
        }
        List<String> parts = new ArrayList<>();
        boolean over = false;
        for (String impl : c.implementations()) {
            double pct = c.median(impl, Metric.STREAM_UNACCOUNTED_PCT);
            if (Double.isNaN(pct)) {
                continue;
            }
            over |= pct > UNACCOUNTED_NOTE_PCT;
            parts.add(String.format(Locale.ROOT, "%s %.0f %%", impl, pct));
        }
        if (over) {
            out.append(String.format(Locale.ROOT, "  Neither process ran during part of the streaming (another task had the CPU,"
                    + " or both waited): %s.%n", String.join(", ", parts)));
        }
    }

    private static int width(Metric m) {
        return m == Metric.MSGS_PER_S ? 12 : 8;
    }

    /** One cell: a duration, a rate, or the lowest-highest share of crossed round trips. */
    private static String value(Comparison c, String impl, Figures median, Metric m) {
        double v = median.get(m);
        return switch (m.unit()) {
            case NANOS -> Double.isNaN(v) ? "n/a" : nanos(v);
            case RATE -> Double.isNaN(v) ? "n/a"
                    : String.format(Locale.ROOT, m == Metric.MSGS_PER_S ? "%,.0f" : "%.1f", v);
            case PERCENT -> {
                double lo = Double.POSITIVE_INFINITY;
                double hi = Double.NEGATIVE_INFINITY;
                for (Figures f : c.rounds(impl)) {
                    double x = f.get(m);
                    if (!Double.isNaN(x)) {
                        lo = Math.min(lo, x);
                        hi = Math.max(hi, x);
                    }
                }
                if (lo > hi) {
                    yield "n/a";
                }
                String a = String.format(Locale.ROOT, "%.0f", lo);
                String b = String.format(Locale.ROOT, "%.0f", hi);
                yield a.equals(b) ? a + "%" : a + "-" + b + "%";
            }
        };
    }

    /** {@code (warm-up: 4 rounds of each, 6.2 s, until the JIT was quiet)}. */
    private static String warmUps(Comparison c) {
        Comparison.WarmUp w = c.warmUp();
        if (w == null) {
            return "";
        }
        return String.format(Locale.ROOT, " (warm-up: %d round%s of each, %.1f s, %s)", w.rounds(),
                w.rounds() == 1 ? "" : "s", w.millis() / 1000.0,
                w.quiet() ? "until the JIT was quiet" : "the JIT was not quiet yet at the cap");
    }

    /** A note under a block when a Java implementation's JVMs still compiled during its measured rounds. */
    private static void jitNote(StringBuilder out, Comparison c) {
        List<String> parts = new ArrayList<>();
        for (String impl : c.implementations()) {
            long[] jit = c.jitNanos(impl);
            if (jit != null && jit[0] + jit[1] > Harness.QUIET_JIT_MS * 1_000_000 * c.rounds(impl).size()) {
                parts.add(String.format(Locale.ROOT, "%s %.1f ms here, %.1f ms in its peer", impl, jit[0] / 1e6, jit[1] / 1e6));
            }
        }
        if (!parts.isEmpty()) {
            out.append(String.format(Locale.ROOT, "  JIT compiler threads ran during the measured rounds: %s%n",
                    String.join("; ", parts)));
        }
    }

    private static void ratioRow(StringBuilder out, Comparison c, String impl, String base) {
        StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "  %-" + IMPL_WIDTH + "s", impl + "/" + base));
        for (Metric m : COLUMNS) {
            double r = c.ratio(impl, base, m);
            String cell = !m.comparable() ? "-" : Double.isFinite(r) ? String.format(Locale.ROOT, "%.3f", r) : "n/a";
            row.append(String.format(Locale.ROOT, " %" + width(m) + "s", cell));
        }
        out.append(row).append(System.lineSeparator());
    }

    /** {@code 64 B}, {@code 64 KiB}, {@code 1.5 KiB}... */
    public static String sizeLabel(int size) {
        if (size >= 1 << 20 && size % (1 << 20) == 0) {
            return (size >> 20) + " MiB";
        }
        if (size >= 1024 && size % 1024 == 0) {
            return (size >> 10) + " KiB";
        }
        return size + " B";
    }

    /** A duration in the unit that reads best: {@code 850ns}, {@code 13.9us}, {@code 3.65ms}, {@code 1.20s}. */
    public static String nanos(double ns) {
        if (ns < 1_000) {
            return String.format(Locale.ROOT, "%.0fns", ns);
        }
        if (ns < 1_000_000) {
            return threeDigits(ns / 1e3) + "us";
        }
        if (ns < 1_000_000_000) {
            return threeDigits(ns / 1e6) + "ms";
        }
        return threeDigits(ns / 1e9) + "s";
    }

    private static String threeDigits(double v) {
        if (v >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (v >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
