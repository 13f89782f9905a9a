package io.jipc.bench;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.HdrHistogram.Histogram;

/**
 * The exchange every mechanism is measured with, on a {@link Link}; {@code c/bench.h} is the same
 * code in C, and the two must stay in step.
 *
 * <p>Ping-pong: this side sends a message, the peer sends it back; each round trip is timed with
 * {@link System#nanoTime()} (clock_gettime(CLOCK_MONOTONIC), like the C side). Streaming: this
 * side sends messages back to back; the peer acknowledges the last one with one message, and the
 * time runs from the first send to that acknowledgement. Every message carries its sequence
 * number in its first bytes (little-endian, up to 4) and the receiver checks it, so a benchmark
 * that lost, duplicated or reordered a message fails instead of printing a figure. From 8 bytes
 * on, bytes 4..7 carry the CPU the sender ran on ({@link Sched.Probe#cpu()}, a load from the
 * thread's rseq area like C's sched_getcpu), so a side can count the messages that crossed CPUs.
 * Each side also reads its process's CPU time around the timed parts ({@link SideCounts}).
 */
public final class Exchange {
    private Exchange() {}

    /** The sequence number at the start of a message, as bench.h writes it. */
    private static final ValueLayout.OfInt SEQ = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Longest round trip the histograms hold (longer ones are recorded as this): 60 s. */
    public static final long MAX_TRACKED_NS = 60_000_000_000L;

    /** A histogram for round trips: 1 ns to {@link #MAX_TRACKED_NS}, 3 significant digits. */
    public static Histogram newHistogram() {
        return new Histogram(1, MAX_TRACKED_NS, 3);
    }

    /** Runs {@code spec}'s ping-pong as the initiator, recording the timed round trips into {@code latencies}. */
    public static void pingPong(Link link, MemorySegment buf, RoundSpec spec, Histogram latencies) throws IOException {
        pingPong(link, buf, spec, latencies, Sched.probe(), new SideCounts());
    }

    /**
     * Runs {@code spec}'s ping-pong as the initiator, recording the timed round trips into {@code
     * latencies}, and into {@code counts} this process's CPU time over them and how many crossed
     * CPUs: the peer echoes each message with its CPU in it, and a round trip crossed when that is
     * not the CPU this side sent from and got the answer on. The CPU reads lie outside the timed
     * span on this side (the peer's lies inside it, as in C).
     *
     * @param probe made on the calling thread
     */
    static void pingPong(Link link, MemorySegment buf, RoundSpec spec, Histogram latencies, Sched.Probe probe,
            SideCounts counts) throws IOException {
        int size = spec.size();
        MemorySegment message = buf.asSlice(0, size);
        int warmup = spec.pingWarmup();
        int total = warmup + spec.pingCount();
        boolean tagged = size >= CPU_TAG_MIN_SIZE && probe.available();
        long cross = 0;
        long cpu0 = probe.processCpuNanos();
        for (int i = 0; i < total; i++) {
            if (i == warmup) {
                cpu0 = probe.processCpuNanos();
            }
            int from = probe.cpu();
            stamp(message, size, i);
            stampCpu(message, size, from);
            long t0 = System.nanoTime();
            link.send(message);
            link.receive(message);
            long t1 = System.nanoTime();
            check(message, size, i);
            if (i >= warmup) {
                latencies.recordValue(Math.min(Math.max(t1 - t0, 1), MAX_TRACKED_NS));
                if (tagged) {
                    int there = cpuOf(message);
                    if (there != from || probe.cpu() != there) {
                        cross++;
                    }
                }
            }
        }
        counts.pingCpuNs = cpuSince(probe, cpu0);
        counts.pingCross = tagged ? cross : -1;
    }

    /** Runs {@code spec}'s streaming as the sender; returns the nanoseconds the timed part took. */
    public static long stream(Link link, MemorySegment buf, RoundSpec spec) throws IOException {
        return stream(link, buf, spec, Sched.probe(), new SideCounts());
    }

    /**
     * Runs {@code spec}'s streaming as the sender, each message stamped with this side's CPU;
     * returns the nanoseconds the timed part took, and puts this process's CPU time over it into
     * {@code counts}.
     */
    static long stream(Link link, MemorySegment buf, RoundSpec spec, Sched.Probe probe, SideCounts counts)
            throws IOException {
        int size = spec.size();
        MemorySegment message = buf.asSlice(0, size);
        pour(link, message, size, spec.streamWarmup(), probe);
        link.flush();
        link.receive(message);
        int count = spec.streamCount();
        long cpu0 = probe.processCpuNanos();
        long t0 = System.nanoTime();
        pour(link, message, size, count, probe);
        link.flush();
        link.receive(message);
        long elapsed = System.nanoTime() - t0;
        counts.streamCpuNs = cpuSince(probe, cpu0);
        return elapsed;
    }

    private static void pour(Link link, MemorySegment message, int size, int count, Sched.Probe probe) throws IOException {
        for (int i = 0; i < count; i++) {
            stamp(message, size, i);
            stampCpu(message, size, probe.cpu());
            link.send(message);
        }
    }

    /** The peer's side of one round: echoes the ping-pong, then sinks and acknowledges the stream. */
    public static void serve(Link link, MemorySegment buf, RoundSpec spec) throws IOException {
        serve(link, buf, spec, Sched.probe(), new SideCounts());
    }

    /**
     * The peer's side of one round: echoes the ping-pong (each answer stamped with this side's
     * CPU), then sinks and acknowledges the stream, counting the timed messages that came from
     * another CPU; {@code counts} gets those and this process's CPU time over each timed part.
     */
    static void serve(Link link, MemorySegment buf, RoundSpec spec, Sched.Probe probe, SideCounts counts)
            throws IOException {
        int size = spec.size();
        MemorySegment message = buf.asSlice(0, size);
        int warmup = spec.pingWarmup();
        int total = warmup + spec.pingCount();
        long cpu0 = probe.processCpuNanos();
        for (int i = 0; i < total; i++) {
            if (i == warmup) {
                cpu0 = probe.processCpuNanos();
            }
            link.receive(message);
            check(message, size, i);
            stampCpu(message, size, probe.cpu());
            link.send(message);
        }
        counts.pingCpuNs = cpuSince(probe, cpu0);
        boolean tagged = size >= CPU_TAG_MIN_SIZE && probe.available();
        sink(link, message, size, spec.streamWarmup(), probe, tagged);
        link.send(message);
        link.flush();
        cpu0 = probe.processCpuNanos();
        long cross = sink(link, message, size, spec.streamCount(), probe, tagged);
        counts.streamCpuNs = cpuSince(probe, cpu0);
        counts.streamCross = tagged ? cross : -1;
        link.send(message);
        link.flush();
    }

    /** Receives {@code count} streamed messages; returns how many came from another CPU than this one. */
    private static long sink(Link link, MemorySegment message, int size, int count, Sched.Probe probe, boolean tagged)
            throws IOException {
        long cross = 0;
        for (int i = 0; i < count; i++) {
            link.receive(message);
            check(message, size, i);
            if (tagged && cpuOf(message) != probe.cpu()) {
                cross++;
            }
        }
        return cross;
    }

    private static long cpuSince(Sched.Probe probe, long cpu0) {
        return cpu0 < 0 ? -1 : probe.processCpuNanos() - cpu0;
    }

    /** From this size on a message carries its sender's CPU after the sequence number (bytes 4..7), as in bench.h. */
    static final int CPU_TAG_MIN_SIZE = 8;

    static void stampCpu(MemorySegment buf, int size, int cpu) {
        if (size >= CPU_TAG_MIN_SIZE) {
            buf.set(SEQ, 4, cpu);
        }
    }

    static int cpuOf(MemorySegment buf) {
        return buf.get(SEQ, 4);
    }

    static void stamp(MemorySegment buf, int size, int seq) {
        if (size >= 4) {
            buf.set(SEQ, 0, seq);
        } else {
            for (int i = 0; i < size; i++) {
                buf.set(ValueLayout.JAVA_BYTE, i, (byte) (seq >>> (8 * i)));
            }
        }
    }

    static void check(MemorySegment buf, int size, int seq) throws IOException {
        boolean ok;
        if (size >= 4) {
            ok = buf.get(SEQ, 0) == seq;
        } else {
            ok = true;
            for (int i = 0; i < size; i++) {
                ok &= buf.get(ValueLayout.JAVA_BYTE, i) == (byte) (seq >>> (8 * i));
            }
        }
        if (!ok) {
            throw new IOException("message " + seq + " arrived out of order or corrupted");
        }
    }
}
