package io.jipc.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything measured for one mechanism at one message size: each implementation's figures,
 * round by round. Implementations ran alternately ({@code jipc}, {@code jdk}, {@code c}, {@code
 * jipc}, ...), so round {@code i} of each ran under about the same machine load; a ratio is taken
 * within each round and the median over rounds is reported, which holds when absolute times drift.
 */
public final class Comparison {
    /** The implementation every other one is compared with. */
    public static final String BASELINE = "c";

    /**
     * How the implementations were warmed up before their measured rounds.
     *
     * @param millis how long it took
     * @param rounds how many unrecorded rounds each implementation ran
     * @param quiet  whether the JVMs had stopped compiling by then, or the cap was reached
     */
    public record WarmUp(long millis, int rounds, boolean quiet) {}

    private final String mechanism;
    private final int size;
    private final Placement placement;
    private final Map<String, List<Figures>> rounds = new LinkedHashMap<>();
    private WarmUp warmUp;
    private final Map<String, long[]> jit = new LinkedHashMap<>();

    /** A comparison of rounds run with {@code placement} (null: not stated, as in rows made by hand). */
    public Comparison(String mechanism, int size, Placement placement) {
        this.mechanism = mechanism;
        this.size = size;
        this.placement = placement;
    }

    public Comparison(String mechanism, int size) {
        this(mechanism, size, null);
    }

    /** Where the exchanging threads ran, or null when not stated. */
    public Placement placement() {
        return placement;
    }

    /** Records how the implementations were warmed up. */
    public void warmedUp(WarmUp warmUp) {
        this.warmUp = warmUp;
    }

    /** How the implementations were warmed up, or null (rows made by hand). */
    public WarmUp warmUp() {
        return warmUp;
    }

    /** Adds the CPU time (ns) of a Java implementation's two JVMs' compiler threads during one of its measured rounds. */
    public void addJit(String impl, long nanos, long peerNanos) {
        long[] sum = jit.computeIfAbsent(impl, k -> new long[2]);
        sum[0] += nanos;
        sum[1] += peerNanos;
    }

    /** The CPU time (ns) of {@code impl}'s JVMs' compiler threads over its measured rounds: {this one, the peer}; null for C. */
    public long[] jitNanos(String impl) {
        long[] sum = jit.get(impl);
        return sum == null ? null : sum.clone();
    }

    public String mechanism() {
        return mechanism;
    }

    public int size() {
        return size;
    }

    /** Adds one round's figures of {@code impl} ({@code jipc}, {@code c}, ...). */
    public void add(String impl, Figures figures) {
        rounds.computeIfAbsent(impl, k -> new ArrayList<>()).add(figures);
    }

    /** The implementations measured, in the order they first ran. */
    public List<String> implementations() {
        return List.copyOf(rounds.keySet());
    }

    /** The rounds of one implementation. */
    public List<Figures> rounds(String impl) {
        return List.copyOf(rounds.getOrDefault(impl, List.of()));
    }

    /** The median over rounds of {@code impl}'s figure. */
    public double median(String impl, Metric metric) {
        List<Figures> r = rounds.getOrDefault(impl, List.of());
        double[] v = new double[r.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.get(i).get(metric);
        }
        return median(v);
    }

    /**
     * The median figures of {@code impl}, metric by metric; the crossing counts are the median
     * round's (rounds have the same number of round trips and of streamed messages).
     */
    public Figures medians(String impl) {
        List<Figures> r = rounds.getOrDefault(impl, List.of());
        long trips = r.isEmpty() ? 0 : r.getFirst().roundTrips();
        long streamed = r.isEmpty() ? 0 : r.getFirst().streamed();
        double cross = median(impl, Metric.CROSS_CPU_PCT);
        double streamCross = median(impl, Metric.STREAM_CROSS_CPU_PCT);
        return new Figures(Math.round(median(impl, Metric.P50)), Math.round(median(impl, Metric.P99)),
                Math.round(median(impl, Metric.P999)), Math.round(median(impl, Metric.MAX)),
                median(impl, Metric.MSGS_PER_S), median(impl, Metric.MB_PER_S), median(impl, Metric.RTT_CPU_NS),
                median(impl, Metric.PEER_RTT_CPU_NS), median(impl, Metric.CPU_NS_PER_MSG),
                median(impl, Metric.PEER_CPU_NS_PER_MSG), trips, Double.isNaN(cross) ? -1 : Math.round(cross * trips / 100),
                streamed, Double.isNaN(streamCross) ? -1 : Math.round(streamCross * streamed / 100));
    }

    /**
     * The median over rounds of {@code impl}/{@link #BASELINE} for {@code metric}, each ratio
     * taken within one round; NaN when either has no rounds.
     */
    public double ratio(String impl, Metric metric) {
        return ratio(impl, BASELINE, metric);
    }

    /** The median over rounds of {@code impl}/{@code base} (e.g. jipc/jdk), each ratio taken within one round. */
    public double ratio(String impl, String base, Metric metric) {
        return median(roundRatios(impl, base, metric));
    }

    /** The ratios to {@link #BASELINE} of every round, for the report. */
    public double[] roundRatios(String impl, Metric metric) {
        return roundRatios(impl, BASELINE, metric);
    }

    /** The ratios {@code impl}/{@code base} of every round. */
    public double[] roundRatios(String impl, String base, Metric metric) {
        List<Figures> a = rounds.getOrDefault(impl, List.of());
        List<Figures> b = rounds.getOrDefault(base, List.of());
        int n = Math.min(a.size(), b.size());
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = a.get(i).get(metric) / b.get(i).get(metric);
        }
        return v;
    }

    static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] v = values.clone();
        Arrays.sort(v);
        int m = v.length / 2;
        return v.length % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
    }
}
