package io.jipc.sync;

import static io.jipc.sync.SyncTesting.T;
import static io.jipc.sync.SyncTesting.c;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jipc.IpcException;
import io.jipc.ObjectClosedException;
import io.jipc.shm.Mapping;
import io.jipc.testing.Crash;
import io.jipc.testing.Peer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import org.junit.jupiter.api.Test;

/**
 * The pinned thread's fast path (see {@link SharedMutex}'s costs): a thread keeps one use of the
 * pages from one lock to the next, and still no unlock or lock after the mapping's close can
 * fault, a stranger's unlock is refused, and every use is given back.
 */
class SharedMutexPinTest {
    private static final long M = 0;

    /** How many mappings of the object named {@code name} this process has now. */
    private static long mappings(String name) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.endsWith(name)).count();
    }

    private static Throwable onAnotherThread(ThrowingRunnable r) throws Exception {
        CompletableFuture<Throwable> f = CompletableFuture.supplyAsync(() -> {
            try {
                r.run();
                return null;
            } catch (Throwable t) {
                return t;
            }
        }, run -> Thread.ofPlatform().start(run));
        return f.get(20, TimeUnit.SECONDS);
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void thePinnedHoldersUnlockAfterTheMappingsCloseWorksAndGivesThePagesBack() throws Exception {
        try (SyncTesting.Segment seg = SyncTesting.Segment.create("pin-held", 4096)) {
            String name = seg.name();
            Mapping map = seg.shm().map();
            SharedMutex m = SharedMutex.createExclusively(map, M);
            m.lock();
            m.unlock(); // this thread becomes the pinned thread
            m.lock();   // the fast path
            assertThat(m.isHeldByCurrentThread()).isTrue();
            assertThat(c("trylock", name, "" + M)).isEqualTo("EBUSY");
            assertThatThrownBy(m::lock).isInstanceOf(IpcException.class).hasMessageEndingWith("(EDEADLK)");
            assertThatThrownBy(m::tryLock).isInstanceOf(IpcException.class).hasMessageEndingWith("(EDEADLK)");
            assertThat(onAnotherThread(m::unlock)).as("a stranger's unlock").isInstanceOf(IllegalMonitorStateException.class)
                    .hasMessageContaining("the calling thread does not hold it (EPERM)");
            assertThat(m.isHeldByCurrentThread()).as("still held after the refusals").isTrue();

            assertThat(onAnotherThread(() -> {
                m.close();
                map.close();
            })).isNull();
            assertThat(mappings(name)).as("held: the pages stay").isEqualTo(2);
            assertThatThrownBy(m::lock).isInstanceOf(ObjectClosedException.class);
            m.unlock();
            assertThat(mappings(name)).as("the unlock gave the pin back").isEqualTo(1);
            assertThat(c("trylock", name, "" + M)).as("unlocked for C").isEqualTo("locked");
            assertThatThrownBy(m::lock).isInstanceOf(ObjectClosedException.class);
            assertThatThrownBy(m::unlock).as("not held, mapping gone: refused, not touched")
                    .isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void aCloseWhileThePinnedThreadIsIdleGivesThePagesBackAtOnce() throws Exception {
        try (SyncTesting.Segment seg = SyncTesting.Segment.create("pin-idle", 4096)) {
            String name = seg.name();
            Mapping map = seg.shm().map();
            SharedMutex m = SharedMutex.createExclusively(map, M);
            for (int i = 0; i < 1000; i++) {
                m.lock();
                m.unlock();
            }
            assertThat(onAnotherThread(m::close)).isNull();
            map.close();
            assertThat(mappings(name)).isEqualTo(1);
            assertThatThrownBy(m::lock).isInstanceOf(ObjectClosedException.class);
            assertThatThrownBy(m::tryLock).isInstanceOf(ObjectClosedException.class);
        }
    }

    @Test
    void thePinOfAThreadThatEndedPassesToTheNextAndIsGivenBack() throws Exception {
        try (SyncTesting.Segment seg = SyncTesting.Segment.create("pin-ended", 4096)) {
            String name = seg.name();
            Mapping map = seg.shm().map();
            SharedMutex m = SharedMutex.createExclusively(map, M);
            assertThat(onAnotherThread(() -> {
                m.lock();
                m.unlock(); // that thread is pinned, and ends
            })).isNull();
            for (int i = 0; i < 3; i++) {
                m.lock();
                m.unlock(); // the first one takes over the ended thread's pin, giving that one back
            }
            m.close();
            map.close();
            assertThat(mappings(name)).as("one pin at most, given back").isEqualTo(1);
        }
    }

    @Test
    void thePinnedThreadIsToldTheOwnerDiedAndRecovers() throws Exception {
        try (SyncTesting.Segment seg = SyncTesting.Segment.create("pin-died", 4096);
             SharedMutex m = SharedMutex.createExclusively(seg.mapping(), M)) {
            m.lock();
            m.unlock();
            try (Peer holder = SyncTesting.start("hold", seg.name(), "" + M)) {
                Crash.killAt(holder, "holding", T);
            }
            assertThatThrownBy(m::tryLock).isInstanceOf(OwnerDiedException.class)
                    .hasMessageStartingWith("pthread_mutex_trylock(mutex at 0 of " + seg.name() + ")");
            assertThat(m.isHeldByCurrentThread()).isTrue();
            m.makeConsistent();
            m.unlock();
            assertThat(c("lock", seg.name(), "" + M)).as("consistent again").isEqualTo("locked\nunlocked");
            m.lock();
            m.unlock();

            // Given up: the pinned thread unlocks without makeConsistent; the mutex is unrecoverable.
            try (Peer holder = SyncTesting.start("hold", seg.name(), "" + M)) {
                Crash.killAt(holder, "holding", T);
            }
            assertThatThrownBy(m::lock).isInstanceOf(OwnerDiedException.class);
            m.unlock();
            assertThatThrownBy(m::lock).isInstanceOf(NotRecoverableException.class)
                    .hasMessageEndingWith("(ENOTRECOVERABLE)");
            assertThatThrownBy(m::tryLock).isInstanceOf(NotRecoverableException.class);
            assertThat(c("trylock", seg.name(), "" + M)).as("glibc's word given back").isEqualTo("ENOTRECOVERABLE");
        }
    }

    @Test
    void aCloseRacingThePinnedThreadsLocksNeverFaultsAndLeavesNothingMapped() throws Exception {
        long seed = Long.getLong("jipc.seed", System.nanoTime());
        System.out.println("aCloseRacingThePinnedThreadsLocks: -Djipc.seed=" + seed);
        RandomGenerator random = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
        try (SyncTesting.Segment seg = SyncTesting.Segment.create("pin-race", 4096)) {
            String name = seg.name();
            SharedMutex.createExclusively(seg.mapping(), M).close();
            for (int round = 0; round < 200; round++) {
                Mapping map = seg.shm().map();
                SharedMutex m = SharedMutex.openExisting(map, M);
                CountDownLatch pinned = new CountDownLatch(1);
                CompletableFuture<Long> locker = CompletableFuture.supplyAsync(() -> {
                    long n = 0;
                    try {
                        while (true) {
                            m.lock();
                            n++;
                            m.unlock();
                            pinned.countDown();
                        }
                    } catch (ObjectClosedException e) {
                        return n;
                    } catch (IpcException e) {
                        throw new CompletionException(e);
                    }
                }, r -> Thread.ofPlatform().start(r));
                pinned.await();
                long until = System.nanoTime() + random.nextLong(200_000);
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
                m.close();
                map.close();
                assertThat(locker.get(20, TimeUnit.SECONDS)).isPositive();
                assertThat(mappings(name)).as("round %d: every use given back", round).isEqualTo(1);
            }
        }
    }
}
