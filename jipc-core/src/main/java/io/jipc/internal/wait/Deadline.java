package io.jipc.internal.wait;

import io.jipc.internal.libc.Time;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;

/**
 * Deadlines as {@link System#nanoTime()} instants in a {@code long}, so that blocking calls carry
 * one through retries without allocating, and the forms the kernel asks for, computed from that
 * one value: a relative timespec ({@code semtimedop}, {@code futex}, {@code sigtimedwait}), an
 * absolute {@code CLOCK_MONOTONIC} timespec ({@code sem_clockwait}, {@code
 * pthread_mutex_clocklock}), an absolute {@code CLOCK_REALTIME} timespec ({@code mq_timed*}) and
 * milliseconds ({@code poll}, {@code epoll_wait}).
 *
 * <p>{@link #FOREVER} waits without limit; {@link #NOW} (or any instant already past) does not
 * wait at all. On Linux, HotSpot's {@code System.nanoTime()} is {@code CLOCK_MONOTONIC} itself,
 * so a deadline <em>is</em> an absolute monotonic time and needs no clock read to become one.
 */
public final class Deadline {
    private Deadline() {}

    public static final long FOREVER = Long.MAX_VALUE;
    public static final long NOW = Long.MIN_VALUE;

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

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

    /** Whether the deadline has passed (FOREVER never does, NOW always has). */
    public static boolean expired(long deadline) {
        return deadline != FOREVER && (deadline == NOW || deadline - System.nanoTime() <= 0);
    }

    /** Nanoseconds left, 0 once past; {@code Long.MAX_VALUE} for FOREVER. */
    public static long remainingNanos(long deadline) {
        if (deadline == FOREVER) {
            return Long.MAX_VALUE;
        }
        if (deadline == NOW) {
            return 0;
        }
        return Math.max(0, deadline - System.nanoTime());
    }

    /**
     * Milliseconds left for poll(2) and epoll_wait(2): -1 for FOREVER, 0 when past, otherwise
     * rounded up so that a wait never ends before the deadline.
     */
    public static int remainingMillis(long deadline) {
        if (deadline == FOREVER) {
            return -1;
        }
        long left = remainingNanos(deadline);
        if (left == 0) {
            return 0;
        }
        long ms = (left + 999_999) / 1_000_000;
        return ms > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) ms;
    }

    /**
     * Writes the time left as a relative timespec (zero once past). Not for FOREVER: the calls
     * that take a relative timeout take NULL for none.
     *
     * @return {@code timespec}
     */
    public static MemorySegment toRelative(long deadline, MemorySegment timespec) {
        return split(remainingNanos(deadline), timespec);
    }

    /**
     * Writes the deadline as an absolute {@code CLOCK_MONOTONIC} time: the deadline itself (see
     * the class comment); a deadline already past gives time 0, which has passed for any clock.
     *
     * @return {@code timespec}
     */
    public static MemorySegment toMonotonic(long deadline, MemorySegment timespec) {
        return split(deadline == NOW ? 0 : Math.max(0, deadline), timespec);
    }

    /**
     * Writes the deadline as an absolute {@code CLOCK_REALTIME} time: the realtime clock, read
     * after the time left was measured, plus that time, so the kernel's timeout does not come
     * before the deadline. Only a step of the realtime clock (settimeofday, an NTP step) moves
     * it: forward, an ETIMEDOUT may come early (the engine checks {@link #expired} and retries);
     * backward, the wait lasts longer. A deadline already past gives the current time (a timeout
     * that has passed: the call does not sleep); {@link #FOREVER} gives a time some 292 years
     * ahead. Allocation-free.
     *
     * @return {@code timespec}
     */
    public static MemorySegment toRealtime(long deadline, MemorySegment timespec) {
        long left = remainingNanos(deadline);
        Time.clock_gettime(Time.CLOCK_REALTIME, timespec);
        long sec = timespec.get(ValueLayout.JAVA_LONG, Time.TV_SEC) + left / NANOS_PER_SECOND;
        long nsec = timespec.get(ValueLayout.JAVA_LONG, Time.TV_NSEC) + left % NANOS_PER_SECOND;
        if (nsec >= NANOS_PER_SECOND) {
            sec++;
            nsec -= NANOS_PER_SECOND;
        }
        timespec.set(ValueLayout.JAVA_LONG, Time.TV_SEC, sec);
        timespec.set(ValueLayout.JAVA_LONG, Time.TV_NSEC, nsec);
        return timespec;
    }

    private static MemorySegment split(long nanos, MemorySegment timespec) {
        timespec.set(ValueLayout.JAVA_LONG, Time.TV_SEC, nanos / NANOS_PER_SECOND);
        timespec.set(ValueLayout.JAVA_LONG, Time.TV_NSEC, nanos % NANOS_PER_SECOND);
        return timespec;
    }
}
