package io.jipc.internal.wait;

/**
 * Decides, for the untimed calls of one operation, whether to try the call's non-blocking form
 * before setting up a wait inside the kernel ({@code Waiter.beginKernelWait}).
 *
 * <p>Why: a call that finds its work done (a receiver behind a fast sender, a send into a queue
 * with room, an uncontended lock) makes one system call either way, and the wait's set-up — the
 * interrupt hook, the close registration, their undoing — is pure cost for it. A call that must
 * wait pays a failed system call for every try. Measured with {@code FirstTryBench} (CPU time per
 * call, 64-byte messages): the set-up costs 22-44 ns, a failed try 295-452 ns, so a try pays only
 * where some 90-95 % of tries find the work done.
 *
 * <p>So: try while tries find the work done; after a miss, go straight to the wait for the next
 * 1, 2, 4, ... 64 calls before trying again, and let only {@value #HITS_PER_HALVING} tries in a
 * row that find the work done halve that back-off. A caller that always waits pays one failed
 * try in 65 calls; one that never waits never sets up a wait; one whose tries find the work done
 * only most of the time (a ping-pong, where the answer is there when the peer ran first, some 70
 * % of the time on one CPU; a contended lock) stays backed off. (Before, one success ended the
 * back-off: in {@code jipc bench}'s ping-pong over a socket pair, 8.4 % of receives paid for a
 * failed try, 29 % of tries, a loss of ~24 ns per receive.)
 *
 * <p>Not thread-safe, on purpose: it is a hint, and racing callers only blur it.
 */
public final class TryFirst {
    private static final int MAX_SKIP = 64;
    /**
     * Tries in a row that must find the work done to halve the back-off: as many as a failed try
     * costs set-ups saved (9-19 in {@code FirstTryBench}), so that the back-off shrinks only where
     * tries pay.
     */
    static final int HITS_PER_HALVING = 16;

    private int skip;
    private int nextSkip = 1;
    private int hits;

    /** Whether this call should try the non-blocking form first. */
    public boolean now() {
        if (skip > 0) {
            skip--;
            return false;
        }
        return true;
    }

    /** Reports what the try found: the work done (a message, room, the lock, the end), or nothing yet. */
    public void found(boolean something) {
        // Small enough for the JIT to inline at every call site (it was not, at 71 bytes); the
        // rare branches are calls.
        if (!something) {
            missed();
        } else if (++hits == HITS_PER_HALVING) {
            halve();
        }
    }

    private void halve() {
        hits = 0;
        nextSkip = Math.max(1, nextSkip >> 1);
    }

    private void missed() {
        hits = 0;
        skip = nextSkip;
        nextSkip = Math.min(nextSkip * 2, MAX_SKIP);
    }
}
