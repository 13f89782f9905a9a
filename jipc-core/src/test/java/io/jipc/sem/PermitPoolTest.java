package io.jipc.sem;

import static io.jipc.sem.SemTesting.T;
import static io.jipc.sem.SemTesting.c;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jipc.IpcKey;
import io.jipc.NotFoundException;
import io.jipc.ObjectClosedException;
import io.jipc.testing.BlockedCalls;
import io.jipc.testing.CPeer;
import io.jipc.testing.Crash;
import io.jipc.testing.Peer;
import io.jipc.testing.PeerJvm;
import io.jipc.testing.TestIpc;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PermitPoolTest {
    @Test
    void acquireReleaseAndTheCountsOfAPool() throws Exception {
        IpcKey key = IpcKey.of(TestIpc.key());
        try (PermitPool pool = PermitPool.createExclusively(key, 3); PermitPool other = PermitPool.createOrOpen(key, 10)) {
            assertThat(other.id()).isEqualTo(pool.id());
            assertThat(other.available()).as("an existing pool keeps its permits").isEqualTo(3);
            pool.acquire();
            assertThat(pool.tryAcquire(2)).isTrue();
            assertThat(pool.held()).isEqualTo(3);
            assertThat(pool.available()).isZero();
            assertThat(other.tryAcquire()).isFalse();
            assertThat(other.tryAcquire(Duration.ofMillis(50))).isFalse();
            pool.release(2);
            assertThat(other.tryAcquire(3)).as("all or none").isFalse();
            assertThat(other.tryAcquire(2, Duration.ofSeconds(1))).isTrue();
            assertThat(pool.available()).isZero();
            assertThatThrownBy(() -> pool.release(2)).isInstanceOf(IllegalStateException.class)
                    .hasMessage("releasing 2 permits while this process holds 1 from this pool (a permit is released by"
                            + " the process that acquired it, through the object that did)");
            pool.release();
            other.release(2);
            assertThat(pool.available()).isEqualTo(3);
            assertThat(pool.held()).isZero();
            assertThat(c("sysv_sem_peer", "values", String.valueOf(pool.id()))).isEqualTo("3");
            pool.remove();
        }
    }

    @Test
    void badPermitCountsAreRefusedAndCreateNothing() throws Exception {
        IpcKey key = IpcKey.of(TestIpc.key());
        assertThatThrownBy(() -> PermitPool.createExclusively(key, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a pool holds 1..32767 permits (SEMVMX), got 0");
        assertThatThrownBy(() -> PermitPool.createOrOpen(key, 32768)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PermitPool.openExisting(key)).isInstanceOf(NotFoundException.class);
        try (PermitPool pool = PermitPool.createExclusively(key, 1)) {
            assertThatThrownBy(() -> pool.acquire(0)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("permits must be 1..32767, got 0");
            assertThatThrownBy(() -> pool.tryAcquire(-1, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(pool::release).isInstanceOf(IllegalStateException.class);
            assertThat(pool.available()).isEqualTo(1);
            pool.remove();
        }
    }

    @Test
    void permitsOfAJvmKilledWhileHoldingThemComeBack() throws Exception {
        IpcKey key = IpcKey.of(TestIpc.key());
        try (PermitPool pool = PermitPool.createExclusively(key, 4)) {
            try (Peer holder = PeerJvm.start(SemPeer.class, "pool", key.toString(), "3")) {
                holder.awaitOutput("crash-point holding", T);
                assertThat(pool.available()).isEqualTo(1);
                SemTesting.Blocked waiting = SemTesting.start(() -> pool.tryAcquire(2, Duration.ofSeconds(20)));
                waiting.sleepingIn("semtimedop");
                assertThat(pool.waiting()).isEqualTo(1);
                Crash.killAt(holder, "holding", T);
                assertThat(waiting.result()).as("the kill -9 gave the permits back, waking the waiter").isEqualTo(true);
            }
            assertThat(pool.available()).isEqualTo(2);
            pool.release(2);
            // A holder that releases normally leaves the pool as it found it too.
            try (Peer holder = PeerJvm.start(SemPeer.class, "pool", key.toString(), "4")) {
                Crash.pass(holder, "holding", T);
                holder.awaitSuccess(T);
                assertThat(holder.stdout()).endsWith("released\n");
            }
            assertThat(pool.available()).isEqualTo(4);
            pool.remove();
        }
    }

    @Test
    void permitsOfACProcessKilledWhileHoldingThemComeBack() throws Exception {
        try (PermitPool pool = PermitPool.createExclusively(IpcKey.of(TestIpc.key()), 2);
             Peer holder = CPeer.start("sysv_sem_peer", "hold", String.valueOf(pool.id()), "2")) {
            holder.awaitOutput("crash-point holding", T);
            assertThat(pool.tryAcquire()).isFalse();
            Crash.killAt(holder, "holding", T);
            assertThat(pool.available()).isEqualTo(2);
            pool.remove();
        }
    }

    @Test
    void aWaitForAPermitGivesUpOnTimeAndAnswersCloseAndInterrupt() throws Exception {
        try (PermitPool pool = PermitPool.createExclusively(IpcKey.of(TestIpc.key()), 1)) {
            try {
                pool.acquire();
                long[] spent = SemTesting.timedOut(() -> pool.tryAcquire(Duration.ofMillis(5)),
                        () -> pool.tryAcquire(Duration.ofMillis(300)));
                assertThat(spent[0]).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(300));
                assertThat(spent[1]).isLessThan(TimeUnit.MILLISECONDS.toNanos(20));
                BlockedCalls.assertInterruptAnsweredWithin(Duration.ofMillis(100), pool::acquire);
                try (PermitPool other = PermitPool.openId(pool.id())) {
                    SemTesting.Blocked waiting = SemTesting.start(() -> {
                        other.acquire();
                        return "acquired";
                    });
                    waiting.sleepingIn("semtimedop");
                    other.close();
                    assertThat(waiting.thrown()).isInstanceOf(ObjectClosedException.class);
                }
                assertThat(pool.held()).isEqualTo(1);
                pool.release();
            } finally {
                pool.remove();
            }
        }
    }

    @Test
    void acquireAndReleaseAllocateNothing() throws Exception {
        try (PermitPool pool = PermitPool.createExclusively(IpcKey.of(TestIpc.key()), 8)) {
            Duration second = Duration.ofSeconds(1);
            long allocated = SemTesting.leastAllocated(() -> {
                pool.acquire();
                pool.tryAcquire(2);
                pool.tryAcquire(second);
                pool.release(4);
                pool.acquire(4);
                pool.release(4);
            }, 20_000);
            assertThat(allocated).as("bytes allocated by 20000 rounds").isLessThan(20_000);
            assertThat(pool.available()).isEqualTo(8);
            pool.remove();
        }
    }
}
