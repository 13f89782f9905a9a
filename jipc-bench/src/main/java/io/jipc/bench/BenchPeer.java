package io.jipc.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The peer JVM of {@code jipc bench}: connects to the harness through one mechanism's Java
 * implementation ({@link JavaImpl}: jipc's, the JDK's) and serves a fixed list of rounds ({@link
 * Exchange#serve}), then exits 0.
 *
 * <pre>BenchPeer MECHANISM IMPL ROUND... -- MECHANISM_ARG...</pre>
 * where each ROUND is {@code size:pingWarmup:pingCount:streamWarmup:streamCount}.
 *
 * <p>Its stdin is a pipe from the harness: after its rounds it waits for end-of-file there before
 * exiting, and an end-of-file that comes before its rounds are over (the harness gave up or died)
 * stops it at once, also when it is waiting on a mechanism with no end-of-file of its own.
 */
public final class BenchPeer {
    private BenchPeer() {}

    public static void main(String[] args) {
        try {
            run(args);
        } catch (Throwable t) {
            System.err.print("jipc bench peer: ");
            t.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }

    /** Counted down once the rounds are over. */
    private static final CountDownLatch FINISHED = new CountDownLatch(1);
    /**
     * How long an end-of-file may precede the end of the rounds: the harness releases the peer as
     * soon as it has the last acknowledgement, which can be before this side has returned from
     * sending it.
     */
    private static final long RELEASE_GRACE_SECONDS = 5;

    private static void run(String[] args) throws Exception {
        Thread harness = Thread.ofPlatform().daemon().name("jipc-bench-harness-watch").start(BenchPeer::awaitRelease);
        if (args.length < 3) {
            throw new IllegalArgumentException("usage: BenchPeer MECHANISM IMPL ROUND... -- ARG...");
        }
        JavaImpl impl = Mechanisms.byName(args[0]).javaImpl(args[1]);
        List<RoundSpec> rounds = new ArrayList<>();
        int i = 2;
        for (; i < args.length && !args[i].equals("--"); i++) {
            rounds.add(RoundSpec.decode(args[i]));
        }
        List<String> mechanismArgs = i < args.length ? List.of(args).subList(i + 1, args.length) : List.of();
        int maxSize = 1;
        for (RoundSpec r : rounds) {
            maxSize = Math.max(maxSize, r.size());
        }
        try (Arena arena = Arena.ofConfined(); Link link = impl.accept().accept(mechanismArgs)) {
            MemorySegment buf = arena.allocate(maxSize, 64);
            for (RoundSpec r : rounds) {
                Exchange.serve(link, buf, r);
            }
        }
        FINISHED.countDown();
        harness.join();
    }

    /** Reads stdin to its end; if the rounds are not over soon after, stops the JVM. */
    private static void awaitRelease() {
        try {
            System.in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            // the same as end-of-file: the harness is gone
        }
        boolean finished;
        try {
            finished = FINISHED.await(RELEASE_GRACE_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            finished = false;
        }
        if (!finished) {
            System.err.println("jipc bench peer: the harness closed the connection before the rounds were over");
            Runtime.getRuntime().halt(2);
        }
    }
}
