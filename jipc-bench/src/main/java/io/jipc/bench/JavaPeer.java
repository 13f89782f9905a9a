package io.jipc.bench;

import io.jipc.Fd;
import io.jipc.IpcException;
import io.jipc.pipe.Pipe;
import io.jipc.process.ChildProcess;
import io.jipc.process.ChildProcessBuilder;
import io.jipc.process.ExitStatus;
import io.jipc.process.Redirect;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The second process of a Java implementation ({@link JavaImpl}): a child JVM running {@link
 * BenchPeer} for one mechanism, one implementation and a fixed list of rounds, started with {@link
 * ChildProcess} (posix_spawn) so that the mechanism's descriptors land at the numbers it chose
 * ({@link PeerLauncher}).
 *
 * <p>The child runs the same java binary as this JVM with the same module and class path, and
 * the same lean flags for every mechanism and implementation ({@link #JVM_FLAGS}). Its output goes
 * to {@code peer-<impl>.log} in the scratch directory, shown when it fails.
 *
 * <p>Neither side may wait forever on the other, also over mechanisms with no end-of-file (message
 * queues): the peer's stdin is a pipe from this JVM, closed by {@link #release()} once the harness
 * is done with the peer (the peer then exits 0) or by the kernel when this JVM dies (the peer then
 * stops at once); and {@link #guard(Link)} closes this side's link when the peer exits before its
 * release, which wakes a receive waiting for a message that will never come.
 */
final class JavaPeer implements PeerLauncher, AutoCloseable {
    /** The peer's JVM flags, the same for every mechanism: serial GC, class-data sharing. */
    static final List<String> JVM_FLAGS = List.of("-XX:+UseSerialGC", "-Xshare:auto");

    private final Mechanism mechanism;
    private final String impl;
    private final List<RoundSpec> rounds;
    private final Path log;
    private ChildProcess process;
    /** The write end of the peer's stdin; closing it releases the peer. */
    private Pipe.WriteEnd control;
    private volatile boolean released;

    JavaPeer(Mechanism mechanism, String impl, List<RoundSpec> rounds, Path scratch) {
        this.mechanism = mechanism;
        this.impl = impl;
        this.rounds = List.copyOf(rounds);
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
        for (RoundSpec r : rounds) {
            main.add(r.encode());
        }
        main.add("--");
        main.addAll(args);
        Pipe stdin = Pipe.open();
        try (Pipe.ReadEnd peerStdin = stdin.readEnd().reopenBlocking()) {
            ChildProcessBuilder builder = ChildProcess.builder(command(main))
                    .stdin(peerStdin)
                    .stdout(Redirect.appendTo(log))
                    .stderr(Redirect.appendTo(log))
                    // A jipc peer adopts the descriptors as they are, non-blocking.
                    .keepNonBlocking();
            for (Map.Entry<Integer, Fd> e : handOver.entrySet()) {
                builder.fd(e.getKey(), e.getValue());
            }
            process = builder.start();
            control = stdin.writeEnd();
        } catch (IOException | RuntimeException e) {
            stdin.close();
            throw e;
        } finally {
            stdin.readEnd().close();
        }
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

    /** Tells the peer the harness is done with it (closes its stdin): it exits once its rounds are over. */
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
    }
}
