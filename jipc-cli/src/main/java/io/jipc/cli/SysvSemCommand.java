package io.jipc.cli;

import io.jipc.IpcException;
import io.jipc.IpcKey;
import io.jipc.sem.SemOp;
import io.jipc.sem.SysVSemaphoreSet;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.core.JsonGenerator;

/** {@code jipc sysv-sem create|op|values|remove}: System V semaphore sets, by id, key or ftok path. */
@Command(name = "sysv-sem", mixinStandardHelpOptions = true,
        description = "System V semaphore sets: several counters under one key, operated on atomically together.",
        synopsisSubcommandLabel = "VERB",
        subcommands = {SysvSemCommand.Create.class, SysvSemCommand.Op.class, SysvSemCommand.Values.class,
                SysvSemCommand.Remove.class})
final class SysvSemCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                "a verb is required: create, op, values or remove");
    }

    /** Which semaphore set: {@code --id ID | --key K | --path P [--project-id N]}. */
    static final class Target extends SysVTarget<SysVSemaphoreSet> {
        @Override
        String noun() {
            return "semaphore set";
        }

        @Override
        SysVSemaphoreSet openId(int id) throws IpcException {
            return SysVSemaphoreSet.openId(id);
        }

        @Override
        SysVSemaphoreSet openExisting(IpcKey key) throws IpcException {
            return SysVSemaphoreSet.openExisting(key);
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a set of N semaphores, each at V, (or open it if it exists) and print its semid.")
    static final class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        Target target;

        @Option(names = "--count", paramLabel = "N", required = true, description = "How many semaphores, 1 or more.")
        int count;

        @Option(names = "--value", paramLabel = "V", defaultValue = "0",
                description = "Every semaphore's initial value, 0 to 32767 (SEMVMX; default 0).")
        int value;

        @Option(names = "--mode", paramLabel = "M", converter = Converters.ModeConverter.class, defaultValue = "0600",
                description = "Permissions, octal (default 0600).")
        int mode;

        @Option(names = "--exclusive", description = "Fail if a set with this key exists (IPC_EXCL).")
        boolean exclusive;

        @Override
        public Integer call() throws IOException {
            target.check(false);
            Converters.checkPermissionBits("a semaphore set", mode);
            if (count < 1) {
                throw new IllegalArgumentException("--count must be at least 1, got " + count);
            }
            SysVSemaphoreSet.Options o = SysVSemaphoreSet.Options.defaults().withInitialValue(value)
                    .withMode(Converters.permissions(mode));
            Stdout out = Io.of(spec).out();
            out.checkWritable(); // the semid is the whole point: create nothing that cannot be told
            IpcKey key = target.key();
            // Knowing whether this call created the set lets a failed print remove what it made.
            SysVSemaphoreSet made;
            boolean created = false;
            try {
                made = SysVSemaphoreSet.createExclusively(key, count, o);
                created = true;
            } catch (io.jipc.AlreadyExistsException e) {
                if (exclusive) {
                    throw e;
                }
                made = SysVSemaphoreSet.createOrOpen(key, count, o); // the existing set, if it has enough semaphores
            }
            try (SysVSemaphoreSet s = made) {
                try {
                    Io.of(spec).printNumber(s.id());
                    out.flush();
                } catch (Failure f) {
                    if (!created) {
                        throw f;
                    }
                    s.remove();
                    throw f.addAdvice("the semaphore set it created (semid " + s.id() + ") was removed again");
                }
            }
            return ExitCodes.OK;
        }
    }

    private static final Pattern OP = Pattern.compile("(\\d+):([+-]?\\d+)");

    /** {@code INDEX:DELTA}, e.g. {@code 0:-1}, {@code 1:+1}, {@code 2:0}. */
    static SemOp parseOp(String text, boolean undo) {
        Matcher m = OP.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("invalid operation '" + text
                    + "': write INDEX:DELTA, e.g. 0:-1 (take one), 1:+1 (give one) or 2:0 (wait for zero)");
        }
        int index;
        int delta;
        try {
            index = Integer.parseInt(m.group(1));
            delta = Integer.parseInt(m.group(2));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid operation '" + text + "': index or delta too large");
        }
        return new SemOp(index, delta, undo, false);
    }

    @Command(name = "op", mixinStandardHelpOptions = true,
            description = {"Apply every OP atomically (semop): all of them, or wait until all can proceed.",
                "OP is INDEX:DELTA: a negative DELTA takes, a positive one gives, 0 waits for zero."})
    static final class Op implements Callable<Integer> {
        @Mixin
        Target target;

        @Parameters(paramLabel = "OP", arity = "1..*", description = "INDEX:DELTA, e.g. 0:-1 1:+1.")
        List<String> ops;

        @Option(names = "--undo", description = "SEM_UNDO on every operation: the kernel reverses them when this command"
                + " exits, that is at once (0:-1 --undo waits until a unit is free without keeping it).")
        boolean undo;

        @Option(names = "--timeout", paramLabel = "D", converter = Converters.DurationConverter.class,
                description = "Give up after D (250ms, 5s, PT5S): exit 1, nothing applied.")
        Duration timeout;

        @Option(names = "--nonblock", description = "Do not wait: exit 1 (nothing applied) if the operations cannot"
                + " all proceed now (IPC_NOWAIT).")
        boolean nonblock;

        @Override
        public Integer call() throws IOException {
            if (timeout != null && nonblock) {
                throw new IllegalArgumentException("--timeout and --nonblock cannot be combined");
            }
            List<SemOp> parsed = new ArrayList<>();
            for (String o : ops) {
                parsed.add(parseOp(o, undo));
            }
            try (SysVSemaphoreSet s = target.open()) {
                boolean done;
                if (nonblock) {
                    done = s.tryOp(parsed);
                } else if (timeout != null) {
                    done = s.tryOp(parsed, timeout);
                } else {
                    done = s.op(parsed);
                }
                return done ? ExitCodes.OK : ExitCodes.WOULD_BLOCK;
            }
        }
    }

    @Command(name = "values", mixinStandardHelpOptions = true,
            description = "Print every semaphore's value, read at one instant (semctl GETALL).")
    static final class Values implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        Target target;

        @Option(names = "--json", description = "Print {\"values\":[...]} instead of the values separated by spaces.")
        boolean json;

        @Override
        public Integer call() throws IOException {
            int[] values;
            try (SysVSemaphoreSet s = target.open()) {
                values = s.values();
            }
            Io io = Io.of(spec);
            if (json) {
                JsonLines lines = new JsonLines(io.out());
                JsonGenerator g = lines.begin();
                g.writeName("values");
                g.writeArray(values, 0, values.length);
                lines.end();
            } else {
                io.println(IntStream.of(values).mapToObj(Integer::toString).collect(Collectors.joining(" ")));
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = "Remove the set at once (semctl IPC_RMID): waiters get EIDRM.")
    static final class Remove implements Callable<Integer> {
        @Mixin
        Target target;

        @Override
        public Integer call() throws IpcException {
            try (SysVSemaphoreSet s = target.open()) {
                s.remove();
            }
            return ExitCodes.OK;
        }
    }
}
