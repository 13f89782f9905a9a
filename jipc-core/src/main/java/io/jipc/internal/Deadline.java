package io.jipc.internal;

import java.time.Duration;

/**
 * Deadlines as {@link System#nanoTime()} instants in a {@code long}, so that blocking calls can
 * carry one through retries without allocating. {@link #FOREVER} waits without limit; {@link
 * #NOW} (or any instant already past) does not wait at all.
 */
public final class Deadline {
    private Deadline() {}

    public static final long FOREVER = Long.MAX_VALUE;
    public static final long NOW = Long.MIN_VALUE;

    /** The instant {@code timeout} from now; negative durations are refused, huge ones saturate to FOREVER. */
    public static long after(Duration timeout) {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative: " + timeout);
        }
        long nanos;
        try {
            nanos = timeout.toNanos();
        } catch (ArithmeticException tooLong) {
            return FOREVER;
        }
        long now = System.nanoTime();
        long at = now + nanos;
        return at < now || at == FOREVER ? FOREVER : at;
    }

    /**
     * Milliseconds left for poll(2): -1 for FOREVER, 0 when past, otherwise rounded up so that a
     * wait never ends before the deadline.
     */
    public static int remainingMillis(long deadline) {
        if (deadline == FOREVER) {
            return -1;
        }
        if (deadline == NOW) {
            return 0;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            return 0;
        }
        long ms = (left + 999_999) / 1_000_000;
        return ms > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) ms;
    }

    /** Whether the deadline has passed (FOREVER never does, NOW always has). */
    public static boolean expired(long deadline) {
        return deadline != FOREVER && (deadline == NOW || deadline - System.nanoTime() <= 0);
    }
}
