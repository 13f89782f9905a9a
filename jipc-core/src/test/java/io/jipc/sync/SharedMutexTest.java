package io.jipc.sync;

import static io.jipc.sync.SyncTesting.T;
import static io.jipc.sync.SyncTesting.c;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jipc.IpcException;
import io.jipc.IpcInterruptedException;
import io.jipc.ObjectClosedException;
import io.jipc.shm.Access;
import io.jipc.shm.Mapping;
import io.jipc.testing.BlockedCalls;
import io.jipc.testing.Crash;
import io.jipc.testing.Peer;
import io.jipc.testing.PeerJvm;
import io.jipc.testing.ThreadMeters;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SharedMutexTest {
    private static final long M = 0;          // the mutex's slot
    private static final long M2 = 48;        // a second one
    private static final long DATA = 256;     // what it guards

    @Test
    void slotsAreGlibcSizedAndAligned() {
        assertThat(SlotKind.MUTEX.slotSize()).isEqualTo(M2);
        Slots s = Slots.from(3);
        assertThat(s.reserve(SlotKind.MUTEX)).isEqualTo(8);
        assertThat(s.reserve(SlotKind.CONDITION)).isEqualTo(56);
        assertThat(s.bytes(10, 64)).isEqualTo(128);
        assertThat(s.size()).isEqualTo(138);
        assertThatThrownBy(() -> s.bytes(1, 3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Slots.from(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void javaAndCLockTheSameMutexBothWays() throws Exception {
        try (SyncTesting.Segment seg = SyncTesting.Segment.create("mutex", 4096);
             SharedMutex m = SharedMutex.createExclusively(seg.mapping(), M)) {
            assertThat(c("trylock", seg.name(), "" + M)).isEqualTo("locked");
            m.lock();
            assertThat(m.isHeldByCurrentThread()).isTrue();
            assertThat(c("trylock", seg.name(), "" + M)).isEqualTo("EBUSY");
            assertThat(c("unlock", seg.name(), "" + M)).as("error-checking: C may not unlock it").isEqualTo("EPERM");
            m.unlock();
            assertThat(m.isHeldByCurrentThread()).isFalse();
            try (Peer holder = SyncTesting.start("hold", seg.name(), "" + M)) {
                holder.awaitOutput("crash-point holding\n", T);
                assertThat(m.tryLock()).isFalse();
                assertThat(m.tryLock(Duration.ofMillis(50))).isFalse();
                SyncTesting.Blocked locker = SyncTesting.start(() -> {
                    m.lock();
                    m.unlock();
                    return "locked";
                });
                long[] futex = locker.sleepingIn("futex");
                assertThat(futex[1] & 0x7f).as("FUTEX_WAIT_BITSET").isEqualTo(9);
                assertThat(futex[1] & 128).as("a shared futex (no FUTEX_PRIVATE_FLAG)").isZero();
                holder.send("go");
                assertThat(locker.result()).isEqualTo("locked");
                holder.awaitSuccess(T);
            }
            // C initialises, Java opens.
            assertThat(c("init", "mutex", seg.name(), "" + M2)).isEqualTo("initialised");
            try (SharedMutex cMade = SharedMutex.openExisting(seg.mapping(), M2)) {
                assertThat(cMade.tryLock(Duration.ofSeconds(1))).isTrue();
                assertThat(c("trylock", seg.name(), "" + M2)).isEqualTo("EBUSY");
                cMade.unlock();
            }
            assertThat(c("lock", seg.name(), "" + M2)).isEqualTo("locked\nunlocked");
        }
    }

    @Test
    void javaAndCExcludeEachOther() throws Exception {
        int n = 20_000;
        try (SyncTesting.Segment seg = SyncTesting.Segment.create("count", 4096);
             SharedMutex m = SharedMutex.createExclusively(seg.mapping(), M);
             Peer counter = SyncTesting.start("count", seg.name(), "" + M, "" + DATA, "" + n)) {
            var mem = seg.mapping().segment();
            counter.awaitOutput("ready", T);
            for (int i = 0; i < n; i++) {
                m.lock();
                long v = mem.get(ValueLayout.JAVA_LONG, DATA);
                if (i % 64 == 0) {
                    Thread.yield();
                }
                mem.set(ValueLayout.JAVA_LONG, DATA, v + 1);
                m.unlock();
            }
            counter.awaitSuccess(T);
            assertThat(mem.get(ValueLayout.JAVA_LONG, DATA)).isEqualTo(2L * n);
        }
    }

    @Test
    void aCHolderKilledIsToldToTheNextLockerWhoRecovers() throws Exception {
        try (SyncTesting.Segment seg = SyncTesting.Segment.create("crash", 4096);
             SharedMutex m = SharedMutex.createExclusively(seg.mapping(), M)) {
            var mem = seg.mapping().segment();
            try (Peer holder = SyncTesting.start("hold", seg.name(), "" + M)) {
                holder.awaitOutput("crash-point holding\n", T);
                mem.set(ValueLayout.JAVA_LONG, DATA, 1); // "being changed", as a writer would mark it
                SyncTesting.Blocked waiter = SyncTesting.start(() -> {
                    try {
                        m.lock();
                        return "locked";
                    } catch (OwnerDiedException e) {
                        boolean flagged = mem.get(ValueLayout.JAVA_LONG, DATA) == 1;
                        mem.set(ValueLayout.JAVA_LONG, DATA, 0); // repaired
                        m.makeConsistent();
                        m.unlock();
                        return e.getMessage() + (flagged ? " / data flagged" : "");
                    }
                });
                waiter.sleepingIn("futex");
                Crash.killAt(holder, "holding", T);
                assertThat(waiter.result()).isEqualTo("pthread_mutex_lock(mutex at 0 of " + seg.name()
                        + "): the previous owner died holding it; this thread holds it now, and the data it guards may"
                        + " be inconsistent: repair it, call makeConsistent(), then unlock (EOWNERDEAD) / data flagged");
            }
            assertThat(c("lock", seg.name(), "" + M)).as("consistent again").isEqualTo("locked\nunlocked");

            // Given up: unlocked without makeConsistent, the mutex is unrecoverable for everyone.
            try (Peer holder = SyncTesting.start("hold", seg.name(), "" + M)) {
                Crash.killAt(holder, "holding", T);
            }
            assertThatThrownBy(m::tryLock).isInstanceOf(OwnerDiedException.class);
            m.unlock();
            assertThatThrownBy(m::lock).isInstanceOf(NotRecoverableException.class)
                    .hasMessageEndingWith("(ENOTRECOVERABLE)");
            assertThat(c("trylock", seg.name(), "" + M)).isEqualTo("ENOTRECOVERABLE");
        }
    }

    @Test
    void aJvmHolderKilledIsToldToC() throws Exception {
        try (SyncTesting.Segment seg = SyncTesting.Segment.create("jvm-crash", 4096);
             SharedMutex m = SharedMutex.createExclusively(seg.mapping(), M)) {
            try (Peer holder = PeerJvm.start(SyncPeer.class, "hold", seg.name(), "" + M)) {
                Crash.killAt(holder, "holding", T);
            }
            assertThat(c("lock", seg.name(), "" + M)).isEqualTo("EOWNERDEAD\nunlocked");
            try (Peer holder = PeerJvm.start(SyncPeer.class, "hold", seg.name(), "" + M)) {
                Crash.pass(holder, "holding", T);
                holder.awaitSuccess(T);
                assertThat(holder.stdout()).contains("locked\n", "unlocked\n");
            }
            try (Peer holder = SyncTesting.start("hold", seg.name(), "" + M)) {
                Crash.killAt(holder, "holding", T);
            }
            try (Peer locker = PeerJvm.start(SyncPeer.class, "lock", seg.name(), "" + M)) {
                locker.awaitSuccess(T);
                assertThat(locker.stdout()).isEqualTo("owner-died\nunlocked\n");
            }
            assertThat(m.tryLock()).isTrue();
            m.unlock();
        }
    }

    @Test
    void mutexesAJvmHeldThroughItsJavaLockAreOwnerDiedForCAfterAKill() throws Exception {
        long b = M + 64;
        long c = M + 128;
        try (SyncTesting.Segment seg = SyncTesting.Segment.create("jvm-pinned-crash", 4096);
             SharedMutex ma = SharedMutex.createExclusively(seg.mapping(), M);
             SharedMutex mb = SharedMutex.createExclusively(seg.mapping(), b);
             SharedMutex mc = SharedMutex.createExclusively(seg.mapping(), c)) {
            String[] args = {"hold-pinned", seg.name(), "" + M, "" + b, "" + c};
            try (Peer holder = PeerJvm.start(SyncPeer.class, args)) {
                Crash.killAt(holder, "holding", T);
            }
            // The kernel found both through the list the JVM wrote, past the entry glibc removed.
            assertThat(c("lock", seg.name(), "" + M)).isEqualTo("EOWNERDEAD\nunlocked");
            assertThat(c("lock", seg.name(), "" + b)).isEqualTo("EOWNERDEAD\nunlocked");
            assertThat(c("lock", seg.name(), "" + c)).isEqualTo("locked\nunlocked");
            try (Peer holder = PeerJvm.start(SyncPeer.class, args)) {
                Crash.pass(holder, "holding", T);
                holder.awaitSuccess(T);
                assertThat(holder.stdout()).contains("locked\n", "unlocked\n");
            }
            for (String off : new String[] {"" + M, "" + b, "" + c}) {
                assertThat(c("lock", seg.name(), off)).as("free after a clean run").isEqualTo("locked\nunlocked");
            }
        }
    }

    @Test
    void aBlockedLockUsesNoCpuAndAnswersInterruptAndClose() throws Exception {
        try (SyncTesting.Segment seg = SyncTesting.Segment.create("blocked", 4096);
             SharedMutex m = SharedMutex.createExclusively(seg.mapping(), M);
             Peer holder = SyncTesting.start("hold", seg.name(), "" + M)) {
            holder.awaitOutput("crash-point holding\n", T);
            CompletableFuture<Long> cpu = CompletableFuture.supplyAsync(() -> {
                long c0 = ThreadMeters.currentThreadCpuNanos();
                try {
                    assertThat(m.tryLock(Duration.ofMillis(500))).isFalse();
                } catch (IpcException e) {
                    throw new AssertionError(e);
                }
                return ThreadMeters.currentThreadCpuNanos() - c0;
            }, r -> Thread.ofPlatform().start(r));
            assertThat(cpu.get(10, TimeUnit.SECONDS)).as("CPU of a thread waiting 500 ms for the mutex")
                    .isLessThan(TimeUnit.MILLISECONDS.toNanos(20));

            BlockedCalls.assertInterruptAnsweredWithin(Duration.ofMillis(100), m::lock);
            BlockedCalls.assertInterruptAnsweredWithin(Duration.ofMillis(100), () -> m.tryLock(Duration.ofMinutes(1)));

            try (SharedMutex other = SharedMutex.openExisting(seg.mapping(), M)) {
                SyncTesting.Blocked locker = SyncTesting.start(() -> {
                    other.lock();
                    return "locked";
                });
                locker.sleepingIn("futex");
                other.close();
                assertThat(locker.result()).isInstanceOf(ObjectClosedException.class);
                assertThatThrownBy(other::lock).isInstanceOf(ObjectClosedException.class);
            }
            holder.send("go");
            holder.awaitSuccess(T);
            assertThat(m.tryLock()).as("the interrupted and closed waits took nothing").isTrue();
            m.unlock();
        }
    }

    @Test
    void closeAndInterruptRacingTheEntryAlwaysWake() throws Exception {
        try (SyncTesting.Segment seg = SyncTesting.Segment.create("race", 4096);
             SharedMutex held = SharedMutex.createExclusively(seg.mapping(), M)) {
            held.lock();
            BlockedCalls.closeAndInterruptRacingTheEntryAlwaysWake(200, () -> {
                SharedMutex m = SharedMutex.openExisting(seg.mapping(), M);
                return new BlockedCalls.WaitTarget() {
                    @Override
                    public void block() throws Exception {
                        m.lock();
                    }

                    @Override
                    public void closeObject() {
                        m.close();
                    }

                    @Override
                    public void close() {
                        m.close();
                    }
                };
            });
            held.unlock();
        }
    }

    @Test
    void misuseIsRefusedWithoutTouchingMemory() throws Exception {
        try (SyncTesting.Segment seg = SyncTesting.Segment.create("misuse", 4096)) {
            Mapping map = seg.mapping();
            assertThatThrownBy(() -> SharedMutex.openExisting(map, M)).isInstanceOf(IllegalStateException.class)
                    .hasMessage("mutex at 0 of " + seg.name() + " was never initialised (its slot header is 0): create"
                            + " it first");
            assertThatThrownBy(() -> SharedMutex.createExclusively(map, -8)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> SharedMutex.createExclusively(map, 4096 - 40))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("a mutex's slot is 48 bytes; offset 4056 does not leave that much inside the 4096-byte"
                            + " mapping (offsets 0..4048)");
            assertThatThrownBy(() -> SharedMutex.createExclusively(map, Long.MAX_VALUE))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> SharedMutex.createExclusively(map, 4)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("a mutex's slot starts at a multiple of 8; offset 4 is not (use Slots to place objects)");
            assertThat(map.segment().get(ValueLayout.JAVA_LONG, 0)).as("nothing written").isZero();
            try (Mapping readOnly = seg.shm().map(Access.READ_ONLY)) {
                assertThatThrownBy(() -> SharedMutex.createExclusively(readOnly, 0))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is read-only");
            }
            try (SharedMutex m = SharedMutex.createExclusively(map, M)) {
                assertThatThrownBy(() -> SharedMutex.createExclusively(map, M)).isInstanceOf(IllegalStateException.class)
                        .hasMessage("mutex at 0 of " + seg.name() + " is already initialised: open it with"
                                + " openExisting, or place the new object in another slot");
                assertThat(c("init", "mutex", seg.name(), "" + M)).as("C sees the claim too").isEqualTo("claimed");
                assertThatThrownBy(m::unlock).isInstanceOf(IllegalMonitorStateException.class)
                        .hasMessage("pthread_mutex_unlock(mutex at 0 of " + seg.name() + "): the calling thread does"
                                + " not hold it (EPERM)");
                m.lock();
                assertThatThrownBy(m::lock).isInstanceOf(IpcException.class).hasMessageEndingWith("(EDEADLK)");
                assertThatThrownBy(m::tryLock).isInstanceOf(IpcException.class).hasMessageEndingWith("(EDEADLK)");
                CompletableFuture<Throwable> stranger = CompletableFuture.supplyAsync(() -> {
                    try {
                        m.unlock();
                        return null;
                    } catch (Throwable t) {
                        return t;
                    }
                }, r -> Thread.ofPlatform().start(r));
                assertThat(stranger.get(10, TimeUnit.SECONDS)).isInstanceOf(IllegalMonitorStateException.class);
                CompletableFuture<Throwable> onVirtual = new CompletableFuture<>();
                Thread.ofVirtual().start(() -> {
                    try {
                        m.tryLock();
                        onVirtual.complete(null);
                    } catch (Throwable t) {
                        onVirtual.complete(t);
                    }
                });
                assertThat(onVirtual.get(10, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("from a platform thread");
                m.unlock();
                m.close();
                assertThatThrownBy(m::lock).isInstanceOf(ObjectClosedException.class);
            }
            try (SharedMutex wrong = SharedMutex.openExisting(map, M)) {
                assertThat(wrong.tryLock()).isTrue();
                wrong.unlock();
            }
            map.close();
            assertThatThrownBy(() -> SharedMutex.openExisting(map, M)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void lockAndUnlockAllocateNothing() throws Exception {
        try (SyncTesting.Segment seg = SyncTesting.Segment.create("alloc", 4096);
             SharedMutex m = SharedMutex.createExclusively(seg.mapping(), M)) {
            long bytes = ThreadMeters.allocatedBytesOf(() -> {
                m.lock();
                m.unlock();
                if (m.tryLock()) {
                    m.unlock();
                }
            }, 50_000);
            assertThat(bytes).as("bytes allocated by 50,000 lock/unlock/tryLock/unlock").isLessThan(4096);
        }
    }
}
