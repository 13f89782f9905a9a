package io.jipc.bench;

/**
 * What one side of a round measured about itself, as {@link Exchange} (and {@code bench.h}'s
 * child report) fills it: its process's CPU time over the timed ping-pong and over the timed
 * stream, and how many timed messages crossed CPUs. -1 where unknown (no native access, or
 * messages too short to carry the sender's CPU).
 */
public final class SideCounts {
    /** CPU time of this side's process over the timed round trips, ns. */
    long pingCpuNs = -1;
    /** CPU time of this side's process over the timed stream, ns. */
    long streamCpuNs = -1;
    /** Initiator: timed round trips the other side handled on another CPU than this side sent or received on. */
    long pingCross = -1;
    /** Receiver: timed streamed messages sent from another CPU than the one that received them. */
    long streamCross = -1;
}
