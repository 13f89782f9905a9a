package io.jipc.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.IpcInterruptedException;
import io.jipc.ObjectClosedException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.time.Duration;

/** Calls that block, run on their own platform thread, and the close/interrupt race every wait must win. */
public final class BlockedCalls {
    private BlockedCalls() {}

    /** A call expected to block until something ends it. */
    public interface Call {
        void run() throws Exception;
    }

    /** One round's object: a call that only close or interrupt can end, and the close. */
    public interface WaitTarget extends AutoCloseable {
        /** Blocks until the object is closed or the thread interrupted. */
        void block() throws Exception;

        /** Closes what {@link #block()} waits on; called from another thread. */
        void closeObject() throws Exception;
    }

    /** Something that makes a fresh {@link WaitTarget} per round. */
    public interface Targets {
        WaitTarget next() throws Exception;
    }

    /**
     * Runs {@code call} on a new platform thread; the future completes with what it threw (an
     * AssertionError if it returned).
     */
    public static CompletableFuture<Throwable> blocked(Call call) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                call.run();
                return new AssertionError("returned");
            } catch (Throwable t) {
                return t;
            }
        }, runnable -> Thread.ofPlatform().start(runnable));
    }

    /**
     * jipc's interrupt contract for a call that blocks: {@link Thread#interrupt()} ends it within
     * {@code limit} with {@link IpcInterruptedException}, the interrupt status kept. Measured as
     * the best of three tries, the first of which also pays the exception path's one-time class
     * loading: the contract is about jipc, not about a loaded machine's scheduler. {@code call}
     * must block until interrupted each time (it is run up to three times).
     *
     * @return the best latency, in nanoseconds
     */
    public static long assertInterruptAnsweredWithin(Duration limit, Call call) throws Exception {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3 && best >= limit.toNanos(); i++) {
            AtomicReference<Thread> waiter = new AtomicReference<>();
            CompletableFuture<Long> thrownAt = CompletableFuture.supplyAsync(() -> {
                waiter.set(Thread.currentThread());
                try {
                    call.run();
                    throw new AssertionError("the call returned instead of blocking");
                } catch (IpcInterruptedException e) {
                    long at = System.nanoTime();
                    assertThat(Thread.interrupted()).as("interrupt status kept").isTrue();
                    return at;
                } catch (Exception e) {
                    throw new AssertionError("the call failed with " + e, e);
                }
            }, r -> Thread.ofPlatform().start(r));
            Thread.sleep(150);
            assertThat(thrownAt).as("the call blocks").isNotDone();
            long start = System.nanoTime();
            waiter.get().interrupt();
            best = Math.min(best, thrownAt.get(10, TimeUnit.SECONDS) - start);
        }
        assertThat(best).as("nanoseconds from interrupt() to IpcInterruptedException").isLessThan(limit.toNanos());
        return best;
    }

    /**
     * The race of every signal-based wake-up: close or interrupt landing just before the thread
     * enters its system call. Each round blocks a fresh target's call on one reader thread and
     * ends it at a random moment around its entry (from at once to well after it went to sleep),
     * by close on even rounds and interrupt on odd ones; every call must end, with the right
     * exception.
     */
    public static void closeAndInterruptRacingTheEntryAlwaysWake(int rounds, Targets targets) throws Exception {
        BlockingQueue<WaitTarget> work = new ArrayBlockingQueue<>(1);
        BlockingQueue<Throwable> outcomes = new ArrayBlockingQueue<>(1);
        AtomicInteger taken = new AtomicInteger(-1);
        Thread reader = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < rounds; i++) {
                WaitTarget target;
                try {
                    target = work.take();
                } catch (InterruptedException e) {
                    return;
                }
                taken.set(i);
                Throwable t;
                try {
                    target.block();
                    t = new AssertionError("the call returned");
                } catch (Throwable e) {
                    t = e;
                }
                Thread.interrupted();
                outcomes.add(t);
            }
        });
        try {
            for (int i = 0; i < rounds; i++) {
                try (WaitTarget target = targets.next()) {
                    boolean close = (i & 1) == 0;
                    work.put(target);
                    while (taken.get() != i) {
                        Thread.onSpinWait();
                    }
                    int spins = ThreadLocalRandom.current().nextInt(i % 10 == 0 ? 200_000 : 5_000);
                    for (int s = 0; s < spins; s++) {
                        Thread.onSpinWait();
                    }
                    if (close) {
                        target.closeObject();
                    } else {
                        reader.interrupt();
                    }
                    Throwable t = outcomes.poll(10, TimeUnit.SECONDS);
                    assertThat(t).as("round %d (%s): the call ended", i, close ? "close" : "interrupt").isNotNull();
                    assertThat(t).isInstanceOf(close ? ObjectClosedException.class : IpcInterruptedException.class);
                }
            }
        } finally {
            reader.interrupt();
            reader.join(10_000);
        }
        assertThat(reader.isAlive()).isFalse();
    }
}
