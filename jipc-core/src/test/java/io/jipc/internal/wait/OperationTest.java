package io.jipc.internal.wait;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.Errno;
import io.jipc.Fd;
import io.jipc.IpcInterruptedException;
import io.jipc.ObjectClosedException;
import io.jipc.internal.libc.Fcntl;
import io.jipc.internal.libc.Futex;
import io.jipc.internal.libc.Poll;
import io.jipc.internal.libc.Time;
import io.jipc.internal.libc.Unistd;
import io.jipc.testing.BlockedCalls;
import io.jipc.testing.ThreadMeters;
import io.jipc.testing.ThreadSyscalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The wait engine on real system calls: clock_nanosleep and poll stand in for a mechanism's call,
 * so every path of the loop — the try, the sleep inside the call with each form of kernel
 * timeout, the timer deadline, the poll fallback, the back-off — is seen to sleep where it
 * should and to end for close, interrupt and deadline.
 */
class OperationTest {
    private static final int EAGAIN = Errno.EAGAIN.number();
    private static final int EINTR = Errno.EINTR.number();
    private static final int ETIMEDOUT = Errno.ETIMEDOUT.number();
    private static final long HOUR = TimeUnit.HOURS.toNanos(1);
    private static final MemorySegment AN_HOUR = Arena.global().allocate(16, 8);

    static {
        Time.setTimespec(AN_HOUR, HOUR);
    }

    /**
     * A stand-in call: done at once (42) when {@link #ready}, else, in the NOW form, "not now";
     * in the KERNEL form it sleeps in clock_nanosleep or poll as the timeout form says, and an
     * expired sleep is the kernel's ETIMEDOUT.
     */
    private static final class Sleeper implements Attempt {
        final AtomicBoolean ready = new AtomicBoolean();
        final AtomicInteger nowCalls = new AtomicInteger();
        final AtomicInteger kernelCalls = new AtomicInteger();
        final Operation.Timeout form;
        /** Whether a signal is swallowed inside the call (as glibc does for pthread_mutex_clocklock). */
        final boolean restarts;

        Sleeper(Operation.Timeout form, boolean restarts) {
            this.form = form;
            this.restarts = restarts;
        }

        @Override
        public long call(Waiter w, int how) {
            if (ready.get()) {
                return 42;
            }
            if (how == NOW) {
                nowCalls.incrementAndGet();
                return -EAGAIN;
            }
            kernelCalls.incrementAndGet();
            long r;
            do {
                r = sleep(w);
            } while (restarts && r == -EINTR);
            return r == 0 ? -ETIMEDOUT : r;
        }

        private long sleep(Waiter w) {
            MemorySegment t = w.timeoutArg.equals(MemorySegment.NULL) ? AN_HOUR : w.timeoutArg;
            return switch (form) {
                case NONE -> Time.clock_nanosleep(Time.CLOCK_MONOTONIC, 0, AN_HOUR, MemorySegment.NULL);
                case RELATIVE -> Time.clock_nanosleep(Time.CLOCK_MONOTONIC, 0, t, MemorySegment.NULL);
                case MONOTONIC -> t == AN_HOUR ? Time.clock_nanosleep(Time.CLOCK_MONOTONIC, 0, t, MemorySegment.NULL)
                        : Time.clock_nanosleep(Time.CLOCK_MONOTONIC, Time.TIMER_ABSTIME, t, MemorySegment.NULL);
                case REALTIME -> t == AN_HOUR ? Time.clock_nanosleep(Time.CLOCK_MONOTONIC, 0, t, MemorySegment.NULL)
                        : Time.clock_nanosleep(Time.CLOCK_REALTIME, Time.TIMER_ABSTIME, t, MemorySegment.NULL);
                case MILLIS -> Poll.poll(MemorySegment.NULL, 0, w.timeoutMillis);
            };
        }
    }

    private static Operation operation(Handle h, Sleeper s) {
        Operation.Builder b = Operation.on(h, "sleep", s).timeout(s.form);
        if (s.restarts) {
            b.slice(Duration.ofMillis(20));
        }
        return b.build();
    }

    /** Runs {@code op} on a new thread until FOREVER; the future gives what it returned or threw. */
    private static CompletableFuture<Object> runForever(Operation op, AtomicInteger tid) {
        return CompletableFuture.supplyAsync(() -> {
            tid.set(Unistd.gettid());
            try {
                return op.run(Deadline.FOREVER);
            } catch (Throwable t) {
                return t;
            }
        }, r -> Thread.ofPlatform().start(r));
    }

    @Test
    void anUntimedWaitSleepsInsideTheCallUntilClosed() throws Exception {
        Handle h = new Handle("test object", -1);
        Operation op = operation(h, new Sleeper(Operation.Timeout.NONE, false));
        AtomicInteger tid = new AtomicInteger();
        CompletableFuture<Object> f = runForever(op, tid);
        assertThat(ThreadSyscalls.awaitSleepingIn(tid::get, f, "clock_nanosleep")).isEqualTo("clock_nanosleep");
        assertThat(h.hasKernelWaiters()).isTrue();
        h.close();
        assertThat(f.get(5, TimeUnit.SECONDS)).isInstanceOf(ObjectClosedException.class);
        assertThat(h.hasKernelWaiters()).isFalse();
    }

    /**
     * The class comment's sketch of a new mechanism, a futex wait, as written there: it sleeps in
     * FUTEX_WAIT until the word changes and is woken, ends with NOTHING at a deadline while the
     * word holds, and answers close like every other wait.
     */
    @Test
    void theClassCommentsFutexSketchPlugsInAsWritten() throws Exception {
        Handle handle = new Handle("futex word", -1);
        Operation wait = Operation.on(handle, "futex", (w, how) -> {
                    if (w.data.get(JAVA_INT, 0) != (int) w.value) {
                        return 0;                                            // the word changed: done
                    }
                    if (how == Attempt.NOW) {
                        return -EAGAIN;                                      // a look: not yet
                    }
                    int r = Futex.wait(w.data, (int) w.value, w.timeoutArg); // 0, -EAGAIN, -EINTR, -ETIMEDOUT
                    return r == -EAGAIN ? 0 : r; // changed before the sleep; EAGAIN would mean "non-blocking"
                })
                .timeout(Operation.Timeout.RELATIVE)
                .build();
        try (Arena arena = Arena.ofShared()) {
            MemorySegment word = arena.allocate(JAVA_INT);
            int expected = 7;
            word.set(JAVA_INT, 0, expected);
            // Each wait on a thread of its own, which publishes its id in its own holder.
            BiFunction<Long, AtomicInteger, CompletableFuture<Object>> waitUntil = (deadline, tid) ->
                    CompletableFuture.supplyAsync(() -> {
                        tid.set(Unistd.gettid());
                        Waiter w = Waiter.current();
                        w.data = word;
                        w.value = expected;
                        try {
                            return wait.run(deadline);
                        } catch (Throwable t) {
                            return t;
                        }
                    }, r -> Thread.ofPlatform().start(r));

            assertThat(waitUntil.apply(Deadline.after(Duration.ofMillis(50)), new AtomicInteger()).get(5, TimeUnit.SECONDS))
                    .as("the word held until the deadline").isEqualTo(Operation.NOTHING);

            AtomicInteger wokenTid = new AtomicInteger();
            CompletableFuture<Object> woken = waitUntil.apply(Deadline.FOREVER, wokenTid);
            assertThat(ThreadSyscalls.awaitSleepingIn(wokenTid::get, woken, "futex")).isEqualTo("futex");
            word.set(JAVA_INT, 0, expected + 1);
            Futex.wake(word, Integer.MAX_VALUE);
            assertThat(woken.get(5, TimeUnit.SECONDS)).isEqualTo(0L);

            word.set(JAVA_INT, 0, expected);
            AtomicInteger closedTid = new AtomicInteger();
            CompletableFuture<Object> closed = waitUntil.apply(Deadline.FOREVER, closedTid);
            assertThat(ThreadSyscalls.awaitSleepingIn(closedTid::get, closed, "futex")).isEqualTo("futex");
            handle.close();
            assertThat(closed.get(5, TimeUnit.SECONDS)).isInstanceOf(ObjectClosedException.class);
        }
    }

    @Test
    void anUntimedWaitAnswersInterrupt() throws Exception {
        Handle h = new Handle("test object", -1);
        Operation op = operation(h, new Sleeper(Operation.Timeout.NONE, false));
        BlockedCalls.assertInterruptAnsweredWithin(Duration.ofMillis(100), () -> op.run(Deadline.FOREVER));
    }

    @ParameterizedTest
    @EnumSource(Operation.Timeout.class)
    void aTimedWaitSleepsInsideTheCallAndEndsAtItsDeadline(Operation.Timeout form) throws Exception {
        Handle h = new Handle("test object", -1);
        Sleeper s = new Sleeper(form, false);
        Operation op = operation(h, s);
        long cpu0 = ThreadMeters.currentThreadCpuNanos();
        long start = System.nanoTime();
        long r = op.run(Deadline.after(Duration.ofMillis(150)));
        long took = System.nanoTime() - start;
        long cpu = ThreadMeters.currentThreadCpuNanos() - cpu0;
        assertThat(r).isEqualTo(Operation.NOTHING);
        assertThat(took).as("%s: waited until the deadline", form).isGreaterThanOrEqualTo(150_000_000L)
                .isLessThan(1_000_000_000L);
        assertThat(s.kernelCalls.get()).as("%s: slept in the call, not in a loop", form).isBetween(1, 3);
        assertThat(cpu).as("%s: CPU while waiting 150 ms", form).isLessThan(50_000_000L);
    }

    @Test
    void aCallThatRestartsAfterSignalsIsSlicedSoCloseAndInterruptStillEndIt() throws Exception {
        for (boolean close : new boolean[] {true, false}) {
            Handle h = new Handle("test object", -1);
            Operation op = operation(h, new Sleeper(Operation.Timeout.MONOTONIC, true));
            Thread[] thread = new Thread[1];
            AtomicInteger tid = new AtomicInteger();
            CompletableFuture<Object> f = CompletableFuture.supplyAsync(() -> {
                thread[0] = Thread.currentThread();
                tid.set(Unistd.gettid());
                try {
                    return op.run(Deadline.FOREVER);
                } catch (Throwable t) {
                    return t;
                }
            }, r -> Thread.ofPlatform().start(r));
            ThreadSyscalls.awaitSleepingIn(tid::get, f, "clock_nanosleep");
            long start = System.nanoTime();
            if (close) {
                h.close();
            } else {
                thread[0].interrupt();
            }
            assertThat(f.get(5, TimeUnit.SECONDS))
                    .isInstanceOf(close ? ObjectClosedException.class : IpcInterruptedException.class);
            assertThat(System.nanoTime() - start).as("answered within a slice or so").isLessThan(100_000_000L);
        }
    }

    @Test
    void theTryFormNeverSleepsAndLeavesAPendingInterruptAlone() throws Exception {
        Handle h = new Handle("test object", -1);
        Sleeper s = new Sleeper(Operation.Timeout.NONE, false);
        Operation op = operation(h, s);
        Thread.currentThread().interrupt();
        try {
            assertThat(op.run(Deadline.NOW)).isEqualTo(Operation.NOTHING);
            assertThat(op.run(Deadline.after(Duration.ZERO))).isEqualTo(Operation.NOTHING);
            assertThat(s.kernelCalls.get()).isZero();
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
            s.ready.set(true);
            assertThat(op.run(Deadline.FOREVER)).as("work already there is done despite the interrupt").isEqualTo(42);
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void aPendingInterruptEndsAWaitThatWouldSleep() {
        Handle h = new Handle("test object", -1);
        Operation op = operation(h, new Sleeper(Operation.Timeout.NONE, false));
        Thread.currentThread().interrupt();
        try {
            Object outcome;
            try {
                outcome = op.run(Deadline.FOREVER);
            } catch (Throwable t) {
                outcome = t;
            }
            assertThat(outcome).isInstanceOf(IpcInterruptedException.class);
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void aClosedObjectRefusesTheCall() {
        Handle h = new Handle("test object", -1);
        Operation op = operation(h, new Sleeper(Operation.Timeout.NONE, false));
        h.close();
        Object outcome;
        try {
            outcome = op.run(Deadline.NOW);
        } catch (Throwable t) {
            outcome = t;
        }
        assertThat(outcome).isInstanceOf(ObjectClosedException.class);
    }

    @Test
    void aDescriptionFoundNonBlockingWaitsInPollInstead() throws Exception {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(ValueLayout.JAVA_INT, 2);
            assertThat(Unistd.pipe2(fds, Fcntl.O_CLOEXEC | Fcntl.O_NONBLOCK)).isZero();
            try (Fd in = Fd.adopt(fds.getAtIndex(ValueLayout.JAVA_INT, 0), "pipe");
                 Fd out = Fd.adopt(fds.getAtIndex(ValueLayout.JAVA_INT, 1), "pipe")) {
                MemorySegment buf = Arena.global().allocate(8);
                Operation read = Operation.on(Handles.of(in), "read",
                        (w, how) -> Unistd.read(w.target, buf, 8)).readiness(Poll.POLLIN).build();
                AtomicInteger tid = new AtomicInteger();
                CompletableFuture<Object> f = runForever(read, tid);
                ThreadSyscalls.awaitSleepingIn(tid::get, f, "poll", "ppoll");
                assertThat(read.kernelWaits()).as("the KERNEL form said EAGAIN: no more kernel waits").isFalse();
                assertThat(Handles.of(in).blocking()).isFalse();
                int n = out.acquire("write");
                try {
                    assertThat(Unistd.write(n, a.allocateFrom("abc"), 3)).isEqualTo(3);
                } finally {
                    out.release();
                }
                assertThat(f.get(5, TimeUnit.SECONDS)).isEqualTo(3L);
            }
        }
    }

    @Test
    void aTimedWaitWithReadinessSleepsInsideTheCallWhenTheMechanismAsks() throws Exception {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(ValueLayout.JAVA_INT, 2);
            assertThat(Unistd.pipe2(fds, Fcntl.O_CLOEXEC)).isZero();
            try (Fd in = Fd.adopt(fds.getAtIndex(ValueLayout.JAVA_INT, 0), "pipe");
                 Fd out = Fd.adopt(fds.getAtIndex(ValueLayout.JAVA_INT, 1), "pipe")) {
                MemorySegment buf = Arena.global().allocate(8);
                // No non-blocking form here: NOW says "not now" without a call.
                Operation read = Operation.on(Handles.of(in), "read",
                        (w, how) -> how == Attempt.NOW ? -EAGAIN : Unistd.read(w.target, buf, 8))
                        .readiness(Poll.POLLIN).timedInKernel(true).build();
                AtomicInteger tid = new AtomicInteger();
                CompletableFuture<Object> f = CompletableFuture.supplyAsync(() -> {
                    tid.set(Unistd.gettid());
                    try {
                        return read.run(Deadline.after(Duration.ofSeconds(30)));
                    } catch (Throwable t) {
                        return t;
                    }
                }, r -> Thread.ofPlatform().start(r));
                assertThat(ThreadSyscalls.awaitSleepingIn(tid::get, f, "read", "poll", "ppoll")).isEqualTo("read");
                int n = out.acquire("write");
                try {
                    assertThat(Unistd.write(n, a.allocateFrom("abc"), 3)).isEqualTo(3);
                } finally {
                    out.release();
                }
                assertThat(f.get(5, TimeUnit.SECONDS)).isEqualTo(3L);

                long start = System.nanoTime();
                assertThat(read.run(Deadline.after(Duration.ofMillis(100)))).isEqualTo(Operation.NOTHING);
                assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(100_000_000L);
                assertThat(Handles.of(in).blocking()).as("the description kept its mode").isTrue();
            }
        }
    }

    @Test
    void withNothingToSleepOnItBacksOffAndStillAnswersClose() throws Exception {
        Handle h = new Handle("test object", -1);
        Sleeper s = new Sleeper(Operation.Timeout.NONE, false);
        Operation op = Operation.on(h, "sleep", s).kernelWaits(false).build();
        AtomicInteger tid = new AtomicInteger();
        CompletableFuture<Object> f = runForever(op, tid);
        Thread.sleep(50);
        s.ready.set(true);
        assertThat(f.get(5, TimeUnit.SECONDS)).isEqualTo(42L);
        assertThat(s.kernelCalls.get()).isZero();
        int tries = s.nowCalls.get();
        assertThat(tries).as("backs off, does not spin").isBetween(2, 30);

        s.ready.set(false);
        CompletableFuture<Object> g = runForever(op, tid);
        Thread.sleep(50);
        h.close();
        assertThat(g.get(5, TimeUnit.SECONDS)).isInstanceOf(ObjectClosedException.class);
    }

    @Test
    void tryFirstSkipsTheWaitWhileTriesFindWorkDone() throws Exception {
        Handle h = new Handle("test object", -1);
        Sleeper s = new Sleeper(Operation.Timeout.NONE, false);
        Operation op = Operation.on(h, "sleep", s).tryFirst().build();
        s.ready.set(true);
        for (int i = 0; i < 10; i++) {
            assertThat(op.run(Deadline.FOREVER)).isEqualTo(42);
        }
        assertThat(h.hasKernelWaiters()).isFalse();
        // A try that finds nothing goes to the kernel wait at once.
        s.ready.set(false);
        AtomicInteger tid = new AtomicInteger();
        CompletableFuture<Object> f = runForever(op, tid);
        ThreadSyscalls.awaitSleepingIn(tid::get, f, "clock_nanosleep");
        assertThat(s.nowCalls.get()).isEqualTo(1);
        h.close();
        assertThat(f.get(5, TimeUnit.SECONDS)).isInstanceOf(ObjectClosedException.class);
    }

    @Test
    void closeAndInterruptRacingTheEntryAlwaysWake() throws Exception {
        BlockedCalls.closeAndInterruptRacingTheEntryAlwaysWake(300, () -> {
            Handle h = new Handle("race object", -1);
            Operation op = operation(h, new Sleeper(Operation.Timeout.NONE, false));
            return new BlockedCalls.WaitTarget() {
                @Override
                public void block() throws Exception {
                    op.run(Deadline.FOREVER);
                }

                @Override
                public void closeObject() {
                    h.close();
                }

                @Override
                public void close() {
                    h.close();
                }
            };
        });
    }

    @Test
    void runningAnOperationAllocatesNothing() {
        Handle h = new Handle("test object", -1);
        Sleeper s = new Sleeper(Operation.Timeout.REALTIME, false);
        Operation op = Operation.on(h, "sleep", s).timeout(s.form).tryFirst().build();
        // A timed wait under the thread's timer: armed and disarmed on every run.
        Sleeper timed = new Sleeper(Operation.Timeout.NONE, false);
        timed.ready.set(true);
        Operation underTimer = Operation.on(h, "sleep", timed).build();
        long second = Deadline.after(Duration.ofSeconds(1)) - System.nanoTime();
        long allocated = ThreadMeters.allocatedBytes(() -> {
            try {
                s.ready.set(false);
                op.run(Deadline.NOW);
                s.ready.set(true);
                op.run(Deadline.FOREVER);
                op.run(System.nanoTime() + second);
                underTimer.run(System.nanoTime() + second);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        }, 20_000);
        assertThat(allocated).as("bytes allocated by 20000 rounds of 4 runs").isLessThan(20_000);
    }
}
