package io.jipc.cli;

import io.jipc.Errno;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Model.CommandSpec;

/**
 * A command's standard streams and its arguments' raw bytes: the one place every command reads
 * standard input and writes standard output. Payloads are raw bytes, never through a charset;
 * tests give their own streams.
 *
 * <p><b>A closed descriptor is not a file of the JVM's.</b> Started with descriptor 0, 1 or 2
 * closed ({@code <&-}, {@code >&-}), the JVM would take it for a file of its own ({@code
 * lib/modules} lands on descriptor 0) and jipc would read the JDK's bytes as standard input. The
 * launcher ({@code ./jipc}) therefore reopens each closed one on {@code /dev/null} and names it in
 * {@code JIPC_CLOSED_FDS}; reading a closed standard input is then cli.md's system error {@code
 * jipc: read(stdin): Bad file descriptor (EBADF)}, exit 3, as {@code cat <&-} fails, and writing
 * to a closed standard output {@code write(stdout)} the same. Run without the launcher, a
 * descriptor 0 that points into the JDK or to the class path counts as closed too.
 *
 * <p><b>Interruptible.</b> The process's streams are read and written through file channels, so
 * a command blocked on them answers {@link Thread#interrupt()} (how SIGINT, SIGTERM and SIGHUP
 * end it, see {@link SignalExit}).
 */
public final class Io {
    /** The environment variable in which the launcher names the descriptors the caller had closed. */
    static final String CLOSED_FDS = "JIPC_CLOSED_FDS";

    private final InputStream in;
    private final boolean stdinClosed;
    private final Stdout out;
    private final PrintStream err;
    private final boolean errIsTerminal;
    private final String[] args;
    private final List<byte[]> rawArgs;

    public Io(InputStream in, OutputStream out, PrintStream err, boolean errIsTerminal, String[] args, List<byte[]> rawArgs) {
        this(in, false, new Stdout(out, false, false), err, errIsTerminal, args, rawArgs);
    }

    private Io(InputStream in, boolean stdinClosed, Stdout out, PrintStream err, boolean errIsTerminal, String[] args,
               List<byte[]> rawArgs) {
        this.in = in;
        this.stdinClosed = stdinClosed;
        this.out = out;
        this.err = err;
        this.errIsTerminal = errIsTerminal;
        this.args = args.clone();
        this.rawArgs = rawArgs;
    }

    /** For tests: streams as given, with standard input and/or output marked closed as the launcher marks them. */
    static Io withClosed(InputStream in, OutputStream out, PrintStream err, Set<Integer> closed, String... args) {
        return new Io(in, closed.contains(0), new Stdout(out, closed.contains(1), false), err, false, args, null);
    }

    /** The process's own streams; argument bytes come from /proc/self/cmdline. */
    public static Io system(String[] args) {
        Set<Integer> closed = closedByCaller();
        InputStream in = Channels.newInputStream(new FileInputStream(FileDescriptor.in).getChannel());
        OutputStream out = Channels.newOutputStream(new FileOutputStream(FileDescriptor.out).getChannel());
        return new Io(in, closed.contains(0), new Stdout(out, closed.contains(1), true),
                new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8),
                stderrIsTerminal(), args, commandLineBytes(args.length));
    }

    /**
     * The descriptors the caller had closed: those the launcher names in {@code JIPC_CLOSED_FDS},
     * and descriptor 0 if it is one of the JVM's own files (jipc started without the launcher).
     */
    static Set<Integer> closedByCaller() {
        Set<Integer> closed = new HashSet<>();
        String named = System.getenv(CLOSED_FDS);
        if (named != null) {
            for (String fd : named.split("[ ,]+")) {
                if (fd.matches("[012]")) {
                    closed.add(Integer.parseInt(fd));
                }
            }
        } else if (isJvmFile(0)) {
            closed.add(0);
        }
        return closed;
    }

    /** Whether descriptor {@code fd} is a file the JVM opened for itself: under java.home, or on the class or module path. */
    private static boolean isJvmFile(int fd) {
        try {
            Path target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd));
            if (target.startsWith(Path.of(System.getProperty("java.home")))) {
                return true;
            }
            for (String property : List.of("java.class.path", "jdk.module.path")) {
                for (String entry : System.getProperty(property, "").split(":")) {
                    if (!entry.isEmpty() && target.equals(Path.of(entry).toAbsolutePath().normalize())) {
                        return true;
                    }
                }
            }
        } catch (IOException | RuntimeException unknown) {
            return false;
        }
        return false;
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

    /**
     * Standard input, for a command that streams it (reads are cli.md errors: {@code
     * read(stdin)}). Most commands want {@link #data(String, long)}.
     */
    public InputStream in() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws Failure {
                return readStdin(b, off, len);
            }
        };
    }

    /**
     * Refuses, before the command does anything, a command line that will read standard input
     * (its DATA absent or {@code -}) when standard input is closed.
     */
    void checkStdinFor(picocli.CommandLine.ParseResult parsed) throws Failure {
        if (!stdinClosed) {
            return;
        }
        picocli.CommandLine.ParseResult leaf = parsed;
        while (leaf.hasSubcommand()) {
            leaf = leaf.subcommand();
        }
        for (picocli.CommandLine.Model.PositionalParamSpec p : leaf.commandSpec().positionalParameters()) {
            if (RawArguments.DATA.equals(p.paramLabel())) {
                List<String> given = leaf.matchedPositional(p.index().min()) == null ? List.of()
                        : leaf.matchedPositional(p.index().min()).originalStringValues();
                if (given.isEmpty() || given.get(0).equals("-")) {
                    throw stdinClosedFailure();
                }
            }
        }
    }

    private static Failure stdinClosedFailure() {
        return Failure.system("read", "stdin", Errno.EBADF,
                "standard input is closed: give DATA as an argument, or redirect standard input"
                        + " (</dev/null for empty DATA)");
    }

    private int readStdin(byte[] b, int off, int len) throws Failure {
        if (stdinClosed) {
            throw stdinClosedFailure();
        }
        try {
            return in.read(b, off, len);
        } catch (IOException e) {
            throw Failure.system("read", "stdin", Failure.errnoOf(e));
        }
    }

    /** Standard output; see {@link Stdout}. */
    public Stdout out() {
        return out;
    }

    public PrintStream err() {
        return err;
    }

    /** Whether progress may be shown on stderr (cli.md: only on a terminal). */
    public boolean errIsTerminal() {
        return errIsTerminal;
    }

    /** {@link #data(String, long)} without a limit of the command's own (arrays have one). */
    public byte[] data(String arg) throws Failure {
        return data(arg, Integer.MAX_VALUE - 16);
    }

    /**
     * The bytes of a DATA argument exactly as given: the JVM decodes arguments with the locale's
     * charset (ASCII under LC_ALL=C, which turns non-ASCII into U+FFFD); the kernel's copy in
     * /proc/self/cmdline has the bytes themselves. Absent or {@code -}: standard input to its
     * end, but never more than {@code limit + 1} bytes (the caller refuses more than {@code
     * limit}, the kernel's own limit for what it sends, before anything larger is allocated).
     */
    public byte[] data(String arg, long limit) throws Failure {
        if (arg == null || arg.equals("-")) {
            int cap = (int) Math.min(limit + 1, Integer.MAX_VALUE - 16);
            byte[] buf = new byte[Math.min(cap, 8192)];
            int n = 0;
            while (n < cap) {
                if (n == buf.length) {
                    buf = java.util.Arrays.copyOf(buf, (int) Math.min(cap, (long) buf.length * 2));
                }
                int r = readStdin(buf, n, buf.length - n);
                if (r < 0) {
                    break;
                }
                n += r;
            }
            return n == buf.length ? buf : java.util.Arrays.copyOf(buf, n);
        }
        int i = argIndex(arg);
        return i >= 0 && rawArgs != null ? rawArgs.get(i).clone() : arg.getBytes(StandardCharsets.UTF_8);
    }

    /** The index of the last argument equal to {@code arg} (DATA comes last among the positionals), or -1. */
    private int argIndex(String arg) {
        for (int i = args.length - 1; i >= 0; i--) {
            if (args[i].equals(arg)) {
                return i;
            }
        }
        return -1;
    }

    /** The arguments as the JVM decoded them. */
    String[] args() {
        return args.clone();
    }

    /** The arguments' bytes as the kernel has them, or null when /proc/self/cmdline could not say. */
    List<byte[]> rawArgs() {
        return rawArgs;
    }

    /** Writes a single number and a newline, the plain output of cli.md. */
    public void printNumber(long n) throws Failure {
        out.write((n + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    /** Writes a line of text (UTF-8) to standard output. */
    public void println(String line) throws Failure {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Flushes standard output at the command's end; the first failure of its life, or null. */
    Failure finish() {
        // Output a signal's interrupt would otherwise drop (the channel closes on an interrupted write).
        boolean interrupted = Thread.interrupted();
        try {
            out.flush();
        } catch (Failure f) {
            // kept by Stdout
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        return out.failure();
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
