package io.jipc.bench;

import io.jipc.Fd;
import io.jipc.IpcException;
import io.jipc.pipe.Pipe;
import io.jipc.process.ChildProcess;
import io.jipc.process.ChildProcessBuilder;
import io.jipc.process.ExitStatus;
import io.jipc.process.Redirect;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The second process of a Java implementation ({@link JavaImpl}): a child JVM running {@link
 * BenchPeer} for one mechanism and one implementation, started with {@link ChildProcess}
 * (posix_spawn) so that the mechanism's descriptors land at the numbers it chose ({@link
 * PeerLauncher}), and told round by round what to serve ({@link #beginRound}, {@link #endRound}).
 *
 * <p>The child runs the same java binary as this JVM with the same module and class path, and
 * the same lean flags for every mechanism and implementation ({@link #JVM_FLAGS}). Its stdin is a
 * pipe from this JVM carrying the round commands, its stdout a pipe back carrying one report per
 * round, and its stderr goes to {@code peer-<impl>.log} in the scratch directory, shown when it
 * fails.
 *
 * <p>Neither side may wait forever on the other, also over mechanisms with no end-of-file (message
 * queues): closing the peer's stdin ({@link #release()}, or the kernel when this JVM dies) ends it
 * at once if it is in a round, and after its rounds otherwise; and {@link #guard(Link)} closes this
 * side's link when the peer exits before its release, which wakes a receive waiting for a message
 * that will never come.
 */
final class JavaPeer implements PeerLauncher, AutoCloseable {
    /**
     * The peer's JVM flags, the same for every mechanism: serial GC, class-data sharing, and the
     * VM's own warnings on stderr (stdout carries the reports).
     */
    // Agrona (the channel's agrona row) reaches jdk.internal.misc.Unsafe, as its users' JVMs allow.
    static final List<String> JVM_FLAGS = List.of("-XX:+UseSerialGC", "-Xshare:auto", "-XX:+DisplayVMOutputToStderr",
            "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED");

    /**
     * What the peer says after a round (see {@link BenchPeer}).
     *
     * @param jitNanos the CPU time of the peer JVM's compiler threads since its previous report (its first: since it started)
     * @param counts    its CPU times over the timed parts, and the streamed messages that crossed CPUs
     */
    record Report(long jitNanos, SideCounts counts) {}

    private final Mechanism mechanism;
    private final String impl;
    private final Path log;
    private ChildProcess process;
    /** The write end of the peer's stdin: round commands; closing it releases the peer. */
    private Pipe.WriteEnd control;
    /** The read end of the peer's stdout: one report per round. */
    private BufferedReader reports;
    private volatile boolean released;
    /** The peer JVM's compiler threads' CPU time at its last report, ns. */
    private long jitTotal;

    JavaPeer(Mechanism mechanism, String impl, Path scratch) {
        this.mechanism = mechanism;
        this.impl = impl;
        this.log = scratch.resolve("peer-" + impl + ".log");
    }

    /** The implementation this peer runs. */
    String impl() {
        return impl;
    }

    @Override
    public void start(List<String> args, Map<Integer, Fd> handOver) throws IOException {
        if (process != null) {
            throw new IllegalStateException("the " + impl + " peer of " + mechanism.name() + " is already started");
        }
        List<String> main = new ArrayList<>();
        main.add(mechanism.name());
        main.add(impl);
        main.add("--");
        main.addAll(args);
        Pipe stdin = Pipe.open();
        Pipe stdout;
        try {
            stdout = Pipe.open();
        } catch (IOException | RuntimeException e) {
            stdin.close();
            throw e;
        }
        try (Pipe.ReadEnd peerStdin = stdin.readEnd().reopenBlocking();
                Pipe.WriteEnd peerStdout = stdout.writeEnd().reopenBlocking()) {
            ChildProcessBuilder builder = ChildProcess.builder(command(main))
                    .stdin(peerStdin)
                    .stdout(peerStdout)
                    .stderr(Redirect.appendTo(log))
                    // A jipc peer adopts the descriptors as they are, non-blocking.
                    .keepNonBlocking()
                    .blockSignals(mechanism.blockedSignals().toArray(io.jipc.signal.Signal[]::new));
            for (Map.Entry<Integer, Fd> e : handOver.entrySet()) {
                builder.fd(e.getKey(), e.getValue());
            }
            process = builder.start();
            control = stdin.writeEnd();
            reports = new BufferedReader(new InputStreamReader(stdout.readEnd().inputStream(), StandardCharsets.US_ASCII));
        } catch (IOException | RuntimeException e) {
            stdin.close();
            stdout.close();
            throw e;
        } finally {
            // The peer has its own copies; ours would keep end-of-file from ever arriving.
            stdin.readEnd().close();
            stdout.writeEnd().close();
        }
    }

    /** Tells the peer to serve {@code spec}, its exchanging thread pinned to {@code cpu} (-1: free). */
    void beginRound(RoundSpec spec, int cpu) throws IOException {
        if (control == null) {
            throw new IllegalStateException("the " + impl + " peer of " + mechanism.name() + " is not started");
        }
        try {
            control.write((BenchPeer.ROUND + " " + spec.encode() + " " + cpu + "\n").getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new IOException("cannot tell the " + impl + " peer of " + mechanism.name() + " its round: "
                    + e.getMessage() + output(), e);
        }
    }

    /**
     * Reads the peer's report of the round it has just served. Lines that are not reports go to its
     * log; the end of its output (it died) is an error carrying what it printed.
     */
    Report endRound() throws IOException {
        String line;
        while ((line = reports.readLine()) != null) {
            if (line.startsWith(BenchPeer.REPORT + " ")) {
                String[] f = line.split(" ");
                if (f.length != 5) {
                    throw new IOException("the " + impl + " peer of " + mechanism.name() + " sent a bad report: " + line);
                }
                SideCounts counts = new SideCounts();
                counts.pingCpuNs = Long.parseLong(f[2]);
                counts.streamCpuNs = Long.parseLong(f[3]);
                counts.streamCross = Long.parseLong(f[4]);
                long total = Long.parseLong(f[1]);
                long since = total - jitTotal;
                jitTotal = total;
                return new Report(since, counts);
            }
            Files.writeString(log, line + System.lineSeparator(), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        }
        throw new IOException(String.format(Locale.ROOT, "the %s peer of %s ended without reporting its round%s",
                impl, mechanism.name(), output()));
    }

    /**
     * Closes {@code link} if the peer exits before {@link #release()}: a thread waits for the
     * peer's exit (on its pidfd), so that a round waiting on a dead peer fails instead of hanging.
     */
    void guard(Link link) {
        ChildProcess p = process;
        if (p == null) {
            return;
        }
        Thread.ofPlatform().daemon().name("jipc-bench-" + impl + "-peer-guard").start(() -> {
            try {
                p.waitFor();
            } catch (IpcException e) {
                // closed: the harness has finished with the peer
            }
            if (!released) {
                try {
                    link.close();
                } catch (IOException | RuntimeException e) {
                    // the round that was waiting fails on its own
                }
            }
        });
    }

    /** Tells the peer the harness is done with it (closes its stdin): it exits, at once if in a round. */
    void release() {
        released = true;
        if (control != null) {
            control.close();
        }
    }

    /** The command line of a peer JVM: this JVM's java, paths and native access, then {@link BenchPeer}. */
    static List<String> command(List<String> mainArgs) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java"));
        cmd.addAll(JVM_FLAGS);
        String modulePath = System.getProperty("jdk.module.path", "");
        if (!modulePath.isEmpty()) {
            cmd.add("--module-path");
            cmd.add(modulePath);
        }
        boolean libraryNamed = Fd.class.getModule().isNamed();
        boolean benchNamed = BenchPeer.class.getModule().isNamed();
        if (libraryNamed && !benchNamed) {
            cmd.add("--add-modules");
            cmd.add(Fd.class.getModule().getName());
        }
        if (benchNamed) {
            cmd.add("--add-modules");
            cmd.add("ALL-MODULE-PATH");
        }
        // The library's calls, and the harness's own (Sched: the CPU a thread is on, pinning, CPU time).
        String library = libraryNamed ? Fd.class.getModule().getName() : "ALL-UNNAMED";
        String bench = benchNamed ? BenchPeer.class.getModule().getName() : "ALL-UNNAMED";
        cmd.add("--enable-native-access=" + (library.equals(bench) ? library : library + "," + bench));
        String classPath = System.getProperty("java.class.path", "");
        if (!classPath.isEmpty()) {
            cmd.add("-cp");
            cmd.add(classPath);
        }
        if (benchNamed) {
            cmd.add("-m");
            cmd.add(BenchPeer.class.getModule().getName() + "/" + BenchPeer.class.getName());
        } else {
            cmd.add(BenchPeer.class.getName());
        }
        cmd.addAll(mainArgs);
        return cmd;
    }

    /** Waits for the peer to finish its rounds and exit 0; otherwise fails with its output. */
    void awaitSuccess(Duration timeout) throws IOException {
        release();
        if (process == null) {
            throw new IOException(mechanism.name() + ": the " + impl + " implementation never started its peer");
        }
        Optional<ExitStatus> status = process.tryWaitFor(timeout);
        if (status.isEmpty()) {
            throw new IOException("the " + impl + " peer of " + mechanism.name() + " did not exit within " + timeout + output());
        }
        if (!status.get().success()) {
            throw new IOException("the " + impl + " peer of " + mechanism.name() + " " + status.get() + output());
        }
    }

    /** Whether the peer is running. */
    @Override
    public boolean isAlive() {
        try {
            return process != null && process.isAlive();
        } catch (IpcException e) {
            return false;
        }
    }

    /** What the peer printed, for error messages: {@code ":\n<text>"}, or nothing. */
    String output() {
        try {
            String text = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8).strip() : "";
            if (text.length() > 4000) {
                text = "..." + text.substring(text.length() - 4000);
            }
            return text.isEmpty() ? "" : ":\n" + text;
        } catch (IOException e) {
            return " (its output is unreadable: " + e.getMessage() + ")";
        }
    }

    /** Kills the peer if it still runs and reaps it. */
    @Override
    public void close() {
        release();
        if (process != null) {
            process.close();
        }
        if (reports != null) {
            try {
                reports.close();
            } catch (IOException e) {
                // closing a pipe's read end: nothing to report
            }
        }
    }
}
