package io.jipc.sync;

import static io.jipc.sync.SyncTesting.T;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jipc.IpcInterruptedException;
import io.jipc.ObjectClosedException;
import io.jipc.shm.Mapping;
import io.jipc.testing.Peer;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SharedBarrierTest {
    private static final Slots LAYOUT = Slots.from(0);
    private static final long B = LAYOUT.reserve(SlotKind.BARRIER);
    private static final long B2 = LAYOUT.reserve(SlotKind.BARRIER);
    private static final long DATA = LAYOUT.bytes(64, 8);
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    /**
     * {@code rounds} times: store the round in this party's entry, wait at the barrier, check that
     * every party's entry reached the round (what sync_peer's barrier command does in C).
     */
    private static String rounds(SharedBarrier b, Mapping m, int party, int rounds) throws Exception {
        MemorySegment s = m.segment();
        for (long i = 1; i <= rounds; i++) {
            LONG.setRelease(s, DATA + 8L * party, i);
            b.await();
            for (int p = 0; p < b.parties(); p++) {
                long e = (long) LONG.getAcquire(s, DATA + 8L * p);
                if (e < i) {
                    throw new AssertionError("round " + i + ": party " + p + " only at " + e);
                }
            }
        }
        return "rounds " + rounds;
    }

    @Test
    void slotIsAMutexSlotAConditionSlotAndCounters() {
        assertThat(SlotKind.BARRIER.slotSize()).isEqualTo(128);
        assertThat(B2).isEqualTo(128);
    }

    @Test
    void javaThreadsAndACProcessPassTheSameBarrierRoundAfterRound() throws Exception {
        try (SyncTesting.Segment seg = SyncTesting.Segment.create("barrier", LAYOUT.size());
             SharedBarrier b = SharedBarrier.createExclusively(seg.mapping(), B, 3)) {
            assertThat(b.parties()).isEqualTo(3);
            try (Peer c = SyncTesting.start("barrier", seg.name(), "" + B, "" + DATA, "2", "3", "300")) {
                c.awaitOutput("ready\n", T);
                SyncTesting.Blocked other = SyncTesting.start(() -> rounds(b, seg.mapping(), 1, 300));
                assertThat(rounds(b, seg.mapping(), 0, 300)).isEqualTo("rounds 300");
                assertThat(other.result()).isEqualTo("rounds 300");
                c.awaitSuccess(T);
                assertThat(c.stdout()).isEqualTo("ready\nrounds 300\n");
            }
            assertThat(b.waiting()).isZero();
            // C initialises by the documented layout, Java opens.
            assertThat(SyncTesting.c("barrier-init", seg.name(), "" + B2, "2")).isEqualTo("initialised");
            assertThat(SyncTesting.c("barrier-init", seg.name(), "" + B2, "2")).isEqualTo("claimed");
            try (SharedBarrier cMade = SharedBarrier.openExisting(seg.mapping(), B2);
                 Peer c = SyncTesting.start("barrier", seg.name(), "" + B2, "" + (DATA + 32), "1", "2", "200")) {
                assertThat(cMade.parties()).isEqualTo(2);
                c.awaitOutput("ready\n", T);
                MemorySegment s = seg.mapping().segment();
                for (long i = 1; i <= 200; i++) {
                    LONG.setRelease(s, DATA + 32, i);
                    assertThat(cMade.tryAwait(Duration.ofSeconds(30))).isTrue();
                    assertThat((long) LONG.getAcquire(s, DATA + 40)).isGreaterThanOrEqualTo(i);
                }
                c.awaitSuccess(T);
            }
        }
    }

    @Test
    void aPartyThatGivesUpWithdrawsItsArrival() throws Exception {
        try (SyncTesting.Segment seg = SyncTesting.Segment.create("barrier-withdraw", LAYOUT.size());
             SharedBarrier b = SharedBarrier.createExclusively(seg.mapping(), B, 2);
             SharedBarrier other = SharedBarrier.openExisting(seg.mapping(), B)) {
            long start = System.nanoTime();
            assertThat(b.tryAwait(Duration.ofMillis(200))).isFalse();
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(200));
            assertThat(b.waiting()).as("timed out: withdrawn").isZero();

            SyncTesting.Blocked interrupted = SyncTesting.start(() -> {
                b.await();
                return "passed";
            });
            awaitWaiting(b, 1);
            interrupted.thread().interrupt();
            assertThat(interrupted.result()).isInstanceOf(IpcInterruptedException.class);
            assertThat(b.waiting()).as("interrupted: withdrawn").isZero();

            SyncTesting.Blocked closed = SyncTesting.start(() -> {
                other.await();
                return "passed";
            });
            awaitWaiting(b, 1);
            other.close();
            assertThat(closed.result()).isInstanceOf(ObjectClosedException.class);
            assertThat(b.waiting()).as("closed: withdrawn").isZero();
            assertThatThrownBy(other::await).isInstanceOf(ObjectClosedException.class);

            // Still a barrier: a C party and a Java one pass it together.
            try (Peer c = SyncTesting.start("barrier", seg.name(), "" + B, "" + DATA, "1", "2", "5")) {
                c.awaitOutput("ready\n", T);
                assertThat(rounds(b, seg.mapping(), 0, 5)).isEqualTo("rounds 5");
                c.awaitSuccess(T);
            }
        }
    }

    private static void awaitWaiting(SharedBarrier b, int n) throws Exception {
        long end = System.nanoTime() + T.toNanos();
        while (b.waiting() != n) {
            assertThat(System.nanoTime()).as("waiting() never reached " + n).isLessThan(end);
            Thread.sleep(5);
        }
    }

    @Test
    void badArgumentsAndSlotsAreRefused() throws Exception {
        try (SyncTesting.Segment seg = SyncTesting.Segment.create("barrier-bad", LAYOUT.size())) {
            assertThatThrownBy(() -> SharedBarrier.createExclusively(seg.mapping(), B, 0))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 party or more");
            assertThatThrownBy(() -> SharedBarrier.openExisting(seg.mapping(), B))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("never initialised");
            assertThatThrownBy(() -> SharedBarrier.createExclusively(seg.mapping(), 4, 2))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> SharedBarrier.createExclusively(seg.mapping(), LAYOUT.size() - 8, 2))
                    .isInstanceOf(IllegalArgumentException.class);
            try (SharedBarrier b = SharedBarrier.createExclusively(seg.mapping(), B, 1)) {
                assertThatThrownBy(() -> SharedBarrier.createExclusively(seg.mapping(), B, 2))
                        .isInstanceOf(IllegalStateException.class).hasMessageContaining("already initialised");
                assertThatThrownBy(() -> SharedMutex.openExisting(seg.mapping(), B))
                        .isInstanceOf(IllegalStateException.class).hasMessageContaining("it holds a barrier");
                assertThatThrownBy(() -> b.tryAwait(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
                b.await(); // one party: it trips at once
                assertThat(b.tryAwait(Duration.ofMillis(1))).isTrue();
            }
        }
    }
}
