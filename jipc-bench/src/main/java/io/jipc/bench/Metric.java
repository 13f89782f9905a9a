package io.jipc.bench;

/** The figures of one implementation in one round, with their JSON keys from cli.md. */
public enum Metric {
    P50("p50_ns", "p50", false),
    P99("p99_ns", "p99", false),
    P999("p999_ns", "p99.9", false),
    MAX("max_ns", "max", false),
    MSGS_PER_S("msgs_per_s", "msgs/s", true),
    MB_PER_S("mb_per_s", "MB/s", true);

    private final String jsonKey;
    private final String label;
    private final boolean higherIsBetter;

    Metric(String jsonKey, String label, boolean higherIsBetter) {
        this.jsonKey = jsonKey;
        this.label = label;
        this.higherIsBetter = higherIsBetter;
    }

    /** The key in {@code jipc bench --json} lines. */
    public String jsonKey() {
        return jsonKey;
    }

    /** The column heading in the table. */
    public String label() {
        return label;
    }

    /** Throughput: more is better. Latency: less is better. */
    public boolean higherIsBetter() {
        return higherIsBetter;
    }

    /** Whether this is a round-trip time in nanoseconds. */
    public boolean isLatency() {
        return !higherIsBetter;
    }
}
