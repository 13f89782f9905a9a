package io.jipc.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A process on the other end of a test: a second JVM ({@link PeerJvm}) or a C program ({@link
 * CPeer}). Output is captured as it comes; {@link #close()} kills what is still running, reaps it
 * and closes every stream, so no test leaves a process or a pipe behind.
 */
public final class Peer implements AutoCloseable {
    private final String name;
    private final Process process;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final Thread outPump;
    private final Thread errPump;

    Peer(String name, List<String> command) {
        this.name = name;
        try {
            ProcessBuilder pb = new ProcessBuilder(command);
            this.process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
        outPump = pump(process.getInputStream(), out);
        errPump = pump(process.getErrorStream(), err);
    }

    /** Starts any program as a peer. */
    public static Peer start(String name, List<String> command) {
        return new Peer(name, new ArrayList<>(command));
    }

    private Thread pump(InputStream in, ByteArrayOutputStream sink) {
        return Thread.ofPlatform().daemon().name("peer-" + name + "-pump").start(() -> {
            byte[] buf = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    synchronized (sink) {
                        sink.write(buf, 0, n);
                        sink.notifyAll();
                    }
                }
            } catch (IOException ignored) {
                // the process went away: what was read is kept
            }
        });
    }

    public Process process() {
        return process;
    }

    /**
     * Sends SIGKILL and nothing else: unlike {@link Process#destroyForcibly()}, which also closes
     * the output streams and so throws away what the peer wrote just before it died and the pump
     * had not read yet, everything written before the kill is kept ({@link #awaitExit} reads to
     * end of stream).
     */
    public void kill() {
        process.toHandle().destroyForcibly();
    }

    public long pid() {
        return process.pid();
    }

    /** The peer's standard input (close it to send EOF). */
    public OutputStream stdin() {
        return process.getOutputStream();
    }

    /** Writes a line to the peer's standard input and flushes. */
    public void send(String line) {
        try {
            OutputStream os = process.getOutputStream();
            os.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            os.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String stdout() {
        synchronized (out) {
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    public byte[] stdoutBytes() {
        synchronized (out) {
            return out.toByteArray();
        }
    }

    public String stderr() {
        synchronized (err) {
            return err.toString(StandardCharsets.UTF_8);
        }
    }

    /** Waits until standard output contains {@code text}; fails the test after {@code timeout}. */
    public void awaitOutput(String text, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (out) {
            while (!out.toString(StandardCharsets.UTF_8).contains(text)) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || (!process.isAlive() && !outPump.isAlive())) {
                    throw new AssertionError(name + " did not print \"" + text + "\" within " + timeout
                            + (process.isAlive() ? "" : " (exited " + process.exitValue() + ")")
                            + "\nstdout: " + out.toString(StandardCharsets.UTF_8) + "\nstderr: " + stderr());
                }
                try {
                    out.wait(Math.max(1, Math.min(100, left / 1_000_000)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted", e);
                }
            }
        }
    }

    /** Waits for the peer to exit and returns its status; fails the test after {@code timeout}. */
    public int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(name + " still running after " + timeout
                        + "\nstdout: " + stdout() + "\nstderr: " + stderr());
            }
            outPump.join(timeout.toMillis());
            errPump.join(timeout.toMillis());
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Waits for exit and fails the test unless the status is 0. */
    public void awaitSuccess(Duration timeout) {
        int status = awaitExit(timeout);
        if (status != 0) {
            throw new AssertionError(name + " exited " + status + "\nstdout: " + stdout() + "\nstderr: " + stderr());
        }
    }

    @Override
    public void close() {
        // Its children first: a peer that failed or timed out (a supervisor, a script) must not
        // leave the processes it started running after the test.
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
            outPump.join(5_000);
            errPump.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            process.getOutputStream().close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    @Override
    public String toString() {
        return name + "[" + process.pid() + "]";
    }
}
