package io.jipc.bench;

import java.util.EnumMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * One implementation's figures from one round: round-trip percentiles (ns) and one-way
 * throughput. MB/s counts 10<sup>6</sup> payload bytes per second.
 */
public record Figures(long p50Ns, long p99Ns, long p999Ns, long maxNs, double msgsPerS, double mbPerS) {

    /** Reads the figures of a round: its round-trip histogram and its timed stream. */
    public static Figures of(Histogram roundTrips, int size, long streamMessages, long streamNanos) {
        double seconds = Math.max(streamNanos, 1) / 1e9;
        double msgs = streamMessages / seconds;
        return new Figures(roundTrips.getValueAtPercentile(50), roundTrips.getValueAtPercentile(99),
                roundTrips.getValueAtPercentile(99.9), roundTrips.getMaxValue(), msgs, msgs * size / 1e6);
    }

    public double get(Metric metric) {
        return switch (metric) {
            case P50 -> p50Ns;
            case P99 -> p99Ns;
            case P999 -> p999Ns;
            case MAX -> maxNs;
            case MSGS_PER_S -> msgsPerS;
            case MB_PER_S -> mbPerS;
        };
    }

    public Map<Metric, Double> asMap() {
        Map<Metric, Double> m = new EnumMap<>(Metric.class);
        for (Metric metric : Metric.values()) {
            m.put(metric, get(metric));
        }
        return m;
    }
}
