package io.jipc.bench;

import java.util.List;
import java.util.Locale;

/** The readable form of a bench run: per mechanism and size, each implementation's medians and the jipc/C ratios. */
public final class Table {
    private Table() {}

    /** Formats {@code results}; {@code rounds} is the number of measured rounds per implementation. */
    public static String format(List<Comparison> results, int rounds) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT,
                "Round trip (ping-pong) latency and one-way streaming throughput between two processes.%n"
                        + "Medians over %d rounds per implementation, the implementations alternating; a ratio is the median%n"
                        + "of the per-round ratios to C (latency: lower is better; throughput: higher is better). MB/s = 10^6 B/s.%n",
                rounds));
        if (results.stream().anyMatch(c -> c.implementations().contains(Harness.C_MODEL))) {
            out.append(String.format(Locale.ROOT, "%s: the same C program with jipc's blocking model (O_NONBLOCK, poll(2) on EAGAIN).%n",
                    Harness.C_MODEL));
        }
        String header = String.format(Locale.ROOT, "  %-8s %9s %9s %9s %9s %12s %10s%n",
                "impl", "p50", "p99", "p99.9", "max", "msgs/s", "MB/s");
        for (Comparison c : results) {
            out.append(String.format(Locale.ROOT, "%n%s, %s%n", c.mechanism(), sizeLabel(c.size())));
            out.append(header);
            for (String impl : c.implementations()) {
                Figures f = c.medians(impl);
                out.append(String.format(Locale.ROOT, "  %-8s %9s %9s %9s %9s %,12.0f %10.1f%n", impl,
                        nanos(f.p50Ns()), nanos(f.p99Ns()), nanos(f.p999Ns()), nanos(f.maxNs()), f.msgsPerS(), f.mbPerS()));
            }
            for (String impl : c.implementations()) {
                if (impl.equals(Comparison.BASELINE) || !c.implementations().contains(Comparison.BASELINE)) {
                    continue;
                }
                out.append(String.format(Locale.ROOT, "  %-8s %9.3f %9.3f %9.3f %9.3f %12.3f %10.3f%n",
                        impl + "/" + Comparison.BASELINE,
                        c.ratio(impl, Metric.P50), c.ratio(impl, Metric.P99), c.ratio(impl, Metric.P999),
                        c.ratio(impl, Metric.MAX), c.ratio(impl, Metric.MSGS_PER_S), c.ratio(impl, Metric.MB_PER_S)));
            }
        }
        return out.toString();
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
