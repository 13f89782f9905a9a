package io.jipc.bench;

import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * How much work this JVM's JIT compilers have done: the CPU time of its compiler threads, read
 * from {@code /proc/self/task/<tid>/schedstat} (HotSpot names them {@code C1 CompilerThreadN},
 * {@code C2 CompilerThreadN}). Unlike {@link CompilationMXBean#getTotalCompilationTime()}, which
 * counts a compilation once it is finished, this counts one in progress too: on a busy machine a
 * C2 compilation can take seconds, and a warm-up that waited only for finished ones could end in
 * the middle of one. Where there is no such thread to read, the MXBean's figure stands in.
 *
 * <p>Compiler threads come and go ({@code UseDynamicNumberOfCompilerThreads}): each thread's last
 * reading is kept, so the total never goes back.
 */
final class JitClock {
    private static final Path TASKS = Path.of("/proc/self/task");
    private final Map<String, Long> lastByThread = new HashMap<>();
    private final CompilationMXBean mxBean = ManagementFactory.getCompilationMXBean();

    /** The CPU time this JVM's compiler threads have used so far, ns (never less than the last answer). */
    synchronized long totalNanos() {
        boolean found = false;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path task : tasks) {
                String comm;
                String stat;
                try {
                    comm = Files.readString(task.resolve("comm"), StandardCharsets.US_ASCII);
                    if (!comm.contains("CompilerThre")) {
                        continue;
                    }
                    stat = Files.readString(task.resolve("schedstat"), StandardCharsets.US_ASCII);
                } catch (IOException gone) {
                    continue; // the thread exited meanwhile: its last reading stays
                }
                found = true;
                int space = stat.indexOf(' ');
                long ns = Long.parseLong(space < 0 ? stat.strip() : stat.substring(0, space));
                lastByThread.merge(task.getFileName().toString(), ns, Math::max);
            }
        } catch (IOException | NumberFormatException e) {
            found = false;
        }
        if (!found && lastByThread.isEmpty()) {
            return mxBean.getTotalCompilationTime() * 1_000_000;
        }
        long total = 0;
        for (long ns : lastByThread.values()) {
            total += ns;
        }
        return total;
    }
}
