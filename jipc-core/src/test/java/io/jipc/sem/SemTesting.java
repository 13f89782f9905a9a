package io.jipc.sem;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.internal.libc.Unistd;
import io.jipc.testing.CPeer;
import io.jipc.testing.Peer;
import io.jipc.testing.ThreadMeters;
import io.jipc.testing.ThreadSyscalls;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** What the semaphore tests share: C peers, calls blocked on their own thread, where and how they sleep. */
final class SemTesting {
    private SemTesting() {}

    static final Duration T = Duration.ofSeconds(30);

    /** Runs a C peer to its end and returns its output, stripped; fails unless it exits 0. */
    static String c(String peer, String... args) {
        try (Peer p = CPeer.start(peer, args)) {
            p.awaitSuccess(T);
            return p.stdout().strip();
        }
    }

    interface Blocking {
        Object call() throws Exception;
    }

    /** A call running on its own platform thread: the thread, its kernel id, and what it returned or threw. */
    record Blocked(Thread thread, int tid, CompletableFuture<Object> outcome) {
        Object result() throws Exception {
            return outcome.get(10, TimeUnit.SECONDS);
        }

        Throwable thrown() throws Exception {
            Object r = result();
            assertThat(r).as("what the call threw").isInstanceOf(Throwable.class);
            return (Throwable) r;
        }

        /** Waits until the thread sleeps in {@code syscall} (not in poll(2)) and returns the call's arguments. */
        long[] sleepingIn(String syscall) throws Exception {
            assertThat(ThreadSyscalls.awaitSleepingIn(this::tid, outcome, syscall, "poll", "ppoll", "clock_nanosleep"))
                    .isEqualTo(syscall);
            return ThreadSyscalls.arguments(tid);
        }

        /**
         * Waits until the thread sleeps in {@code syscall} with arguments that {@code which}
         * accepts, and returns them: a thread on its way to a futex of the semaphore's can sleep
         * a moment in one of the JVM's own first (a lock, a safepoint), and a sample then sees that.
         */
        long[] sleepingIn(String syscall, Predicate<long[]> which) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            long[] args = sleepingIn(syscall);
            while (!which.test(args) && System.nanoTime() < deadline) {
                Thread.sleep(10);
                args = sleepingIn(syscall);
            }
            return args;
        }
    }

    static Blocked start(Blocking call) throws Exception {
        CompletableFuture<Integer> tid = new CompletableFuture<>();
        CompletableFuture<Object> outcome = new CompletableFuture<>();
        Thread t = Thread.ofPlatform().name("sem-waiter").start(() -> {
            tid.complete(Unistd.gettid());
            try {
                outcome.complete(call.call());
            } catch (Throwable e) {
                outcome.complete(e);
            }
        });
        return new Blocked(t, tid.get(10, TimeUnit.SECONDS), outcome);
    }

    /**
     * Bytes {@code body} allocates in {@code n} runs once compiled: {@link
     * ThreadMeters#allocatedBytesOf}, again after a pause (up to three times) while it finds more than
     * the meter's own few bytes.
     * On a loaded machine in the middle of a whole suite, C2 may still be compiling the path after
     * a long warm-up (its C1 code allocates where C2's does not); a path that really allocates
     * allocates every time.
     */
    static long leastAllocated(ThreadMeters.Body body, int n) throws InterruptedException {
        long least = Long.MAX_VALUE;
        for (int attempt = 0; attempt < 3 && least > 4096; attempt++) {
            if (attempt > 0) {
                Thread.sleep(1000);
            }
            least = Math.min(least, ThreadMeters.allocatedBytesOf(body, n));
        }
        return least;
    }

    /**
     * Runs a timed call that must give up on its own thread and returns {wall, cpu} nanoseconds
     * of it; the thread makes one short timed call first, so its wake-up timer exists already.
     */
    static long[] timedOut(Blocking warmUp, Blocking call) throws Exception {
        CompletableFuture<long[]> f = CompletableFuture.supplyAsync(() -> {
            try {
                warmUp.call();
                long c0 = ThreadMeters.currentThreadCpuNanos();
                long w0 = System.nanoTime();
                Object r = call.call();
                long wall = System.nanoTime() - w0;
                long cpu = ThreadMeters.currentThreadCpuNanos() - c0;
                assertThat(r).as("the timed call gave up").isEqualTo(false);
                return new long[] {wall, cpu};
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }, r -> Thread.ofPlatform().start(r));
        return f.get(30, TimeUnit.SECONDS);
    }
}
