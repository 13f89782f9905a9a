package io.jipc.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The peer JVM of {@code jipc bench}: connects to the harness through one mechanism and serves
 * a fixed list of rounds ({@link Exchange#serve}), then exits 0.
 *
 * <pre>BenchPeer MECHANISM ROUND... -- MECHANISM_ARG...</pre>
 * where each ROUND is {@code size:pingWarmup:pingCount:streamWarmup:streamCount}.
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

    private static void run(String[] args) throws Exception {
        if (args.length < 2) {
            throw new IllegalArgumentException("usage: BenchPeer MECHANISM ROUND... -- ARG...");
        }
        Mechanism mechanism = Mechanisms.byName(args[0]);
        List<RoundSpec> rounds = new ArrayList<>();
        int i = 1;
        for (; i < args.length && !args[i].equals("--"); i++) {
            rounds.add(RoundSpec.decode(args[i]));
        }
        List<String> mechanismArgs = i < args.length ? List.of(args).subList(i + 1, args.length) : List.of();
        int maxSize = 1;
        for (RoundSpec r : rounds) {
            maxSize = Math.max(maxSize, r.size());
        }
        try (Arena arena = Arena.ofConfined(); Link link = mechanism.accept(mechanismArgs)) {
            MemorySegment buf = arena.allocate(maxSize, 64);
            for (RoundSpec r : rounds) {
                Exchange.serve(link, buf, r);
            }
        }
    }
}
