package io.jipc.bench;

import io.jipc.Fd;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The jipc side's second process: a child JVM running {@link BenchPeer} for one mechanism and a
 * fixed list of rounds, started the way the mechanism asks ({@link PeerLauncher}).
 *
 * <p>The child runs the same java binary as this JVM with the same module and class path, and
 * the same lean flags for every mechanism ({@link #JVM_FLAGS}). Its output goes to {@code
 * peer.log} in the scratch directory, shown when it fails.
 */
final class JipcPeer implements PeerLauncher, AutoCloseable {
    /** The peer's JVM flags, the same for every mechanism: serial GC, class-data sharing. */
    static final List<String> JVM_FLAGS = List.of("-XX:+UseSerialGC", "-Xshare:auto");

    private final Mechanism mechanism;
    private final List<RoundSpec> rounds;
    private final Path log;
    private Process process;

    JipcPeer(Mechanism mechanism, List<RoundSpec> rounds, Path scratch) {
        this.mechanism = mechanism;
        this.rounds = List.copyOf(rounds);
        this.log = scratch.resolve("peer.log");
    }

    @Override
    public void start(List<String> args, Map<Integer, Fd> handOver) throws IOException {
        if (process != null) {
            throw new IllegalStateException("the peer of " + mechanism.name() + " is already started");
        }
        List<String> main = new ArrayList<>();
        main.add(mechanism.name());
        for (RoundSpec r : rounds) {
            main.add(r.encode());
        }
        main.add("--");
        main.addAll(args);
        List<String> cmd = command(main);
        if (!handOver.isEmpty()) {
            // TODO(process): io.jipc.process.ChildProcess places descriptors at chosen numbers.
            throw new IOException("handing descriptors to the peer needs io.jipc.process.ChildProcess");
        }
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        process.getOutputStream().close();
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
        cmd.add("--enable-native-access=" + (libraryNamed ? Fd.class.getModule().getName() : "ALL-UNNAMED"));
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
        if (process == null) {
            throw new IOException(mechanism.name() + ": the mechanism never started its peer");
        }
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IOException("the jipc peer of " + mechanism.name() + " did not exit within " + timeout + output());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for the jipc peer of " + mechanism.name(), e);
        }
        if (process.exitValue() != 0) {
            throw new IOException("the jipc peer of " + mechanism.name() + " exited " + process.exitValue() + output());
        }
    }

    /** Whether the peer is running. */
    boolean isAlive() {
        return process != null && process.isAlive();
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
        if (process == null) {
            return;
        }
        if (process.isAlive()) {
            process.destroyForcibly();
        }
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
