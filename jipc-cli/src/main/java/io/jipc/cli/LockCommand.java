package io.jipc.cli;

import io.jipc.lock.FileLock;
import io.jipc.lock.LockHolder;
import io.jipc.lock.LockKind;
import io.jipc.lock.LockRange;
import io.jipc.lock.LockType;
import io.jipc.process.ChildProcess;
import io.jipc.process.ChildProcessBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code jipc lock PATH [options] -- COMMAND [ARG...]}: holds a file lock while COMMAND runs, as
 * {@code flock(1)} does, over {@link FileLock}. COMMAND's exit status is jipc's (128+N if it died
 * of signal N); a lock that cannot be had now ({@code --nonblock}) or in time ({@code --timeout})
 * exits 1 and runs nothing.
 *
 * <p>Like {@code flock(1)}, COMMAND inherits the locked open file description (at descriptor 3)
 * for flock and OFD locks, so it holds the lock too: the lock lasts as long as COMMAND, or any
 * process it leaves behind with that descriptor, keeps it — even if jipc itself is killed.
 * {@code --close} (flock's {@code -o}) keeps it from COMMAND. A POSIX lock cannot be inherited:
 * it is jipc's alone and ends with jipc.
 */
@Command(name = "lock", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Hold a file lock while COMMAND runs, like flock(1); exit with COMMAND's status.",
            "Creates PATH (mode 0600) if absent. Default: --exclusive --kind flock, the whole file, waiting as long as it takes.",
            "A lock that cannot be had (--nonblock, or within --timeout) exits 1 without running COMMAND.",
            "COMMAND shares a flock or OFD lock (it inherits the locked file at descriptor 3) unless --close."})
final class LockCommand implements Callable<Integer> {
    /** Where COMMAND finds the locked file, as it would under flock(1) in a shell whose lowest free descriptor is 3. */
    static final int INHERITED_FD = 3;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PATH", description = "The file to lock (created, mode 0600, if absent).")
    Path path;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "COMMAND",
            description = "The command and its arguments (after --).")
    List<String> command;

    static final class Type {
        @Option(names = {"-s", "--shared"}, description = "A shared (read) lock.")
        boolean shared;

        @Option(names = {"-x", "--exclusive"}, description = "An exclusive (write) lock (the default).")
        boolean exclusive;
    }

    @ArgGroup(exclusive = true)
    Type type = new Type();

    @Option(names = "--kind", paramLabel = "KIND", defaultValue = "flock", converter = KindConverter.class,
            description = "flock (whole file, what flock(1) takes), posix (fcntl record lock) or ofd (open file description lock). Default: flock.")
    LockKind kind;

    @Option(names = "--range", paramLabel = "START:LENGTH", converter = RangeConverter.class,
            description = "Bytes to lock (posix and ofd): LENGTH bytes from START; LENGTH 0 = to the end of the file.")
    LockRange range;

    static final class Wait {
        @Option(names = {"-n", "--nonblock"}, description = "Do not wait: exit 1 if the lock is held.")
        boolean nonblock;

        @Option(names = "--timeout", paramLabel = "D", converter = Converters.DurationConverter.class,
                description = "Wait at most D (250ms, 5s, 2m, PT5S), then exit 1.")
        Duration timeout;
    }

    @ArgGroup(exclusive = true)
    Wait wait = new Wait();

    @Option(names = {"-o", "--close"},
            description = "Do not give COMMAND the locked file: the lock is jipc's alone, and ends when COMMAND does.")
    boolean close;

    @Option(names = {"-E", "--conflict-exit-code"}, paramLabel = "N",
            description = "Exit with N (0-255) instead of 1 when the lock cannot be had.")
    int conflictExitCode = ExitCodes.WOULD_BLOCK;

    @Option(names = {"-v", "--verbose"}, description = "Say on stderr who holds the lock when it cannot be had, and how long getting it took.")
    boolean verbose;

    @Override
    public Integer call() throws IOException {
        if (conflictExitCode < 0 || conflictExitCode > 255) {
            throw new IllegalArgumentException("--conflict-exit-code takes 0 to 255, got " + conflictExitCode);
        }
        if (range != null && kind == LockKind.FLOCK) {
            throw new IllegalArgumentException("--range needs --kind posix or ofd: flock locks whole files");
        }
        FileLock.Options options = FileLock.Options.defaults().withKind(kind).withCreate(true)
                .withType(type.shared ? LockType.SHARED : LockType.EXCLUSIVE)
                .withRange(range != null ? range : LockRange.WHOLE_FILE);
        // The command line is checked before anything is opened: a bad one changes nothing.
        ChildProcessBuilder child = ChildProcess.builder(command).detachOnClose();
        Io io = Io.of(spec);
        try (FileLock lock = FileLock.open(path, options)) {
            long start = System.nanoTime();
            boolean got;
            if (wait.nonblock) {
                got = lock.tryLock();
            } else if (wait.timeout != null) {
                got = lock.tryLock(wait.timeout);
            } else {
                lock.lock();
                got = true;
            }
            if (!got) {
                if (verbose) {
                    io.err().println("jipc: " + path + ": " + lock.holder().map(LockHolder::toString)
                            .orElse("held, by a holder gone by now"));
                }
                return conflictExitCode;
            }
            if (verbose) {
                io.err().printf(Locale.ROOT, "jipc: got the lock on %s after %.3f s%n", path, (System.nanoTime() - start) / 1e9);
            }
            if (!close && kind != LockKind.POSIX) {
                child.fd(INHERITED_FD, lock.fd());
            }
            io.out().flush(); // what jipc wrote so far comes before what COMMAND writes
            // Left running if jipc is stopped while it waits (as flock(1) leaves its command):
            // a flock or OFD lock then stays with it.
            try (ChildProcess running = child.start()) {
                return running.waitFor().shellStatus();
            }
        }
    }

    /** {@code flock}, {@code posix} or {@code ofd}. */
    static final class KindConverter implements ITypeConverter<LockKind> {
        @Override
        public LockKind convert(String value) {
            return switch (value.toLowerCase(Locale.ROOT)) {
                case "flock" -> LockKind.FLOCK;
                case "posix" -> LockKind.POSIX;
                case "ofd" -> LockKind.OFD;
                default -> throw new TypeConversionException("invalid kind '" + value + "': flock, posix or ofd");
            };
        }
    }

    /** {@code START:LENGTH}, both decimal, 0 or more; LENGTH 0 reaches to the end of the file. */
    static final class RangeConverter implements ITypeConverter<LockRange> {
        @Override
        public LockRange convert(String value) {
            int colon = value.indexOf(':');
            String usage = "START:LENGTH, e.g. 0:100 (bytes 0 to 99) or 100:0 (byte 100 to the end of the file)";
            if (colon < 0) {
                throw new TypeConversionException("invalid range '" + value + "': " + usage);
            }
            try {
                return LockRange.of(Long.parseLong(value.substring(0, colon)), Long.parseLong(value.substring(colon + 1)));
            } catch (NumberFormatException e) {
                throw new TypeConversionException("invalid range '" + value + "': " + usage);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("invalid range '" + value + "': " + e.getMessage());
            }
        }
    }
}
