package io.jipc.cli;

import io.jipc.pipe.Fifo;
import io.jipc.pipe.Pipe;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jipc fifo create|write|read}: FIFOs (named pipes) as cli.md describes them, over {@link
 * Fifo}. Opens wait for the other side (a writer for a reader, a reader for a writer); a wait that
 * times out, or would have to happen under {@code --nonblock}, exits 1 quietly, like {@code flock -n}.
 */
@Command(name = "fifo", mixinStandardHelpOptions = true,
        description = "FIFOs (named pipes): create one, write to it, read from it.",
        synopsisSubcommandLabel = "VERB",
        subcommands = {FifoCommand.Create.class, FifoCommand.Write.class, FifoCommand.Read.class})
final class FifoCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a verb is required: create, write or read");
    }

    /** {@code --timeout D | --nonblock}: how long an open (and a write) may wait. */
    static final class Wait {
        @Option(names = "--timeout", paramLabel = "D", converter = Converters.DurationConverter.class,
                description = "Give up (exit 1) after D: 250ms, 5s, 2m, PT5S.")
        Duration timeout;

        @Option(names = "--nonblock", description = "Never wait: exit 1 if the other side is not there now.")
        boolean nonblock;

        Duration limit() {
            return nonblock ? Duration.ZERO : timeout;
        }
    }

    /** A deadline over several waits; {@code null} when there is no limit. */
    private static Duration left(Long deadline) {
        if (deadline == null) {
            return null;
        }
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    private static Long deadline(Duration limit) {
        if (limit == null) {
            return null;
        }
        long nanos;
        try {
            nanos = limit.toNanos();
        } catch (ArithmeticException tooLong) {
            return null;
        }
        return System.nanoTime() + nanos;
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Create a FIFO at PATH (mkfifo), with exactly the mode given; fails if PATH exists, unless --reuse."})
    static final class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "PATH", description = "Where to create the FIFO.")
        Path path;

        @Option(names = "--mode", paramLabel = "M", converter = Converters.ModeConverter.class,
                description = "Permission bits, octal (default 0600); set exactly, whatever the umask.")
        int mode = 0600;

        @Option(names = "--reuse", description = "Succeed if a FIFO already exists at PATH (its mode unchanged).")
        boolean reuse;

        @Override
        public Integer call() throws IOException {
            Converters.checkPermissionBits("a FIFO", mode);
            if (reuse) {
                Fifo.createOrOpen(path, Fifo.Options.defaults().withMode(Converters.permissions(mode)));
            } else {
                Fifo.createExclusively(path, Fifo.Options.defaults().withMode(Converters.permissions(mode)));
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "write", mixinStandardHelpOptions = true,
            description = {"Write DATA (or standard input until EOF) to the FIFO at PATH.",
                "Waits for a reader to open it, and for room while writing; --timeout bounds both."})
    static final class Write implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "PATH", description = "The FIFO.")
        Path path;

        @Parameters(index = "1", paramLabel = "DATA", arity = "0..1",
                description = "The bytes to write, exactly as given; absent or -: standard input.")
        String data;

        @ArgGroup(exclusive = true)
        Wait wait = new Wait();

        @Override
        public Integer call() throws IOException {
            Io io = Io.of(spec);
            Duration limit = wait.limit();
            Long deadline = deadline(limit);
            Optional<Pipe.WriteEnd> opened = limit == null
                    ? Optional.of(Fifo.openForWriting(path))
                    : Fifo.tryOpenForWriting(path, limit);
            if (opened.isEmpty()) {
                return ExitCodes.WOULD_BLOCK; // no reader came in time
            }
            try (Pipe.WriteEnd out = opened.get()) {
                if (data != null && !data.equals("-")) {
                    byte[] bytes = io.data(data);
                    return writeAll(out, bytes, bytes.length, deadline);
                }
                // Standard input is streamed, not read to EOF first: `producer | jipc fifo write F` flows.
                // (A closed standard input was refused before the FIFO was opened: see RawArguments.)
                InputStream in = io.in();
                byte[] buf = new byte[64 * 1024];
                int n;
                while ((n = in.read(buf)) > 0) {
                    if (writeAll(out, buf, n, deadline) != ExitCodes.OK) {
                        return ExitCodes.WOULD_BLOCK;
                    }
                }
                return ExitCodes.OK;
            }
        }

        /** Writes {@code len} bytes; exit 1 if the reader left no room for them before the deadline. */
        private static int writeAll(Pipe.WriteEnd out, byte[] bytes, int len, Long deadline) throws IOException {
            if (deadline == null) {
                out.write(bytes, 0, len);
                return ExitCodes.OK;
            }
            return out.tryWrite(bytes, 0, len, left(deadline)) == len ? ExitCodes.OK : ExitCodes.WOULD_BLOCK;
        }
    }

    @Command(name = "read", mixinStandardHelpOptions = true,
            description = {"Copy what is written to the FIFO at PATH to standard output, until every writer has closed it.",
                "Waits for a writer to open it; --timeout bounds that wait."})
    static final class Read implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "PATH", description = "The FIFO.")
        Path path;

        @ArgGroup(exclusive = true)
        Wait wait = new Wait();

        @Override
        public Integer call() throws IOException {
            Stdout out = Io.of(spec).out();
            out.checkWritable(); // before opening: a writer must not see its bytes taken and dropped
            Duration limit = wait.limit();
            Optional<Pipe.ReadEnd> opened = limit == null
                    ? Optional.of(Fifo.openForReading(path))
                    : Fifo.tryOpenForReading(path, limit);
            if (opened.isEmpty()) {
                return ExitCodes.WOULD_BLOCK; // no writer came in time
            }
            try (Pipe.ReadEnd in = opened.get()) {
                byte[] buf = new byte[64 * 1024];
                int n;
                while ((n = in.read(buf)) > 0) {
                    // A FIFO is a stream: pass each piece on as it comes.
                    out.emit(buf, 0, n, n + " bytes read from " + path);
                }
            }
            return ExitCodes.OK;
        }
    }
}
