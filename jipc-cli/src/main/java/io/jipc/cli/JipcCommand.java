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
        synopsisSubcommandLabel = "COMMAND",
        subcommands = {
            HelpCommand.class,
            CompletionCommand.class,
            FifoCommand.class,
            MqCommand.class,
            SockCommand.class,
            SysvMsgCommand.class,
            BenchCommand.class,
        })
public final class JipcCommand implements Runnable {
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
        CommandLine cli = commandLine(io);
        int status = cli.execute(args);
        io.flush();
        return status;
    }

    /** The command tree with jipc's error handling; subcommands come from the annotation above. */
    static CommandLine commandLine(Io io) {
        CommandLine cli = new CommandLine(new JipcCommand(io));
        PrintStream err = io.err();
        cli.setOut(new java.io.PrintWriter(new java.io.OutputStreamWriter(io.out(), StandardCharsets.UTF_8), true));
        cli.setErr(new java.io.PrintWriter(new java.io.OutputStreamWriter(err, StandardCharsets.UTF_8), true));
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setParameterExceptionHandler((ex, args) -> {
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

    /** The subcommand names, for tests of the command tree. */
    static List<String> commandNames(Io io) {
        return List.copyOf(commandLine(io).getSubcommands().keySet());
    }
}
