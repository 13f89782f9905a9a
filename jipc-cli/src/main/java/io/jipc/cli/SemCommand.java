package io.jipc.cli;

import io.jipc.IpcException;
import io.jipc.sem.PosixSemaphore;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jipc sem create|post|wait|value|unlink}: POSIX named semaphores, by name. */
@Command(name = "sem", mixinStandardHelpOptions = true,
        description = {"POSIX named semaphores: NAME is /name (one slash, then no slash).",
            "A process that dies keeps what it took from a POSIX semaphore; for permits that must come back,"
                    + " use a System V semaphore with --undo (jipc sysv-sem)."},
        synopsisSubcommandLabel = "VERB",
        subcommands = {SemCommand.Create.class, SemCommand.Post.class, SemCommand.Wait.class, SemCommand.Value.class,
                SemCommand.Unlink.class})
final class SemCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                "a verb is required: create, post, wait, value or unlink");
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a semaphore with exactly the mode given (or leave an existing one as it is).")
    static final class Create implements Callable<Integer> {
        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--value", paramLabel = "N", defaultValue = "0",
                description = "Initial value, 0 to 2147483647 (SEM_VALUE_MAX; default 0).")
        long value;

        @Option(names = "--mode", paramLabel = "M", converter = Converters.ModeConverter.class, defaultValue = "0600",
                description = "Permissions, octal (default 0600); set exactly, whatever the umask.")
        int mode;

        @Option(names = "--exclusive", description = "Fail if the semaphore exists (O_EXCL).")
        boolean exclusive;

        @Override
        public Integer call() throws IpcException {
            PosixSemaphore.checkName(name);
            Converters.checkPermissionBits("a semaphore", mode);
            PosixSemaphore.Options o = PosixSemaphore.Options.defaults().withInitialValue(value)
                    .withMode(Converters.permissions(mode));
            PosixSemaphore s = exclusive ? PosixSemaphore.createExclusively(name, o) : PosixSemaphore.createOrOpen(name, o);
            s.close();
            return ExitCodes.OK;
        }
    }

    @Command(name = "post", mixinStandardHelpOptions = true, description = "Increment the value (sem_post), waking waiters.")
    static final class Post implements Callable<Integer> {
        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--count", paramLabel = "N", defaultValue = "1", description = "Post N times (default 1).")
        int count;

        @Override
        public Integer call() throws IpcException {
            PosixSemaphore.checkName(name);
            if (count < 1) {
                throw new IllegalArgumentException("--count must be at least 1, got " + count);
            }
            try (PosixSemaphore s = PosixSemaphore.openExisting(name)) {
                s.release(count);
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "wait", mixinStandardHelpOptions = true,
            description = "Decrement the value, waiting while it is 0 (sem_wait).")
    static final class Wait implements Callable<Integer> {
        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--timeout", paramLabel = "D", converter = Converters.DurationConverter.class,
                description = "Give up after D (250ms, 5s, PT5S): exit 1.")
        Duration timeout;

        @Option(names = "--nonblock", description = "Do not wait: exit 1 if the value is 0 (sem_trywait).")
        boolean nonblock;

        @Override
        public Integer call() throws IpcException {
            PosixSemaphore.checkName(name);
            if (timeout != null && nonblock) {
                throw new IllegalArgumentException("--timeout and --nonblock cannot be combined");
            }
            try (PosixSemaphore s = PosixSemaphore.openExisting(name)) {
                boolean acquired;
                if (nonblock) {
                    acquired = s.tryAcquire();
                } else if (timeout != null) {
                    acquired = s.tryAcquire(timeout);
                } else {
                    s.acquire();
                    acquired = true;
                }
                return acquired ? ExitCodes.OK : ExitCodes.WOULD_BLOCK;
            }
        }
    }

    @Command(name = "value", mixinStandardHelpOptions = true, description = "Print the value (sem_getvalue).")
    static final class Value implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() throws IOException {
            PosixSemaphore.checkName(name);
            int value;
            try (PosixSemaphore s = PosixSemaphore.openExisting(name)) {
                value = s.value();
            }
            Io.of(spec).printNumber(value);
            return ExitCodes.OK;
        }
    }

    @Command(name = "unlink", mixinStandardHelpOptions = true,
            description = "Remove the semaphore's name (sem_unlink); it goes once the last process closes it.")
    static final class Unlink implements Callable<Integer> {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() throws IpcException {
            PosixSemaphore.unlink(name);
            return ExitCodes.OK;
        }
    }
}
