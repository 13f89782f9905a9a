package io.jipc.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Crash tests: kill a peer with SIGKILL at a chosen point of its protocol — holding a lock, a
 * robust mutex, a SEM_UNDO unit, halfway through a write — and show the survivor recovers.
 *
 * <p>The peer announces each point ({@code crash-point NAME} on stdout) and waits there for the
 * test: a JVM peer calls {@link #point(String)}, a C peer {@code crash_point("NAME")} from {@code
 * jipc_test.h}. The test either lets it {@link #pass} or {@link #killAt kills it there}, so the
 * kill lands exactly where the test says, not wherever a timer happens to fall. {@link
 * #choose} picks points from a printed seed, so a failing random run can be replayed.
 */
public final class Crash {
    private Crash() {}

    private static final String MARK = "crash-point ";
    private static final BufferedReader STDIN =
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));

    /**
     * In a JVM peer that reads commands of its own from stdin: the one reader of stdin, shared
     * with {@link #point(String)} (two buffered readers would each take lines meant for the other).
     */
    public static BufferedReader stdin() {
        return STDIN;
    }

    /** In a JVM peer: announces {@code name} and waits until the test lets it go on (or kills it). */
    public static void point(String name) {
        System.out.println(MARK + name);
        System.out.flush();
        try {
            String line = STDIN.readLine();
            if (line == null) {
                System.exit(4); // the test is gone
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** In the test: waits until {@code peer} is at {@code name}, then lets it go on. */
    public static void pass(Peer peer, String name, Duration timeout) {
        peer.awaitOutput(MARK + name + "\n", timeout);
        peer.send("go");
    }

    /**
     * In the test: waits until {@code peer} is at {@code name}, kills it with SIGKILL there, and
     * waits for it to be gone (exit status 128 + 9).
     */
    public static void killAt(Peer peer, String name, Duration timeout) {
        peer.awaitOutput(MARK + name + "\n", timeout);
        peer.kill();
        assertThat(peer.awaitExit(timeout)).as("%s killed at %s", peer, name).isEqualTo(128 + 9);
    }

    /**
     * A point from {@code points}, chosen by {@code random}: crash tests repeat with a fixed,
     * printed seed ({@code new SplittableRandom(seed)}) so a failure can be replayed.
     */
    public static String choose(SplittableRandom random, List<String> points) {
        return points.get(random.nextInt(points.size()));
    }
}
