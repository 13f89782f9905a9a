package io.jipc.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs the harness for real, a few hundred messages per mechanism and implementation: jipc (and
 * the JDK where it has the mechanism) between this JVM and a peer JVM, C between two C processes.
 * Every message's sequence number is checked on both sides (a lost, duplicated or torn message
 * fails the run), so this is a correctness test of every mechanism's exchange, not a timing test.
 */
class HarnessTest {
    static final Path CACHE = Path.of(System.getProperty("basedir", "."), "target", "bench-cache");

    @Test
    @Timeout(300) // every mechanism, every implementation, three sizes: more than the default 120 s on a loaded machine
    void everyMechanismExchangesInJipcAndInC() throws IOException {
        // 3 bytes: shorter than a sequence number; 100,000: more than a pipe or a socket buffer holds
        // at once, so stream reads come short (and datagrams and records are large).
        List<Integer> sizes = List.of(64, 3, 100_000);
        int rounds = 2;
        // A scratch parent of this test's own (short: socket paths live there), not the shared /tmp.
        Path scratchParent = Files.createTempDirectory("jbt");
        List<String> steps = new ArrayList<>();
        List<Comparison> results;
        try {
            // One warm-up round each (cap 0): this checks the exchanges, not the JIT.
            results = Harness.run(new Harness.Options(Mechanisms.all(), sizes, 300, rounds, CACHE, false, false,
                    Placement.defaults(), java.time.Duration.ZERO),
                    (step, total, what) -> steps.add(step + "/" + total + " " + what), scratchParent);
            try (Stream<Path> left = Files.list(scratchParent)) {
                assertThat(left.toList()).as("scratch directories are removed").isEmpty();
            }
            assertThat(sysvQueuesTouchedBy(ProcessHandle.current().pid())).as("System V queues are removed").isEmpty();
        } finally {
            Harness.deleteTree(scratchParent);
        }

        assertThat(results).hasSize(Mechanisms.all().size() * sizes.size());
        int expectedSteps = 0;
        for (Mechanism m : Mechanisms.all()) {
            int javaImpls = m.javaImpls().size();
            // The warm-up (told again as it goes on), then one step per implementation and measured round.
            expectedSteps += sizes.size() * (1 + (javaImpls + 1) * rounds);
        }
        List<String> distinctSteps = steps.stream().map(s -> s.substring(0, s.indexOf(' '))).distinct().toList();
        assertThat(distinctSteps).hasSize(expectedSteps);
        assertThat(steps.getLast()).startsWith(expectedSteps + "/" + expectedSteps + " ");
        int i = 0;
        for (Mechanism m : Mechanisms.all()) {
            for (int size : sizes) {
                Comparison c = results.get(i++);
                assertThat(c.mechanism()).isEqualTo(m.name());
                assertThat(c.size()).isEqualTo(size);
                List<String> expected = new ArrayList<>();
                for (JavaImpl j : m.javaImpls()) {
                    expected.add(j.name());
                }
                expected.add("c");
                assertThat(c.implementations()).containsExactlyElementsOf(expected);
                for (String impl : c.implementations()) {
                    assertThat(c.rounds(impl)).hasSize(rounds);
                    for (Figures f : c.rounds(impl)) {
                        assertThat(f.rttCpuNs()).as("%s CPU per round trip", impl).isPositive();
                        assertThat(f.peerRttCpuNs()).isPositive();
                        assertThat(f.cpuNsPerMsg()).as("%s CPU per message", impl).isPositive();
                        assertThat(f.peerCpuNsPerMsg()).isPositive();
                        if (size >= Exchange.CPU_TAG_MIN_SIZE) {
                            assertThat(f.crossedRoundTrips()).as("%s %d B: one CPU, no crossing", impl, size).isZero();
                        } else {
                            assertThat(f.crossedRoundTrips()).as("too short to carry a CPU").isEqualTo(-1);
                        }
                        assertThat(f.p50Ns()).isPositive();
                        assertThat(f.p50Ns()).isLessThanOrEqualTo(f.p99Ns());
                        assertThat(f.p99Ns()).isLessThanOrEqualTo(f.p999Ns());
                        assertThat(f.p999Ns()).isLessThanOrEqualTo(f.maxNs());
                        assertThat(f.msgsPerS()).isPositive();
                        assertThat(f.mbPerS()).isCloseTo(f.msgsPerS() * size / 1e6, org.assertj.core.data.Offset.offset(1e-6));
                    }
                }
                assertThat(c.ratio(expected.getFirst(), Metric.P50)).isPositive().isFinite();
                assertThat(c.warmUp().rounds()).as("cap 0: one set").isEqualTo(1);
            }
        }
    }

    /**
     * A peer that fails in the middle of a round over a queue or signals (no end-of-file to tell this side)
     * ends the round with an error instead of leaving it waiting for ever, and its queues go.
     * The peer is told to serve 10 round trips where this side makes 20: it takes the 11th as a
     * streamed message, finds the wrong sequence number and exits 1.
     */
    @ParameterizedTest
    @ValueSource(strings = {"mq", "sysv-msg", "signal"})
    @Timeout(120)
    void aPeerThatDiesMidRoundFailsTheRoundInsteadOfHanging(String name) throws IOException {
        Mechanism mechanism = Mechanisms.byName(name);
        Path scratch = Files.createTempDirectory("jbt");
        try (JavaPeer peer = new JavaPeer(mechanism, JavaImpl.JIPC, scratch); Arena arena = Arena.ofConfined()) {
            Link link = mechanism.javaImpl(JavaImpl.JIPC).connect().connect(peer, Files.createDirectory(scratch.resolve("jipc")));
            try (link) {
                peer.guard(link);
                peer.beginRound(new RoundSpec(64, 0, 10, 5, 10), -1);
                MemorySegment buf = arena.allocate(64);
                assertThatThrownBy(() -> Exchange.pingPong(link, buf, new RoundSpec(64, 0, 20, 0, 10), Exchange.newHistogram()))
                        .isInstanceOf(IOException.class);
                assertThat(peer.isAlive()).isFalse();
                assertThat(peer.output()).contains("message 0 arrived out of order");
            }
        } finally {
            Harness.deleteTree(scratch);
        }
        assertThat(sysvQueuesTouchedBy(ProcessHandle.current().pid())).isEmpty();
    }

    /**
     * Placement holds for every implementation alike: on two different CPUs every timed round trip
     * crosses (the peer echoes on the other CPU), in Java and in C, with and without the extra
     * thread; each side's CPU time is measured and a multi-threaded C row comes beside the plain one.
     */
    @Test
    void onDifferentCpusEveryRoundTripCrossesInEveryImplementation() throws IOException {
        java.util.BitSet cpus = Sched.affinity();
        org.junit.jupiter.api.Assumptions.assumeTrue(cpus.cardinality() >= 2, "needs two CPUs to place the processes on");
        Placement apart = Placement.of(Placement.Kind.DIFFERENT, List.of());
        List<Comparison> results = Harness.run(new Harness.Options(List.of(Mechanisms.byName("unix-stream")), List.of(64),
                200, 1, CACHE, false, true, apart, java.time.Duration.ofSeconds(5)), (step, total, what) -> { });
        Comparison c = results.getFirst();
        assertThat(c.implementations()).containsExactly("jipc", "jipc-batch", "ffm", "jdk", "c", "c-mt");
        assertThat(c.placement()).isEqualTo(apart);
        for (String impl : c.implementations()) {
            Figures f = c.rounds(impl).getFirst();
            assertThat(f.crossedRoundTrips()).as(impl).isEqualTo(f.roundTrips()).isEqualTo(200);
            assertThat(f.streamCrossCpuPct()).as(impl).isEqualTo(100.0);
            assertThat(f.rttCpuNs()).as(impl).isPositive();
        }
        assertThat(Table.format(results, 1)).contains("c-mt/c ").contains("jipc/c-mt ").contains("different CPUs");
    }

    @Test
    void placementsNameTheirCpus() {
        assertThat(Placement.free().cOptions()).isEmpty();
        assertThat(new Placement(Placement.Kind.SAME, 1, 1).cOptions()).containsExactly("-a", "1", "-b", "1");
        assertThat(new Placement(Placement.Kind.DIFFERENT, 0, 1).word()).isEqualTo("different:0,1");
        assertThatThrownBy(() -> new Placement(Placement.Kind.DIFFERENT, 1, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Placement.of(Placement.Kind.SAME, List.of(4096)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("4096");
        assertThatThrownBy(() -> Placement.of(Placement.Kind.FREE, List.of(0))).isInstanceOf(IllegalArgumentException.class);
    }

    /** The System V queues (lines of /proc/sysvipc/msg) whose last sender or receiver was {@code pid}. */
    static List<String> sysvQueuesTouchedBy(long pid) throws IOException {
        List<String> found = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/sysvipc/msg"))) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 6 && (f[5].equals(Long.toString(pid)) || f[6].equals(Long.toString(pid)))) {
                found.add(line);
            }
        }
        return found;
    }

    /**
     * The socket mechanisms as cli.md names them, with the JDK beside jipc where the JDK has them,
     * jipc's batch forms beside its one call per message where it has them, and the same calls as
     * bare FFM downcalls (ffm) for the message mechanisms, so that jipc/ffm shows jipc's own cost.
     */
    @Test
    void socketMechanismsHaveTheirImplementations() {
        assertThat(Mechanisms.names()).contains("unix-stream", "unix-seqpacket", "unix-dgram", "tcp");
        assertThat(implNames("unix-stream")).containsExactly("jipc", "jipc-batch", "ffm", "jdk");
        assertThat(implNames("unix-seqpacket")).containsExactly("jipc", "jipc-batch", "ffm");
        assertThat(implNames("unix-dgram")).containsExactly("jipc", "jipc-batch", "ffm");
        assertThat(implNames("pipe")).containsExactly("jipc", "jipc-batch", "ffm");
        assertThat(implNames("fifo")).as("a FIFO's ends are a pipe's").containsExactly("jipc", "jipc-batch", "ffm");
        assertThat(implNames("mq")).containsExactly("jipc", "ffm");
        assertThat(implNames("sysv-msg")).containsExactly("jipc", "ffm");
        assertThat(implNames("sem")).containsExactly("jipc", "ffm");
        assertThat(implNames("sysv-sem")).containsExactly("jipc", "ffm");
        assertThat(implNames("tcp")).as("jipc has no TCP").containsExactly("jdk");
    }

    static List<String> implNames(String mechanism) {
        return Mechanisms.byName(mechanism).javaImpls().stream().map(JavaImpl::name).toList();
    }

    @Test
    void theCModelIsTheSameExchangeWithJipcsBlockingModel() throws IOException {
        List<Comparison> results = Harness.run(new Harness.Options(List.of(Mechanisms.byName("pipe")), List.of(64), 200, 1,
                CACHE, true, false, Placement.defaults(), java.time.Duration.ZERO), (step, total, what) -> { });
        assertThat(results).hasSize(1);
        assertThat(results.getFirst().implementations()).containsExactly("jipc", "jipc-batch", "ffm", "c", "c-model");
        assertThat(results.getFirst().ratio("c-model", Metric.P50)).isPositive().isFinite();
    }

    @Test
    void aMessageOutOfSequenceFailsTheExchange() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment message = arena.allocate(64);
            Exchange.stamp(message, 64, 41);
            Exchange.check(message, 64, 41);
            assertThatThrownBy(() -> Exchange.check(message, 64, 42)).hasMessageContaining("message 42");
            MemorySegment tiny = arena.allocate(2);
            Exchange.stamp(tiny, 2, 0x1234);
            Exchange.check(tiny, 2, 0x1234);
            assertThatThrownBy(() -> Exchange.check(tiny, 2, 0x1235)).isInstanceOf(IOException.class);
        }
    }

    @Test
    void ratiosAreMediansOfPerRoundRatios() {
        Comparison c = new Comparison("pipe", 64);
        long[][] p50 = {{110, 100}, {300, 100}, {90, 100}};
        for (long[] round : p50) {
            c.add("jipc", new Figures(round[0], round[0], round[0], round[0], 1000, 0.064));
            c.add("c", new Figures(round[1], round[1], round[1], round[1], 2000, 0.128));
        }
        assertThat(c.ratio("jipc", Metric.P50)).isEqualTo(1.1);
        assertThat(c.ratio("jipc", Metric.MSGS_PER_S)).isEqualTo(0.5);
        assertThat(c.median("jipc", Metric.P50)).isEqualTo(110);
        assertThat(Table.format(List.of(c), 3)).contains("jipc/c").contains("1.100").contains("0.500");
        assertThat(Report.svg(List.of(c), 3)).startsWith("<svg").contains("jipc/C 1.100").endsWith("</svg>\n");
    }

    @Test
    void aThirdImplementationGetsItsRatiosToCAndJipcItsRatioToIt() {
        Comparison c = new Comparison("unix-stream", 64);
        for (int r = 0; r < 3; r++) {
            c.add("jipc", new Figures(110, 110, 110, 110, 1000, 0.064));
            c.add("jdk", new Figures(220, 220, 220, 220, 500, 0.032));
            c.add("c", new Figures(100, 100, 100, 100, 2000, 0.128));
        }
        assertThat(c.ratio("jdk", Metric.P50)).isEqualTo(2.2);
        assertThat(c.ratio("jipc", "jdk", Metric.P50)).isEqualTo(0.5);
        assertThat(c.ratio("jipc", "jdk", Metric.MSGS_PER_S)).isEqualTo(2.0);
        String table = Table.format(List.of(c), 3);
        assertThat(table.lines().map(String::strip).filter(l -> l.startsWith("jdk ")).count()).isEqualTo(1);
        assertThat(table).contains("jipc/c ").contains("jdk/c ").contains("jipc/jdk ").contains("2.200").contains("0.500");
        assertThat(Report.svg(List.of(c), 3)).contains("jipc/C 1.100").contains("jipc/jdk 0.500").contains(">jdk<");
    }

    @Test
    void aMechanismWithoutJipcIsComparedThroughItsOnlyJavaImplementation() {
        Comparison c = new Comparison("tcp", 64);
        c.add("jdk", new Figures(300, 300, 300, 300, 1000, 0.064));
        c.add("c", new Figures(200, 200, 200, 200, 2000, 0.128));
        String table = Table.format(List.of(c), 1);
        assertThat(table).contains("jdk/c ").contains("1.500").doesNotContain("jipc/");
        assertThat(Report.svg(List.of(c), 1)).contains("jdk/C 1.500").doesNotContain("NaN");
    }

    @Test
    void unknownMechanismsAndBadSizesAreRefusedWithWhatIsAllowed() {
        assertThatThrownBy(() -> Mechanisms.byName("carrier-pigeon"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pipe");
        assertThatThrownBy(() -> RoundSpec.defaults(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1..");
    }
}
