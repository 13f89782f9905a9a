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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Runs {@code jipc bench}: for each mechanism and message size, rounds of the jipc exchange (this
 * JVM and a peer JVM) alternating with the same exchange in C (two C processes), and the figures
 * of every round. With {@link Options#cModel()}, a third implementation joins each round: the same
 * C program built with jipc's blocking model.
 *
 * <p>Per mechanism: the C program is compiled (cached), the peer JVM started once, and for each
 * size one untimed jipc round warms up both JVMs before the measured rounds {@code jipc, c, jipc,
 * c, ...}.
 */
public final class Harness {
    private Harness() {}

    /** How long one C round or the peer's last round may take before the run is called stuck. */
    private static final Duration ROUND_TIMEOUT = Duration.ofMinutes(5);

    /**
     * What to run.
     *
     * @param mechanisms which, in order
     * @param sizes      message sizes in bytes
     * @param messages   messages per round in each phase, or 0 for {@link RoundSpec#defaults}
     * @param rounds     measured rounds per implementation (the median is over these)
     * @param cacheDir   where compiled C baselines are kept
     * @param cModel     also run each C program built with jipc's blocking model ({@code c-model}):
     *                   a diagnostic that tells the model's cost from Java's
     */
    public record Options(List<Mechanism> mechanisms, List<Integer> sizes, int messages, int rounds, Path cacheDir,
            boolean cModel) {
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
            for (int s : sizes) {
                spec(s, messages);
            }
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
        /** {@code step} of {@code steps} is starting; {@code what} says which, in a few words. */
        void step(int step, int steps, String what);
    }

    /** The diagnostic implementation: the C baseline built with {@code -DJIPC_BLOCKING_MODEL}. */
    public static final String C_MODEL = "c-model";

    /** Runs everything; one {@link Comparison} per (mechanism, size), in order. */
    public static List<Comparison> run(Options options, Listener listener) throws IOException {
        Map<Mechanism, Map<String, Path>> binaries = new LinkedHashMap<>();
        for (Mechanism m : options.mechanisms()) {
            Map<String, Path> impls = new LinkedHashMap<>();
            impls.put(Comparison.BASELINE, CPrograms.binary(m.name(), options.cacheDir()));
            if (options.cModel()) {
                impls.put(C_MODEL, CPrograms.binary(m.name(), List.of("-DJIPC_BLOCKING_MODEL"), options.cacheDir()));
            }
            binaries.put(m, impls);
        }
        int cImpls = options.cModel() ? 2 : 1;
        int steps = options.mechanisms().size() * options.sizes().size() * (1 + (1 + cImpls) * options.rounds());
        int[] step = {0};
        List<Comparison> results = new ArrayList<>();
        for (Mechanism m : options.mechanisms()) {
            results.addAll(runMechanism(m, binaries.get(m), options, listener, step, steps));
        }
        return results;
    }

    private static List<Comparison> runMechanism(Mechanism mechanism, Map<String, Path> binaries, Options options,
            Listener listener, int[] step, int steps) throws IOException {
        List<RoundSpec> peerRounds = new ArrayList<>();
        for (int size : options.sizes()) {
            for (int r = 0; r <= options.rounds(); r++) {
                peerRounds.add(options.spec(size));
            }
        }
        int maxSize = options.sizes().stream().mapToInt(Integer::intValue).max().orElseThrow();
        Path scratch = Files.createTempDirectory("jipc-bench-" + mechanism.name() + "-");
        List<Comparison> results = new ArrayList<>();
        try (JipcPeer peer = new JipcPeer(mechanism, peerRounds, scratch); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(maxSize, 64);
            try (Link link = connect(mechanism, peer, scratch)) {
                for (int size : options.sizes()) {
                    RoundSpec spec = options.spec(size);
                    Comparison c = new Comparison(mechanism.name(), size);
                    listener.step(++step[0], steps, mechanism.name() + " " + size + " B: warm-up");
                    jipcRound(link, buf, spec, peer);
                    for (int r = 1; r <= options.rounds(); r++) {
                        String round = mechanism.name() + " " + size + " B: round " + r + "/" + options.rounds();
                        listener.step(++step[0], steps, round + " jipc");
                        c.add("jipc", jipcRound(link, buf, spec, peer));
                        for (Map.Entry<String, Path> impl : binaries.entrySet()) {
                            listener.step(++step[0], steps, round + " " + impl.getKey());
                            c.add(impl.getKey(), CBaseline.run(impl.getValue(), spec, mechanism.cArguments(scratch), scratch,
                                    ROUND_TIMEOUT));
                        }
                    }
                    results.add(c);
                }
            }
            peer.awaitSuccess(ROUND_TIMEOUT);
        } finally {
            deleteTree(scratch);
        }
        return results;
    }

    private static Link connect(Mechanism mechanism, JipcPeer peer, Path scratch) throws IOException {
        try {
            return mechanism.connect(peer, scratch);
        } catch (IOException | RuntimeException e) {
            throw new IOException(mechanism.name() + ": cannot connect to the jipc peer: " + e.getMessage()
                    + peer.output(), e);
        }
    }

    private static Figures jipcRound(Link link, MemorySegment buf, RoundSpec spec, JipcPeer peer) throws IOException {
        Histogram roundTrips = Exchange.newHistogram();
        try {
            Exchange.pingPong(link, buf, spec, roundTrips);
            long nanos = Exchange.stream(link, buf, spec);
            return Figures.of(roundTrips, spec.size(), spec.streamCount(), nanos);
        } catch (IOException e) {
            throw new IOException(e.getMessage() + (peer.isAlive() ? "" : " (the jipc peer died" + peer.output() + ")"), e);
        }
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
