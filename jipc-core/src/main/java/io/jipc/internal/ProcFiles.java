package io.jipc.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads the small files under {@code /proc/sys}: one number, or a few separated by blanks.
 *
 * <p>Not with {@code Files.readString}: on these files it returns only the first digit (the JDK
 * reads one byte first, and a sysctl file answers a read at a non-zero offset with EOF), so
 * {@code msg_max = 10} would read as 1. A stream's {@code readAllBytes} asks for a full buffer at
 * once.
 */
public final class ProcFiles {
    private ProcFiles() {}

    /** The number in {@code file}, or {@code fallback} if it cannot be read or parsed. */
    public static long readLong(Path file, long fallback) {
        try (InputStream in = Files.newInputStream(file)) {
            return Long.parseLong(new String(in.readAllBytes(), StandardCharsets.US_ASCII).strip());
        } catch (IOException | NumberFormatException e) {
            return fallback;
        }
    }

    /** The file's text, trimmed, or "unreadable (why)" for an error message. */
    public static String readText(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII).strip().replaceAll("\\s+", " ");
        } catch (IOException e) {
            return "unreadable (" + e.getMessage() + ")";
        }
    }
}
