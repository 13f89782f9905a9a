package io.jipc.sync;

import static io.jipc.sync.SyncTesting.T;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jipc.IpcInterruptedException;
import io.jipc.shm.SharedMemory;
import io.jipc.testing.Peer;
import io.jipc.testing.PeerJvm;
import io.jipc.testing.TestIpc;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;

class LockOrderTest {
    private static final long A = 0;
    private static final long B = 48;
    private static final List<String> CHECKING = List.of("-Dio.jipc.lockorder=check");

    /** A segment with mutexes A and B made by this JVM, for peers to open. */
    private static SyncTesting.Segment twoMutexes(String what) throws Exception {
        SyncTesting.Segment seg = SyncTesting.Segment.create(what, 4096);
        SharedMutex.createExclusively(seg.mapping(), A).close();
        SharedMutex.createExclusively(seg.mapping(), B).close();
        return seg;
    }

    private static String run(List<String> jvm, String... args) {
        try (Peer p = PeerJvm.start(jvm, LockOrderPeer.class, args)) {
            p.awaitSuccess(T);
            return p.stdout();
        }
    }

    @Test
    void anInversionBetweenTwoThreadsIsReportedWithBothSitesBeforeAnyWait() throws Exception {
        try (SyncTesting.Segment seg = twoMutexes("lo-threads")) {
            String out = run(CHECKING, "threads", seg.name());
            String a = "mutex at 0 of " + seg.name();
            assertThat(out).contains("lock order inversion: \"" + a + "\" is wanted while \"journal\" is held")
                    .contains("this order:    \"journal\" then \"" + a + "\"")
                    .contains("earlier order: \"" + a + "\" then \"journal\"")
                    .containsPattern("this order:[^\\n]*\\n\\s+at io\\.jipc\\.sync\\.LockOrderPeer\\.journalThenA\\(LockOrderPeer\\.java:\\d+\\)")
                    .containsPattern("earlier order:[^\\n]*\\n\\s+at io\\.jipc\\.sync\\.LockOrderPeer\\.aThenJournal\\(LockOrderPeer\\.java:\\d+\\)")
                    .as("thrown before the wait: A was never taken").endsWith("journal held by this thread: true\nA free\n");
        }
    }

    @Test
    void aSharedRwLockIsCheckedByItsOwnMethodsAsOneLockForReadersAndWriters() throws Exception {
        try (SyncTesting.Segment seg = twoMutexes("lo-rw")) {
            SharedRwLock.createExclusively(seg.mapping(), 96).close();
            String out = run(CHECKING, "rwlock", seg.name());
            String a = "mutex at 0 of " + seg.name();
            String rw = "read-write lock at 96 of " + seg.name();
            assertThat(out).contains("this order:    \"" + a + "\" then \"" + rw + "\"")
                    .contains("earlier order: \"" + rw + "\" then \"" + a + "\"")
                    .containsPattern("this order:[^\\n]*\\n\\s+at io\\.jipc\\.sync\\.LockOrderPeer\\.aThenRead\\(")
                    .containsPattern("earlier order:[^\\n]*\\n\\s+at io\\.jipc\\.sync\\.LockOrderPeer\\.writeThenA\\(");
        }
    }

    @Test
    void aConsistentOrderStaysSilentOverManyRounds() throws Exception {
        try (SyncTesting.Segment seg = twoMutexes("lo-consistent")) {
            assertThat(run(CHECKING, "consistent", seg.name(), "2000")).isEqualTo("silent\n");
        }
    }

    @Test
    void aHandlerThatReturnsSeesAnInversionOnceAndTheWaitGoesOn() throws Exception {
        try (SyncTesting.Segment seg = twoMutexes("lo-report")) {
            assertThat(run(CHECKING, "report", seg.name()))
                    .isEqualTo("reported: journal -> mutex at 0 of " + seg.name() + "\nwent on\n");
        }
    }

    @Test
    void withoutThePropertyTheCheckerIsOff() throws Exception {
        assertThat(LockOrder.isChecking()).isFalse();
        try (SyncTesting.Segment seg = twoMutexes("lo-off");
             Peer p = PeerJvm.start(List.of(), LockOrderPeer.class, "threads", seg.name())) {
            assertThat(p.awaitExit(T)).isNotZero();
            assertThat(p.stderr()).contains("start with -Dio.jipc.lockorder=check");
        }
    }

    @Test
    void anInversionAcrossTwoProcessesIsReportedThroughTheSharedEdgeTable() throws Exception {
        try (SyncTesting.Segment seg = twoMutexes("lo-procs");
             SyncTesting.Segment table = SyncTesting.Segment.create("lo-edges", LockOrder.edgeTableSize(64))) {
            assertThat(run(CHECKING, "a-then-b", seg.name(), table.name())).isEqualTo("done\n");
            String out = run(CHECKING, "b-then-a", seg.name(), table.name());
            String a = "mutex at 0 of " + seg.name();
            String b = "mutex at 48 of " + seg.name();
            assertThat(out).contains("this order:    \"" + b + "\" then \"" + a + "\"")
                    .contains("earlier order: \"" + a + "\" then \"" + b + "\" (pid ")
                    .containsPattern("this order:[^\\n]*\\n\\s+at io\\.jipc\\.sync\\.LockOrderPeer\\.takeBThenA\\(")
                    .containsPattern("earlier order:[^\\n]*\\n\\s+at io\\.jipc\\.sync\\.LockOrderPeer\\.takeAThenB\\(");
            // Without the table, the second process alone sees no inversion.
            try (SyncTesting.Segment fresh = SyncTesting.Segment.create("lo-edges2", LockOrder.edgeTableSize(4))) {
                assertThat(run(CHECKING, "b-then-a", seg.name(), fresh.name())).isEqualTo("no inversion reported\n");
            }
        }
    }

    @Test
    void theEdgeTableRefusesWhatItCannotUse() throws Exception {
        assertThatThrownBy(() -> LockOrder.edgeTableSize(0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(LockOrder.edgeTableSize(2)).isEqualTo(64 + 2 * 512);
        // Not checking in this JVM: shareEdges does nothing, whatever it is given.
        try (SyncTesting.Segment seg = SyncTesting.Segment.create("lo-small", 64)) {
            LockOrder.shareEdges(seg.mapping());
            assertThat(seg.mapping().segment().get(java.lang.foreign.ValueLayout.JAVA_INT, 0)).isZero();
        }
        try (SyncTesting.Segment seg = SyncTesting.Segment.create("lo-small", 64);
             SyncTesting.Segment mutexes = twoMutexes("lo-notable")) {
            assertThatThrownBy(() -> new LockOrderTable(seg.mapping())).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("at least 576 bytes");
            assertThatThrownBy(() -> new LockOrderTable(mutexes.mapping())).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("does not hold a lock-order edge table");
        }
    }

    @Test
    void orderedAcquisitionIsAllOrNothingWithACPeerHoldingOneMutex() throws Exception {
        try (SyncTesting.Segment seg = SyncTesting.Segment.create("lo-c", 4096);
             SharedMutex a = SharedMutex.createExclusively(seg.mapping(), A);
             SharedMutex b = SharedMutex.createExclusively(seg.mapping(), B)) {
            ReentrantLock journal = new ReentrantLock();
            OrderedLock la = OrderedLock.of(a);
            OrderedLock lb = OrderedLock.of(b);
            OrderedLock lj = OrderedLock.of(journal, "journal");
            LockOrder order = LockOrder.of(la, lj, lb);
            try (LockOrder.Held h = order.acquire(lb, la)) {
                assertThat(h.locks()).as("the declared order, not the caller's").containsExactly(la, lb);
                assertThat(SyncTesting.c("trylock", seg.name(), "" + B)).isEqualTo("EBUSY");
            }
            assertThat(a.isLocked() || b.isLocked()).isFalse();
            try (Peer holder = SyncTesting.start("hold", seg.name(), "" + B)) {
                holder.awaitOutput("crash-point holding\n", T);
                assertThat(order.tryAcquire()).isEmpty();
                assertThat(a.isLocked() || journal.isLocked()).as("released what it took").isFalse();
                long start = System.nanoTime();
                assertThat(order.tryAcquire(Duration.ofMillis(300))).isEmpty();
                assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(300_000_000L);
                assertThat(a.isLocked() || journal.isLocked()).isFalse();
                // A thread waiting with back-off holds nothing between its attempts: another takes A.
                SyncTesting.Blocked waiting = SyncTesting.start(() -> {
                    Optional<LockOrder.Held> got = order.tryAcquire(Duration.ofSeconds(30));
                    try (LockOrder.Held h = got.orElseThrow()) {
                        return h.locks();
                    }
                });
                Thread.sleep(100);
                assertThat(la.tryLock(Duration.ofSeconds(5))).isTrue();
                la.unlock();
                // And the blocking form waits in order: the journal taken, B waited for.
                SyncTesting.Blocked blocked = SyncTesting.start(() -> {
                    try (LockOrder.Held h = order.acquire(lb, lj)) {
                        return h.locks();
                    }
                });
                Thread.sleep(100);
                assertThat(blocked.outcome()).isNotDone();
                holder.send("go");
                holder.awaitSuccess(T);
                assertThat(blocked.result()).isEqualTo(List.of(lj, lb));
                assertThat(waiting.result()).isEqualTo(List.of(la, lj, lb));
                assertThat(a.isLocked() || b.isLocked() || journal.isLocked()).isFalse();
            }
        }
    }

    @Test
    void badArgumentsAreRefusedAndFailuresReleaseWhatWasTaken() throws Exception {
        ReentrantLock x = new ReentrantLock();
        ReentrantLock y = new ReentrantLock();
        OrderedLock lx = OrderedLock.of(x, "x");
        OrderedLock ly = OrderedLock.of(y, "y");
        assertThatThrownBy(LockOrder::of).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LockOrder.of(lx, OrderedLock.of(x, "x"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("twice");
        LockOrder order = LockOrder.of(lx);
        assertThatThrownBy(() -> order.acquire(ly)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("y is not in this lock order [x]");
        assertThatThrownBy(() -> order.tryAcquire(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
        LockOrder both = LockOrder.of(lx, ly);
        Thread.currentThread().interrupt();
        y.lock();
        try {
            assertThatThrownBy(() -> both.acquire()).isInstanceOf(IpcInterruptedException.class);
        } finally {
            Thread.interrupted();
        }
        assertThat(x.isLocked()).isFalse();
        y.unlock();
        try (LockOrder.Held h = both.acquire()) {
            assertThat(x.isHeldByCurrentThread() && y.isHeldByCurrentThread()).isTrue();
            h.close();
            assertThat(x.isLocked() || y.isLocked()).isFalse();
        }
    }

    @Test
    void theNameOfASharedLockIsTheSameInEveryProcess() throws Exception {
        String name = TestIpc.name("lo-name");
        try (SharedMemory shm = SharedMemory.createExclusively(name, 4096);
             var m = shm.map();
             SharedMutex a = SharedMutex.createExclusively(m, A);
             SharedRwLock rw = SharedRwLock.createExclusively(m, 64)) {
            assertThat(OrderedLock.of(a).name()).isEqualTo("mutex at 0 of " + name);
            assertThat(OrderedLock.reading(rw).name()).isEqualTo(OrderedLock.writing(rw).name())
                    .isEqualTo("read-write lock at 64 of " + name);
        } finally {
            SharedMemory.unlink(name);
        }
    }
}
