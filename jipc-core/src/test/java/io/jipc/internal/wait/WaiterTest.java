package io.jipc.internal.wait;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.internal.libc.SignalH;
import io.jipc.internal.libc.Unistd;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The wake-up signal's set-up and the waiter's own state. The engine's use of it (deadlines,
 * close and interrupt of threads asleep in a call, the race at the start of a wait, the kernel
 * timeout forms) is tested in {@link OperationTest}, and on every mechanism's real calls.
 */
class WaiterTest {
    @Test
    void theReservedSignalHasADoNothingHandlerWithoutSaRestart() {
        int sig = Waiter.signal();
        assertThat(sig).isBetween(SignalH.sigrtmin(), SignalH.sigrtmax() - 3)
                .as("SIGRTMAX-2 is the JDK's NIO signal").isNotEqualTo(SignalH.sigrtmax() - 2);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment act = a.allocate(SignalH.SIGACTION.layout());
            assertThat(SignalH.sigaction(sig, MemorySegment.NULL, act)).isZero();
            assertThat(act.get(ValueLayout.ADDRESS, SignalH.SA_HANDLER)).isEqualTo(SignalH.doNothingHandler());
            assertThat(act.get(ValueLayout.JAVA_INT, SignalH.SA_FLAGS) & SignalH.SA_RESTART).isZero();
        }
    }

    @Test
    void theSignalIsHarmlessToAThreadNotWaiting() throws Exception {
        // Delivered to a thread running Java code (and making system calls), the handler runs and
        // returns. Sent to that thread only: other threads of the suite are left alone.
        AtomicInteger tid = new AtomicInteger();
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean stop = new AtomicBoolean();
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
            assertThat(SignalH.tgkill(pid, tid.get(), Waiter.signal())).isZero();
        }
        stop.set(true);
        assertThat(spinner.get(10, TimeUnit.SECONDS)).isPositive();
    }

    @Test
    void wakeOutsideAWaitArmsNothingAndAWaitStillTimesOut() throws Exception {
        Waiter w = Waiter.current();
        Handle h = new Handle("test", -1);
        w.wake(); // not in a wait: must not leave a timer firing at this thread
        long deadline = Deadline.after(Duration.ofMillis(50));
        assertThat(w.beginKernelWait(h, deadline)).isTrue();
        try {
            assertThat(h.hasKernelWaiters()).isTrue();
            while (!Deadline.expired(deadline)) {
                Thread.sleep(5);
            }
        } finally {
            w.endKernelWait(h);
        }
        assertThat(h.hasKernelWaiters()).isFalse();
        assertThat(w.scratch(100).byteSize()).isGreaterThanOrEqualTo(100);
        assertThat(w.scratchView().capacity()).isEqualTo((int) w.scratch(100).byteSize());
    }

    @Test
    void aStrayWakeIsAbsorbedAndTheDeadlineKept() {
        Waiter w = Waiter.current();
        Handle h = new Handle("test", -1);
        long deadline = Deadline.after(Duration.ofMillis(400));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ms100 = a.allocate(16);
            io.jipc.internal.libc.Time.setTimespec(ms100, 100_000_000L);
            MemorySegment s10 = a.allocate(16);
            io.jipc.internal.libc.Time.setTimespec(s10, 10_000_000_000L);
            int eintr = -io.jipc.Errno.EINTR.number();
            assertThat(w.beginKernelWait(h, deadline)).isTrue();
            try {
                w.wake(); // as the close of an object this thread waited on before would
                assertThat(io.jipc.internal.libc.Time.clock_nanosleep(1, 0, ms100, MemorySegment.NULL))
                        .as("the timer fires").isEqualTo(eintr);
                w.absorbStrayWake();
                assertThat(io.jipc.internal.libc.Time.clock_nanosleep(1, 0, ms100, MemorySegment.NULL))
                        .as("and fires no more").isZero();
                assertThat(io.jipc.internal.libc.Time.clock_nanosleep(1, 0, s10, MemorySegment.NULL))
                        .as("but the deadline still does").isEqualTo(eintr);
                assertThat(Deadline.expired(deadline)).isTrue();
            } finally {
                w.endKernelWait(h);
            }
        }
    }

    @Test
    void theHeaderIsTheThreadsOwnAndApartFromTheScratch() throws Exception {
        Waiter w = Waiter.current();
        MemorySegment header = w.header();
        assertThat(header.byteSize()).isEqualTo(Waiter.HEADER_SIZE);
        assertThat(w.header()).as("the same memory every time").isSameAs(header);
        MemorySegment scratch = w.scratch(Waiter.HEADER_SIZE * 4L);
        assertThat(scratch.address() + scratch.byteSize() <= header.address()
                || header.address() + header.byteSize() <= scratch.address()).as("no overlap with the scratch").isTrue();
        MemorySegment other = CompletableFuture.supplyAsync(() -> Waiter.current().header(),
                r -> Thread.ofPlatform().start(r)).get(10, TimeUnit.SECONDS);
        assertThat(other.address()).as("another thread's header").isNotEqualTo(header.address());
    }

    @Test
    void aDeadlineIsTheMonotonicClock() {
        // toMonotonic takes System.nanoTime() for CLOCK_MONOTONIC without reading the clock.
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ts = a.allocate(16);
            io.jipc.internal.libc.Time.clock_gettime(io.jipc.internal.libc.Time.CLOCK_MONOTONIC, ts);
            long clock = ts.get(ValueLayout.JAVA_LONG, 0) * 1_000_000_000L + ts.get(ValueLayout.JAVA_LONG, 8);
            long java = System.nanoTime();
            assertThat(Math.abs(java - clock)).as("System.nanoTime() - CLOCK_MONOTONIC").isLessThan(50_000_000L);
            Deadline.toMonotonic(java, ts);
            assertThat(ts.get(ValueLayout.JAVA_LONG, 0) * 1_000_000_000L + ts.get(ValueLayout.JAVA_LONG, 8)).isEqualTo(java);
        }
    }
}
