package io.jipc.sync;

import static io.jipc.sync.SyncTesting.T;
import static io.jipc.sync.SyncTesting.c;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jipc.IpcException;
import io.jipc.ObjectClosedException;
import io.jipc.testing.BlockedCalls;
import io.jipc.testing.Crash;
import io.jipc.testing.Peer;
import io.jipc.testing.ThreadMeters;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SharedConditionTest {
    private static final Slots LAYOUT = Slots.from(0);
    private static final long M = LAYOUT.reserve(SlotKind.MUTEX);
    private static final long CV = LAYOUT.reserve(SlotKind.CONDITION);
    private static final long M2 = LAYOUT.reserve(SlotKind.MUTEX);
    private static final long CV2 = LAYOUT.reserve(SlotKind.CONDITION);
    private static final long BOX = LAYOUT.bytes(16, 8);

    /** The C peer's mailbox, from Java: wait in the while-loop form, change the state, broadcast. */
    private static void mailbox(SharedMutex m, SharedCondition cv, MemorySegment mem, long n, boolean producer)
            throws IpcException {
        long full = producer ? 1 : 0;
        for (long i = 1; i <= n; i++) {
            m.lock();
            try {
                while (mem.get(ValueLayout.JAVA_LONG, BOX) == full) {
                    cv.await(m);
                }
                if (producer) {
                    mem.set(ValueLayout.JAVA_LONG, BOX + 8, i);
                    mem.set(ValueLayout.JAVA_LONG, BOX, 1);
                } else {
                    assertThat(mem.get(ValueLayout.JAVA_LONG, BOX + 8)).isEqualTo(i);
                    mem.set(ValueLayout.JAVA_LONG, BOX, 0);
                }
                cv.broadcast();
            } finally {
                m.unlock();
            }
        }
    }

    @Test
    void threadsSharingOneMutexObjectAcrossAConditionWaitLeaveNoPagesPinned() throws Exception {
        String name;
        try (SyncTesting.Segment seg = SyncTesting.Segment.create("cond-owner", LAYOUT.size());
             SharedMutex m = SharedMutex.createExclusively(seg.mapping(), M);
             SharedCondition cv = SharedCondition.createExclusively(seg.mapping(), CV)) {
            name = seg.name();
            MemorySegment mem = seg.mapping().segment();
            SyncTesting.Blocked waiter = SyncTesting.start(() -> {
                m.lock();
                try {
                    while (mem.get(ValueLayout.JAVA_LONG, BOX) == 0) {
                        cv.await(m);   // meanwhile the main thread locks and unlocks through m
                    }
                } finally {
                    m.unlock();
                }
                return "woken";
            });
            // Lock through the same object while the waiter sleeps in the condition wait.
            waiter.sleepingIn("futex");   // in pthread_cond_clockwait: nobody else holds the mutex
            assertThat(m.tryLock(T)).isTrue();
            mem.set(ValueLayout.JAVA_LONG, BOX, 1);
            cv.broadcast();
            m.unlock();
            assertThat(waiter.result()).isEqualTo("woken");
        }
        // Every lock's use of the pages was given back: the closed mapping is gone.
        assertThat(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/maps"))).doesNotContain(name);
    }

    @Test
    void producerAndConsumerAcrossProcessesLoseNoWakeUpEitherWay() throws Exception {
        int rounds = 3000;
        try (SyncTesting.Segment seg = SyncTesting.Segment.create("cond", 4096);
             SharedMutex m = SharedMutex.createExclusively(seg.mapping(), M);
             SharedCondition cv = SharedCondition.createExclusively(seg.mapping(), CV)) {
            MemorySegment mem = seg.mapping().segment();
            try (Peer producer = SyncTesting.start("produce", seg.name(), "" + M, "" + CV, "" + BOX, "" + rounds)) {
                producer.awaitOutput("ready", T);
                mailbox(m, cv, mem, rounds, false);
                producer.awaitSuccess(T);
                assertThat(producer.stdout()).isEqualTo("ready\nproduced " + rounds + "\n");
            }
            // The other way, on objects C initialised.
            assertThat(c("init", "mutex", seg.name(), "" + M2)).isEqualTo("initialised");
            assertThat(c("init", "cond", seg.name(), "" + CV2)).isEqualTo("initialised");
            try (SharedMutex m2 = SharedMutex.openExisting(seg.mapping(), M2);
                 SharedCondition cv2 = SharedCondition.openExisting(seg.mapping(), CV2);
                 Peer consumer = SyncTesting.start("consume", seg.name(), "" + M2, "" + CV2, "" + BOX, "" + rounds)) {
                consumer.awaitOutput("ready", T);
                mailbox(m2, cv2, mem, rounds, true);
                consumer.awaitSuccess(T);
                assertThat(consumer.stdout()).isEqualTo("ready\nconsumed " + rounds + "\n");
            }
        }
    }

    @Test
    void aCSignalWakesAJavaWaiterAndTimedWaitsGiveUp() throws Exception {
        try (SyncTesting.Segment seg = SyncTesting.Segment.create("signal", 4096);
             SharedMutex m = SharedMutex.createExclusively(seg.mapping(), M);
             SharedCondition cv = SharedCondition.createExclusively(seg.mapping(), CV)) {
            SyncTesting.Blocked waiter = SyncTesting.start(() -> {
                m.lock();
                try {
                    return cv.tryAwait(m, Duration.ofSeconds(20)) && m.isHeldByCurrentThread();
                } finally {
                    m.unlock();
                }
            });
            long[] futex = waiter.sleepingIn("futex");
            assertThat(futex[1] & 0x7f).as("FUTEX_WAIT_BITSET: pthread_cond_clockwait").isEqualTo(9);
            assertThat(c("signal", seg.name(), "" + CV)).isEqualTo("signalled");
            assertThat(waiter.result()).isEqualTo(true);

            CompletableFuture<long[]> timed = CompletableFuture.supplyAsync(() -> {
                try {
                    m.lock();
                    try {
                        long c0 = ThreadMeters.currentThreadCpuNanos();
                        long w0 = System.nanoTime();
                        // The documented form: a wake-up may be spurious (one per slice here), so the
                        // caller waits again for what is left of its time.
                        long end = w0 + TimeUnit.MILLISECONDS.toNanos(400);
                        boolean inTime = true;
                        while (inTime) {
                            inTime = cv.tryAwait(m, Duration.ofNanos(Math.max(0, end - System.nanoTime())));
                        }
                        assertThat(m.isHeldByCurrentThread()).isTrue();
                        return new long[] {System.nanoTime() - w0, ThreadMeters.currentThreadCpuNanos() - c0};
                    } finally {
                        m.unlock();
                    }
                } catch (IpcException e) {
                    throw new AssertionError(e);
                }
            }, r -> Thread.ofPlatform().start(r));
            long[] spent = timed.get(10, TimeUnit.SECONDS);
            assertThat(spent[0]).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(400));
            assertThat(spent[1]).as("CPU of a thread waiting 400 ms (8 slices)").isLessThan(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    @Test
    void interruptAndCloseEndAWaitWithTheMutexHeld() throws Exception {
        try (SyncTesting.Segment seg = SyncTesting.Segment.create("cond-wake", 4096);
             SharedMutex m = SharedMutex.createExclusively(seg.mapping(), M);
             SharedCondition cv = SharedCondition.createExclusively(seg.mapping(), CV)) {
            BlockedCalls.assertInterruptAnsweredWithin(Duration.ofMillis(100), () -> {
                m.lock();
                try {
                    while (true) {
                        cv.await(m);
                    }
                } finally {
                    assertThat(m.isHeldByCurrentThread()).isTrue();
                    m.unlock();
                }
            });
            try (SharedCondition other = SharedCondition.openExisting(seg.mapping(), CV)) {
                SyncTesting.Blocked waiter = SyncTesting.start(() -> {
                    m.lock();
                    try {
                        while (true) {
                            other.await(m);
                        }
                    } catch (ObjectClosedException e) {
                        return m.isHeldByCurrentThread() ? "closed, mutex held" : "closed";
                    } finally {
                        m.unlock();
                    }
                });
                waiter.sleepingIn("futex");
                other.close();
                assertThat(waiter.result()).isEqualTo("closed, mutex held");
            }
            assertThatThrownBy(() -> cv.await(m)).isInstanceOf(IllegalMonitorStateException.class)
                    .hasMessage("pthread_cond_wait(condition variable at 48 of " + seg.name()
                            + "): the calling thread does not hold the mutex at 0 of " + seg.name() + " (EPERM)");
            m.lock();
            assertThat(cv.tryAwait(m, Duration.ZERO)).isFalse();
            m.unlock();
        }
    }

    @Test
    void anOwnerThatDiesWhileOthersWaitIsToldByTheWait() throws Exception {
        try (SyncTesting.Segment seg = SyncTesting.Segment.create("cond-crash", 4096);
             SharedMutex m = SharedMutex.createExclusively(seg.mapping(), M);
             SharedCondition cv = SharedCondition.createExclusively(seg.mapping(), CV)) {
            SyncTesting.Blocked waiter = SyncTesting.start(() -> {
                m.lock();
                try {
                    cv.await(m);
                    return "woken";
                } catch (OwnerDiedException e) {
                    m.makeConsistent();
                    return "owner died";
                } finally {
                    m.unlock();
                }
            });
            waiter.sleepingIn("futex");
            try (Peer holder = SyncTesting.start("hold", seg.name(), "" + M)) {
                Crash.killAt(holder, "holding", T);
            }
            assertThat(waiter.result()).isEqualTo("owner died");
            assertThat(c("lock", seg.name(), "" + M)).isEqualTo("locked\nunlocked");
        }
    }

    @Test
    void waitsAndSignalsAllocateNothing() throws Exception {
        try (SyncTesting.Segment seg = SyncTesting.Segment.create("cond-alloc", 4096);
             SharedMutex m = SharedMutex.createExclusively(seg.mapping(), M);
             SharedCondition cv = SharedCondition.createExclusively(seg.mapping(), CV)) {
            long bytes = ThreadMeters.allocatedBytesOf(() -> {
                cv.signal();
                cv.broadcast();
                m.lock();
                cv.tryAwait(m, Duration.ZERO);
                m.unlock();
            }, 20_000);
            assertThat(bytes).isLessThan(4096);
        }
    }
}
