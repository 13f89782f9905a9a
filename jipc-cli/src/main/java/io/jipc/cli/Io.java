package io.jipc.cli;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;

/**
 * A command's standard streams and its arguments' raw bytes. Commands write payloads to {@link
 * #out()} as raw bytes, never through a charset; tests give their own streams.
 */
public final class Io {
    private final InputStream in;
    private final OutputStream out;
    private final PrintStream err;
    private final boolean errIsTerminal;
    private final String[] args;
    private final List<byte[]> rawArgs;

    public Io(InputStream in, OutputStream out, PrintStream err, boolean errIsTerminal, String[] args, List<byte[]> rawArgs) {
        this.in = in;
        this.out = out;
        this.err = err;
        this.errIsTerminal = errIsTerminal;
        this.args = args.clone();
        this.rawArgs = rawArgs;
    }

    /** The process's own streams; argument bytes come from /proc/self/cmdline. */
    public static Io system(String[] args) {
        return new Io(new FileInputStream(FileDescriptor.in),
                new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16),
                new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8),
                stderrIsTerminal(), args, commandLineBytes(args.length));
    }

    /** Whether descriptor 2 is a terminal (a tty or pseudo-terminal), as isatty(2) would say. */
    private static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** The io context of the running command. */
    public static Io of(CommandSpec spec) {
        return ((JipcCommand) spec.root().userObject()).io();
    }

    public InputStream in() {
        return in;
    }

    public OutputStream out() {
        return out;
    }

    public PrintStream err() {
        return err;
    }

    /** Whether progress may be shown on stderr (cli.md: only on a terminal). */
    public boolean errIsTerminal() {
        return errIsTerminal;
    }

    /**
     * The bytes of a DATA argument exactly as given: the JVM decodes arguments with the
     * locale's charset (ASCII under LANG=C, which turns non-ASCII into '?'); the kernel's copy in
     * /proc/self/cmdline has the bytes themselves. Absent or {@code -}: standard input to EOF.
     */
    public byte[] data(String arg) throws IOException {
        if (arg == null || arg.equals("-")) {
            return in.readAllBytes();
        }
        if (rawArgs != null) {
            for (int i = args.length - 1; i >= 0; i--) {
                if (args[i].equals(arg)) {
                    return rawArgs.get(i).clone();
                }
            }
        }
        return arg.getBytes(StandardCharsets.UTF_8);
    }

    /** Writes a single number and a newline, the plain output of cli.md. */
    public void printNumber(long n) throws IOException {
        out.write((n + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    /** Writes a line of text (UTF-8) to standard output. */
    public void println(String line) throws IOException {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    }

    public void flush() {
        try {
            out.flush();
        } catch (IOException ignored) {
            // stdout closed by the reader: nothing left to tell
        }
    }

    /** The last {@code n} arguments of this process as raw bytes, or null if /proc says otherwise. */
    private static List<byte[]> commandLineBytes(int n) {
        try {
            byte[] all = Files.readAllBytes(Path.of("/proc/self/cmdline"));
            List<byte[]> parts = new ArrayList<>();
            int start = 0;
            for (int i = 0; i < all.length; i++) {
                if (all[i] == 0) {
                    byte[] part = new byte[i - start];
                    System.arraycopy(all, start, part, 0, part.length);
                    parts.add(part);
                    start = i + 1;
                }
            }
            return parts.size() >= n ? List.copyOf(parts.subList(parts.size() - n, parts.size())) : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
