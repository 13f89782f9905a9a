package io.jipc.internal.wait;

/**
 * Decides, for the untimed receives of one object, whether to try the call's non-blocking form
 * before setting up a wait inside the kernel ({@code io.jipc.Fd#beginKernelWait()}).
 *
 * <p>Why: a receiver that finds a message waiting (a consumer behind a fast producer) makes one
 * system call either way, and the wait's set-up (tens of nanoseconds: the interrupt hook, the
 * close registration) is pure cost for it. A receiver that must wait (ping-pong, request and
 * reply) would pay a failed system call (a microsecond or more) for every try. So: try while
 * tries find messages; after a try that found none, go straight to the wait for the next 1, 2,
 * 4, ... 64 receives before trying again. A receiver that always waits then pays one failed try
 * in 64 receives; one that never waits never sets up a wait.
 *
 * <p>Not thread-safe, on purpose: it is a hint, and racing receivers only blur it.
 */
public final class TryFirst {
    private static final int MAX_SKIP = 64;

    private int skip;
    private int nextSkip = 1;

    /** Whether this receive should try the non-blocking form first. */
    public boolean now() {
        if (skip > 0) {
            skip--;
            return false;
        }
        return true;
    }

    /** Reports what the try found: a message (or data, or the end), or nothing yet. */
    public void found(boolean something) {
        if (something) {
            nextSkip = 1;
        } else {
            skip = nextSkip;
            nextSkip = Math.min(nextSkip * 2, MAX_SKIP);
        }
    }
}
