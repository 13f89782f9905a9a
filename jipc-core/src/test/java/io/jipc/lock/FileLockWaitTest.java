package io.jipc.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jipc.IpcException;
import io.jipc.IpcInterruptedException;
import io.jipc.ObjectClosedException;
import io.jipc.internal.libc.Unistd;
import io.jipc.testing.BlockedCalls;
import io.jipc.testing.ThreadMeters;
import io.jipc.testing.ThreadSyscalls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * How a lock waits: inside F_SETLKW, F_OFD_SETLKW or flock as C's does, with no CPU; ended by
 * close, interrupt and deadline through the wait engine; and the uncontended path allocates nothing.
 */
class FileLockWaitTest {
    @TempDir
    static Path dir;

    private static int counter;

    private static Path file() throws Exception {
        Path p = dir.resolve("wait-" + (++counter));
        Files.writeString(p, "");
        return p;
    }

    private static FileLock.Options options(LockKind kind) {
        return FileLock.Options.defaults().withKind(kind);
    }

    private static String syscall(LockKind kind) {
        return kind == LockKind.FLOCK ? "flock" : "fcntl";
    }

    /**
     * Someone else holding the whole file exclusively: another owner in this JVM for flock and OFD
     * locks, a C peer for POSIX locks (a process never conflicts with itself).
     */
    private static AutoCloseable holdElsewhere(LockKind kind, Path p) throws Exception {
        if (kind == LockKind.POSIX) {
            LockPeers peer = LockPeers.Side.C.start(p);
            assertThat(peer.ask("try posix exclusive 0 0")).isEqualTo("locked");
            return peer;
        }
        return FileLock.lock(p, options(kind));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(LockKind.class)
    void aBlockedLockSleepsInsideItsCallAndUsesNoCpu(LockKind kind) throws Exception {
        Path p = file();
        try (AutoCloseable other = holdElsewhere(kind, p); FileLock lock = FileLock.open(p, options(kind))) {
            AtomicInteger tid = new AtomicInteger();
            CompletableFuture<Throwable> untimed = BlockedCalls.blocked(() -> {
                tid.set(Unistd.gettid());
                lock.lock();
            });
            assertThat(ThreadSyscalls.awaitSleepingIn(tid::get, untimed, "fcntl", "flock", "poll", "ppoll",
                    "clock_nanosleep")).isEqualTo(syscall(kind));
            lock.close();
            assertThat(untimed.get(10, TimeUnit.SECONDS)).isInstanceOf(ObjectClosedException.class);
        }
        try (AutoCloseable other = holdElsewhere(kind, p); FileLock lock = FileLock.open(p, options(kind))) {
            long[] cpu = new long[1];
            long[] wall = new long[1];
            AtomicInteger tid = new AtomicInteger();
            CompletableFuture<Boolean> timed = CompletableFuture.supplyAsync(() -> {
                try {
                    tid.set(Unistd.gettid());
                    lock.tryLock(Duration.ofMillis(10)); // the thread's timer is created here
                    long c0 = ThreadMeters.currentThreadCpuNanos();
                    long w0 = System.nanoTime();
                    boolean got = lock.tryLock(Duration.ofSeconds(1));
                    wall[0] = System.nanoTime() - w0;
                    cpu[0] = ThreadMeters.currentThreadCpuNanos() - c0;
                    return got;
                } catch (IpcException e) {
                    throw new RuntimeException(e);
                }
            }, r -> Thread.ofPlatform().start(r));
            assertThat(ThreadSyscalls.awaitSleepingIn(tid::get, timed, "fcntl", "flock", "poll", "ppoll",
                    "clock_nanosleep")).as("a timed wait sleeps in the call too").isEqualTo(syscall(kind));
            assertThat(timed.get(20, TimeUnit.SECONDS)).isFalse();
            assertThat(wall[0]).isGreaterThanOrEqualTo(TimeUnit.SECONDS.toNanos(1));
            assertThat(cpu[0]).as("CPU used by a thread waiting 1 s for a lock").isLessThan(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(LockKind.class)
    void interruptEndsABlockedLockWithin100msAndTheLockStaysUsable(LockKind kind) throws Exception {
        Path p = file();
        try (FileLock lock = FileLock.open(p, options(kind))) {
            try (AutoCloseable other = holdElsewhere(kind, p)) {
                BlockedCalls.assertInterruptAnsweredWithin(Duration.ofMillis(100), lock::lock);
                assertThat(lock.isHeld()).isFalse();
            }
            assertThat(lock.tryLock(Duration.ofSeconds(10))).as("usable once the other holder left").isTrue();
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(LockKind.class)
    void closeWakesABlockedLock(LockKind kind) throws Exception {
        Path p = file();
        try (AutoCloseable other = holdElsewhere(kind, p)) {
            FileLock lock = FileLock.open(p, options(kind));
            CompletableFuture<Throwable> blocked = BlockedCalls.blocked(lock::lock);
            CompletableFuture<Throwable> timed = BlockedCalls.blocked(() -> lock.tryLock(Duration.ofHours(1)));
            Thread.sleep(200);
            assertThat(blocked).isNotDone();
            lock.close();
            String call = switch (kind) {
                case FLOCK -> "flock";
                case POSIX -> "fcntl(F_SETLKW)";
                case OFD -> "fcntl(F_OFD_SETLKW)";
            };
            assertThat(blocked.get(10, TimeUnit.SECONDS)).isInstanceOf(ObjectClosedException.class)
                    .hasMessage(call + "(" + p + "): object is closed");
            assertThat(timed.get(10, TimeUnit.SECONDS)).isInstanceOf(ObjectClosedException.class);
            assertThat(lock.fd().isOpen()).isFalse();
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = LockKind.class, names = {"FLOCK", "OFD"})
    void closeAndInterruptRacingTheEntryAlwaysWake(LockKind kind) throws Exception {
        Path p = file();
        try (FileLock holder = FileLock.lock(p, options(kind))) {
            BlockedCalls.closeAndInterruptRacingTheEntryAlwaysWake(200, () -> {
                FileLock lock = FileLock.open(p, options(kind));
                return new BlockedCalls.WaitTarget() {
                    @Override
                    public void block() throws Exception {
                        lock.lock();
                    }

                    @Override
                    public void closeObject() {
                        lock.close();
                    }

                    @Override
                    public void close() {
                        lock.close();
                    }
                };
            });
            assertThat(holder.isHeld()).isTrue();
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = LockKind.class, names = {"FLOCK", "OFD"})
    void tinyTimeoutsNeverHang(LockKind kind) throws Exception {
        // Deadlines that fire before, during and after the thread enters its call.
        Path p = file();
        try (FileLock holder = FileLock.lock(p, options(kind)); FileLock lock = FileLock.open(p, options(kind))) {
            for (int i = 0; i < 300; i++) {
                Duration d = Duration.ofNanos(ThreadLocalRandom.current().nextLong(1, 2_000_000));
                assertThat(lock.tryLock(d)).isFalse();
            }
            assertThat(lock.tryLock(Duration.ZERO)).isFalse();
        }
    }

    @Test
    void aPendingInterruptEndsOnlyALockThatMustWait() throws Exception {
        Path p = file();
        try (FileLock free = FileLock.open(p, options(LockKind.OFD).withRange(0, 1));
             FileLock busy = FileLock.open(p, options(LockKind.OFD).withRange(1, 1));
             FileLock holder = FileLock.lock(p, options(LockKind.OFD).withRange(1, 1))) {
            Thread.currentThread().interrupt();
            try {
                free.lock();
                assertThat(free.isHeld()).as("a free lock is taken by an interrupted thread").isTrue();
                assertThatThrownBy(busy::lock).isInstanceOf(IpcInterruptedException.class)
                        .hasMessage("fcntl(F_OFD_SETLKW)(" + p + "): interrupted");
                assertThat(Thread.currentThread().isInterrupted()).isTrue();
            } finally {
                Thread.interrupted();
            }
            assertThat(holder.isHeld()).isTrue();
        }
    }

    @Test
    void aVirtualThreadBlockedInALockAnswersInterrupt() throws Exception {
        Path p = file();
        try (FileLock holder = FileLock.lock(p, options(LockKind.OFD)); FileLock lock = FileLock.open(p, options(LockKind.OFD))) {
            AtomicReference<Throwable> outcome = new AtomicReference<>();
            for (int i = 0; i < 3; i++) {
                Thread t = Thread.ofVirtual().start(() -> {
                    try {
                        lock.lock();
                    } catch (Throwable e) {
                        outcome.set(e);
                    }
                });
                Thread.sleep(100);
                t.interrupt();
                t.join(10_000);
                assertThat(t.isAlive()).isFalse();
                assertThat(outcome.get()).isInstanceOf(IpcInterruptedException.class);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(LockKind.class)
    void lockAndUnlockInALoopAllocateNothing(LockKind kind) throws Exception {
        Path p = file();
        try (FileLock lock = FileLock.open(p, options(kind).withRange(kind.ranges() ? LockRange.of(4, 8) : LockRange.WHOLE_FILE))) {
            Duration second = Duration.ofSeconds(1); // made here: the test must not allocate either
            long allocated = ThreadMeters.allocatedBytesOf(() -> {
                lock.lock();
                lock.unlock();
                lock.tryLock();
                lock.lock(LockType.SHARED);
                lock.unlock();
                lock.tryLock(second);
                lock.unlock();
            }, 20_000);
            assertThat(allocated).as("bytes allocated by 20000 rounds of 7 calls").isLessThan(20_000);
        }
    }
}
