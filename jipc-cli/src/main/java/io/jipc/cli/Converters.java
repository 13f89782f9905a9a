package io.jipc.cli;

import io.jipc.Perms;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** The argument types every subcommand shares: durations, octal modes, System V keys. */
public final class Converters {
    private Converters() {}

    private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)(ns|us|ms|s|m|h)");

    /** {@code 250ms}, {@code 5s}, {@code 2m}, {@code 1h}, {@code 0}, or ISO-8601 ({@code PT5S}). */
    public static Duration parseDuration(String text) {
        Matcher m = SHORT_DURATION.matcher(text);
        if (m.matches()) {
            long n;
            try {
                n = Long.parseLong(m.group(1));
            } catch (NumberFormatException e) {
                throw new TypeConversionException("duration too large: '" + text + "'");
            }
            return switch (m.group(2)) {
                case "ns" -> Duration.ofNanos(n);
                case "us" -> Duration.ofNanos(Math.multiplyExact(n, 1000L));
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            };
        }
        if (text.equals("0")) {
            return Duration.ZERO;
        }
        try {
            Duration d = Duration.parse(text);
            if (d.isNegative()) {
                throw new TypeConversionException("duration must not be negative: '" + text + "'");
            }
            return d;
        } catch (DateTimeParseException e) {
            throw new TypeConversionException("invalid duration '" + text
                    + "': use 250ms, 5s, 2m, 1h or ISO-8601 such as PT5S");
        }
    }

    /** An octal permission mode, {@code 0600}, {@code 644}: 0 to 07777. */
    public static int parseMode(String text) {
        if (!text.matches("0?[0-7]{1,4}") || Integer.parseInt(text, 8) > 07777) {
            throw new TypeConversionException("invalid mode '" + text + "': an octal number from 0 to 07777, e.g. 0600");
        }
        return Integer.parseInt(text, 8);
    }

    /**
     * Refuses set-user-ID, set-group-ID and sticky bits for an object whose mode has only
     * permission bits: jipc sets modes exactly, so it does not drop bits silently either.
     */
    public static void checkPermissionBits(String what, int mode) {
        if ((mode & ~0777) != 0) {
            throw new IllegalArgumentException("--mode for " + what + " takes permission bits only (0 to 0777), got "
                    + formatMode(mode));
        }
    }

    /**
     * A path argument. Under a charset that cannot encode it (LC_ALL=C without the launcher) the
     * JDK refuses to make a Path; say why in jipc's words.
     */
    public static java.nio.file.Path parsePath(String text) {
        try {
            return java.nio.file.Path.of(text);
        } catch (java.nio.file.InvalidPathException e) {
            throw new TypeConversionException("path '" + text + "' cannot pass through the JVM's charset "
                    + RawArguments.jvmCharset() + ": run jipc through its launcher (./jipc), or with LC_ALL=C.UTF-8");
        }
    }

    /** The rwx bits of a mode as Java permissions (set-id and sticky bits have no Java name). */
    public static Set<PosixFilePermission> permissions(int mode) {
        return Perms.fromMode(mode);
    }

    /** A mode printed as cli.md's JSON shows it: {@code "0600"}. */
    public static String formatMode(int mode) {
        return Perms.octal(mode);
    }

    /** A System V key, decimal or {@code 0x} hex, any 32-bit value. */
    public static int parseKey(String text) {
        try {
            long v = text.startsWith("0x") || text.startsWith("0X")
                    ? Long.parseLong(text.substring(2), 16) : Long.parseLong(text);
            if (v < Integer.MIN_VALUE || v > 0xFFFF_FFFFL) {
                throw new NumberFormatException();
            }
            return (int) v;
        } catch (NumberFormatException e) {
            throw new TypeConversionException("invalid key '" + text + "': a 32-bit number, decimal or 0x hex");
        }
    }

    /** A key as cli.md's JSON shows it: {@code "0x0000abcd"}. */
    public static String formatKey(int key) {
        return String.format("0x%08x", key);
    }

    public static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return parseDuration(value);
        }
    }

    public static final class ModeConverter implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            return parseMode(value);
        }
    }

    public static final class KeyConverter implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            return parseKey(value);
        }
    }
}
