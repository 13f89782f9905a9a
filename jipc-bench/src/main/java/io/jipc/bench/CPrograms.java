package io.jipc.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The C baselines: sources shipped in this jar under {@code io/jipc/bench/c/} (from {@code
 * src/main/c}), compiled with gcc at bench time into a cache directory.
 *
 * <p>A binary's name carries a hash of its source, the shared header and the gcc flags, so an
 * edited source is always rebuilt and an unchanged one never is. The cache is {@code
 * $JIPC_BENCH_CACHE}, else {@code $XDG_CACHE_HOME/jipc/bench}, else {@code ~/.cache/jipc/bench}.
 */
public final class CPrograms {
    private CPrograms() {}

    /** Flags every baseline is built with: optimised the way a C programmer ships. */
    public static final List<String> GCC_FLAGS = List.of("-O2", "-Wall", "-Werror", "-std=gnu11", "-D_GNU_SOURCE");

    private static final String RESOURCE_DIR = "c/";
    /** Headers any program may include; part of every program's hash. */
    private static final List<String> HEADERS = List.of("bench.h", "socketpair.h", "sleep-barrier.h");

    /** The default cache directory (see the class comment). */
    public static Path defaultCacheDir() {
        String explicit = System.getenv("JIPC_BENCH_CACHE");
        if (explicit != null && !explicit.isEmpty()) {
            return Path.of(explicit);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("jipc").resolve("bench");
    }

    /**
     * Returns the binary for {@code c/<name>.c}, compiling it into {@code cacheDir} first if no
     * binary of exactly this source exists there.
     *
     * @throws IOException when gcc is missing or fails (the message carries gcc's output)
     */
    public static Path binary(String name, Path cacheDir) throws IOException {
        return binary(name, List.of(), cacheDir);
    }

    /**
     * Same, built with extra gcc flags (e.g. {@code -DJIPC_BLOCKING_MODEL}); a distinct binary.
     */
    public static Path binary(String name, List<String> extraFlags, Path cacheDir) throws IOException {
        byte[] source = resource(name + ".c");
        List<byte[]> headers = new ArrayList<>();
        for (String h : HEADERS) {
            headers.add(resource(h));
        }
        String hash = hash(source, headers, extraFlags);
        Path binary = cacheDir.resolve(name + "-" + hash);
        if (Files.isExecutable(binary)) {
            return binary;
        }
        Path work = Files.createDirectories(cacheDir).resolve(".build-" + name + "-" + hash + "-" + ProcessHandle.current().pid());
        Files.createDirectories(work);
        try {
            Path src = work.resolve(name + ".c");
            Files.write(src, source);
            for (int i = 0; i < HEADERS.size(); i++) {
                Files.write(work.resolve(HEADERS.get(i)), headers.get(i));
            }
            Path out = work.resolve(name);
            gcc(src, out, extraFlags);
            try {
                Files.move(out, binary, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(out, binary, StandardCopyOption.REPLACE_EXISTING);
            }
            return binary;
        } finally {
            deleteTree(work);
        }
    }

    private static void gcc(Path source, Path out, List<String> extraFlags) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add("gcc");
        cmd.addAll(GCC_FLAGS);
        cmd.addAll(extraFlags);
        cmd.addAll(List.of("-o", out.toString(), source.toString(), "-lrt", "-lpthread"));
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("cannot run gcc to build the C baseline " + source.getFileName()
                    + " (install gcc): " + e.getMessage(), e);
        }
        p.getOutputStream().close();
        String output;
        try (InputStream in = p.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor();
                throw new IOException("gcc timed out on " + source.getFileName());
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while compiling " + source.getFileName(), e);
        }
        if (p.exitValue() != 0) {
            throw new IOException("gcc failed on " + source.getFileName() + ":\n" + output.strip());
        }
    }

    /** The text of {@code c/<file>} from this jar. */
    static byte[] resource(String file) throws IOException {
        try (InputStream in = CPrograms.class.getResourceAsStream(RESOURCE_DIR + file)) {
            if (in == null) {
                throw new IOException("no C source " + RESOURCE_DIR + file + " in the jipc-bench jar");
            }
            return in.readAllBytes();
        }
    }

    private static String hash(byte[] source, List<byte[]> headers, List<String> extraFlags) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(String.join(" ", GCC_FLAGS).getBytes(StandardCharsets.UTF_8));
            md.update(String.join(" ", extraFlags).getBytes(StandardCharsets.UTF_8));
            md.update(source);
            for (byte[] h : headers) {
                md.update(h);
            }
            return HexFormat.of().formatHex(md.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("SHA-256 is in every JDK", e);
        }
    }

    private static void deleteTree(Path dir) {
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // best effort: a leftover build directory is harmless and carries the pid that made it
        }
    }
}
