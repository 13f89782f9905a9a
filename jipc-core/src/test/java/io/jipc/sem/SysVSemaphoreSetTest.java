package io.jipc.sem;

import static io.jipc.sem.SemTesting.T;
import static io.jipc.sem.SemTesting.c;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jipc.AlreadyExistsException;
import io.jipc.IpcException;
import io.jipc.IpcKey;
import io.jipc.NotFoundException;
import io.jipc.ObjectClosedException;
import io.jipc.ObjectRemovedException;
import io.jipc.internal.libc.Unistd;
import io.jipc.testing.BlockedCalls;
import io.jipc.testing.CPeer;
import io.jipc.testing.Crash;
import io.jipc.testing.Peer;
import io.jipc.testing.PeerJvm;
import io.jipc.testing.TestIpc;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SysVSemaphoreSetTest {
    private static SysVSemaphoreSet create(int... values) throws IpcException {
        return SysVSemaphoreSet.createExclusively(IpcKey.of(TestIpc.key()), values.length,
                SysVSemaphoreSet.Options.defaults().withInitialValues(values));
    }

    private static String id(SysVSemaphoreSet s) {
        return String.valueOf(s.id());
    }

    // ---------------------------------------------------------------- creation

    @Test
    void createOpenExclusiveAndRemove() throws Exception {
        IpcKey key = IpcKey.of(TestIpc.key());
        try (SysVSemaphoreSet s = SysVSemaphoreSet.createExclusively(key, 3)) {
            assertThat(s.key()).isEqualTo(key);
            assertThat(s.count()).isEqualTo(3);
            assertThat(s.values()).containsExactly(0, 0, 0);
            assertThatThrownBy(() -> SysVSemaphoreSet.createExclusively(key, 3)).isInstanceOf(AlreadyExistsException.class)
                    .hasMessage("semget(key " + key + "): File exists (EEXIST)");
            try (SysVSemaphoreSet same = SysVSemaphoreSet.openExisting(key);
                 SysVSemaphoreSet again = SysVSemaphoreSet.createOrOpen(key, 2,
                         SysVSemaphoreSet.Options.defaults().withInitialValue(9));
                 SysVSemaphoreSet byId = SysVSemaphoreSet.openId(s.id())) {
                assertThat(same.id()).isEqualTo(s.id()).isEqualTo(again.id());
                assertThat(again.count()).as("the existing set's size").isEqualTo(3);
                assertThat(again.values()).as("an existing set keeps its values").containsExactly(0, 0, 0);
                assertThat(byId.key()).isEqualTo(key);
            }
            assertThatThrownBy(() -> SysVSemaphoreSet.createOrOpen(key, 4)).isInstanceOf(IpcException.class)
                    .hasMessage("semget(key " + key + "): the existing set has fewer than the 4 semaphores asked for"
                            + " (it has 3) (EINVAL)");
            assertThat(c("sysv_sem_peer", "get", key.toString())).isEqualTo(id(s));
            s.remove();
            assertThatThrownBy(() -> SysVSemaphoreSet.openExisting(key)).isInstanceOf(NotFoundException.class)
                    .hasMessage("semget(key " + key + "): No such file or directory (ENOENT)");
            assertThatThrownBy(() -> SysVSemaphoreSet.openId(s.id())).isInstanceOf(IpcException.class)
                    .hasMessage("semctl(IPC_STAT)(semid " + s.id() + "): no semaphore set has semid " + s.id()
                            + " (removed?) (EINVAL)");
            assertThatThrownBy(() -> s.tryOp(SemOp.of(0, 1))).isInstanceOf(IpcException.class)
                    .hasMessageContaining("no semaphore set has semid");
        }
    }

    @Test
    void initialValuesModeAndTimesAreWhatCSees() throws Exception {
        try (SysVSemaphoreSet s = SysVSemaphoreSet.createExclusively(IpcKey.of(TestIpc.key()), 3,
                SysVSemaphoreSet.Options.defaults().withInitialValues(4, 0, 32767)
                        .withMode(PosixFilePermissions.fromString("rw-r-----")))) {
            assertThat(c("sysv_sem_peer", "values", id(s))).isEqualTo("4 0 32767");
            assertThat(c("sysv_sem_peer", "stat", id(s))).as("nsems, sem_otime set, mode").isEqualTo("3 1 640");
            SysVSemaphoreSet.Info info = s.info();
            assertThat(info.count()).isEqualTo(3);
            assertThat(info.lastOp()).as("the initialising semop").isPresent();
            assertThat(info.perm().modeBits()).isEqualTo(0640);
            assertThat(info.perm().ownerUid()).isEqualTo(Unistd.getuid());
            s.setMode(PosixFilePermissions.fromString("rw-rw-rw-"));
            assertThat(c("sysv_sem_peer", "stat", id(s))).isEqualTo("3 1 666");
            s.setValue(1, 7);
            s.setValues(1, 2, 3);
            assertThat(s.value(2)).isEqualTo(3);
            assertThat(c("sysv_sem_peer", "values", id(s))).isEqualTo("1 2 3");
            s.remove();
        }
        try (SysVSemaphoreSet zeros = SysVSemaphoreSet.createExclusively(IpcKey.of(TestIpc.key()), 2)) {
            assertThat(c("sysv_sem_peer", "stat", id(zeros))).as("all zero still sets sem_otime").isEqualTo("2 1 600");
            zeros.remove();
        }
        int many = (int) SetCreation.limit(2, 500) + 1; // more nonzero values than one semop takes (SEMOPM)
        try (SysVSemaphoreSet large = SysVSemaphoreSet.createExclusively(IpcKey.of(TestIpc.key()), many,
                SysVSemaphoreSet.Options.defaults().withInitialValue(2))) {
            assertThat(c("sysv_sem_peer", "stat", id(large))).isEqualTo(many + " 1 600");
            assertThat(c("sysv_sem_peer", "values", id(large))).isEqualTo(String.join(" ", java.util.Collections.nCopies(many, "2")));
            large.remove();
        }
    }

    @Test
    void badArgumentsAreRefusedBeforeAnyCallAndCreateNothing() throws Exception {
        IpcKey key = IpcKey.of(TestIpc.key());
        assertThatThrownBy(() -> SysVSemaphoreSet.createExclusively(key, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a semaphore set has at least 1 semaphore, got 0");
        assertThatThrownBy(() -> SysVSemaphoreSet.Options.defaults().withInitialValue(32768))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a System V semaphore's value is 0..32767 (SEMVMX), got 32768");
        assertThatThrownBy(() -> SysVSemaphoreSet.Options.defaults().withInitialValues(1, -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageEndingWith("got -1");
        assertThatThrownBy(() -> SysVSemaphoreSet.createExclusively(key, 3,
                SysVSemaphoreSet.Options.defaults().withInitialValues(1, 2))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("2 initial values for a set of 3 semaphores: give one per semaphore, or one for all"
                        + " (withInitialValue)");
        assertThatThrownBy(() -> SemOp.of(0, 40000)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("delta must fit a short, -32768..32767 (sem_op), got 40000");
        assertThatThrownBy(() -> SemOp.of(-1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SysVSemaphoreSet.openExisting(IpcKey.PRIVATE)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SysVSemaphoreSet.openId(-1)).isInstanceOf(IllegalArgumentException.class);
        long semmsl = SetCreation.limit(0, -1);
        assertThatThrownBy(() -> SysVSemaphoreSet.createExclusively(key, (int) semmsl + 1)).isInstanceOf(IpcException.class)
                .hasMessage("semget(key " + key + "): " + (semmsl + 1) + " semaphores exceed SEMMSL = " + semmsl
                        + " (the first field of /proc/sys/kernel/sem) (EINVAL)");
        assertThatThrownBy(() -> SysVSemaphoreSet.openExisting(key)).as("nothing was created")
                .isInstanceOf(NotFoundException.class);
        try (SysVSemaphoreSet s = create(1, 1)) {
            assertThatThrownBy(() -> s.op(SemOp.of(0, -1), SemOp.of(2, -1))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("semaphore index 2 is outside the set (0..1)");
            assertThatThrownBy(s::tryOp).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("no operations: give at least one");
            assertThatThrownBy(() -> s.setValue(0, 32768)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> s.setValues(1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> s.value(5)).isInstanceOf(IllegalArgumentException.class);
            assertThat(s.values()).as("unchanged").containsExactly(1, 1);
            assertThat(c("sysv_sem_peer", "op", id(s), "2048", "0:-1", "5:-1")).as("the kernel's answer to C").isEqualTo("EFBIG");
            s.remove();
        }
    }

    // ---------------------------------------------------------------- atomic operations

    @Test
    void anOperationThatCannotCompleteChangesNothing() throws Exception {
        try (SysVSemaphoreSet s = create(1, 0)) {
            assertThat(s.tryOp(SemOp.of(0, -1), SemOp.of(1, -1))).isFalse();
            assertThat(s.values()).containsExactly(1, 0);
            assertThat(c("sysv_sem_peer", "op", id(s), "2048", "0:-1", "1:-1")).isEqualTo("EAGAIN");
            assertThat(s.values()).containsExactly(1, 0);
            assertThat(s.tryOp(List.of(SemOp.of(0, -1), SemOp.of(1, -1)), Duration.ofMillis(100))).isFalse();
            assertThat(s.values()).containsExactly(1, 0);

            assertThat(s.op(SemOp.of(0, -1), SemOp.of(1, +1))).isTrue();
            assertThat(c("sysv_sem_peer", "values", id(s))).isEqualTo("0 1");
            assertThat(s.tryOp(SemOp.of(1, +2), SemOp.of(1, -3))).as("in order, adding up").isTrue();
            assertThat(s.values()).containsExactly(0, 0);

            s.setValue(0, SysVSemaphoreSet.MAX_VALUE);
            assertThatThrownBy(() -> s.tryOp(SemOp.of(1, 1), SemOp.of(0, 1))).isInstanceOf(IpcException.class)
                    .hasMessage("semop(semid " + s.id() + "): an operation would take a value above SEMVMX 32767, or this"
                            + " process's undo adjustment outside -32768..32767; nothing was applied (ERANGE)");
            assertThat(s.values()).containsExactly(32767, 0);
            assertThat(c("sysv_sem_peer", "op", id(s), "0", "1:1", "0:1")).isEqualTo("ERANGE");
            s.remove();
        }
    }

    @Test
    void anOperationMarkedNoWaitAnswersFalseEvenInTheWaitingForms() throws Exception {
        try (SysVSemaphoreSet s = create(0, 1)) {
            long t0 = System.nanoTime();
            assertThat(s.op(SemOp.of(1, -1), SemOp.of(0, -1).withNoWait())).isFalse();
            assertThat(s.tryOp(List.of(SemOp.of(0, -1).withNoWait()), Duration.ofSeconds(20))).isFalse();
            assertThat(System.nanoTime() - t0).as("at once").isLessThan(TimeUnit.SECONDS.toNanos(10));
            assertThat(s.values()).containsExactly(0, 1);
            assertThat(s.op(SemOp.of(1, -1).withNoWait())).isTrue();
            assertThat(s.values()).containsExactly(0, 0);
            s.remove();
        }
    }

    // ---------------------------------------------------------------- waiting, both ways

    @Test
    void aBlockedOpWakesWhenCOperatesAndCWakesWhenJavaDoes() throws Exception {
        try (SysVSemaphoreSet s = create(0, 0)) {
            SemTesting.Blocked take = SemTesting.start(() -> s.op(SemOp.of(0, -2), SemOp.of(1, +1)));
            long[] call = take.sleepingIn("semtimedop");
            assertThat(call[0]).isEqualTo(s.id());
            assertThat(call[3]).as("no timeout: semop as C makes it").isZero();
            assertThat(s.waitingForIncrease(0)).isEqualTo(1);
            assertThat(c("sysv_sem_peer", "counts", id(s), "0")).startsWith("1 0 ");
            assertThat(c("sysv_sem_peer", "op", id(s), "0", "0:+1")).isEqualTo("done");
            Thread.sleep(50);
            assertThat(take.outcome()).as("one is not enough").isNotDone();
            long cPid;
            try (Peer p = CPeer.start("sysv_sem_peer", "op", id(s), "0", "0:+1")) {
                p.awaitSuccess(T);
                cPid = p.pid();
            }
            assertThat(take.result()).isEqualTo(true);
            assertThat(s.values()).containsExactly(0, 1);
            assertThat(s.lastPid(1)).as("this process made the last operation on 1").isEqualTo(ProcessHandle.current().pid());
            assertThat(s.lastPid(0)).isEqualTo(ProcessHandle.current().pid());

            try (Peer zero = CPeer.start("sysv_sem_peer", "wait", id(s), "1:0")) {
                zero.awaitOutput("ready", T);
                awaitCount(() -> s.waitingForZero(1), 1);
                s.op(SemOp.of(1, -1));
                zero.awaitSuccess(T);
                assertThat(zero.stdout()).isEqualTo("ready\ndone\n");
            }
            s.setValue(0, 1);
            SemTesting.Blocked forZero = SemTesting.start(() -> s.op(SemOp.waitForZero(0)));
            forZero.sleepingIn("semtimedop");
            assertThat(s.waitingForZero(0)).isEqualTo(1);
            try (Peer p = CPeer.start("sysv_sem_peer", "op", id(s), "0", "0:-1")) {
                p.awaitSuccess(T);
                cPid = p.pid();
            }
            assertThat(forZero.result()).isEqualTo(true);
            assertThat(s.lastPid(0)).as("the waiter's operation completed last").isEqualTo(ProcessHandle.current().pid());
            try (Peer p = CPeer.start("sysv_sem_peer", "op", id(s), "0", "0:+1")) {
                p.awaitSuccess(T);
                cPid = p.pid();
            }
            assertThat(s.lastPid(0)).isEqualTo(cPid);
            s.remove();
        }
    }

    private interface Count {
        int get() throws Exception;
    }

    private static void awaitCount(Count count, int expected) throws Exception {
        long deadline = System.nanoTime() + T.toNanos();
        while (count.get() != expected) {
            assertThat(System.nanoTime() - deadline).as("waiting for %d", expected).isNegative();
            Thread.sleep(10);
        }
    }

    @Test
    void aTimedOpGivesUpOnTimeAsleepInSemtimedop() throws Exception {
        try (SysVSemaphoreSet s = create(0)) {
            SemOp take = SemOp.of(0, -1);
            assertThat(s.tryOp(take, Duration.ZERO)).isFalse();
            long[] spent = SemTesting.timedOut(() -> s.tryOp(take, Duration.ofMillis(5)),
                    () -> s.tryOp(take, Duration.ofMillis(400)));
            assertThat(spent[0]).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(400));
            assertThat(spent[1]).as("CPU used by a thread waiting 400 ms").isLessThan(TimeUnit.MILLISECONDS.toNanos(20));
            SemTesting.Blocked timed = SemTesting.start(() -> s.tryOp(take, Duration.ofSeconds(20)));
            long[] call = timed.sleepingIn("semtimedop");
            assertThat(call[3]).as("a relative timeout").isNotZero();
            s.op(SemOp.of(0, 1));
            assertThat(timed.result()).isEqualTo(true);
            for (int i = 0; i < 200; i++) {
                assertThat(s.tryOp(take, Duration.ofNanos(java.util.concurrent.ThreadLocalRandom.current()
                        .nextLong(1, 2_000_000)))).isFalse();
            }
            s.remove();
        }
    }

    // ---------------------------------------------------------------- removal, close, interrupt

    @Test
    void removalByCWakesABlockedOpWithObjectRemovedAndJavasRemovalWakesC() throws Exception {
        try (SysVSemaphoreSet s = create(0)) {
            SemTesting.Blocked take = SemTesting.start(() -> s.op(SemOp.of(0, -1)));
            take.sleepingIn("semtimedop");
            assertThat(c("sysv_sem_peer", "remove", id(s))).isEqualTo("removed");
            assertThat(take.thrown()).isInstanceOf(ObjectRemovedException.class)
                    .hasMessage("semop(semid " + s.id() + "): Identifier removed (EIDRM)");
        }
        try (SysVSemaphoreSet s = create(0); Peer waiter = CPeer.start("sysv_sem_peer", "wait", String.valueOf(s.id()), "0:-1")) {
            waiter.awaitOutput("ready", T);
            awaitCount(() -> s.waitingForIncrease(0), 1);
            s.remove();
            waiter.awaitSuccess(T);
            assertThat(waiter.stdout()).isEqualTo("ready\nEIDRM\n");
        }
    }

    @Test
    void closeWakesWaitersAndUseAfterCloseIsRefused() throws Exception {
        SysVSemaphoreSet s = create(0);
        try {
            SemTesting.Blocked take = SemTesting.start(() -> s.op(SemOp.of(0, -1)));
            SemTesting.Blocked timed = SemTesting.start(() -> s.tryOp(SemOp.of(0, -1), Duration.ofMinutes(1)));
            take.sleepingIn("semtimedop");
            timed.sleepingIn("semtimedop");
            s.close();
            assertThat(take.thrown()).isInstanceOf(ObjectClosedException.class)
                    .hasMessage("semop(semid " + s.id() + "): object is closed");
            assertThat(timed.thrown()).isInstanceOf(ObjectClosedException.class)
                    .hasMessage("semtimedop(semid " + s.id() + "): object is closed");
            s.close();
            assertThatThrownBy(s::info).isInstanceOf(ObjectClosedException.class);
            assertThatThrownBy(() -> s.value(0)).isInstanceOf(ObjectClosedException.class)
                    .hasMessage("semctl(GETVAL)(semid " + s.id() + "): object is closed");
        } finally {
            SysVSemaphoreSet.openId(s.id()).remove();
        }
    }

    @Test
    void interruptWakesABlockedOpWithin100msAndCloseAndInterruptRacingTheEntryAlwaysWake() throws Exception {
        try (SysVSemaphoreSet keep = create(0)) {
            BlockedCalls.assertInterruptAnsweredWithin(Duration.ofMillis(100), () -> keep.op(SemOp.of(0, -1)));
            BlockedCalls.assertInterruptAnsweredWithin(Duration.ofMillis(100),
                    () -> keep.tryOp(SemOp.of(0, -1), Duration.ofMinutes(1)));
            BlockedCalls.closeAndInterruptRacingTheEntryAlwaysWake(300, () -> {
                SysVSemaphoreSet s = SysVSemaphoreSet.openId(keep.id());
                return new BlockedCalls.WaitTarget() {
                    @Override
                    public void block() throws Exception {
                        s.op(SemOp.of(0, -1));
                    }

                    @Override
                    public void closeObject() {
                        s.close();
                    }

                    @Override
                    public void close() {
                        s.close();
                    }
                };
            });
            assertThat(keep.values()).containsExactly(0);
            keep.remove();
        }
    }

    // ---------------------------------------------------------------- SEM_UNDO and crashes

    @Test
    void semUndoRestoresTheValuesOfAProcessKilledWithSigkill() throws Exception {
        try (SysVSemaphoreSet s = create(5)) {
            try (Peer holder = CPeer.start("sysv_sem_peer", "hold", id(s), "3")) {
                Crash.killAt(holder, "holding", T);
            }
            assertThat(s.values()).as("the kernel undid the dead C process's -3").containsExactly(5);
            // And a Java holder: its own +1 SEM_UNDO cancels with the -1 it took.
            assertThat(s.op(SemOp.of(0, -1).withUndo())).isTrue();
            assertThat(s.op(SemOp.of(0, +1).withUndo())).isTrue();
            assertThat(s.values()).containsExactly(5);
            s.remove();
        }
    }

    // ---------------------------------------------------------------- the create-then-initialise race

    @Test
    void anOpenWaitsForTheCreatorsInitialisationAndRacingCreatorsInitialiseOnce() throws Exception {
        IpcKey key = IpcKey.of(TestIpc.key());
        // A C creator following the same protocol stops between semget and its initialising semop.
        try (Peer creator = CPeer.start("sysv_sem_peer", "create", key.toString(), "2", "3,5")) {
            creator.awaitOutput("crash-point created\n", T);
            CompletableFuture<int[]> opened = CompletableFuture.supplyAsync(() -> {
                try (SysVSemaphoreSet s = SysVSemaphoreSet.createOrOpen(key, 2)) {
                    return s.values();
                } catch (IpcException e) {
                    throw new RuntimeException(e);
                }
            });
            Thread.sleep(300);
            assertThat(opened).as("the open waits for sem_otime").isNotDone();
            Crash.pass(creator, "created", T);
            creator.awaitSuccess(T);
            assertThat(opened.get(10, TimeUnit.SECONDS)).containsExactly(3, 5);
            SysVSemaphoreSet.openExisting(key).remove();
        }

        // Two JVMs racing createOrOpen: each sees the initial values, and they are set once.
        for (int round = 0; round < 3; round++) {
            IpcKey raced = IpcKey.of(TestIpc.key());
            List<Peer> peers = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    peers.add(PeerJvm.start(SemPeer.class, "race", raced.toString()));
                }
                for (Peer p : peers) {
                    p.awaitOutput("ready", T);
                }
                for (Peer p : peers) {
                    p.send("go");
                }
                for (Peer p : peers) {
                    p.awaitSuccess(T);
                    assertThat(p.stdout()).as("round %d", round).isEqualTo("ready\nvalues 3 5\n");
                }
                try (SysVSemaphoreSet s = SysVSemaphoreSet.openExisting(raced)) {
                    assertThat(s.values()).containsExactly(3, 5);
                    s.remove();
                }
            } finally {
                peers.forEach(Peer::close);
            }
        }
    }

    @Test
    void aSetWhoseCreatorDiedBeforeInitialisingIsOpenedOnceItIsOldEnough() throws Exception {
        IpcKey key = IpcKey.of(TestIpc.key());
        try (Peer creator = CPeer.start("sysv_sem_peer", "create", key.toString(), "1", "3")) {
            Crash.killAt(creator, "created", T);
        }
        long start = System.nanoTime();
        try (SysVSemaphoreSet s = SysVSemaphoreSet.openExisting(key)) {
            assertThat(System.nanoTime() - start).as("waited for the creator, then gave up on it")
                    .isBetween(TimeUnit.MILLISECONDS.toNanos(100), TimeUnit.SECONDS.toNanos(4));
            assertThat(s.values()).as("never initialised").containsExactly(0);
            s.remove();
        }
    }

    // ---------------------------------------------------------------- allocation

    @Test
    void operationsInALoopAllocateNothing() throws Exception {
        try (SysVSemaphoreSet s = create(0, 0)) {
            SemOp[] give = {SemOp.of(0, 2), SemOp.of(1, 1).withUndo()};
            SemOp[] take = {SemOp.of(0, -1), SemOp.of(1, -1).withUndo()};
            SemOp one = SemOp.of(0, -1);
            List<SemOp> giveList = List.of(give);
            Duration second = Duration.ofSeconds(1);
            long allocated = SemTesting.leastAllocated(() -> {
                s.op(give);
                s.op(take);
                s.tryOp(one, second);
                s.tryOp(giveList);
                s.tryOp(take);
                s.tryOp(one);
            }, 20_000);
            assertThat(allocated).as("bytes allocated by 20000 rounds").isLessThan(20_000);
            assertThat(s.values()).containsExactly(0, 0);
            s.remove();
        }
    }

    @Test
    void privateSetsAreReachedById() throws Exception {
        try (SysVSemaphoreSet a = SysVSemaphoreSet.createExclusively(IpcKey.PRIVATE, 1);
             SysVSemaphoreSet b = SysVSemaphoreSet.createOrOpen(IpcKey.PRIVATE, 1)) {
            try {
                assertThat(a.id()).isNotEqualTo(b.id());
                assertThat(a.info().perm().key()).isEqualTo(IpcKey.PRIVATE);
                assertThat(c("sysv_sem_peer", "op", id(a), "0", "0:+4")).isEqualTo("done");
                assertThat(a.value(0)).isEqualTo(4);
                try (SysVSemaphoreSet byId = SysVSemaphoreSet.openId(a.id())) {
                    assertThat(byId.key()).isEqualTo(IpcKey.PRIVATE);
                    assertThat(byId.count()).isEqualTo(1);
                }
            } finally {
                a.remove();
                b.remove();
            }
        }
    }
}
