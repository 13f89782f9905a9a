package io.jipc.bench;

import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * How much work this JVM's JIT compilers have done: the CPU time of its compiler threads (HotSpot
 * names them {@code C1 CompilerThreadN}, {@code C2 CompilerThreadN}). Unlike {@link
 * CompilationMXBean#getTotalCompilationTime()}, which counts a compilation once it is finished,
 * this counts one in progress too: on a busy machine a C2 compilation can take seconds, and a
 * warm-up that waited only for finished ones could end in the middle of one.
 *
 * <p>The compiler threads are found in {@code /proc/self/task} by {@link #refresh()} only (the
 * harness calls it once per block of rounds); each reading is then one clock_gettime per thread on
 * its CPU-time clock ({@link Sched#threadCpuNanos}). Reading files on every call would keep the
 * JIT busy compiling the file-reading code, which is what an earlier version of this class did.
 * A compiler thread that exits keeps its last reading, so the total never goes back; one started
 * after the last refresh is not counted until the next (the JVM adds them when its queue is long,
 * so the ones counted are busy then too). Without native access, the MXBean's figure stands in.
 */
final class JitClock {
    private static final Path TASKS = Path.of("/proc/self/task");
    private final CompilationMXBean mxBean = ManagementFactory.getCompilationMXBean();
    private int[] tids = new int[0];
    private long[] last = new long[0];
    /** The readings of compiler threads that have exited since the last refresh. */
    private long gone;

    JitClock() {
        refresh();
    }

    /** Finds this JVM's compiler threads again (those that appeared since the last time). */
    synchronized void refresh() {
        if (!Sched.available()) {
            return;
        }
        long kept = totalNanos();
        int[] found = new int[8];
        int n = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path task : tasks) {
                try {
                    if (Files.readString(task.resolve("comm"), StandardCharsets.US_ASCII).contains("CompilerThre")) {
                        if (n == found.length) {
                            found = Arrays.copyOf(found, n * 2);
                        }
                        found[n++] = Integer.parseInt(task.getFileName().toString());
                    }
                } catch (IOException | NumberFormatException gone) {
                    // exited meanwhile
                }
            }
        } catch (IOException e) {
            return;
        }
        tids = Arrays.copyOf(found, n);
        last = new long[n];
        long now = 0;
        for (int i = 0; i < n; i++) {
            last[i] = Math.max(0, Sched.threadCpuNanos(tids[i]));
            now += last[i];
        }
        // The total goes on from where it was: the threads found now start from their readings.
        gone = kept - now;
    }

    /** The CPU time this JVM's compiler threads have used, ns, counted from this clock's first reading. */
    synchronized long totalNanos() {
        if (!Sched.available() || tids.length == 0) {
            return mxBean.getTotalCompilationTime() * 1_000_000;
        }
        long total = gone;
        for (int i = 0; i < tids.length; i++) {
            long ns = Sched.threadCpuNanos(tids[i]);
            if (ns > last[i]) {
                last[i] = ns;
            }
            total += last[i];
        }
        return total;
    }
}
