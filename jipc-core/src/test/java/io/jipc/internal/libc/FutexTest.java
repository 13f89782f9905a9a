package io.jipc.internal.libc;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The futex binding: a wait sleeps while the word holds its value, a wake ends it and counts it. */
class FutexTest {
    @Test
    void aWakeEndsAWaitAndSaysHowManyItWoke() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment word = arena.allocate(ValueLayout.JAVA_INT);
            word.set(ValueLayout.JAVA_INT, 0, 1);
            assertThat(Futex.wait(word, 2, MemorySegment.NULL)).as("the word does not hold 2").isEqualTo(-Errnos.EAGAIN);
            CompletableFuture<Integer> waiting = CompletableFuture.supplyAsync(() -> Futex.wait(word, 1, MemorySegment.NULL),
                    r -> Thread.ofPlatform().start(r));
            int woken = 0;
            for (int i = 0; i < 500 && woken == 0; i++) {
                Thread.sleep(10);
                woken = Futex.wake(word, Integer.MAX_VALUE);
            }
            assertThat(woken).isEqualTo(1);
            assertThat(waiting.get(10, TimeUnit.SECONDS)).isZero();
            assertThat(Futex.wake(word, 1)).as("nobody waits").isZero();
        }
    }
}
