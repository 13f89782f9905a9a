package io.jipc.internal.wait;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TryFirstTest {
    /** Calls to the next try: the back-off after a miss. */
    private static int skipped(TryFirst t) {
        int n = 0;
        while (!t.now()) {
            n++;
        }
        return n;
    }

    @Test
    void triesWhileTriesFindSomethingAndBacksOffUpTo64AfterMisses() {
        TryFirst t = new TryFirst();
        for (int i = 0; i < 100; i++) {
            assertThat(t.now()).isTrue();
            t.found(true);
        }
        // A caller that always waits: a try after 1, 2, 4, ... 64 straight waits, then every 65th.
        int[] gaps = new int[9];
        for (int miss = 0; miss < gaps.length; miss++) {
            gaps[miss] = skipped(t);
            t.found(false);
        }
        assertThat(gaps).containsExactly(0, 1, 2, 4, 8, 16, 32, 64, 64);
    }

    @Test
    void oneTryThatFindsTheWorkDoneDoesNotUndoTheBackOff() {
        TryFirst t = new TryFirst();
        for (int miss = 0; miss < 8; miss++) {
            skipped(t);
            t.found(false);
        }
        assertThat(skipped(t)).isEqualTo(64);
        t.found(true);
        assertThat(t.now()).as("after a hit, the next call tries").isTrue();
        t.found(false);
        assertThat(skipped(t)).as("a miss after one hit: the full back-off").isEqualTo(64);
    }

    @Test
    void hitsInARowHalveTheBackOff() {
        TryFirst t = new TryFirst();
        for (int miss = 0; miss < 8; miss++) {
            skipped(t);
            t.found(false);
        }
        skipped(t);
        for (int i = 0; i < TryFirst.HITS_PER_HALVING - 1; i++) {
            assertThat(t.now()).isTrue();
            t.found(true);
        }
        t.found(false); // a miss resets the count
        skipped(t);
        for (int i = 0; i < 3 * TryFirst.HITS_PER_HALVING; i++) {
            assertThat(t.now()).isTrue();
            t.found(true);
        }
        t.found(false);
        assertThat(skipped(t)).as("64 halved three times").isEqualTo(8);
    }
}
