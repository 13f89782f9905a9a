package io.jipc.reliability;

import static io.jipc.reliability.CrashRun.JVM_ROUNDS;
import static io.jipc.reliability.CrashRun.ROUNDS;
import static io.jipc.reliability.CrashRun.T;
import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.IpcKey;
import io.jipc.Transfer;
import io.jipc.channel.Channel;
import io.jipc.channel.ChannelReader;
import io.jipc.channel.ChannelWriter;
import io.jipc.channel.PeerDiedException;
import io.jipc.channel.RecordHandler;
import io.jipc.lock.FileLock;
import io.jipc.lock.LockKind;
import io.jipc.sem.PermitPool;
import io.jipc.sem.SemOp;
import io.jipc.sem.SysVSemaphoreSet;
import io.jipc.shm.Mapping;
import io.jipc.shm.SharedMemory;
import io.jipc.sync.OwnerDiedException;
import io.jipc.sync.SharedMutex;
import io.jipc.testing.CPeer;
import io.jipc.testing.Crash;
import io.jipc.testing.Peer;
import io.jipc.testing.PeerJvm;
import io.jipc.testing.TestIpc;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Crash and fault, the mechanisms that are held: a peer killed with SIGKILL while it holds a file
 * lock, SEM_UNDO units, a PermitPool's permits or a robust mutex, while it waits for one, or
 * anywhere in a lock/unlock loop — the resource comes back to the survivor (the mutex saying the
 * owner died when it did, and only then) — and the channel, whose reader gets every committed
 * record, never a torn one, is told the writer died, and goes on with the next writer.
 */
class CrashFaultHoldersTest {
    @TempDir
    Path dir;

    @AfterAll
    static void report() {
        CrashRun.report("crash-fault holders");
    }

    /** The survivor's own hold, taken before the peer starts, so the peer dies waiting for it. */
    private static final String BLOCKED = "blocked";

    private interface Resource extends AutoCloseable {
        /** Whether the survivor can take it now (and gives it back). */
        boolean takeNow() throws Exception;

        /**
         * After the peer's death: the resource came back (taken, waiting as long as it takes, and
         * given back). {@code diedHolding}: whether the peer died holding it, null when the
         * kill's moment says nothing.
         */
        void afterKill(Boolean diedHolding) throws Exception;

        /** Holds it until {@link #give()}. */
        void hold() throws Exception;

        void give() throws Exception;
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(LockKind.class)
    void aFileLockOfAKilledHolderComesBack(LockKind kind) throws Exception {
        Path file = Files.createFile(dir.resolve("lock-" + kind));
        FileLock.Options options = FileLock.Options.defaults().withKind(kind);
        String mode = kind.name().toLowerCase(java.util.Locale.ROOT);
        holders(mode, file.toString(), 1, new Resource() {
            FileLock held;

            @Override
            public boolean takeNow() throws Exception {
                Optional<FileLock> l = FileLock.tryLock(file, options);
                l.ifPresent(FileLock::close);
                return l.isPresent();
            }

            @Override
            public void afterKill(Boolean diedHolding) throws Exception {
                Optional<FileLock> l = FileLock.tryLock(file, options, T);
                assertThat(l).as("the lock came back").isPresent();
                l.get().close();
            }

            @Override
            public void hold() throws Exception {
                held = FileLock.lock(file, options);
            }

            @Override
            public void give() {
                held.close();
            }

            @Override
            public void close() {
                if (held != null) {
                    held.close();
                }
            }
        });
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"semundo", "permitpool"})
    void semUndoUnitsOfAKilledHolderComeBack(String kind) throws Exception {
        int total = 3;
        IpcKey key = IpcKey.of(TestIpc.key());
        SysVSemaphoreSet set = kind.equals("semundo") ? SysVSemaphoreSet.createExclusively(key, 1) : null;
        PermitPool pool = set == null ? PermitPool.createExclusively(key, total) : null;
        if (set != null) {
            set.setValue(0, total);
        }
        int id = set != null ? set.id() : pool.id();
        SplittableRandom units = CrashRun.random(kind + "-units");
        int[] taking = {1};
        holders("semundo", Integer.toString(id), () -> taking[0] = 1 + units.nextInt(total), kind, new Resource() {
            @Override
            public boolean takeNow() throws Exception {
                boolean got = set != null ? set.op(SemOp.of(0, -total).withNoWait()) : pool.tryAcquire(total);
                if (got) {
                    give();
                }
                return got;
            }

            @Override
            public void afterKill(Boolean diedHolding) throws Exception {
                assertThat(available()).as("every unit came back").isEqualTo(total);
            }

            int available() throws Exception {
                return set != null ? set.values()[0] : pool.available();
            }

            @Override
            public void hold() throws Exception {
                if (set != null) {
                    set.op(SemOp.of(0, -total));
                } else {
                    pool.acquire(total);
                }
            }

            @Override
            public void give() throws Exception {
                if (set != null) {
                    set.op(SemOp.of(0, total));
                } else {
                    pool.release(total);
                }
            }

            @Override
            public void close() throws Exception {
                if (set != null) {
                    set.remove();
                    set.close();
                } else {
                    pool.remove();
                    pool.close();
                }
            }
        });
    }

    @Test
    void aRobustMutexOfAKilledHolderComesBackSayingTheOwnerDied() throws Exception {
        String name = TestIpc.name("crash-mutex");
        try (SharedMemory shm = SharedMemory.createExclusively(name, 4096); Mapping map = shm.map();
             SharedMutex m = SharedMutex.createExclusively(map, 0)) {
            MemorySegment pair = map.segment().asSlice(256, 16);
            holders("mutex", name, 1, new Resource() {
                @Override
                public boolean takeNow() throws Exception {
                    boolean got = m.tryLock();
                    if (got) {
                        m.unlock();
                    }
                    return got;
                }

                @Override
                public void afterKill(Boolean diedHolding) throws Exception {
                    afterAKill(m, pair, diedHolding);
                }

                @Override
                public void hold() throws Exception {
                    m.lock();
                }

                @Override
                public void give() {
                    m.unlock();
                }

                @Override
                public void close() throws Exception {
                    shm.unlink();
                }
            });
        }
    }

    /** A second JVM killed holding the mutex ({@code io.jipc.sync.SyncPeer hold}) or a PermitPool's permits. */
    @Test
    void aJvmHolderKilledGivesTheMutexAndThePermitsBack() throws Exception {
        CrashRun.Tally tally = CrashRun.tally("jvm mutex+permitpool");
        SplittableRandom random = CrashRun.random("jvm holders");
        withJvmMutex("crash-jvm-mutex", (name, m, pair) -> {
            try (PermitPool pool = PermitPool.createExclusively(IpcKey.of(TestIpc.key()), 4)) {
                try {
                    for (int round = 0; round < JVM_ROUNDS; round++) {
                        try (Peer holder = PeerJvm.start(io.jipc.sync.SyncPeer.class, "hold", name, "0")) {
                            Crash.killAt(holder, "holding", T);
                        }
                        afterAKill(m, pair, true);
                        int permits = 1 + random.nextInt(4);
                        try (Peer holder = PeerJvm.start(io.jipc.sem.SemPeer.class, "pool", pool.key().toString(), "" + permits)) {
                            holder.awaitOutput("crash-point holding\n", T);
                            assertThat(pool.available()).isEqualTo(4 - permits);
                            Crash.killAt(holder, "holding", T);
                        }
                        assertThat(pool.available()).as("the dead JVM's permits came back").isEqualTo(4);
                        retally(tally, null, "holding");
                        retally(tally, null, "holding");
                    }
                } finally {
                    pool.remove();
                }
            }
        });
    }

    /**
     * A second JVM killed anywhere in a lock/unlock loop: its thread is the mutex's pinned one,
     * whose lock and unlock write glibc's robust list in Java, so the kill lands between those
     * stores too. The mutex always comes back — owner-died with the pair possibly torn, or free
     * with the pair whole — and works again.
     */
    @Test
    void aJvmKilledAnywhereInItsLockLoopLeavesTheMutexUsable() throws Exception {
        CrashRun.Tally tally = CrashRun.tally("jvm mutex loop");
        SplittableRandom random = CrashRun.random("jvm mutex loop");
        withJvmMutex("crash-jvm-loop", (name, m, pair) -> {
            for (int round = 0; round < 4 * JVM_ROUNDS; round++) {
                try (Peer looper = PeerJvm.start(io.jipc.sync.SyncPeer.class, "loop", name, "0", "" + PAIR)) {
                    looper.awaitOutput("looping\n", T);
                    Thread.sleep(random.nextInt(20));
                    looper.kill();
                    looper.awaitExit(T);
                }
                boolean died = afterAKill(m, pair, null);
                retally(tally, null, died ? "loop, died holding" : "loop, died not holding");
            }
        });
    }

    /** Where the JVM tests' mutex guards its pair of longs, in the object beside the mutex at 0. */
    private static final long PAIR = 256;

    private interface JvmMutexRounds {
        void run(String name, SharedMutex mutex, MemorySegment pair) throws Exception;
    }

    /** A shared-memory object with a mutex at 0 for a second JVM to open by {@code name}, unlinked after. */
    private static void withJvmMutex(String what, JvmMutexRounds rounds) throws Exception {
        String name = TestIpc.name(what);
        try (SharedMemory shm = SharedMemory.createExclusively(name, 4096); Mapping map = shm.map();
             SharedMutex m = SharedMutex.createExclusively(map, 0)) {
            try {
                rounds.run(name, m, map.segment().asSlice(PAIR, 16));
            } finally {
                shm.unlink();
            }
        }
    }

    /**
     * The survivor takes the mutex after a kill: owner-died exactly when the peer died holding it
     * ({@code diedHolding}; null when the kill's moment says nothing), the guarded pair consistent
     * whenever the owner did not die, then repairs and unlocks.
     */
    private static boolean afterAKill(SharedMutex m, MemorySegment pair, Boolean diedHolding) throws Exception {
        boolean ownerDied;
        try {
            assertThat(m.tryLock(T)).as("the mutex came back").isTrue();
            ownerDied = false;
        } catch (OwnerDiedException e) {
            ownerDied = true;
        }
        long a = pair.get(ValueLayout.JAVA_LONG, 0);
        long b = pair.get(ValueLayout.JAVA_LONG, 8);
        if (diedHolding != null) {
            assertThat(ownerDied).as("owner-died reported").isEqualTo(diedHolding);
        }
        if (!ownerDied) {
            assertThat(a).as("a mutex nobody died holding guards consistent data").isEqualTo(b);
        } else {
            pair.set(ValueLayout.JAVA_LONG, 8, a);
            m.makeConsistent();
        }
        m.unlock();
        assertThat(m.tryLock()).as("usable again").isTrue();
        m.unlock();
        return ownerDied;
    }

    private void holders(String mode, String target, int size, Resource resource) throws Exception {
        holders(mode, target, () -> size, mode, resource);
    }

    private interface Size {
        int next();
    }

    /**
     * Rounds of a C holder looping acquire/release on {@code target}, killed holding it (point
     * "holding", or "mid-update" for the mutex), waiting for it ({@link #BLOCKED}), or anywhere.
     */
    private void holders(String mode, String target, Size size, String label, Resource resource) throws Exception {
        CrashRun.Tally tally = CrashRun.tally(label);
        SplittableRandom random = CrashRun.random(label);
        List<String> points = mode.equals("mutex") ? List.of("holding", "mid-update", BLOCKED)
                : List.of("holding", BLOCKED);
        try (resource) {
            for (int round = 0; round < ROUNDS; round++) {
                int count = 5000 + random.nextInt(50_000);
                String point = CrashRun.drawPoint(random, points);
                int at = random.nextInt(20);
                long delay = random.nextLong(4000);
                int units = size.next();
                String what = label + " round " + round + " (" + point + " at " + at + ", seed " + CrashRun.SEED + ")";
                Path report = dir.resolve(label + round + ".report");
                boolean blocked = point.equals(BLOCKED);
                if (blocked) {
                    resource.hold();
                }
                Boolean diedHolding;
                try (Peer peer = CPeer.start("crash_fault", mode, target, "" + count, "" + units,
                        blocked ? "none" : point, "" + at, report.toString())) {
                    peer.awaitOutput("ready\n", T);
                    if (blocked) {
                        CrashRun.strike(peer, CrashRun.TIMED, delay, tally);
                        retally(tally, CrashRun.TIMED, BLOCKED);
                        assertThat(Files.readString(report)).as("%s: the peer never held it", what).isEmpty();
                        resource.give();
                        diedHolding = false;
                    } else if (point.equals(CrashRun.TIMED)) {
                        CrashRun.strike(peer, point, delay, tally);
                        diedHolding = null;
                    } else {
                        Crash.pass(peer, "start", T);
                        peer.awaitOutput("crash-point " + point + "\n", T);
                        assertThat(resource.takeNow()).as("%s: held by the peer", what).isFalse();
                        Crash.killAt(peer, point, T);
                        retally(tally, null, point);
                        diedHolding = true;
                    }
                }
                try {
                    resource.afterKill(diedHolding);
                } catch (AssertionError e) {
                    throw new AssertionError(what + ": " + e.getMessage(), e);
                }
                CrashRun.count(tally, CrashRun.reported(report), 0);
            }
        }
    }

    /** Moves a round counted under {@code from} by {@link CrashRun#strike} to {@code to}; counts it when from is null. */
    private static void retally(CrashRun.Tally tally, String from, String to) {
        synchronized (tally) {
            if (from == null) {
                tally.rounds++;
                tally.kills++;
            } else {
                tally.points.merge(from, -1, Integer::sum);
                tally.points.remove(from, 0);
            }
            tally.points.merge(to, 1, Integer::sum);
        }
    }
}
