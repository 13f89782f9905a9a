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
     * The default round at {@code size}, sized so that {@code jipc bench} of every mechanism takes
     * about a minute: 4,000 timed ping-pongs up to 4 KiB (1,000 above) and 20,000 streamed
     * messages (at most 64 MiB, at least 500 messages), about a tenth of a second of each on this
     * kind of machine; a tenth of each as warm-up. Ratios stay trustworthy because rounds
     * alternate and each ratio is a median of per-round ratios; {@code --messages} buys
     * steadier tails.
     */
    public static RoundSpec defaults(int size) {
        checkSize(size);
        int ping = size <= 4096 ? 4_000 : 1_000;
        int stream = (int) Math.max(500, Math.min(20_000, (64L << 20) / size));
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
