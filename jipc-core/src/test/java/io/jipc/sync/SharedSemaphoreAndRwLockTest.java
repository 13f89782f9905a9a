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
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SharedSemaphoreAndRwLockTest {
    private static final Slots LAYOUT = Slots.from(0);
    private static final long S = LAYOUT.reserve(SlotKind.SEMAPHORE);
    private static final long S2 = LAYOUT.reserve(SlotKind.SEMAPHORE);
    private static final long RW = LAYOUT.reserve(SlotKind.RW_LOCK);
    private static final long RW2 = LAYOUT.reserve(SlotKind.RW_LOCK);

    @Test
    void anUnnamedSemaphoreIsSharedWithCBothWays() throws Exception {
        try (SyncTesting.Segment seg = SyncTesting.Segment.create("sem", 4096);
             SharedSemaphore s = SharedSemaphore.createExclusively(seg.mapping(), S, 0)) {
            try (Peer waiter = SyncTesting.start("sem-wait", seg.name(), "" + S)) {
                waiter.awaitOutput("ready", T);
                Thread.sleep(100);
                assertThat(waiter.process().isAlive()).as("C waits while the value is 0").isTrue();
                s.release();
                waiter.awaitSuccess(T);
                assertThat(waiter.stdout()).isEqualTo("ready\nacquired\n");
            }
            SyncTesting.Blocked acquire = SyncTesting.start(() -> {
                s.acquire();
                return "acquired";
            });
            acquire.sleepingIn("futex");
            assertThat(c("sem-post", seg.name(), "" + S, "3")).isEqualTo("posted 3");
            assertThat(acquire.result()).isEqualTo("acquired");
            assertThat(s.value()).isEqualTo(2);
            assertThat(s.tryAcquire()).isTrue();
            assertThat(s.tryAcquire(Duration.ofSeconds(1))).isTrue();
            assertThat(s.tryAcquire()).isFalse();
            assertThat(s.tryAcquire(Duration.ofMillis(20))).isFalse();
            s.release(5);
            assertThat(c("sem-value", seg.name(), "" + S)).isEqualTo("5");
            BlockedCalls.assertInterruptAnsweredWithin(Duration.ofMillis(100), () -> {
                while (true) {
                    s.acquire();
                }
            });

            assertThat(c("init", "sem", seg.name(), "" + S2, "2")).isEqualTo("initialised");
            try (SharedSemaphore cMade = SharedSemaphore.openExisting(seg.mapping(), S2)) {
                assertThat(cMade.value()).isEqualTo(2);
                SyncTesting.Blocked closed = SyncTesting.start(() -> {
                    while (true) {
                        cMade.acquire();
                    }
                });
                closed.sleepingIn("futex");
                cMade.close();
                assertThat(closed.result()).isInstanceOf(ObjectClosedException.class);
            }
            assertThatThrownBy(() -> SharedSemaphore.createExclusively(seg.mapping(), S, 1))
                    .isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> SharedSemaphore.createExclusively(seg.mapping(), RW, -1))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> SharedMutex.openExisting(seg.mapping(), S))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("mutex at 0 of " + seg.name() + " does not hold one (it holds a semaphore)");
        }
    }

    @Test
    void aReadWriteLockIsSharedWithCBothWays() throws Exception {
        try (SyncTesting.Segment seg = SyncTesting.Segment.create("rw", 4096);
             SharedRwLock rw = SharedRwLock.createExclusively(seg.mapping(), RW)) {
            try (Peer reader = SyncTesting.start("read-hold", seg.name(), "" + RW)) {
                reader.awaitOutput("crash-point holding\n", T);
                assertThat(rw.tryReadLock()).as("readers share").isTrue();
                rw.unlock();
                assertThat(rw.tryWriteLock()).isFalse();
                assertThat(rw.tryWriteLock(Duration.ofMillis(60))).isFalse();
                BlockedCalls.assertInterruptAnsweredWithin(Duration.ofMillis(100), rw::writeLock);
                SyncTesting.Blocked writer = SyncTesting.start(() -> {
                    rw.writeLock();
                    rw.unlock();
                    return "wrote";
                });
                writer.sleepingIn("futex");
                reader.send("go");
                assertThat(writer.result()).isEqualTo("wrote");
                reader.awaitSuccess(T);
            }
            rw.writeLock();
            assertThat(c("tryread", seg.name(), "" + RW)).isEqualTo("EBUSY");
            assertThat(c("trywrite", seg.name(), "" + RW)).isEqualTo("EBUSY");
            assertThatThrownBy(rw::readLock).isInstanceOf(IpcException.class).hasMessageEndingWith("(EDEADLK)");
            rw.unlock();
            assertThatThrownBy(rw::unlock).isInstanceOf(IllegalMonitorStateException.class)
                    .hasMessage("pthread_rwlock_unlock(read-write lock at " + RW + " of " + seg.name()
                            + "): the calling thread holds it neither for reading nor for writing");
            assertThat(c("trywrite", seg.name(), "" + RW)).isEqualTo("locked");

            assertThat(c("init", "rwlock", seg.name(), "" + RW2)).isEqualTo("initialised");
            try (SharedRwLock cMade = SharedRwLock.openExisting(seg.mapping(), RW2);
                 Peer writer = SyncTesting.start("write-hold", seg.name(), "" + RW2)) {
                writer.awaitOutput("crash-point holding\n", T);
                assertThat(cMade.tryReadLock()).isFalse();
                SyncTesting.Blocked reader = SyncTesting.start(() -> {
                    cMade.readLock();
                    cMade.unlock();
                    return "read";
                });
                reader.sleepingIn("futex");
                Crash.pass(writer, "holding", T);
                assertThat(reader.result()).isEqualTo("read");
                writer.awaitSuccess(T);
                SyncTesting.Blocked twice = SyncTesting.start(() -> {
                    cMade.writeLock();
                    try {
                        cMade.writeLock();
                        return "twice";
                    } catch (IpcException e) {
                        return e.getMessage();
                    } finally {
                        cMade.unlock();
                    }
                });
                assertThat(twice.result()).isEqualTo("pthread_rwlock_wrlock(read-write lock at " + RW2 + " of "
                        + seg.name() + "): this thread holds it for writing (EDEADLK)");
                cMade.close();
                assertThatThrownBy(cMade::readLock).isInstanceOf(ObjectClosedException.class);
            }
        }
    }
}
