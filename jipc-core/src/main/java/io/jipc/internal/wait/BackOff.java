package io.jipc.internal.wait;

import io.jipc.IpcException;
import java.util.concurrent.locks.LockSupport;

/**
 * How a wait pauses when it has nothing to sleep on: no readiness to poll for and no way to sleep
 * inside the call (a thread without its wake-up timer waiting on a System V queue, a connect to a
 * listener whose backlog is full). Named strategies, so that no mechanism invents its own pause.
 * Each pause answers close and interrupt when it ends.
 */
public enum BackOff {
    /** 50 µs doubling to 10 ms: short waits stay short, long ones cost a wake-up per 10 ms. */
    EXPONENTIAL(50_000L, 10_000_000L, false),
    /** 1 ms every time: for waits that are short by nature, such as a racing peer's tiny critical section. */
    FIXED_1MS(1_000_000L, 1_000_000L, false),
    /**
     * 1 ms doubling to 50 ms, each pause drawn from its upper half: for callers that all let go
     * and try again (all-or-nothing locking), so that two of them do not retry in step for ever.
     */
    JITTERED(1_000_000L, 50_000_000L, true),
    /** 1 ms doubling to 50 ms: background work that retries until others let go (the unmapper). */
    PATIENT(1_000_000L, 50_000_000L, false);

    private final long firstNanos;
    private final long maxNanos;
    private final boolean jittered;

    BackOff(long firstNanos, long maxNanos, boolean jittered) {
        this.firstNanos = firstNanos;
        this.maxNanos = maxNanos;
        this.jittered = jittered;
    }

    /** The pause before retry number {@code attempt} (0 for the first). */
    public long pauseNanos(int attempt) {
        long pause = Math.min(maxNanos, firstNanos << Math.min(attempt, 20));
        return jittered ? java.util.concurrent.ThreadLocalRandom.current().nextLong(pause / 2, pause + 1) : pause;
    }

    /**
     * Pauses before retry number {@code attempt}, never past the deadline.
     *
     * @return false when the deadline has passed (no retry)
     * @throws io.jipc.ObjectClosedException if the handle was closed
     * @throws io.jipc.IpcInterruptedException if the thread was interrupted
     */
    public boolean pause(Handle handle, int attempt, long deadline, String call) throws IpcException {
        if (Deadline.expired(deadline)) {
            return false;
        }
        long pause = Math.min(pauseNanos(attempt), Deadline.remainingNanos(deadline));
        if (pause > 0) {
            LockSupport.parkNanos(pause);
        }
        handle.checkWake(call);
        return true;
    }
}
