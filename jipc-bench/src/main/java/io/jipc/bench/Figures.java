package io.jipc.bench;

import java.util.EnumMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * One implementation's figures from one round: round-trip percentiles (ns), one-way throughput,
 * the CPU time each side's process spent per round trip and per streamed message, and how many
 * timed round trips crossed CPUs. MB/s counts 10<sup>6</sup> payload bytes per second. A figure
 * that could not be measured is NaN (CPU times) or -1 (counts).
 *
 * @param roundTrips        timed round trips
 * @param crossedRoundTrips how many of them crossed CPUs ({@link SideCounts#pingCross}), or -1
 * @param streamed          timed streamed messages
 * @param crossedStreamed   how many of them the receiver got on another CPU than the sender's, or -1
 */
public record Figures(long p50Ns, long p99Ns, long p999Ns, long maxNs, double msgsPerS, double mbPerS,
        double rttCpuNs, double peerRttCpuNs, double cpuNsPerMsg, double peerCpuNsPerMsg,
        long roundTrips, long crossedRoundTrips, long streamed, long crossedStreamed) {

    /** Latency and throughput alone, CPU figures unknown (tests, and rows made by hand). */
    public Figures(long p50Ns, long p99Ns, long p999Ns, long maxNs, double msgsPerS, double mbPerS) {
        this(p50Ns, p99Ns, p999Ns, maxNs, msgsPerS, mbPerS, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0, -1, 0, -1);
    }

    /** Reads the figures of a round: its round-trip histogram and its timed stream. */
    public static Figures of(Histogram roundTrips, int size, long streamMessages, long streamNanos) {
        return of(roundTrips, size, streamMessages, streamNanos, new SideCounts(), new SideCounts());
    }

    /**
     * Reads the figures of a round: its round-trip histogram, its timed stream, and what each side
     * counted ({@code mine}: the side that timed the round trips and sent the stream).
     */
    static Figures of(Histogram roundTrips, int size, long streamMessages, long streamNanos, SideCounts mine,
            SideCounts peer) {
        double seconds = Math.max(streamNanos, 1) / 1e9;
        double msgs = streamMessages / seconds;
        long trips = roundTrips.getTotalCount();
        return new Figures(roundTrips.getValueAtPercentile(50), roundTrips.getValueAtPercentile(99),
                roundTrips.getValueAtPercentile(99.9), roundTrips.getMaxValue(), msgs, msgs * size / 1e6,
                per(mine.pingCpuNs, trips), per(peer.pingCpuNs, trips), per(mine.streamCpuNs, streamMessages),
                per(peer.streamCpuNs, streamMessages), trips, mine.pingCross, streamMessages, peer.streamCross);
    }

    private static double per(long total, long count) {
        return total < 0 || count <= 0 ? Double.NaN : (double) total / count;
    }

    /** The share of timed round trips that crossed CPUs, in percent, or NaN when not counted. */
    public double crossCpuPct() {
        return crossedRoundTrips < 0 || roundTrips <= 0 ? Double.NaN : 100.0 * crossedRoundTrips / roundTrips;
    }

    /** The share of timed streamed messages that crossed CPUs, in percent, or NaN when not counted. */
    public double streamCrossCpuPct() {
        return crossedStreamed < 0 || streamed <= 0 ? Double.NaN : 100.0 * crossedStreamed / streamed;
    }

    /**
     * With both exchanging threads on one CPU, the share of the timed stream in which neither
     * process ran, in percent: the wall time not covered by the sender's and the receiver's CPU time
     * (another task had that CPU, or both sides waited at once). NaN when a CPU time is unknown.
     * Meaningless when the two run on different CPUs.
     */
    public double streamUnaccountedPct() {
        double wall = 1e9 / msgsPerS;
        double busy = cpuNsPerMsg + peerCpuNsPerMsg;
        return Double.isNaN(busy) || !(msgsPerS > 0) ? Double.NaN : Math.max(0, 100 * (1 - busy / wall));
    }

    public double get(Metric metric) {
        return switch (metric) {
            case P50 -> p50Ns;
            case P99 -> p99Ns;
            case P999 -> p999Ns;
            case MAX -> maxNs;
            case MSGS_PER_S -> msgsPerS;
            case MB_PER_S -> mbPerS;
            case CPU_NS_PER_MSG -> cpuNsPerMsg;
            case PEER_CPU_NS_PER_MSG -> peerCpuNsPerMsg;
            case RTT_CPU_NS -> rttCpuNs;
            case PEER_RTT_CPU_NS -> peerRttCpuNs;
            case CROSS_CPU_PCT -> crossCpuPct();
            case STREAM_CROSS_CPU_PCT -> streamCrossCpuPct();
            case STREAM_UNACCOUNTED_PCT -> streamUnaccountedPct();
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
