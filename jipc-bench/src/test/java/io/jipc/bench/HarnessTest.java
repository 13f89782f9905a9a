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

/**
 * Runs the harness for real, a few hundred messages per mechanism: jipc between this JVM and a
 * peer JVM, C between two C processes. Every message's sequence number is checked on both sides
 * (a lost, duplicated or torn message fails the run), so this is a correctness test of every
 * mechanism's exchange, not a timing test.
 */
class HarnessTest {
    static final Path CACHE = Path.of(System.getProperty("basedir", "."), "target", "bench-cache");

    @Test
    void everyMechanismExchangesInJipcAndInC() throws IOException {
        // 3 bytes: shorter than a sequence number; 100,000: more than a pipe holds, so reads come short.
        List<Integer> sizes = List.of(64, 3, 100_000);
        int rounds = 2;
        List<String> scratchBefore = scratchDirs();
        List<String> steps = new ArrayList<>();
        List<Comparison> results = Harness.run(new Harness.Options(Mechanisms.all(), sizes, 300, rounds, CACHE, false),
                (step, total, what) -> steps.add(step + "/" + total + " " + what));

        assertThat(results).hasSize(Mechanisms.all().size() * sizes.size());
        assertThat(steps).hasSize(Mechanisms.all().size() * sizes.size() * (1 + 2 * rounds));
        assertThat(steps.getLast()).startsWith(steps.size() + "/" + steps.size() + " ");
        int i = 0;
        for (Mechanism m : Mechanisms.all()) {
            for (int size : sizes) {
                Comparison c = results.get(i++);
                assertThat(c.mechanism()).isEqualTo(m.name());
                assertThat(c.size()).isEqualTo(size);
                assertThat(c.implementations()).containsExactly("jipc", "c");
                for (String impl : c.implementations()) {
                    assertThat(c.rounds(impl)).hasSize(rounds);
                    for (Figures f : c.rounds(impl)) {
                        assertThat(f.p50Ns()).isPositive();
                        assertThat(f.p50Ns()).isLessThanOrEqualTo(f.p99Ns());
                        assertThat(f.p99Ns()).isLessThanOrEqualTo(f.p999Ns());
                        assertThat(f.p999Ns()).isLessThanOrEqualTo(f.maxNs());
                        assertThat(f.msgsPerS()).isPositive();
                        assertThat(f.mbPerS()).isCloseTo(f.msgsPerS() * size / 1e6, org.assertj.core.data.Offset.offset(1e-6));
                    }
                }
                assertThat(c.ratio("jipc", Metric.P50)).isPositive().isFinite();
            }
        }
        assertThat(scratchDirs()).as("scratch directories are removed").isSubsetOf(scratchBefore);
    }

    static List<String> scratchDirs() throws IOException {
        try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("jipc-bench-")).toList();
        }
    }

    @Test
    void theCModelIsTheSameExchangeWithJipcsBlockingModel() throws IOException {
        List<Comparison> results = Harness.run(new Harness.Options(List.of(Mechanisms.byName("pipe")), List.of(64), 200, 1,
                CACHE, true), (step, total, what) -> { });
        assertThat(results).hasSize(1);
        assertThat(results.getFirst().implementations()).containsExactly("jipc", "c", "c-model");
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
    void unknownMechanismsAndBadSizesAreRefusedWithWhatIsAllowed() {
        assertThatThrownBy(() -> Mechanisms.byName("carrier-pigeon"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pipe");
        assertThatThrownBy(() -> RoundSpec.defaults(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1..");
    }
}
