package io.jipc.cli;

import io.jipc.IpcException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code jipc}: every IPC mechanism on the shell, in the style of util-linux (flock, ipcs,
 * mkfifo). Quiet on success, one-line errors, exit codes of {@link ExitCodes}.
 */
@Command(name = "jipc",
        mixinStandardHelpOptions = true,
        versionProvider = JipcCommand.Version.class,
        description = "Every classic Linux IPC mechanism, from the shell.",
        synopsisSubcommandLabel = "COMMAND",
        footerHeading = "%nExit status, standard streams, signals, locale:%n",
        footer = {
            "  0 done; 1 would block or timed out; 2 usage error; 3 system error, printed",
            "  as jipc: <call>(<object>): <strerror text> (<ERRNO>), advice on lines after.",
            "  DATA absent or -: standard input to its end. A closed standard input (<&-)",
            "  is jipc: read(stdin): Bad file descriptor (EBADF), exit 3; </dev/null is",
            "  empty DATA. Standard output that cannot be written is jipc: write(stdout):",
            "  ..., exit 3; a receive checks it first and takes nothing it could not write",
            "  (closed, /dev/full, a pipe nobody reads), and says what was lost if a write",
            "  fails later. SIGINT, SIGTERM, SIGHUP: the command removes what it promised",
            "  to (the socket file of sock listen) and exits 128+N. Names and paths are",
            "  UTF-8 bytes in any locale (others are refused, exit 2); DATA may be any",
            "  bytes. Every command and verb has --help.",
            ""})
public final class JipcCommand implements Runnable {
    /**
     * Every subcommand, in the order help lists them. Registered by {@link #commandLine}, not by
     * the annotation: picocli reflects over every class it is given, and a command line needs only
     * its own subtree (this halves the start-up of {@code jipc mq send}).
     */
    static final List<Class<?>> COMMANDS = List.of(
            HelpCommand.class,
            CompletionCommand.class,
            FifoCommand.class,
            LockCommand.class,
            LocksCommand.class,
            MqCommand.class,
            ShmCommand.class,
            SockCommand.class,
            SysvMsgCommand.class,
            SemCommand.class,
            SysvSemCommand.class,
            SysvShmCommand.class,
            SignalCommand.class,
            LsCommand.class,
            RmCommand.class,
            TourCommand.class,
            BenchCommand.class);

    @Spec
    CommandSpec spec;

    private final Io io;

    JipcCommand(Io io) {
        this.io = io;
    }

    public Io io() {
        return io;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (see jipc --help)");
    }

    public static void main(String[] args) {
        Io io = Io.system(args);
        SignalExit.install(Thread.currentThread(), io.err());
        int status;
        try {
            status = execute(io, args);
        } catch (Throwable t) {
            status = internalError(io.err(), t);
        }
        SignalExit.commandDone();
        System.exit(status);
    }

    /** Runs a command line with the given streams; returns the exit status. For tests too. */
    public static int execute(InputStream in, OutputStream out, OutputStream err, String... args) {
        PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
        return execute(new Io(in, out, errStream, false, args, null), args);
    }

    /**
     * Runs a command line: parsing, the checks every command gets ({@link RawArguments}), the
     * command, and the reporting of its errors and of standard output's (the first failure of
     * {@link Stdout}, even one a writer swallowed) in cli.md's form.
     */
    static int execute(Io io, String[] args) {
        CommandLine cli = commandLine(io, args);
        Reporter reporter = new Reporter(io.err());
        cli.setExecutionExceptionHandler((ex, c, parsed) -> reporter.report(ex));
        cli.setExecutionStrategy(parsed -> {
            Integer help = CommandLine.executeHelpRequest(parsed);
            if (help != null) {
                return help; // --help and --version need nothing else
            }
            RawArguments.check(io, parsed);
            try {
                io.checkStdinFor(parsed);
            } catch (Failure f) {
                throw new CommandLine.ExecutionException(cli, f.getMessage(), f);
            }
            return new CommandLine.RunLast().execute(parsed);
        });
        int status;
        try {
            status = cli.execute(args);
        } catch (RuntimeException e) {
            status = reporter.report(e);
        }
        Failure output = io.finish();
        if (output != null && !reporter.reportedStdout()) {
            status = reporter.report(output);
        }
        return status;
    }

    /** Prints an exception as cli.md wants it, once, and maps it to its exit status. */
    static final class Reporter {
        private final PrintStream err;
        private boolean stdoutReported;

        Reporter(PrintStream err) {
            this.err = err;
        }

        /** Whether standard output's failure was told already (a command may have added advice to it). */
        boolean reportedStdout() {
            return stdoutReported;
        }

        int report(Throwable ex) {
            Throwable t = ex instanceof UncheckedIOException u ? u.getCause() : ex;
            if (SignalExit.stopping()) {
                return ExitCodes.SYSTEM; // a signal ends the run: the JVM exits with 128+N, quietly
            }
            if (t instanceof Failure f) {
                stdoutReported |= f.isStdout();
                f.lines().forEach(err::println);
                return ExitCodes.SYSTEM;
            }
            if (t instanceof IpcException e) {
                Failure.of(e).lines().forEach(err::println);
                return ExitCodes.SYSTEM;
            }
            if (t instanceof IllegalArgumentException || t instanceof CommandLine.ParameterException) {
                err.println("jipc: " + t.getMessage());
                return ExitCodes.USAGE;
            }
            return internalError(err, t);
        }
    }

    /**
     * Anything else is jipc's own fault: one line, no stack trace (set JIPC_DEBUG=1 for it), exit 3.
     * An OutOfMemoryError lands here too, though sizes are bounded before allocation.
     */
    static int internalError(PrintStream err, Throwable t) {
        if (SignalExit.stopping()) {
            return ExitCodes.SYSTEM;
        }
        err.println("jipc: internal error: " + t + " (please report it; JIPC_DEBUG=1 shows where)");
        if (System.getenv("JIPC_DEBUG") != null) {
            t.printStackTrace(err);
        }
        return ExitCodes.SYSTEM;
    }

    /**
     * The command tree with jipc's error handling, holding the subcommand {@code args} names, or
     * all of them when the line asks for help, completion, or names no known command (so that
     * help and "did you mean" see them all). Every command and verb gets {@code -h/--help}.
     */
    static CommandLine commandLine(Io io, String[] args) {
        CommandLine cli = new CommandLine(new JipcCommand(io));
        String named = args.length > 0 && !args[0].startsWith("-") ? args[0] : null;
        boolean versionOnly = args.length == 1 && (args[0].equals("-V") || args[0].equals("--version"));
        boolean known = named != null && !named.equals("help") && !named.equals("completion")
                && COMMANDS.stream().anyMatch(c -> nameOf(c).equals(named));
        if (!versionOnly) {
            for (Class<?> c : COMMANDS) {
                if (!known || nameOf(c).equals(named)) {
                    cli.addSubcommand(c);
                }
            }
        }
        withHelpOptions(cli);
        cli.registerConverter(java.nio.file.Path.class, Converters::parsePath);
        PrintStream err = io.err();
        cli.setOut(new java.io.PrintWriter(new java.io.OutputStreamWriter(io.out(), StandardCharsets.UTF_8), true));
        cli.setErr(new java.io.PrintWriter(new java.io.OutputStreamWriter(err, StandardCharsets.UTF_8), true));
        cli.setColorScheme(CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF));
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        // "@file" would read arguments from a file: DATA and names are taken as given.
        cli.setExpandAtFiles(false);
        cli.setParameterExceptionHandler((ex, unmatched) -> {
            CommandLine c = ex.getCommandLine();
            err.println("jipc: " + ex.getMessage());
            err.println("Try '" + c.getCommandSpec().qualifiedName() + " --help' for more information.");
            return ExitCodes.USAGE;
        });
        return cli;
    }

    /** {@code -h/--help} and {@code -V/--version} on every command and verb, those added later included. */
    private static void withHelpOptions(CommandLine c) {
        c.getCommandSpec().mixinStandardHelpOptions(true);
        for (CommandLine sub : c.getSubcommands().values()) {
            withHelpOptions(sub);
        }
    }

    /** {@code jipc --version}: the version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = JipcCommand.class.getPackage().getImplementationVersion();
            return new String[] {"jipc " + (v == null ? "(development build)" : v)};
        }
    }

    private static String nameOf(Class<?> command) {
        return command.getAnnotation(Command.class).name();
    }
}
