package io.jipc.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/** Runs one round of a mechanism's C program ({@code c/<name>.c} with {@code bench.h}) and reads its figures. */
final class CBaseline {
    private CBaseline() {}

    /**
     * Runs the program once: both of its processes do {@code spec}'s exchange, and the parent's
     * round-trip samples go into the same kind of histogram as jipc's, its CPU times and crossings
     * (and the child's, which it reports) into the figures.
     *
     * @param options the program's options ({@code bench.h}: -a/-b placement, -t the idle thread)
     * @param scratch the mechanism's scratch directory (and where the program's stderr goes)
     */
    static Figures run(Path binary, List<String> options, RoundSpec spec, List<String> mechanismArgs, Path scratch,
            Duration timeout) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary.toString());
        cmd.addAll(options);
        cmd.addAll(spec.cArguments());
        cmd.addAll(mechanismArgs);
        Path errors = scratch.resolve("c.stderr");
        Process p = new ProcessBuilder(cmd).redirectError(errors.toFile()).start();
        p.getOutputStream().close();
        Thread watchdog = Thread.ofVirtual().start(() -> {
            try {
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                // the round finished in time
            }
        });
        Histogram roundTrips = Exchange.newHistogram();
        long streamMessages = -1;
        long streamNanos = -1;
        SideCounts parent = new SideCounts();
        SideCounts child = new SideCounts();
        boolean counted = false;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII))) {
            String line = out.readLine();
            if (line != null && line.startsWith("ping ")) {
                long n = Long.parseLong(line.substring(5).trim());
                for (long i = 0; i < n && (line = out.readLine()) != null; i++) {
                    long ns = Long.parseLong(line.trim());
                    roundTrips.recordValue(Math.min(Math.max(ns, 1), Exchange.MAX_TRACKED_NS));
                }
                line = out.readLine();
                if (line != null && line.startsWith("stream ")) {
                    String[] f = line.split(" ");
                    streamMessages = Long.parseLong(f[1]);
                    streamNanos = Long.parseLong(f[2]);
                }
                line = out.readLine();
                if (line != null && line.startsWith("cpu ")) {
                    String[] f = line.split(" ");
                    parent.pingCpuNs = Long.parseLong(f[1]);
                    child.pingCpuNs = Long.parseLong(f[2]);
                    parent.streamCpuNs = Long.parseLong(f[3]);
                    child.streamCpuNs = Long.parseLong(f[4]);
                    line = out.readLine();
                    if (line != null && line.startsWith("cross ")) {
                        f = line.split(" ");
                        parent.pingCross = Long.parseLong(f[1]);
                        child.streamCross = Long.parseLong(f[2]);
                        counted = true;
                    }
                }
            }
            while (out.readLine() != null) {
                // drain: the program's exit status decides
            }
        } catch (NumberFormatException e) {
            p.destroyForcibly();
            throw new IOException(binary.getFileName() + " printed something that is not a figure: " + e.getMessage(), e);
        } finally {
            try {
                p.waitFor();
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
            watchdog.interrupt();
        }
        String stderr = Files.exists(errors) ? Files.readString(errors, StandardCharsets.UTF_8).strip() : "";
        Files.deleteIfExists(errors);
        if (p.exitValue() != 0 || streamNanos < 0 || !counted || roundTrips.getTotalCount() != spec.pingCount()) {
            throw new IOException("C baseline " + binary.getFileName() + " failed (exit " + p.exitValue() + ")"
                    + (stderr.isEmpty() ? "" : ": " + stderr));
        }
        return Figures.of(roundTrips, spec.size(), streamMessages, streamNanos, parent, child);
    }
}
