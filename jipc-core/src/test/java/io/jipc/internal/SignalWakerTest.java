package io.jipc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.internal.libc.Signal;
import io.jipc.internal.libc.Unistd;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The wake-up signal's set-up. Its use (deadlines, close and interrupt of threads blocked in
 * msgrcv/msgsnd, the race at the start of a wait, virtual threads, CPU while waiting) is tested
 * through {@code SysVMessageQueueTest}, on real blocking calls.
 */
class SignalWakerTest {
    @Test
    void theReservedSignalHasADoNothingHandlerWithoutSaRestart() {
        int sig = SignalWaker.signal();
        assertThat(sig).isBetween(Signal.sigrtmin(), Signal.sigrtmax() - 3)
                .as("SIGRTMAX-2 is the JDK's NIO signal").isNotEqualTo(Signal.sigrtmax() - 2);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment act = a.allocate(Signal.SIGACTION.layout());
            assertThat(Signal.sigaction(sig, MemorySegment.NULL, act)).isZero();
            assertThat(act.get(ValueLayout.ADDRESS, Signal.SA_HANDLER)).isEqualTo(Signal.doNothingHandler());
            assertThat(act.get(ValueLayout.JAVA_INT, Signal.SA_FLAGS) & Signal.SA_RESTART).isZero();
        }
    }

    @Test
    void theSignalIsHarmlessToAThreadNotWaiting() throws Exception {
        // Delivered to a thread running Java code (and making system calls), the handler (getpid)
        // runs and returns. Sent to that thread only: other threads of the suite are left alone.
        java.util.concurrent.atomic.AtomicInteger tid = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        CompletableFuture<Long> spinner = CompletableFuture.supplyAsync(() -> {
            tid.set(Unistd.gettid());
            started.countDown();
            long sum = 0;
            for (int i = 0; i < 10_000 || !stop.get(); i++) {
                sum += Unistd.getpid();
            }
            return sum;
        }, r -> Thread.ofPlatform().start(r));
        started.await();
        int pid = Unistd.getpid();
        for (int i = 0; i < 50; i++) {
            assertThat(Signal.tgkill(pid, tid.get(), SignalWaker.signal())).isZero();
        }
        stop.set(true);
        assertThat(spinner.get(10, TimeUnit.SECONDS)).isPositive();
    }

    @Test
    void wakeOutsideAWaitArmsNothingAndAWaitStillTimesOut() throws Exception {
        SignalWaker w = SignalWaker.current();
        w.wake(); // not in a wait: must not leave a timer firing at this thread
        long deadline = Deadline.after(Duration.ofMillis(50));
        w.enter(deadline);
        try {
            while (!Deadline.expired(deadline)) {
                Thread.sleep(5);
            }
        } finally {
            w.exit();
        }
        assertThat(w.scratch(100).byteSize()).isGreaterThanOrEqualTo(100);
        assertThat(w.scratchView().capacity()).isEqualTo((int) w.scratch(100).byteSize());
    }
}
