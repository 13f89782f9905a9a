package io.jipc.internal.wait;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TryFirstTest {
    @Test
    void triesWhileTriesFindSomethingAndBacksOffUpTo64AfterMisses() {
        TryFirst t = new TryFirst();
        for (int i = 0; i < 10; i++) {
            assertThat(t.now()).isTrue();
            t.found(true);
        }
        // A receiver that always waits: a try after 1, 2, 4, ... 64 straight waits, then every 65th.
        int[] gaps = new int[9];
        for (int miss = 0; miss < gaps.length; miss++) {
            int skipped = 0;
            while (!t.now()) {
                skipped++;
            }
            gaps[miss] = skipped;
            t.found(false);
        }
        assertThat(gaps).containsExactly(0, 1, 2, 4, 8, 16, 32, 64, 64);
        // One try that finds a message ends the back-off.
        while (!t.now()) {
            // skip the current back-off
        }
        t.found(true);
        assertThat(t.now()).isTrue();
        t.found(false);
        assertThat(t.now()).as("one straight wait after a fresh miss").isFalse();
        assertThat(t.now()).isTrue();
    }
}
