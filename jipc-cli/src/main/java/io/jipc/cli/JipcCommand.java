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
import picocli.CommandLine.HelpCommand;
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
        synopsisSubcommandLabel = "COMMAND")
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
            MqCommand.class,
            SockCommand.class,
            SysvMsgCommand.class,
            SemCommand.class,
            SysvSemCommand.class,
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
        int status = execute(Io.system(args), args);
        System.exit(status);
    }

    /** Runs a command line with the given streams; returns the exit status. For tests too. */
    public static int execute(InputStream in, OutputStream out, OutputStream err, String... args) {
        PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
        return execute(new Io(in, out, errStream, false, args, null), args);
    }

    static int execute(Io io, String[] args) {
        CommandLine cli = commandLine(io, args);
        int status = cli.execute(args);
        io.flush();
        return status;
    }

    /**
     * The command tree with jipc's error handling, holding the subcommand {@code args} names, or
     * all of them when the line asks for help, completion, or names no known command (so that
     * help and "did you mean" see them all).
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
        PrintStream err = io.err();
        cli.setOut(new java.io.PrintWriter(new java.io.OutputStreamWriter(io.out(), StandardCharsets.UTF_8), true));
        cli.setErr(new java.io.PrintWriter(new java.io.OutputStreamWriter(err, StandardCharsets.UTF_8), true));
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setParameterExceptionHandler((ex, unmatched) -> {
            err.println("jipc: " + ex.getMessage());
            CommandLine c = ex.getCommandLine();
            err.println("Try '" + c.getCommandSpec().qualifiedName() + " --help' for more information.");
            return ExitCodes.USAGE;
        });
        cli.setExecutionExceptionHandler((ex, c, parsed) -> {
            Throwable t = ex instanceof UncheckedIOException u ? u.getCause() : ex;
            if (t instanceof IpcException) {
                err.println("jipc: " + t.getMessage());
                return ExitCodes.SYSTEM;
            }
            if (t instanceof IllegalArgumentException || t instanceof CommandLine.ParameterException) {
                err.println("jipc: " + t.getMessage());
                return ExitCodes.USAGE;
            }
            if (t instanceof IOException) {
                err.println("jipc: " + t.getMessage());
                return ExitCodes.SYSTEM;
            }
            throw ex;
        });
        return cli;
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
