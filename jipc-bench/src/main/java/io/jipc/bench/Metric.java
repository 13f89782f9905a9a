package io.jipc.bench;

/** The figures of one implementation in one round, with their JSON keys (cli.md's, then the ones added after them). */
public enum Metric {
    P50("p50_ns", "p50", Unit.NANOS),
    P99("p99_ns", "p99", Unit.NANOS),
    P999("p999_ns", "p99.9", Unit.NANOS),
    MAX("max_ns", "max", Unit.NANOS),
    MSGS_PER_S("msgs_per_s", "msgs/s", Unit.RATE),
    MB_PER_S("mb_per_s", "MB/s", Unit.RATE),
    /** CPU time of the measuring side's process per streamed message (it sends). */
    CPU_NS_PER_MSG("cpu_ns_per_msg", "cpu/msg", Unit.NANOS),
    /** CPU time of the peer's process per streamed message (it receives). */
    PEER_CPU_NS_PER_MSG("peer_cpu_ns_per_msg", "peer/msg", Unit.NANOS),
    /** CPU time of the measuring side's process per timed round trip. */
    RTT_CPU_NS("rtt_cpu_ns", "cpu/rtt", Unit.NANOS),
    /** CPU time of the peer's process per timed round trip. */
    PEER_RTT_CPU_NS("peer_rtt_cpu_ns", "peer/rtt", Unit.NANOS),
    /** Share of the timed round trips that crossed CPUs, in percent. */
    CROSS_CPU_PCT("cross_cpu_pct", "x-cpu", Unit.PERCENT),
    /** Share of the timed streamed messages received on another CPU than the sender's, in percent. */
    STREAM_CROSS_CPU_PCT("stream_cross_cpu_pct", "x-cpu", Unit.PERCENT),
    /** On one CPU: share of the timed stream in which neither process ran ({@link Figures#streamUnaccountedPct()}). */
    STREAM_UNACCOUNTED_PCT("stream_unaccounted_pct", "idle", Unit.PERCENT);

    /** How a metric's values read. */
    public enum Unit {
        /** A duration in ns (latency, CPU time): lower is better. */
        NANOS,
        /** Per second: higher is better. */
        RATE,
        /** A share in percent, neither better nor worse: a condition of the round, not a result. */
        PERCENT
    }

    private final String jsonKey;
    private final String label;
    private final Unit unit;

    Metric(String jsonKey, String label, Unit unit) {
        this.jsonKey = jsonKey;
        this.label = label;
        this.unit = unit;
    }

    /** The key in {@code jipc bench --json} lines. */
    public String jsonKey() {
        return jsonKey;
    }

    /** The column heading in the table. */
    public String label() {
        return label;
    }

    public Unit unit() {
        return unit;
    }

    /** Throughput: more is better. Latency and CPU time: less is better. */
    public boolean higherIsBetter() {
        return unit == Unit.RATE;
    }

    /** Whether this is a duration in nanoseconds (a round trip or a CPU time). */
    public boolean isNanos() {
        return unit == Unit.NANOS;
    }

    /** Whether this is a round-trip time. */
    public boolean isLatency() {
        return this == P50 || this == P99 || this == P999 || this == MAX;
    }

    /** Whether a ratio of two implementations' values means something (not for a share of round trips). */
    public boolean comparable() {
        return unit != Unit.PERCENT;
    }
}
