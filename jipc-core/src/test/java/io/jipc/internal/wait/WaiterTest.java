package io.jipc.internal.wait;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.IpcInterruptedException;
import io.jipc.internal.libc.SignalH;
import io.jipc.internal.libc.Time;
import io.jipc.internal.libc.Unistd;
import io.jipc.testing.ThreadSyscalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.Pipe;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
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

    /** An untimed operation whose call sleeps an hour in the kernel unless {@code ready}. */
    private static Operation sleeper(Handle h, AtomicBoolean ready) {
        MemorySegment hour = Arena.global().allocate(16, 8);
        Time.setTimespec(hour, TimeUnit.HOURS.toNanos(1));
        return Operation.on(h, "clock_nanosleep", (w, how) -> ready.get() ? 1
                : Time.clock_nanosleep(Time.CLOCK_MONOTONIC, 0, hour, MemorySegment.NULL)).build();
    }

    /** The waiter's private state, read as the engine reads it. */
    private static VarHandle field(String name) throws ReflectiveOperationException {
        return MethodHandles.privateLookupIn(Waiter.class, MethodHandles.lookup()).findVarHandle(Waiter.class, name, int.class);
    }

    /** Sleeps {@code millis} in clock_nanosleep: 0 when it slept through, -EINTR when a signal came. */
    private static int nap(long millis) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ts = a.allocate(16, 8);
            Time.setTimespec(ts, TimeUnit.MILLISECONDS.toNanos(millis));
            return Time.clock_nanosleep(Time.CLOCK_MONOTONIC, 0, ts, MemorySegment.NULL);
        }
    }

    @Test
    void theInterruptHookLeftAfterAWaitDoesNothingBetweenWaits() throws Exception {
        // endKernelWait leaves the thread's interrupt hook installed: an interrupt that comes
        // after the wait must arm no timer and post no eventfd, and the next wait must still
        // see it (pending) and answer it.
        Handle h = new Handle("test", -1);
        AtomicBoolean ready = new AtomicBoolean(true);
        Operation op = sleeper(h, ready);
        SynchronousQueue<String> steps = new SynchronousQueue<>();
        AtomicReference<Thread> thread = new AtomicReference<>();
        CompletableFuture<Object[]> f = CompletableFuture.supplyAsync(() -> {
            thread.set(Thread.currentThread());
            try {
                long done = op.run(Deadline.FOREVER); // a kernel wait that returns at once
                steps.put("waited");
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.onSpinWait();
                }
                Waiter w = Waiter.current();
                int napped = nap(100); // a timer armed by the interrupt would end this with EINTR
                int state = (int) field("waitState").get(w) * 10 + (int) field("posted").get(w);
                ready.set(false);
                Object next;
                try {
                    next = op.run(Deadline.FOREVER);
                } catch (IpcInterruptedException e) {
                    next = e;
                }
                boolean kept = Thread.interrupted();
                return new Object[] {done, napped, state, next, kept, nap(50)};
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }, r -> Thread.ofPlatform().start(r));
        assertThat(steps.poll(10, TimeUnit.SECONDS)).isEqualTo("waited");
        thread.get().interrupt();
        Object[] r = f.get(10, TimeUnit.SECONDS);
        assertThat(r[0]).as("the first wait's result").isEqualTo(1L);
        assertThat(r[1]).as("an interrupt between waits fires no timer").isEqualTo(0);
        assertThat(r[2]).as("and leaves the waiter idle (0), its eventfd unposted (0)").isEqualTo(0);
        assertThat(r[3]).as("the next wait answers the pending interrupt").isInstanceOf(IpcInterruptedException.class);
        assertThat(r[4]).as("interrupt status kept").isEqualTo(true);
        assertThat(r[5]).as("and once cleared, nothing is left firing").isEqualTo(0);
        assertThat(h.hasKernelWaiters()).isFalse();
    }

    @Test
    void aNioOperationAfterAWaitKeepsItsOwnInterruptAndTheNextWaitGetsTheHookBack() throws Exception {
        Handle h = new Handle("test", -1);
        AtomicBoolean ready = new AtomicBoolean(true);
        Operation op = sleeper(h, ready);
        Pipe nio = Pipe.open();
        AtomicInteger tid = new AtomicInteger();
        AtomicReference<Thread> thread = new AtomicReference<>();
        SynchronousQueue<String> steps = new SynchronousQueue<>();
        CompletableFuture<Object[]> f = CompletableFuture.supplyAsync(() -> {
            thread.set(Thread.currentThread());
            tid.set(Unistd.gettid());
            Object[] out = new Object[4];
            try {
                op.run(Deadline.FOREVER); // leaves the hook installed
                nio.sink().write(ByteBuffer.wrap(new byte[] {7}));
                ByteBuffer one = ByteBuffer.allocate(1);
                out[0] = nio.source().read(one); // NIO works with jipc's hook left behind
                steps.put("nio read");
                try {
                    nio.source().read(ByteBuffer.allocate(1)); // blocks until interrupted
                    out[1] = "returned";
                } catch (Exception e) {
                    out[1] = e;
                }
                out[2] = Thread.interrupted();
                ready.set(false);
                steps.put("jipc wait");
                try {
                    op.run(Deadline.FOREVER); // sleeps until interrupted: the hook is back
                    out[3] = "returned";
                } catch (Exception e) {
                    out[3] = e;
                }
                Thread.interrupted();
                return out;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }, r -> Thread.ofPlatform().start(r));
        try {
            assertThat(steps.poll(10, TimeUnit.SECONDS)).isEqualTo("nio read");
            assertThat(ThreadSyscalls.awaitSleepingIn(tid::get, f, "read", "poll", "ppoll")).isNotNull();
            thread.get().interrupt();
            assertThat(steps.poll(10, TimeUnit.SECONDS)).isEqualTo("jipc wait");
            assertThat(ThreadSyscalls.awaitSleepingIn(tid::get, f, "clock_nanosleep")).isEqualTo("clock_nanosleep");
            long at = System.nanoTime();
            thread.get().interrupt();
            Object[] r = f.get(10, TimeUnit.SECONDS);
            assertThat(Duration.ofNanos(System.nanoTime() - at)).isLessThan(Duration.ofSeconds(1));
            assertThat(r[0]).as("NIO read after a jipc wait").isEqualTo(1);
            assertThat(r[1]).as("NIO's own interrupt handling").isInstanceOf(ClosedByInterruptException.class);
            assertThat(r[2]).as("interrupt status kept by NIO").isEqualTo(true);
            assertThat(r[3]).as("the next jipc wait answers interrupt").isInstanceOf(IpcInterruptedException.class);
            assertThat(nio.source().isOpen()).as("NIO closed its channel, as it does on interrupt").isFalse();
        } finally {
            nio.source().close();
            nio.sink().close();
        }
    }
}
