package io.jipc.bench;

import java.util.List;
import java.util.Locale;

/**
 * The readable form of a bench run: per mechanism and size, each implementation's medians, the
 * ratios to C, and jipc's ratio to each other Java implementation (jipc/jdk).
 */
public final class Table {
    private Table() {}

    /** Formats {@code results}; {@code rounds} is the number of measured rounds per implementation. */
    public static String format(List<Comparison> results, int rounds) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT,
                "Round trip (ping-pong) latency and one-way streaming throughput between two processes.%n"
                        + "Medians over %d rounds per implementation, the implementations alternating; a ratio is the median%n"
                        + "of the per-round ratios (latency: lower is better; throughput: higher is better). MB/s = 10^6 B/s.%n",
                rounds));
        if (results.stream().anyMatch(c -> c.implementations().contains(JavaImpl.JDK))) {
            out.append(String.format(Locale.ROOT, "%s: the JDK's own API (java.nio.channels, blocking), both ends in Java.%n",
                    JavaImpl.JDK));
        }
        if (results.stream().anyMatch(c -> c.implementations().contains(Harness.C_MODEL))) {
            out.append(String.format(Locale.ROOT, "%s: the same C program with jipc's blocking model (O_NONBLOCK, poll(2) on EAGAIN).%n",
                    Harness.C_MODEL));
        }
        String header = String.format(Locale.ROOT, "  %-9s %9s %9s %9s %9s %12s %10s%n",
                "impl", "p50", "p99", "p99.9", "max", "msgs/s", "MB/s");
        for (Comparison c : results) {
            out.append(String.format(Locale.ROOT, "%n%s, %s%n", c.mechanism(), sizeLabel(c.size())));
            out.append(header);
            List<String> impls = c.implementations();
            for (String impl : impls) {
                Figures f = c.medians(impl);
                out.append(String.format(Locale.ROOT, "  %-9s %9s %9s %9s %9s %,12.0f %10.1f%n", impl,
                        nanos(f.p50Ns()), nanos(f.p99Ns()), nanos(f.p999Ns()), nanos(f.maxNs()), f.msgsPerS(), f.mbPerS()));
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
                    if (!impl.equals(JavaImpl.JIPC) && !impl.equals(Comparison.BASELINE) && !impl.equals(Harness.C_MODEL)) {
                        ratioRow(out, c, JavaImpl.JIPC, impl);
                    }
                }
            }
        }
        return out.toString();
    }

    private static void ratioRow(StringBuilder out, Comparison c, String impl, String base) {
        out.append(String.format(Locale.ROOT, "  %-9s %9.3f %9.3f %9.3f %9.3f %12.3f %10.3f%n", impl + "/" + base,
                c.ratio(impl, base, Metric.P50), c.ratio(impl, base, Metric.P99), c.ratio(impl, base, Metric.P999),
                c.ratio(impl, base, Metric.MAX), c.ratio(impl, base, Metric.MSGS_PER_S), c.ratio(impl, base, Metric.MB_PER_S)));
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
