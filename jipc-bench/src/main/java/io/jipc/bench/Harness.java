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
 * Runs {@code jipc bench}: for each mechanism and message size, rounds of each Java implementation
 * of the exchange (jipc's, and the JDK's where it has the mechanism: this JVM and a peer JVM per
 * implementation) alternating with the same exchange in C (two C processes), and the figures of
 * every round. With {@link Options#cModel()}, one more implementation joins each round: the same C
 * program built with the poll model jipc keeps for timed calls.
 *
 * <p>Per mechanism: the C program is compiled (cached), one peer JVM per Java implementation
 * started and connected once, and for each size one untimed round per Java implementation warms
 * up its two JVMs before the measured rounds {@code jipc, jdk, c, jipc, jdk, c, ...}.
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
     * @param cModel     also run each C program built with the poll model ({@code c-model}): a
     *                   diagnostic showing what waiting in poll(2) instead of in the call costs
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
        return run(options, listener, Path.of(System.getProperty("java.io.tmpdir")));
    }

    /** Same, with each mechanism's scratch directory made in {@code scratchParent} (tests). */
    static List<Comparison> run(Options options, Listener listener, Path scratchParent) throws IOException {
        Map<Mechanism, Map<String, Path>> binaries = new LinkedHashMap<>();
        int steps = 0;
        int cImpls = options.cModel() ? 2 : 1;
        for (Mechanism m : options.mechanisms()) {
            int javaImpls = m.javaImpls().size();
            steps += options.sizes().size() * (javaImpls + (javaImpls + cImpls) * options.rounds());
            Map<String, Path> impls = new LinkedHashMap<>();
            impls.put(Comparison.BASELINE, CPrograms.binary(m.name(), options.cacheDir()));
            if (options.cModel()) {
                impls.put(C_MODEL, CPrograms.binary(m.name(), List.of("-DJIPC_BLOCKING_MODEL"), options.cacheDir()));
            }
            binaries.put(m, impls);
        }
        int[] step = {0};
        List<Comparison> results = new ArrayList<>();
        for (Mechanism m : options.mechanisms()) {
            results.addAll(runMechanism(m, binaries.get(m), options, listener, step, steps, scratchParent));
        }
        return results;
    }

    private static List<Comparison> runMechanism(Mechanism mechanism, Map<String, Path> binaries, Options options,
            Listener listener, int[] step, int steps, Path scratchParent) throws IOException {
        List<Comparison> results = new ArrayList<>();
        List<RoundSpec> peerRounds = new ArrayList<>();
        int maxSize = 1;
        for (int size : options.sizes()) {
            maxSize = Math.max(maxSize, size);
            for (int r = 0; r <= options.rounds(); r++) {
                peerRounds.add(options.spec(size));
            }
        }
        List<JavaImpl> javaImpls = mechanism.javaImpls();
        Path scratch = Files.createTempDirectory(scratchParent, "jipc-bench-" + mechanism.name() + "-");
        List<JavaPeer> peers = new ArrayList<>();
        List<Link> links = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            for (JavaImpl impl : javaImpls) {
                JavaPeer peer = new JavaPeer(mechanism, impl.name(), peerRounds, scratch);
                peers.add(peer);
                Link link = connect(mechanism, impl, peer, Files.createDirectory(scratch.resolve(impl.name())));
                links.add(link);
                ExitCleanup.register(link);
                peer.guard(link);
            }
            MemorySegment buf = arena.allocate(maxSize, 64);
            for (int size : options.sizes()) {
                RoundSpec spec = options.spec(size);
                Comparison c = new Comparison(mechanism.name(), size);
                for (int i = 0; i < javaImpls.size(); i++) {
                    listener.step(++step[0], steps, mechanism.name() + " " + size + " B: warm-up " + javaImpls.get(i).name());
                    javaRound(links.get(i), buf, spec, peers.get(i));
                }
                for (int r = 1; r <= options.rounds(); r++) {
                    String round = mechanism.name() + " " + size + " B: round " + r + "/" + options.rounds();
                    for (int i = 0; i < javaImpls.size(); i++) {
                        listener.step(++step[0], steps, round + " " + javaImpls.get(i).name());
                        c.add(javaImpls.get(i).name(), javaRound(links.get(i), buf, spec, peers.get(i)));
                    }
                    for (Map.Entry<String, Path> impl : binaries.entrySet()) {
                        listener.step(++step[0], steps, round + " " + impl.getKey());
                        c.add(impl.getKey(), CBaseline.run(impl.getValue(), spec, mechanism.cArguments(scratch), scratch,
                                ROUND_TIMEOUT));
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

    private static Figures javaRound(Link link, MemorySegment buf, RoundSpec spec, JavaPeer peer) throws IOException {
        Histogram roundTrips = Exchange.newHistogram();
        try {
            Exchange.pingPong(link, buf, spec, roundTrips);
            long nanos = Exchange.stream(link, buf, spec);
            return Figures.of(roundTrips, spec.size(), spec.streamCount(), nanos);
        } catch (IOException e) {
            throw new IOException(e.getMessage() + (peer.isAlive() ? "" : " (the " + peer.impl() + " peer died"
                    + peer.output() + ")"), e);
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
