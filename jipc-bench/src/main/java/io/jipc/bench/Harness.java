package io.jipc.bench;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Runs {@code jipc bench}: for each mechanism and message size, rounds of each Java implementation
 * of the exchange (jipc's, and the JDK's where it has the mechanism: this JVM and a peer JVM per
 * implementation) alternating with the same exchange in C (two C processes), and the figures of
 * every round. Two more C implementations can join each round: {@link #C_THREADED} (the same
 * program with an idle extra thread per process, as multi-threaded as a JVM) and {@link #C_MODEL}
 * (the same program built with the poll model jipc keeps for timed calls).
 *
 * <p>Per mechanism: the C program is compiled (cached), one peer JVM per Java implementation
 * started and connected once. For each size, the implementations are first warmed up together:
 * unrecorded sets of one round of each, in the measured order, until no JVM (this one, and each
 * peer, which reports its own: {@link JitClock}) has had its compiler threads run for more than
 * {@link #QUIET_JIT_MS} ms per round it ran in a set, {@link #QUIET_ROUNDS} sets in a row, or
 * until {@link Options#warmupCap()} is spent, which the results then say. Then come the measured
 * rounds {@code jipc, jdk, c, c-mt, jipc, jdk, c, c-mt, ...}. In every round the exchanging thread
 * of each process (the harness's own, the peer's; the C parent and child) is placed as {@link
 * Options#placement()} says.
 */
public final class Harness {
    private Harness() {}

    /** How long one round may take before the run is called stuck (C: killed; Java: its link closed). */
    private static final Duration ROUND_TIMEOUT = Duration.ofMinutes(5);

    /** A warm-up set is quiet when no JVM's compiler threads ran for more than this many ms per round it ran in it. */
    static final long QUIET_JIT_MS = 1;
    private static final long QUIET_JIT_NANOS = QUIET_JIT_MS * 1_000_000;
    /** Quiet warm-up sets in a row that end the warm-up. */
    static final int QUIET_ROUNDS = 2;
    /** Warm-up sets at least (the first always compiles). */
    static final int MIN_WARMUP_ROUNDS = 3;
    /** The default {@link Options#warmupCap()}. */
    public static final Duration DEFAULT_WARMUP_CAP = Duration.ofSeconds(30);

    /**
     * What to run.
     *
     * @param mechanisms which, in order
     * @param sizes      message sizes in bytes
     * @param messages   messages per round in each phase, or 0 for {@link RoundSpec#defaults}
     * @param rounds     measured rounds per implementation (the median is over these)
     * @param cacheDir   where compiled C baselines are kept
     * @param cModel     also run each C program built with the poll model ({@code c-model}): a
     *                   diagnostic showing what waiting in poll(2) instead of in the call costs
     * @param cThreaded  also run each C program with one idle extra thread per process ({@code
     *                   c-mt}): what being a multi-threaded process, as a JVM is, costs C
     * @param placement  where each round's two exchanging threads run
     * @param warmupCap  the longest the warm-up may take at one size (at least one set runs)
     */
    public record Options(List<Mechanism> mechanisms, List<Integer> sizes, int messages, int rounds, Path cacheDir,
            boolean cModel, boolean cThreaded, Placement placement, Duration warmupCap) {
        public Options {
            mechanisms = List.copyOf(mechanisms);
            sizes = List.copyOf(sizes);
            if (mechanisms.isEmpty() || sizes.isEmpty()) {
                throw new IllegalArgumentException("at least one mechanism and one size are needed");
            }
            if (rounds < 1) {
                throw new IllegalArgumentException("rounds must be >= 1, got " + rounds);
            }
            if (messages < 0) {
                throw new IllegalArgumentException("messages must be >= 1, got " + messages);
            }
            if (placement == null || warmupCap == null || warmupCap.isNegative()) {
                throw new IllegalArgumentException("a placement and a warm-up cap >= 0 are needed");
            }
            for (int s : sizes) {
                spec(s, messages);
            }
        }

        /** The plain C baseline alone, the default placement and warm-up cap. */
        public Options(List<Mechanism> mechanisms, List<Integer> sizes, int messages, int rounds, Path cacheDir,
                boolean cModel) {
            this(mechanisms, sizes, messages, rounds, cacheDir, cModel, false, Placement.defaults(), DEFAULT_WARMUP_CAP);
        }

        RoundSpec spec(int size) {
            return spec(size, messages);
        }

        private static RoundSpec spec(int size, int messages) {
            return messages == 0 ? RoundSpec.defaults(size) : RoundSpec.withMessages(size, messages);
        }
    }

    /** Hears what the harness is doing, e.g. to draw progress on a terminal. */
    public interface Listener {
        /**
         * {@code step} of {@code steps} is starting; {@code what} says which, in a few words. A
         * warm-up, which takes as many rounds as it needs, is one step, told again with the same
         * number as it goes on.
         */
        void step(int step, int steps, String what);
    }

    /** The diagnostic implementation: the C baseline built with {@code -DJIPC_BLOCKING_MODEL}. */
    public static final String C_MODEL = "c-model";
    /** The C baseline with one idle extra thread in each process ({@code bench.h -t}). */
    public static final String C_THREADED = "c-mt";

    /** A C implementation: a binary and its options. */
    private record CImpl(String name, Path binary, List<String> options) {}

    private static final JitClock JIT = new JitClock();

    /** Runs everything; one {@link Comparison} per (mechanism, size), in order. */
    public static List<Comparison> run(Options options, Listener listener) throws IOException {
        return run(options, listener, Path.of(System.getProperty("java.io.tmpdir")));
    }

    /** Same, with each mechanism's scratch directory made in {@code scratchParent} (tests). */
    static List<Comparison> run(Options options, Listener listener, Path scratchParent) throws IOException {
        Map<Mechanism, List<CImpl>> cImpls = new LinkedHashMap<>();
        int steps = 0;
        List<String> placed = options.placement().cOptions();
        for (Mechanism m : options.mechanisms()) {
            List<CImpl> impls = new ArrayList<>();
            Path plain = CPrograms.binary(m.name(), options.cacheDir());
            impls.add(new CImpl(Comparison.BASELINE, plain, placed));
            if (options.cThreaded()) {
                List<String> threaded = new ArrayList<>(placed);
                threaded.add("-t");
                impls.add(new CImpl(C_THREADED, plain, threaded));
            }
            if (options.cModel()) {
                impls.add(new CImpl(C_MODEL, CPrograms.binary(m.name(), List.of("-DJIPC_BLOCKING_MODEL"),
                        options.cacheDir()), placed));
            }
            cImpls.put(m, impls);
            int perRound = m.javaImpls().size() + impls.size();
            steps += options.sizes().size() * (1 + perRound * options.rounds());
        }
        int[] step = {0};
        List<Comparison> results = new ArrayList<>();
        for (Mechanism m : options.mechanisms()) {
            results.addAll(runMechanism(m, cImpls.get(m), options, listener, step, steps, scratchParent));
        }
        return results;
    }

    private static List<Comparison> runMechanism(Mechanism mechanism, List<CImpl> cImpls, Options options,
            Listener listener, int[] step, int steps, Path scratchParent) throws IOException {
        List<Comparison> results = new ArrayList<>();
        int maxSize = 1;
        for (int size : options.sizes()) {
            maxSize = Math.max(maxSize, size);
        }
        List<JavaImpl> javaImpls = mechanism.javaImpls();
        Path scratch = Files.createTempDirectory(scratchParent, "jipc-bench-" + mechanism.name() + "-");
        List<JavaPeer> peers = new ArrayList<>();
        List<Link> links = new ArrayList<>();
        BitSet free = Sched.affinity();
        try (Arena arena = Arena.ofConfined()) {
            for (JavaImpl impl : javaImpls) {
                JavaPeer peer = new JavaPeer(mechanism, impl.name(), scratch);
                peers.add(peer);
                Link link = connect(mechanism, impl, peer, Files.createDirectory(scratch.resolve(impl.name())));
                links.add(link);
                ExitCleanup.register(link);
                peer.guard(link);
            }
            MemorySegment buf = arena.allocate(maxSize, 64);
            for (int size : options.sizes()) {
                RoundSpec spec = options.spec(size);
                Comparison c = new Comparison(mechanism.name(), size, options.placement());
                String at = mechanism.name() + " " + size + " B: ";
                int warmStep = ++step[0];
                JIT.refresh();
                c.warmedUp(warmUp(javaImpls, links, peers, cImpls, buf, spec, mechanism, scratch, options, free,
                        (sets, jit) -> listener.step(warmStep, steps, at + "warm-up, round " + sets + " of each"
                                + (sets > 1 ? " (JIT " + jit + " ms in the last)" : ""))));
                for (int r = 1; r <= options.rounds(); r++) {
                    String round = at + "round " + r + "/" + options.rounds();
                    for (int i = 0; i < javaImpls.size(); i++) {
                        listener.step(++step[0], steps, round + " " + javaImpls.get(i).name());
                        JavaRound jr = javaRound(links.get(i), buf, spec, peers.get(i), options.placement(), free);
                        c.add(javaImpls.get(i).name(), jr.figures());
                        c.addJit(javaImpls.get(i).name(), jr.jitNanos(), jr.peerJitNanos());
                    }
                    for (CImpl impl : cImpls) {
                        listener.step(++step[0], steps, round + " " + impl.name());
                        c.add(impl.name(), cRound(impl, spec, mechanism, scratch));
                    }
                }
                results.add(c);
            }
            closeAll(links);
            for (JavaPeer peer : peers) {
                peer.awaitSuccess(ROUND_TIMEOUT);
            }
        } finally {
            try {
                closeAll(links);
            } finally {
                for (JavaPeer peer : peers) {
                    peer.close();
                }
                deleteTree(scratch);
            }
        }
        return results;
    }

    private static Figures cRound(CImpl impl, RoundSpec spec, Mechanism mechanism, Path scratch) throws IOException {
        return CBaseline.run(impl.binary(), impl.options(), spec, mechanism.cArguments(scratch), scratch, ROUND_TIMEOUT);
    }

    /** Hears how a warm-up goes: after each set of rounds, how many so far and the JIT ms of the last. */
    private interface WarmUpProgress {
        void after(int sets, long jitMillis);
    }

    /**
     * Runs unrecorded sets of rounds, one round of every implementation per set in the measured
     * order, until neither this JVM nor any peer compiled more than {@link #QUIET_JIT_MS} ms per
     * round it ran in {@link #QUIET_ROUNDS} sets in a row (at least {@link #MIN_WARMUP_ROUNDS}
     * sets), or the cap is spent. The unit is the whole set because this JVM runs all of it: the
     * code that reads a C round's output gets compiled too, and its compilation would otherwise
     * land in the next Java round (in its process CPU time, and on the other CPU).
     */
    private static Comparison.WarmUp warmUp(List<JavaImpl> javaImpls, List<Link> links, List<JavaPeer> peers,
            List<CImpl> cImpls, MemorySegment buf, RoundSpec spec, Mechanism mechanism, Path scratch, Options options,
            BitSet free, WarmUpProgress progress) throws IOException {
        long t0 = System.nanoTime();
        long cap = options.warmupCap().toNanos();
        int roundsPerSet = javaImpls.size() + cImpls.size();
        int sets = 0;
        int quietInARow = 0;
        progress.after(1, 0);
        while (true) {
            long jit0 = JIT.totalNanos();
            long peersJit = 0;
            boolean peersQuiet = true;
            for (int i = 0; i < javaImpls.size(); i++) {
                JavaRound r = javaRound(links.get(i), buf, spec, peers.get(i), options.placement(), free);
                peersJit += r.peerJitNanos();
                peersQuiet &= r.peerJitNanos() <= QUIET_JIT_NANOS;
            }
            for (CImpl impl : cImpls) {
                cRound(impl, spec, mechanism, scratch);
            }
            long jit = JIT.totalNanos() - jit0;
            sets++;
            boolean quiet = peersQuiet && jit <= QUIET_JIT_NANOS * roundsPerSet;
            quietInARow = quiet ? quietInARow + 1 : 0;
            progress.after(sets + 1, (jit + peersJit) / 1_000_000);
            long elapsed = System.nanoTime() - t0;
            if (sets >= MIN_WARMUP_ROUNDS && quietInARow >= QUIET_ROUNDS) {
                return new Comparison.WarmUp(elapsed / 1_000_000, sets, true);
            }
            if (elapsed >= cap) {
                return new Comparison.WarmUp(elapsed / 1_000_000, sets, false);
            }
        }
    }

    /**
     * One Java round's figures, and the CPU time each JVM's compiler threads spent during it (this
     * one's, the peer's), ns.
     */
    private record JavaRound(Figures figures, long jitNanos, long peerJitNanos) {}

    private static void closeAll(List<Link> links) throws IOException {
        IOException failure = null;
        for (Link link : links) {
            ExitCleanup.done(link);
            try {
                link.close();
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static Link connect(Mechanism mechanism, JavaImpl impl, JavaPeer peer, Path scratch) throws IOException {
        try {
            return impl.connect().connect(peer, scratch);
        } catch (IOException | RuntimeException e) {
            throw new IOException(mechanism.name() + ": cannot connect to the " + impl.name() + " peer: " + e.getMessage()
                    + peer.output(), e);
        }
    }

    private static JavaRound javaRound(Link link, MemorySegment buf, RoundSpec spec, JavaPeer peer, Placement placement,
            BitSet free) throws IOException {
        long jit0 = JIT.totalNanos();
        peer.beginRound(spec, placement.peer());
        Histogram roundTrips = Exchange.newHistogram();
        SideCounts mine = new SideCounts();
        long nanos;
        boolean pinned = placement.kind() != Placement.Kind.FREE;
        if (pinned) {
            Sched.place(placement.initiator(), free);
        }
        Thread watchdog = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(ROUND_TIMEOUT);
            } catch (InterruptedException e) {
                return;
            }
            // Stuck: whatever this side waits for fails, and the peer goes.
            try {
                link.close();
            } catch (IOException | RuntimeException e) {
                // the round fails on its own
            }
            peer.close();
        });
        try {
            Sched.Probe probe = Sched.probe();
            Exchange.pingPong(link, buf, spec, roundTrips, probe, mine);
            nanos = Exchange.stream(link, buf, spec, probe, mine);
        } catch (IOException e) {
            throw new IOException(e.getMessage() + (peer.isAlive() ? "" : " (the " + peer.impl() + " peer died"
                    + peer.output() + ")"), e);
        } finally {
            watchdog.interrupt();
            if (pinned) {
                Sched.place(-1, free);
            }
        }
        JavaPeer.Report report = peer.endRound();
        long jit = JIT.totalNanos() - jit0;
        return new JavaRound(Figures.of(roundTrips, spec.size(), spec.streamCount(), nanos, mine, report.counts()), jit,
                report.jitNanos());
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
