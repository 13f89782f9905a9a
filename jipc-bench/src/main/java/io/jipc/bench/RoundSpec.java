package io.jipc.bench;

import java.util.List;

/**
 * What one round exchanges, the same for jipc and C: the message size, ping-pong round trips
 * (untimed warm-up, then timed) and streamed messages (untimed warm-up, then timed).
 */
public record RoundSpec(int size, int pingWarmup, int pingCount, int streamWarmup, int streamCount) {
    /** The largest message: a 64 MiB buffer still fits any machine this runs on. */
    public static final int MAX_SIZE = 64 << 20;

    public RoundSpec {
        checkSize(size);
        if (pingWarmup < 0 || pingCount < 1 || streamWarmup < 0 || streamCount < 1) {
            throw new IllegalArgumentException("counts must be >= 1 (warm-ups >= 0): " + pingWarmup + "/" + pingCount
                    + "/" + streamWarmup + "/" + streamCount);
        }
    }

    /**
     * The default round at {@code size}: 20,000 timed round trips up to 4 KiB (2,000 above) and
     * 200,000 streamed messages, fewer for large messages (at most 256 MiB, at least 2,000
     * messages); a tenth of each as the round's own warm-up. At 64 B on one CPU that is about a
     * tenth of a second of ping-pong and a tenth to a third of a second of streaming per round and
     * implementation: long enough that one scheduling hiccup (a few ms) moves a round's figure by a
     * few percent at most, and a median over rounds not at all.
     */
    public static RoundSpec defaults(int size) {
        checkSize(size);
        int ping = size <= 4096 ? 20_000 : 2_000;
        int stream = (int) Math.max(2_000, Math.min(200_000, (256L << 20) / size));
        return new RoundSpec(size, ping / 10, ping, stream / 10, stream);
    }

    private static void checkSize(int size) {
        if (size < 1 || size > MAX_SIZE) {
            throw new IllegalArgumentException("message size must be 1.." + MAX_SIZE + " bytes, got " + size);
        }
    }

    /** {@code messages} ping-pongs and {@code messages} streamed messages, a tenth of each as warm-up. */
    public static RoundSpec withMessages(int size, int messages) {
        if (messages < 1) {
            throw new IllegalArgumentException("--messages must be >= 1, got " + messages);
        }
        return new RoundSpec(size, messages / 10, messages, messages / 10, messages);
    }

    /** The C program's arguments (see {@code bench.h}). */
    List<String> cArguments() {
        return List.of(Integer.toString(size), Integer.toString(pingWarmup), Integer.toString(pingCount),
                Integer.toString(streamWarmup), Integer.toString(streamCount));
    }

    /** This round as one command-line word for {@link BenchPeer}: {@code size:pw:pc:sw:sc}. */
    String encode() {
        return size + ":" + pingWarmup + ":" + pingCount + ":" + streamWarmup + ":" + streamCount;
    }

    static RoundSpec decode(String word) {
        String[] f = word.split(":");
        if (f.length != 5) {
            throw new IllegalArgumentException("bad round spec " + word);
        }
        return new RoundSpec(Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]),
                Integer.parseInt(f[3]), Integer.parseInt(f[4]));
    }
}
