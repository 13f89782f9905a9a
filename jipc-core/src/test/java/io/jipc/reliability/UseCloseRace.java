package io.jipc.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.ObjectClosedException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Close racing with use: threads call an object's operations in a loop — blocking, non-blocking
 * and timed forms, queries — while another thread closes it at a random moment drawn from the
 * suite's seed. Every call either does its work or answers the closed-object exception (for a
 * mapping, the {@link IllegalStateException} its shared arena throws); a call blocked at the close
 * returns; every call after the close is refused. Anything else — another exception, a call that
 * never returns, a JVM crash — fails the round. The leak guard checks that no descriptor or
 * mapping outlives the class.
 */
final class UseCloseRace {
    private UseCloseRace() {}

    static final long SEED = CrashRun.SEED;
    static final int ROUNDS = Integer.getInteger("jipc.race.rounds", 25);

    /** What the figures say: per kind, rounds, calls that worked, calls refused as closed. */
    static final Map<String, long[]> FIGURES = new ConcurrentHashMap<>();

    interface Op {
        void run() throws Exception;
    }

    /** One round's object: its operations, its close, and what remains to clean up. */
    interface Subject extends AutoCloseable {
        List<Op> ops();

        /** The close under test. */
        void closeObject() throws Exception;

        /** Removes what the round created (unlink, remove); after {@link #closeObject()}. */
        @Override
        default void close() throws Exception {}
    }

    interface Subjects {
        Subject next() throws Exception;
    }

    /** Runs {@link #ROUNDS} rounds of {@code threads} threads each cycling through the ops. */
    static void run(String kind, int threads, Subjects subjects) throws Exception {
        run(kind, threads, ObjectClosedException.class, subjects);
    }

    static void run(String kind, int threads, Class<? extends Throwable> closed, Subjects subjects) throws Exception {
        SplittableRandom random = CrashRun.random("race " + kind);
        long worked = 0;
        long refused = 0;
        for (int round = 0; round < ROUNDS; round++) {
            ConcurrentLinkedQueue<Throwable> wrong = new ConcurrentLinkedQueue<>();
            AtomicLong ok = new AtomicLong();
            AtomicLong no = new AtomicLong();
            try (Subject s = subjects.next()) {
                List<Op> ops = s.ops();
                CountDownLatch started = new CountDownLatch(threads);
                List<Thread> users = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int first = t;
                    users.add(Thread.ofPlatform().name("race-" + kind + "-" + t).start(() -> {
                        started.countDown();
                        for (int i = first; ; i++) {
                            Op op = ops.get(i % ops.size());
                            try {
                                op.run();
                                ok.incrementAndGet();
                            } catch (Throwable e) {
                                if (closed.isInstance(e) || e instanceof ObjectClosedException) {
                                    no.incrementAndGet();
                                    Thread.interrupted(); // a refused segment access may set it (see Mapping)
                                    return;
                                }
                                wrong.add(e);
                                return;
                            }
                        }
                    }));
                }
                started.await();
                int spins = random.nextInt(round % 8 == 0 ? 500_000 : 50_000);
                for (int i = 0; i < spins; i++) {
                    Thread.onSpinWait();
                }
                s.closeObject();
                for (Thread u : users) {
                    u.join(10_000);
                    if (u.isAlive()) {
                        StackTraceElement[] where = u.getStackTrace();
                        u.interrupt();
                        throw new AssertionError(kind + " round " + round + " (seed " + SEED + "): " + u.getName()
                                + " did not return after the close, at " + (where.length > 0 ? where[0] : "?"));
                    }
                }
                // Once closed, every call is refused.
                for (int i = 0; i < ops.size(); i++) {
                    try {
                        ops.get(i).run();
                        wrong.add(new AssertionError(kind + ": operation " + i + " worked after the close"));
                    } catch (Throwable after) {
                        if (!closed.isInstance(after) && !(after instanceof ObjectClosedException)) {
                            wrong.add(after);
                        }
                    }
                }
            }
            if (!wrong.isEmpty()) {
                Throwable first = wrong.peek();
                throw new AssertionError(kind + " round " + round + " (seed " + SEED + "): " + wrong.size()
                        + " calls ended otherwise than worked/refused as closed; first: " + first, first);
            }
            worked += ok.get();
            refused += no.get();
        }
        FIGURES.put(kind, new long[] {ROUNDS, threads, worked, refused});
    }

    static void report() {
        List<String> lines = new ArrayList<>();
        lines.add("# close racing use: seed " + SEED + ", rounds " + ROUNDS + " per kind");
        new TreeMap<>(FIGURES).forEach((k, v) -> lines.add(String.format(
                "%-26s rounds %3d  threads %d  calls worked %8d  refused-as-closed %4d", k, v[0], v[1], v[2], v[3])));
        FIGURES.clear();
        CrashRun.write(lines);
    }
}
