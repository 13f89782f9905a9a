package io.jipc.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * C peers: sources on the test class path under {@code c/} (so other modules' tests can use
 * them from the test jar), compiled with gcc into {@code target/c/} at test time, once per run.
 */
public final class CPeer {
    private CPeer() {}

    private static final ConcurrentHashMap<String, Path> BUILT = new ConcurrentHashMap<>();

    /** The directory compiled peers go to: {@code <module>/target/c}. */
    public static Path outputDir() {
        return Path.of(System.getProperty("basedir", "."), "target", "c");
    }

    /**
     * Compiles {@code c/<name>.c} (with {@code c/jipc_test.h} beside it) and returns the binary.
     * Compilation errors fail the test with gcc's output.
     */
    public static Path compile(String name) {
        return BUILT.computeIfAbsent(name, CPeer::build);
    }

    private static Path build(String name) {
        try {
            Path dir = outputDir();
            Files.createDirectories(dir);
            Path source = extract("c/" + name + ".c", dir);
            extract("c/jipc_test.h", dir);
            Path binary = dir.resolve(name);
            compileSource(source, binary);
            return binary;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Compiles any C source file with the flags every peer uses. */
    public static void compileSource(Path source, Path binary) throws IOException {
        List<String> cmd = List.of("gcc", "-O2", "-Wall", "-Werror", "-std=gnu11", "-D_GNU_SOURCE",
                "-o", binary.toString(), source.toString(), "-lrt", "-lpthread");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output;
        try (InputStream in = p.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new AssertionError("gcc failed for " + source + ":\n" + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted compiling " + source, e);
        } finally {
            p.destroyForcibly();
            p.getOutputStream().close();
        }
    }

    private static Path extract(String resource, Path dir) throws IOException {
        Path target = dir.resolve(Path.of(resource).getFileName().toString());
        try (InputStream in = CPeer.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new AssertionError("no C source " + resource + " on the test class path");
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }

    /** Compiles (if needed) and starts {@code c/<name>.c} with arguments. */
    public static Peer start(String name, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(compile(name).toString());
        cmd.addAll(List.of(args));
        return Peer.start(name, cmd);
    }
}
