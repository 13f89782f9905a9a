package io.jipc.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The peer JVM of {@code jipc bench}: connects to the harness through one mechanism's Java
 * implementation ({@link JavaImpl}: jipc's, the JDK's), then serves the rounds the harness asks
 * for ({@link Exchange#serve}), one at a time, until the harness closes its stdin; then exits 0.
 *
 * <pre>BenchPeer MECHANISM IMPL -- MECHANISM_ARG...</pre>
 *
 * <p>Its stdin is a pipe from the harness carrying one command per round, {@value #ROUND} {@code
 * size:pingWarmup:pingCount:streamWarmup:streamCount CPU} (CPU -1: not pinned), and its stdout a
 * pipe back on which it answers each round with one line: {@value #REPORT} followed by the CPU
 * time this JVM's compiler threads have used so far (ns, {@link JitClock}), its process's CPU time
 * over the timed ping-pong and over the timed stream (ns), and the timed streamed messages that
 * came from another CPU ({@link SideCounts}; -1 where unknown). Other lines there (a JVM warning)
 * are not reports. An end-of-file on stdin in the middle of a round means the harness gave up or
 * died: the peer stops at once, also when it is waiting on a mechanism with no end-of-file of its
 * own.
 */
public final class BenchPeer {
    private BenchPeer() {}

    /** The command that starts a round. */
    static final String ROUND = "round";
    /** The first word of a round's report. */
    static final String REPORT = "jipc-bench-peer-report";

    private static final String END = "";
    /** Guards {@link #inRound} and {@link #harnessGone}: a round never starts after the harness has gone. */
    private static final Object STATE = new Object();
    private static boolean inRound;
    private static boolean harnessGone;

    public static void main(String[] args) {
        try {
            run(args);
        } catch (Throwable t) {
            System.err.print("jipc bench peer: ");
            t.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }

    private static void run(String[] args) throws Exception {
        BlockingQueue<String> commands = new LinkedBlockingQueue<>();
        Thread.ofPlatform().daemon().name("jipc-bench-harness-watch").start(() -> readCommands(commands));
        if (args.length < 2) {
            throw new IllegalArgumentException("usage: BenchPeer MECHANISM IMPL -- ARG...");
        }
        JavaImpl impl = Mechanisms.byName(args[0]).javaImpl(args[1]);
        int i = 2;
        if (i < args.length && !args[i].equals("--")) {
            throw new IllegalArgumentException("expected -- after the implementation, got " + args[i]);
        }
        List<String> mechanismArgs = i < args.length ? List.of(args).subList(i + 1, args.length) : List.of();
        PrintStream out = System.out;
        JitClock jit = new JitClock();
        BitSet free = Sched.affinity();
        Sched.Probe probe = Sched.probe();
        try (Arena arena = Arena.ofConfined(); Link link = impl.accept().accept(mechanismArgs)) {
            MemorySegment buf = MemorySegment.NULL;
            RoundSpec previous = null;
            while (true) {
                String command = commands.take();
                if (command == END) {
                    break;
                }
                String[] words = command.split(" ");
                if (words.length != 3 || !words[0].equals(ROUND)) {
                    throw new IllegalArgumentException("unknown command from the harness: " + command);
                }
                RoundSpec spec = RoundSpec.decode(words[1]);
                if (!spec.equals(previous)) {
                    // A new block of rounds (the harness refreshes its own at the same point).
                    jit.refresh();
                    previous = spec;
                }
                if (buf.byteSize() < spec.size()) {
                    buf = arena.allocate(spec.size(), 64);
                }
                Sched.place(Integer.parseInt(words[2]), free);
                SideCounts counts = new SideCounts();
                synchronized (STATE) {
                    if (harnessGone) {
                        break;
                    }
                    inRound = true;
                }
                Exchange.serve(link, buf, spec, probe, counts);
                synchronized (STATE) {
                    inRound = false;
                }
                out.printf(Locale.ROOT, "%s %d %d %d %d%n", REPORT, jit.totalNanos(), counts.pingCpuNs,
                        counts.streamCpuNs, counts.streamCross);
                out.flush();
            }
        }
    }

    /**
     * Reads the harness's commands into {@code commands}; at end-of-file queues {@link #END}, or, in
     * the middle of a round, stops the JVM: the harness is gone.
     */
    private static void readCommands(BlockingQueue<String> commands) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII))) {
            String line;
            while ((line = in.readLine()) != null) {
                commands.add(line);
            }
        } catch (IOException e) {
            // the same as end-of-file: the harness is gone
        }
        synchronized (STATE) {
            harnessGone = true;
            if (inRound) {
                System.err.println("jipc bench peer: the harness closed the connection in the middle of a round");
                Runtime.getRuntime().halt(2);
            }
        }
        commands.add(END);
    }
}
