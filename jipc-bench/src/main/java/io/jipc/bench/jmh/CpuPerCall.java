package io.jipc.bench.jmh;

import io.jipc.internal.wait.Deadline;
import io.jipc.internal.wait.Handle;
import io.jipc.internal.wait.InterruptHook;
import io.jipc.internal.wait.Operation;
import io.jipc.internal.wait.Waiter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The loops of {@link FirstTryBench}, {@link SocketApiBench} and {@link PipeApiBench} timed
 * by the calling thread's CPU time instead of the wall clock, for a machine other work shares:
 * time the thread was not running does not count, as it does in JMH's averages. The variants run
 * in alternation, {@code slices} times {@code calls} calls each after a warm-up, and each figure
 * is the median over slices of CPU nanoseconds per call, with its spread (lowest and highest
 * slice); a difference between two variants is the median of their per-slice differences.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp jipc-bench.jar:$(cat target/jmh.classpath) \
 *     io.jipc.bench.jmh.CpuPerCall [firsttry|api|engine] [slices] [calls]
 * ... io.jipc.bench.jmh.CpuPerCall loop api "pipe api segment" 10      # one variant for 10 s (perf record)
 * </pre>
 */
public final class CpuPerCall {
    private CpuPerCall() {}

    /** One call of a variant. */
    @FunctionalInterface
    interface Call {
        long run() throws Exception;
    }

    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

    public static void main(String[] args) throws Exception {
        String set = args.length > 0 ? args[0] : "firsttry";
        if (set.equals("loop")) {
            // loop SET VARIANT SECONDS: one variant alone, e.g. under perf record
            args = new String[] {args[1], args[2], args[3]};
        }
        boolean loop = args.length == 3 && !args[1].matches("\\d+");
        String only = loop ? args[1] : null;
        set = args[0];
        int slices = !loop && args.length > 1 ? Integer.parseInt(args[1]) : 15;
        int calls = !loop && args.length > 2 ? Integer.parseInt(args[2]) : 100_000;
        Map<String, Call> variants = new LinkedHashMap<>();
        List<String[]> differences = new ArrayList<>();
        List<Runnable> teardown = new ArrayList<>();
        switch (set) {
            case "firsttry" -> {
                FirstTryBench b = new FirstTryBench();
                b.open();
                teardown.add(b::close);
                variants.put("socket try", b::socketTry);
                variants.put("socket kernel", b::socketKernel);
                variants.put("socket failed try", b::socketFailedTry);
                variants.put("sysv-msg try", b::sysvMsgTry);
                variants.put("sysv-msg kernel", b::sysvMsgKernel);
                variants.put("sysv-msg failed try", b::sysvMsgFailedTry);
                variants.put("sysv-sem try", b::sysvSemTry);
                variants.put("sysv-sem kernel", b::sysvSemKernel);
                variants.put("sysv-sem failed try", b::sysvSemFailedTry);
                variants.put("posix-sem try", b::posixSemTry);
                variants.put("posix-sem kernel", b::posixSemKernel);
                variants.put("posix-sem failed try", b::posixSemFailedTry);
                variants.put("flock try", b::flockTry);
                variants.put("flock kernel", b::flockKernel);
                variants.put("flock failed try", b::flockFailedTry);
                differences.add(new String[] {"socket kernel", "socket try"});
                differences.add(new String[] {"sysv-msg kernel", "sysv-msg try"});
                differences.add(new String[] {"sysv-sem kernel", "sysv-sem try"});
                differences.add(new String[] {"posix-sem kernel", "posix-sem try"});
                differences.add(new String[] {"flock kernel", "flock try"});
            }
            case "api" -> {
                SocketApiBench s = new SocketApiBench();
                s.open();
                teardown.add(s::close);
                PipeApiBench p = new PipeApiBench();
                p.openPipe();
                teardown.add(p::closePipe);
                DowncallBench d = new DowncallBench();
                d.openPipe();
                teardown.add(d::closePipe);
                variants.put("socket raw", s::streamRaw);
                variants.put("socket api", s::streamApi);
                variants.put("pipe raw", d::pipeWriteRead);
                variants.put("pipe raw critical", d::pipeWriteReadCritical);
                variants.put("pipe api segment", p::segmentWriteRead);
                variants.put("pipe api byte[]", p::arrayWriteRead);
                differences.add(new String[] {"socket api", "socket raw"});
                differences.add(new String[] {"pipe api segment", "pipe raw"});
                differences.add(new String[] {"pipe api byte[]", "pipe raw"});
            }
            case "engine" -> {
                long[] box = {7};
                Handle h = new Handle("noop", 3);
                Waiter w = Waiter.current();
                // The engine's own work per call, on a call that does nothing: the handle's
                // acquire/release, the run, and a kernel wait's set-up (timer state, interrupt hook).
                Operation tryOp = Operation.on(h, "noop", (wt, how) -> 0).tryFirst().build();
                Operation kernelOp = Operation.on(h, "noop", (wt, how) -> 0).build();
                Hook hook = new Hook();
                variants.put("constant", () -> box[0]);
                variants.put("hook begin+end", () -> { hook.b(); hook.e(); return 1; });
                differences.add(new String[] {"hook begin+end", "constant"});
                variants.put("acquire+release", () -> { h.acquire("x"); h.release(); return 1; });
                variants.put("op try noop", () -> tryOp.run(w, Deadline.FOREVER, true));
                variants.put("op kernel noop", () -> kernelOp.run(w, Deadline.FOREVER, true));
                differences.add(new String[] {"acquire+release", "constant"});
                differences.add(new String[] {"op try noop", "acquire+release"});
                differences.add(new String[] {"op kernel noop", "op try noop"});
            }
            default -> throw new IllegalArgumentException("firsttry, api or engine, not " + set);
        }
        try {
            if (loop) {
                Call c = variants.get(only);
                if (c == null) {
                    throw new IllegalArgumentException("no variant '" + only + "' in " + variants.keySet());
                }
                long end = System.nanoTime() + (long) (Double.parseDouble(args[2]) * 1e9);
                long n = 0;
                double cpu = 0;
                while (System.nanoTime() < end) {
                    cpu += slice(c, calls);
                    n++;
                }
                System.out.printf(Locale.ROOT, "%s: %.1f CPU ns per call over %d slices%n", only, cpu / n, n);
                return;
            }
            Map<String, double[]> perSlice = new LinkedHashMap<>();
            for (String name : variants.keySet()) {
                perSlice.put(name, new double[slices]);
            }
            for (int warm = 0; warm < 5; warm++) {
                for (Call c : variants.values()) {
                    slice(c, calls);
                }
            }
            for (int s = 0; s < slices; s++) {
                for (Map.Entry<String, Call> e : variants.entrySet()) {
                    perSlice.get(e.getKey())[s] = slice(e.getValue(), calls);
                }
            }
            System.out.printf(Locale.ROOT, "CPU ns per call, median of %d slices of %d calls (lowest-highest slice)%n",
                    slices, calls);
            for (Map.Entry<String, double[]> e : perSlice.entrySet()) {
                double[] v = e.getValue().clone();
                Arrays.sort(v);
                System.out.printf(Locale.ROOT, "  %-22s %8.1f  (%.1f-%.1f)%n", e.getKey(), median(v), v[0], v[v.length - 1]);
            }
            for (String[] d : differences) {
                double[] a = perSlice.get(d[0]);
                double[] b = perSlice.get(d[1]);
                double[] diff = new double[slices];
                for (int i = 0; i < slices; i++) {
                    diff[i] = a[i] - b[i];
                }
                Arrays.sort(diff);
                System.out.printf(Locale.ROOT, "  %s - %s: %.1f ns (quartiles %.1f..%.1f)%n", d[0], d[1], median(diff),
                        diff[slices / 4], diff[(3 * slices) / 4]);
            }
        } finally {
            for (Runnable r : teardown) {
                r.run();
            }
        }
    }

    /** The interrupt hook's begin and end alone (the JDK's blockedOn: a lock on the thread each). */
    static final class Hook extends InterruptHook {
        @Override
        protected void onInterrupt() {}

        void b() {
            beginInterruptible();
        }

        void e() {
            endInterruptible();
        }
    }

    private static double slice(Call c, int calls) throws Exception {
        long sink = 0;
        long t0 = MX.getCurrentThreadCpuTime();
        for (int i = 0; i < calls; i++) {
            sink += c.run();
        }
        long t = MX.getCurrentThreadCpuTime() - t0;
        if (sink == 42) {
            System.out.print("");
        }
        return (double) t / calls;
    }

    private static double median(double[] sorted) {
        int m = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
    }
}
