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
 * that lost, duplicated or reordered a message fails instead of printing a figure.
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

    /**
     * Runs {@code spec}'s ping-pong as the initiator, recording the timed round trips into
     * {@code latencies}.
     */
    public static void pingPong(Link link, MemorySegment buf, RoundSpec spec, Histogram latencies) throws IOException {
        int size = spec.size();
        MemorySegment message = buf.asSlice(0, size);
        int warmup = spec.pingWarmup();
        int total = warmup + spec.pingCount();
        for (int i = 0; i < total; i++) {
            stamp(message, size, i);
            long t0 = System.nanoTime();
            link.send(message);
            link.receive(message);
            long t1 = System.nanoTime();
            check(message, size, i);
            if (i >= warmup) {
                latencies.recordValue(Math.min(Math.max(t1 - t0, 1), MAX_TRACKED_NS));
            }
        }
    }

    /** Runs {@code spec}'s streaming as the sender; returns the nanoseconds the timed part took. */
    public static long stream(Link link, MemorySegment buf, RoundSpec spec) throws IOException {
        int size = spec.size();
        MemorySegment message = buf.asSlice(0, size);
        for (int i = 0; i < spec.streamWarmup(); i++) {
            stamp(message, size, i);
            link.send(message);
        }
        link.receive(message);
        int count = spec.streamCount();
        long t0 = System.nanoTime();
        for (int i = 0; i < count; i++) {
            stamp(message, size, i);
            link.send(message);
        }
        link.receive(message);
        return System.nanoTime() - t0;
    }

    /** The peer's side of one round: echoes the ping-pong, then sinks and acknowledges the stream. */
    public static void serve(Link link, MemorySegment buf, RoundSpec spec) throws IOException {
        int size = spec.size();
        MemorySegment message = buf.asSlice(0, size);
        int total = spec.pingWarmup() + spec.pingCount();
        for (int i = 0; i < total; i++) {
            link.receive(message);
            check(message, size, i);
            link.send(message);
        }
        for (int i = 0; i < spec.streamWarmup(); i++) {
            link.receive(message);
            check(message, size, i);
        }
        link.send(message);
        int count = spec.streamCount();
        for (int i = 0; i < count; i++) {
            link.receive(message);
            check(message, size, i);
        }
        link.send(message);
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
