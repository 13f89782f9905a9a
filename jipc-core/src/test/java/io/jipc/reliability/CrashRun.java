package io.jipc.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.testing.Crash;
import io.jipc.testing.Peer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The crash-and-fault suite's run: one seed (printed; {@code -Djipc.seed=N} replays it), a round
 * count per mechanism ({@code -Djipc.crash.rounds=N}, JVM peers {@code -Djipc.crash.jvmRounds=N}),
 * the kill itself, and the tally the report quotes.
 *
 * <p>Each round draws where its peer dies: at one of the mechanism's crash points (the peer stops
 * there and the test kills it, {@link Crash#killAt}) or, for {@link #TIMED}, after a random delay
 * while the peer runs freely, which lands anywhere — inside a system call, between a call's return
 * and its report, after the last step.
 */
final class CrashRun {
    private CrashRun() {}

    static final Duration T = Duration.ofSeconds(30);
    /** The kill that lands wherever the peer is after a random delay. */
    static final String TIMED = "timed";

    /** Fixed unless asked ({@code -Djipc.seed=N}, or {@code random}): the default build kills at the same points every time. */
    static final long SEED = "random".equals(System.getProperty("jipc.seed"))
            ? System.nanoTime() & 0xFFFF_FFFFL : Long.getLong("jipc.seed", 3089526874L);
    static final int ROUNDS = Integer.getInteger("jipc.crash.rounds", 40);
    static final int JVM_ROUNDS = Integer.getInteger("jipc.crash.jvmRounds", 2);

    static {
        System.out.println("crash-and-fault: seed " + SEED + " (replay with -Djipc.seed=" + SEED + "), " + ROUNDS
                + " rounds per mechanism with C peers (-Djipc.crash.rounds=N), " + JVM_ROUNDS
                + " with JVM peers (-Djipc.crash.jvmRounds=N)");
    }

    private static final Map<String, Tally> TALLIES = new ConcurrentHashMap<>();
    private static final Pattern SENT = Pattern.compile("(?m)^sent (\\d+)$");

    /** One mechanism's generator: derived from the seed and the name, so each replays on its own. */
    static SplittableRandom random(String mechanism) {
        return new SplittableRandom(SEED * 0x9E3779B97F4A7C15L + mechanism.hashCode());
    }

    /** What a mechanism's rounds did: the report's figures. */
    static final class Tally {
        final String mechanism;
        int rounds;
        int kills;
        int finishedFirst;
        long messages;
        long bytes;
        final Map<String, Integer> points = new TreeMap<>();

        Tally(String mechanism) {
            this.mechanism = mechanism;
        }

        @Override
        public synchronized String toString() {
            return String.format("%-22s rounds %3d  kills %3d  finished-first %2d  messages %7d  bytes %9d  points %s",
                    mechanism, rounds, kills, finishedFirst, messages, bytes, points);
        }
    }

    static Tally tally(String mechanism) {
        return TALLIES.computeIfAbsent(mechanism, Tally::new);
    }

    /** A point from {@code points} or {@link #TIMED} (half the rounds), drawn from {@code random}. */
    static String drawPoint(SplittableRandom random, List<String> points) {
        return points.isEmpty() || random.nextBoolean() ? TIMED : Crash.choose(random, points);
    }

    /**
     * Lets {@code peer} (which printed "ready" and waits at crash point "start") go, and kills it
     * at {@code point}, or after {@code delayMicros} for {@link #TIMED}. Returns whether it was
     * killed (false: it had finished every step first, exit 0).
     */
    static boolean strike(Peer peer, String point, long delayMicros, Tally tally) {
        Crash.pass(peer, "start", T);
        boolean killed;
        if (point.equals(TIMED)) {
            LockSupport.parkNanos(delayMicros * 1000);
            peer.kill();
            int status = peer.awaitExit(T);
            assertThat(status).as("%s: killed (137) or finished (0)\nstderr: %s", peer, peer.stderr()).isIn(0, 137);
            killed = status == 137;
        } else {
            Crash.killAt(peer, point, T);
            killed = true;
        }
        synchronized (tally) {
            tally.rounds++;
            tally.points.merge(killed ? point : "finished", 1, Integer::sum);
            if (killed) {
                tally.kills++;
            } else {
                tally.finishedFirst++;
            }
        }
        return killed;
    }

    /** The last "sent N" the peer wrote to its report file: steps it saw acknowledged (0 if none). */
    static long reported(Path reportFile) {
        String text;
        try {
            text = Files.exists(reportFile) ? Files.readString(reportFile) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Matcher m = SENT.matcher(text);
        long last = 0;
        while (m.find()) {
            last = Long.parseLong(m.group(1));
        }
        return last;
    }

    static void count(Tally tally, long messages, long bytes) {
        synchronized (tally) {
            tally.messages += messages;
            tally.bytes += bytes;
        }
    }

    /** Prints every tally and appends it to the figures file (the report's source). */
    static synchronized void report(String suite) {
        List<String> lines = new ArrayList<>();
        lines.add("# " + suite + ": seed " + SEED + ", rounds " + ROUNDS + ", jvmRounds " + JVM_ROUNDS);
        new TreeMap<>(TALLIES).values().forEach(t -> lines.add(t.toString()));
        TALLIES.clear();
        write(lines);
    }

    /** Prints report lines and appends them to {@code target/reliability/figures.txt}. */
    static synchronized void write(List<String> lines) {
        lines.forEach(System.out::println);
        try {
            Path dir = Path.of(System.getProperty("basedir", "."), "target", "reliability");
            Files.createDirectories(dir);
            Files.write(dir.resolve("figures.txt"), lines, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
