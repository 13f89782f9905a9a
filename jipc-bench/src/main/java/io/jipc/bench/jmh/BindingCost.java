package io.jipc.bench.jmh;

import io.jipc.bench.CPrograms;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs {@link DowncallBench} (and {@link PipeApiBench}, the same pipe loop through the public
 * API, and {@link SocketApiBench}, a socket pair's send and receive raw and through the public
 * API; {@link LockBench}; {@link MutexBench}, a process-shared robust mutex's lock+unlock; {@link ChannelBench}, a
 * record through a channel; {@link ShmBench}, copies into and out of a shared-memory mapping at 4 KiB,
 * 64 KiB and 1 MiB, and {@link ShmLifecycleBench}, an object's create+map+unmap+unlink) with JMH
 * next to the same loops in C ({@code downcall.c}) and prints jipc, C and jipc/C per call; a copy
 * row adds both bandwidths (bytes per ns = GB/s), whose ratio is C/jipc of the times.
 *
 * <p>This machine's noise (other builds, a 2-vCPU VM) is larger than the differences measured, so
 * each benchmark runs in rounds: the C loop, one JMH fork of the Java loop, the C loop, another
 * fork, ... Each fork is compared with the mean of the C runs on either side of it, and the
 * median of those ratios is reported, with every round's ratio beside it.
 *
 * <pre>
 * jipc-bench/jmh [--gc] [--rounds N] [--warmup N] [--iterations N] [--time SECONDS] [--only TEXT] [--verbose]
 * </pre>
 * {@code --only lock} runs the rows whose label contains "lock" (case ignored), {@code --only shm} the shared-memory rows,
 * {@code --only mutex} the shared mutex's.
 * Defaults (about nine minutes): 3 rounds; per JMH fork 2 warm-up and 2 measured
 * iterations of 1 s; per C run the median of 3 repetitions of 0.3 s. {@code --gc} adds JMH's GC profiler and a
 * B/op column (jipc's downcalls allocate nothing).
 */
public final class BindingCost {
    private BindingCost() {}

    /**
     * One row: a JMH benchmark method (with one {@code @Param} set, "name=value", or null) and the
     * C loop it is compared with.
     */
    private record Row(String label, Class<?> bench, String method, String cLoop, String param) {
        Row(String label, Class<?> bench, String method, String cLoop) {
            this(label, bench, method, cLoop, null);
        }

        /** The bytes one operation copies, for rows measuring bandwidth; 0 for the others. */
        long bytes() {
            return param != null && param.startsWith("size=") ? Long.parseLong(param.substring(5)) : 0;
        }
    }

    private static List<Row> shmCopies() {
        List<Row> rows = new ArrayList<>();
        for (int size : new int[] {4096, 65536, 1048576}) {
            String kib = (size >> 10) + " KiB";
            for (String way : List.of("in", "out")) {
                String method = "copy" + (way.equals("in") ? "In" : "Out");
                String loop = "shm_copy_" + way + "_" + size;
                rows.add(new Row("shm copy " + way + " " + kib + ", byte[]", ShmBench.class, method + "Array", loop,
                        "size=" + size));
                rows.add(new Row("shm copy " + way + " " + kib + ", segment", ShmBench.class, method + "Segment", loop,
                        "size=" + size));
            }
        }
        return rows;
    }

    private static final List<Row> ROWS = List.of(
            new Row("labs (no syscall)", DowncallBench.class, "labs", "labs"),
            new Row("labs (no syscall), critical", DowncallBench.class, "labsCritical", "labs"),
            new Row("getppid", DowncallBench.class, "getppid", "getppid"),
            new Row("getppid, critical", DowncallBench.class, "getppidCritical", "getppid"),
            new Row("pipe write+read 8 B", DowncallBench.class, "pipeWriteRead", "pipe_write_read"),
            new Row("pipe write+read 8 B, critical", DowncallBench.class, "pipeWriteReadCritical", "pipe_write_read"),
            new Row("  same via Pipe API, segment", PipeApiBench.class, "segmentWriteRead", "pipe_write_read"),
            new Row("  same via Pipe API, byte[]", PipeApiBench.class, "arrayWriteRead", "pipe_write_read"),
            new Row("unix stream send+recv 64 B", SocketApiBench.class, "streamRaw", "socket_send_recv"),
            new Row("  same via UnixSocket API", SocketApiBench.class, "streamApi", "socket_send_recv"),
            new Row("flock lock+unlock", LockBench.class, "flockLockUnlock", "flock_lock_unlock"),
            new Row("POSIX record lock+unlock", LockBench.class, "posixLockUnlock", "posix_lock_unlock"),
            new Row("OFD lock+unlock", LockBench.class, "ofdLockUnlock", "ofd_lock_unlock"),
            new Row("shared mutex lock+unlock", MutexBench.class, "lockUnlock", "mutex_lock_unlock"),
            new Row("shm lifecycle (create..unlink)", ShmLifecycleBench.class, "createMapUnmapUnlink", "shm_lifecycle"),
            new Row("shm lifecycle, C w/ jipc's calls", ShmLifecycleBench.class, "createMapUnmapUnlink",
                    "shm_lifecycle_jipc_calls"),
            new Row("channel send+drain 64 B", ChannelBench.class, "sendDrain", "channel_send_recv"),
            new Row("  channel, claimOffset+commit", ChannelBench.class, "claimCommitDrain", "channel_send_recv"),
            new Row("  channel-mpsc (C: one producer)", ChannelBench.class, "manySendDrain", "channel_send_recv"),
            // Issue 18's 64 KiB target against C's 64 KiB memcpy: jipc/C is memcpy's time over the channel's,
            // inverted (0.5 of memcpy's bandwidth is a ratio of 2).
            new Row("channel 64 KiB copy in+out/memcpy", ChannelBench.class, "stream64kCopy", "shm_copy_in_65536",
                    "size=65536"),
            new Row("channel 64 KiB in place/memcpy", ChannelBench.class, "stream64kInPlace", "shm_copy_in_65536",
                    "size=65536"),
            new Row("  64 KiB in place, checked (mismatch)", ChannelBench.class, "stream64kInPlaceChecked",
                    "shm_copy_in_65536", "size=65536"),
            new Row("  64 KiB in place, summed (long loop)", ChannelBench.class, "stream64kInPlaceSummed",
                    "shm_copy_in_65536", "size=65536"));

    public static void main(String[] args) throws IOException, RunnerException, InterruptedException {
        int rounds = 3;
        int warmup = 2;
        int iterations = 2;
        int seconds = 1;
        boolean gc = false;
        boolean verbose = false;
        String only = "";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--gc" -> gc = true;
                case "--verbose" -> verbose = true;
                case "--rounds" -> rounds = positive(args, ++i);
                case "--warmup" -> warmup = positive(args, ++i);
                case "--iterations" -> iterations = positive(args, ++i);
                case "--time" -> seconds = positive(args, ++i);
                case "--only" -> only = ++i < args.length ? args[i] : "";
                case "-h", "--help" -> {
                    System.out.println("usage: jipc-bench/jmh [--gc] [--rounds N] [--warmup N] [--iterations N] [--time SECONDS] [--only TEXT] [--verbose]");
                    return;
                }
                default -> usage("unknown option " + args[i]);
            }
        }

        Path downcall = CPrograms.binary("downcall", CPrograms.defaultCacheDir());
        List<String> jvmArgs = new ArrayList<>(List.of("--enable-native-access=ALL-UNNAMED", "-Xshare:auto"));
        if (Runtime.version().feature() >= 23) {
            jvmArgs.add("--sun-misc-unsafe-memory-access=allow"); // JMH's own Unsafe use, not jipc's
        }
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%-31s %10s %10s %8s %8s  %sratio per round%n", "call (ns/op)", "jipc",
                "C", "jipc-C", "jipc/C", gc ? "    B/op  " : ""));
        String wanted = only.toLowerCase(Locale.ROOT);
        List<Row> all = new ArrayList<>(ROWS);
        all.addAll(shmCopies());
        List<Row> rows = all.stream().filter(r -> r.label().toLowerCase(Locale.ROOT).contains(wanted)).toList();
        if (rows.isEmpty()) {
            usage("no row's label contains '" + only + "'");
        }
        int step = 0;
        for (Row row : rows) {
            // C, jipc, C, jipc, ..., C: each JMH fork is compared with the mean of the C runs
            // just before and just after it, so slow drift in the machine's load cancels out.
            double[] c = new double[rounds + 1];
            double[] jipc = new double[rounds];
            double[] ratio = new double[rounds];
            double alloc = 0;
            c[0] = runC(downcall, row.cLoop());
            for (int r = 0; r < rounds; r++) {
                System.err.printf(Locale.ROOT, "binding cost %d/%d: %s, round %d/%d%n", ++step, rows.size() * rounds,
                        row.label(), r + 1, rounds);
                ChainedOptionsBuilder options = new OptionsBuilder()
                        .include(row.bench().getName() + "\\." + row.method() + "$")
                        .mode(Mode.AverageTime)
                        .timeUnit(TimeUnit.NANOSECONDS)
                        .forks(1)
                        .warmupIterations(warmup)
                        .warmupTime(TimeValue.seconds(seconds))
                        .measurementIterations(iterations)
                        .measurementTime(TimeValue.seconds(seconds))
                        .jvmArgs(jvmArgs.toArray(String[]::new))
                        .shouldFailOnError(true)
                        .verbosity(verbose ? VerboseMode.NORMAL : VerboseMode.SILENT);
                if (gc) {
                    options.addProfiler(GCProfiler.class);
                }
                if (row.param() != null) {
                    String[] kv = row.param().split("=", 2);
                    options.param(kv[0], kv[1]);
                }
                Collection<RunResult> results = new Runner(options.build()).run();
                if (results.size() != 1) {
                    throw new IllegalStateException("JMH ran " + results.size() + " benchmarks for " + row.method());
                }
                RunResult rr = results.iterator().next();
                jipc[r] = rr.getPrimaryResult().getScore();
                Result<?> norm = rr.getSecondaryResults().get("gc.alloc.rate.norm");
                if (norm != null) {
                    alloc = Math.max(alloc, norm.getScore());
                }
                c[r + 1] = runC(downcall, row.cLoop());
                ratio[r] = jipc[r] / ((c[r] + c[r + 1]) / 2);
            }
            StringBuilder spread = new StringBuilder();
            for (double x : ratio) {
                spread.append(spread.isEmpty() ? "" : " ").append(String.format(Locale.ROOT, "%.2f", x));
            }
            double[] diff = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                diff[r] = jipc[r] - (c[r] + c[r + 1]) / 2;
            }
            out.append(String.format(Locale.ROOT, "%-31s %10.1f %10.1f %8.1f %8.3f  %s%s%s%n", row.label(), median(jipc),
                    median(c), median(diff), median(ratio), gc ? String.format(Locale.ROOT, "%8.3f  ", alloc) : "", spread,
                    row.bytes() == 0 ? "" : String.format(Locale.ROOT, "  (GB/s: jipc %.1f, C %.1f)",
                            row.bytes() / median(jipc), row.bytes() / median(c))));
        }
        out.append(String.format(Locale.ROOT,
                "Medians over %d rounds: C, JMH fork, C, JMH fork, ..., C; each fork's ratio is against the mean of the C runs%n"
                        + "around it. JMH: %d x %d s after %d x %d s warm-up, average time. C: gcc %s,%n"
                        + "median of 3 x 0.3 s, clock_gettime(CLOCK_MONOTONIC).%s%n",
                rounds, iterations, seconds, warmup, seconds, String.join(" ", CPrograms.GCC_FLAGS),
                gc ? " B/op: JMH gc.alloc.rate.norm, the largest over rounds." : ""));
        System.out.print(out);
    }

    /** Runs one C loop: its ns/op. */
    private static double runC(Path binary, String loop) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(binary.toString(), "0.3", "3", loop)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        p.getOutputStream().close();
        String text;
        try (InputStream in = p.getInputStream()) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            p.waitFor();
            throw new IOException(binary + " did not finish");
        }
        if (p.exitValue() != 0) {
            throw new IOException(binary + " exited " + p.exitValue());
        }
        for (String line : text.split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length == 2 && f[0].equals(loop)) {
                return Double.parseDouble(f[1]);
            }
        }
        throw new IOException(binary + " printed no result for " + loop + ":\n" + text);
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int m = v.length / 2;
        return v.length % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
    }

    private static int positive(String[] args, int i) {
        if (i >= args.length) {
            usage(args[i - 1] + " needs a number");
        }
        try {
            int n = Integer.parseInt(args[i]);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // falls through to the usage message
        }
        usage(args[i - 1] + " needs a positive integer, got " + args[i]);
        return 0;
    }

    private static void usage(String message) {
        System.err.println("jmh: " + message);
        System.exit(2);
    }
}
