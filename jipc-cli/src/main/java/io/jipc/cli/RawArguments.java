package io.jipc.cli;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.ParseResult;

/**
 * Names and paths byte for byte, whatever the locale, checked in one place for every command.
 *
 * <p>The JVM decodes its arguments, and encodes every {@link java.nio.file.Path}, with its charset
 * ({@code sun.jnu.encoding}, from LC_ALL/LC_CTYPE/LANG; JDK 25 ignores {@code
 * -Dsun.jnu.encoding}); queue names go to the kernel as UTF-8. Under {@code LC_ALL=C} that charset
 * is ASCII: a non-ASCII name came out as U+FFFD, a non-ASCII path failed to convert. The launcher
 * therefore runs the JVM with a UTF-8 LC_CTYPE ({@code C.UTF-8}) when the caller's is not UTF-8,
 * which makes every UTF-8 name and path exact. What a String cannot carry, bytes that are not
 * UTF-8, is refused here with a usage error naming the argument, never altered: an argument other
 * than DATA is accepted only if the UTF-8 and the JVM's encoding of what the JVM decoded are the
 * bytes the kernel holds in /proc/self/cmdline. DATA (any argument whose label is {@code DATA})
 * may be any bytes: {@link Io#data} takes it from /proc/self/cmdline.
 */
final class RawArguments {
    private RawArguments() {}

    /** The label of the arguments that carry payload bytes, exempt from the check. */
    static final String DATA = "DATA";

    /**
     * Refuses the command line if one of its arguments other than DATA would not reach the kernel
     * with the bytes it was given.
     *
     * @throws CommandLine.ParameterException saying which argument, and why
     */
    static void check(Io io, ParseResult parsed) {
        List<byte[]> raw = io.rawArgs();
        if (raw == null) {
            return; // no /proc/self/cmdline (or a test's in-process run): nothing to compare with
        }
        ParseResult leaf = parsed;
        while (leaf.hasSubcommand()) {
            leaf = leaf.subcommand();
        }
        Set<String> data = new HashSet<>();
        for (ArgSpec a : leaf.matchedArgs()) {
            if (DATA.equals(a.paramLabel())) {
                data.addAll(a.originalStringValues());
            }
        }
        Charset jvm = jvmCharset();
        String[] args = io.args();
        for (int i = 0; i < args.length; i++) {
            if (data.contains(args[i])) {
                continue;
            }
            byte[] bytes = raw.get(i);
            boolean exact = Arrays.equals(bytes, args[i].getBytes(StandardCharsets.UTF_8))
                    && Arrays.equals(bytes, args[i].getBytes(jvm));
            if (!exact) {
                throw new CommandLine.ParameterException(leaf.commandSpec().commandLine(), why(bytes, jvm));
            }
        }
    }

    private static String why(byte[] bytes, Charset jvm) {
        String shown = escaped(bytes);
        if (!isUtf8(bytes)) {
            return "argument '" + shown + "' is not UTF-8: jipc takes names and paths as UTF-8 and would not"
                    + " reach the same name (DATA may be any bytes)";
        }
        return "argument '" + shown + "' cannot pass through the JVM's charset " + jvm + " byte for byte:"
                + " run jipc through its launcher (./jipc), or with LC_ALL=C.UTF-8";
    }

    static Charset jvmCharset() {
        try {
            return Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
        } catch (RuntimeException unknown) {
            return StandardCharsets.UTF_8;
        }
    }

    static boolean isUtf8(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    /** Printable ASCII as is, every other byte as {@code \xNN}, as bash's $'…' would write it. */
    static String escaped(byte[] bytes) {
        StringBuilder b = new StringBuilder();
        for (byte x : bytes) {
            int v = x & 0xff;
            if (v >= 0x20 && v < 0x7f && v != '\\') {
                b.append((char) v);
            } else {
                b.append(String.format("\\x%02x", v));
            }
        }
        return b.toString();
    }
}
