package io.jipc.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.testing.Peer;
import io.jipc.testing.PeerJvm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Soak and leaks: every object kind opened, used and closed in a loop ({@link SoakCycles}), and a
 * two-process load per mechanism ({@link SoakLoad}), each in a JVM of its own started with Native
 * Memory Tracking, measuring itself. Short by default (2,000 cycles a kind, 1 s of load a
 * mechanism); the long run is {@code mvn -o verify -Psoak} (see the README and
 * docs/reliability.md), or these properties: {@code -Djipc.soak.cycles=N},
 * {@code -Djipc.soak.kindSeconds=S} (each kind's time bound), {@code -Djipc.soak.loadSeconds=S}.
 *
 * <p>What counts as growth, measured after a warm-up and after a full collection:
 * <ul>
 * <li>descriptors and mappings of shared memory: none, exactly;</li>
 * <li>mappings in all: at most {@value #MAPS_SLACK} (the JVM maps code-heap and thread-stack
 *     pages of its own as it compiles; a leak grows with the cycles, thousands);</li>
 * <li>heap in use after GC: at most {@value #HEAP_SLACK} bytes (the JIT's and the JDK's caches;
 *     a leak of one 16-byte object a cycle exceeds it by the long run's 100,000 cycles);</li>
 * <li>native memory of FFM allocations (NMT "Other", where every Arena allocation is counted):
 *     none;</li>
 * <li>resident set: at most {@value #RSS_SLACK_KB} KiB. The JVM's own native memory moves by
 *     megabytes as the JIT compiles (NMT's malloc total swings by ±15 MiB in runs with no leak)
 *     and glibc keeps freed memory; this bound catches what the exact ones cannot see, memory
 *     glibc allocates for us (e.g. sem_open's), at 336 bytes a cycle over 100,000 cycles.</li>
 * </ul>
 */
class SoakTest {
    static final int MAPS_SLACK = 4;
    static final long HEAP_SLACK = 1L << 20;
    static final long RSS_SLACK_KB = 32 * 1024;

    static final int CYCLES = Integer.getInteger("jipc.soak.cycles", 2_000);
    static final int KIND_SECONDS = Integer.getInteger("jipc.soak.kindSeconds", 20);
    static final int LOAD_SECONDS = Integer.getInteger("jipc.soak.loadSeconds", 1);

    static final List<String> JVM = List.of("-Xmx64m", "-Xms64m", "-XX:NativeMemoryTracking=summary");

    /** Bounded by the time it gives its JVMs (below), not by the suite's 120 s default. */
    @Test
    @Timeout(value = 6, unit = TimeUnit.HOURS)
    void everyKindCyclesWithoutGrowthAndTheLoadStaysSteady() throws Exception {
        Duration bound = Duration.ofSeconds(60L + 30L * (KIND_SECONDS + 10) + 13L * (LOAD_SECONDS + 20));
        try (Peer cycles = PeerJvm.start(JVM, SoakCycles.class, String.valueOf(CYCLES), String.valueOf(KIND_SECONDS));
                Peer load = PeerJvm.start(JVM, SoakLoad.class, String.valueOf(LOAD_SECONDS))) {
            int cyclesExit = cycles.awaitExit(bound);
            int loadExit = load.awaitExit(bound);
            report(cycles.stdout(), load.stdout());
            assertThat(cyclesExit).as("soak cycles exit\n%s\n%s", cycles.stdout(), cycles.stderr()).isZero();
            assertThat(loadExit).as("soak load exit\n%s\n%s", load.stdout(), load.stderr()).isZero();
            checkCycles(cycles.stdout());
            checkLoad(load.stdout());
            for (String out : List.of(cycles.stdout(), load.stdout())) {
                assertThat(out).contains("nmt true");
                assertThat(leftovers(prefix(out))).as("objects left behind").isEmpty();
            }
        }
    }

    private static void checkCycles(String out) {
        assertThat(out).contains("soak done").doesNotContain("failed");
        List<String> lines = out.lines().filter(l -> l.startsWith("soak kind=")).toList();
        String kinds = out.lines().filter(l -> l.startsWith("kinds ")).findFirst().orElseThrow();
        assertThat(lines).hasSize(Integer.parseInt(kinds.substring("kinds ".length())));
        for (String line : lines) {
            int cycles = Integer.parseInt(field(line, "cycles"));
            long ms = Long.parseLong(field(line, "ms"));
            // all the cycles asked for, unless the kind's time bound stopped it (said in the report)
            assertThat(cycles == CYCLES || ms >= KIND_SECONDS * 1000L).as(line).isTrue();
            checkGrowth(line, Footprint.parse(line.substring(line.indexOf("growth:"), line.indexOf(" | "))), true);
        }
    }

    private static void checkLoad(String out) {
        assertThat(out).contains("load done").doesNotContain("failed");
        List<String> lines = out.lines().filter(l -> l.startsWith("load mech=")).toList();
        assertThat(lines).hasSize(SoakLoad.MECHANISMS.size());
        for (String line : lines) {
            String[] parts = line.split(" \\| ");
            assertThat(Long.parseLong(field(line, "exchanges"))).as(line).isPositive();
            checkGrowth(line, Footprint.parse(parts[1].substring("self: ".length())), true);
            checkGrowth(line, Footprint.parse(parts[2].substring("peer: ".length())), false);
        }
    }

    private static void checkGrowth(String line, Footprint g, boolean self) {
        assertThat(g.fds()).as("descriptors: " + line).isZero();
        assertThat(g.sharedMaps()).as("mappings of shared memory: " + line).isZero();
        assertThat(g.maps()).as("mappings: " + line).isLessThanOrEqualTo(MAPS_SLACK);
        assertThat(g.rssKb()).as("resident set: " + line).isLessThanOrEqualTo(RSS_SLACK_KB);
        if (self) {
            assertThat(g.heapBytes()).as("heap after GC: " + line).isLessThanOrEqualTo(HEAP_SLACK);
            assertThat(g.nmtOtherKb()).as("FFM native memory (NMT Other): " + line).isZero();
        }
    }

    static String field(String line, String key) {
        for (String kv : line.split("\\s+")) {
            if (kv.startsWith(key + "=")) {
                return kv.substring(key.length() + 1);
            }
        }
        throw new AssertionError("no " + key + " in " + line);
    }

    static String prefix(String out) {
        return out.lines().filter(l -> l.startsWith("prefix ")).findFirst().orElseThrow().substring("prefix ".length());
    }

    /** What a soak JVM (its own per-run prefix) left in /dev/shm or /dev/mqueue. */
    static List<String> leftovers(String prefix) throws IOException {
        List<String> found = new ArrayList<>();
        for (Path dir : List.of(Path.of("/dev/shm"), Path.of("/dev/mqueue"))) {
            if (Files.isDirectory(dir)) {
                try (Stream<Path> s = Files.list(dir)) {
                    s.filter(p -> p.getFileName().toString().contains(prefix)).forEach(p -> found.add(p.toString()));
                }
            }
        }
        return found;
    }

    /** The figures, on standard output and in target/soak-report.txt (docs/reliability.md quotes a run). */
    private static void report(String cycles, String load) throws IOException {
        String text = "# jipc.soak.cycles=" + CYCLES + " jipc.soak.kindSeconds=" + KIND_SECONDS + " jipc.soak.loadSeconds="
                + LOAD_SECONDS + "\n" + cycles + load;
        System.out.print(text);
        Files.writeString(Path.of("target", "soak-report.txt"), text, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
    }
}
