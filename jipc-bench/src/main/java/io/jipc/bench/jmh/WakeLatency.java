package io.jipc.bench.jmh;

import io.jipc.bench.CPrograms;
import io.jipc.channel.Channel;
import io.jipc.channel.ChannelReader;
import io.jipc.channel.ChannelWriter;
import io.jipc.channel.RecordHandler;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Issue 18's wake-up latency: how long a channel reader asleep in {@code FUTEX_WAIT} takes to run
 * again after a writer in another JVM commits a record. The reader sleeps at once when the channel
 * is empty ({@code withIdle(0, 0)}); the writer sends a record stamped with {@link System#nanoTime()}
 * (CLOCK_MONOTONIC, the same clock in both processes) every {@code gap} microseconds, and the reader
 * takes the time it has the record. Both JVMs are pinned with {@code taskset}; the first fifth of
 * the records is left out (the JIT compiles the wait path meanwhile). {@code c/wake.c} measures the
 * floor the same way: FUTEX_WAKE to a process asleep in FUTEX_WAIT, nothing around it.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp jipc-bench.jar:$(cat target/jmh.classpath) \
 *     io.jipc.bench.jmh.WakeLatency [READER_CPU WRITER_CPU [COUNT [GAP_US [ORDERING]]]]   # 0 1 20000 200
 * </pre>
 */
public final class WakeLatency {
    private WakeLatency() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && (args[0].equals("reader") || args[0].equals("writer"))) {
            side(args);
            return;
        }
        String readerCpu = args.length > 0 ? args[0] : "0";
        String writerCpu = args.length > 1 ? args[1] : "1";
        String count = args.length > 2 ? args[2] : "20000";
        String gap = args.length > 3 ? args[3] : "200";
        String ordering = args.length > 4 ? args[4] : Channel.Ordering.preferred().name();
        String name = "/jipc-wake-" + ProcessHandle.current().pid();
        System.out.printf("reader on CPU %s, writer on CPU %s, %s records %s us apart, %s%n", readerCpu, writerCpu,
                count, gap, ordering);
        Process reader = jvm(readerCpu, "reader", name, count, gap, ordering);
        try {
            awaitLine(reader, "ready");
            Process writer = jvm(writerCpu, "writer", name, count, gap, ordering);
            if (writer.waitFor() != 0) {
                throw new IOException("the writer failed: " + new String(writer.getErrorStream().readAllBytes(),
                        StandardCharsets.UTF_8));
            }
            System.out.println("jipc: " + new String(reader.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
            if (reader.waitFor() != 0) {
                throw new IOException("the reader failed: " + new String(reader.getErrorStream().readAllBytes(),
                        StandardCharsets.UTF_8));
            }
        } finally {
            reader.destroyForcibly();
            try {
                Channel.unlink(name);
            } catch (IOException gone) {
                // the writer unlinked it
            }
        }
        Path c = CPrograms.binary("wake", CPrograms.defaultCacheDir());
        Process floor = new ProcessBuilder(c.toString(), readerCpu, writerCpu, count, gap).redirectErrorStream(true).start();
        System.out.print(new String(floor.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        floor.waitFor();
    }

    private static Process jvm(String cpu, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("taskset", "-c", cpu,
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), WakeLatency.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).start();
    }

    private static void awaitLine(Process p, String line) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = p.getInputStream().read()) >= 0 && c != '\n') {
            b.append((char) c);
        }
        if (!b.toString().equals(line)) {
            throw new IOException("the reader said \"" + b + "\": " + new String(p.getErrorStream().readAllBytes(),
                    StandardCharsets.UTF_8));
        }
    }

    private static void side(String[] args) throws Exception {
        String name = args[1];
        int count = Integer.parseInt(args[2]);
        long gapNanos = TimeUnit.MICROSECONDS.toNanos(Long.parseLong(args[3]));
        Channel.Options options = Channel.Options.defaults().withIdle(0, 0)
                .withOrdering(Channel.Ordering.valueOf(args[4]));
        if (args[0].equals("writer")) {
            MemorySegment stamp = Arena.ofAuto().allocate(8, 8);
            try (ChannelWriter w = ChannelWriter.openExisting(name, options)) {
                Channel.unlink(name); // both ends have it open: the name is no longer needed
                for (int i = 0; i < count; i++) {
                    Thread.sleep(gapNanos / 1_000_000, (int) (gapNanos % 1_000_000));
                    stamp.set(ValueLayout.JAVA_LONG, 0, System.nanoTime());
                    w.send(0, stamp);
                }
            }
            return;
        }
        long[] latency = new long[count];
        long[] sent = new long[1];
        RecordHandler read = (type, ring, at, length) -> sent[0] = ring.get(ValueLayout.JAVA_LONG_UNALIGNED, at);
        try (ChannelReader r = ChannelReader.createExclusively(name, options)) {
            System.out.println("ready");
            System.out.flush();
            for (int i = 0; i < count; i++) {
                r.drain(read, 1);
                latency[i] = System.nanoTime() - sent[0];
            }
        }
        long[] kept = Arrays.copyOfRange(latency, count / 5, count);
        Arrays.sort(kept);
        int n = kept.length;
        System.out.printf(Locale.ROOT, "min %.1f p50 %.1f p90 %.1f p99 %.1f max %.1f us (n=%d)%n", kept[0] / 1e3,
                kept[n / 2] / 1e3, kept[n * 9 / 10] / 1e3, kept[n * 99 / 100] / 1e3, kept[n - 1] / 1e3, n);
    }
}
