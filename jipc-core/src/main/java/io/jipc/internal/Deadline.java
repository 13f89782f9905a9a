package io.jipc.internal;

import io.jipc.internal.libc.Time;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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

    /**
     * Writes the deadline into {@code timespec} as an absolute {@code CLOCK_REALTIME} time, the
     * form {@code mq_timedreceive} and {@code mq_timedsend} take: the realtime clock, read after
     * the time left was measured, plus that time, so the kernel's timeout does not come before
     * the deadline. Only a step of the realtime clock (settimeofday, an NTP step) moves it:
     * forward, an ETIMEDOUT may come early (callers check {@link #expired} and retry); backward,
     * the wait lasts longer. A deadline already past gives the current time (a timeout that has
     * passed: the call does not sleep); {@link #FOREVER} gives a time some 292 years ahead.
     * Allocation-free.
     *
     * @return {@code timespec}
     */
    public static MemorySegment toRealtime(long deadline, MemorySegment timespec) {
        long left = deadline == FOREVER ? Long.MAX_VALUE
                : deadline == NOW ? 0 : Math.max(0, deadline - System.nanoTime());
        Time.clock_gettime(Time.CLOCK_REALTIME, timespec);
        long sec = timespec.get(ValueLayout.JAVA_LONG, Time.TV_SEC) + left / 1_000_000_000L;
        long nsec = timespec.get(ValueLayout.JAVA_LONG, Time.TV_NSEC) + left % 1_000_000_000L;
        if (nsec >= 1_000_000_000L) {
            sec++;
            nsec -= 1_000_000_000L;
        }
        timespec.set(ValueLayout.JAVA_LONG, Time.TV_SEC, sec);
        timespec.set(ValueLayout.JAVA_LONG, Time.TV_NSEC, nsec);
        return timespec;
    }

    /** Whether the deadline has passed (FOREVER never does, NOW always has). */
    public static boolean expired(long deadline) {
        return deadline != FOREVER && (deadline == NOW || deadline - System.nanoTime() <= 0);
    }
}
