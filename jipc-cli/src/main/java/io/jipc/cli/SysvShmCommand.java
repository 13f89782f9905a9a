package io.jipc.cli;

import io.jipc.IpcException;
import io.jipc.IpcKey;
import io.jipc.shm.Access;
import io.jipc.shm.SysVSharedMemory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.core.JsonGenerator;

/** {@code jipc sysv-shm create|write|read|info|remove}: System V shared-memory segments, by id, key or ftok path. */
@Command(name = "sysv-shm", mixinStandardHelpOptions = true,
        description = "System V shared memory: segments found by key, attached by id.",
        synopsisSubcommandLabel = "VERB",
        subcommands = {SysvShmCommand.Create.class, SysvShmCommand.Write.class, SysvShmCommand.Read.class,
                SysvShmCommand.Info.class, SysvShmCommand.Remove.class})
final class SysvShmCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                "a verb is required: create, write, read, info or remove");
    }

    /** Which segment: {@code --id ID | --key K | --path P [--project-id N]} (a picocli mixin). */
    static final class Target {
        @Option(names = "--id", paramLabel = "ID", description = "The shmid (as ipcs -m shows it).")
        Integer id;

        @Option(names = "--key", paramLabel = "K", converter = Converters.KeyConverter.class,
                description = "The key, decimal or 0x hex (0 is IPC_PRIVATE, for create only).")
        Integer key;

        @Option(names = "--path", paramLabel = "P", description = "Make the key with ftok(P, project id).")
        Path path;

        @Option(names = "--project-id", paramLabel = "N", description = "ftok's project id, 1..255 (default 1).")
        Integer projectId;

        private void check(boolean idAllowed) {
            int given = (id != null ? 1 : 0) + (key != null ? 1 : 0) + (path != null ? 1 : 0);
            String choices = idAllowed ? "--id, --key or --path" : "--key or --path";
            if (given == 0) {
                throw new IllegalArgumentException("which segment? give " + choices);
            }
            if (given > 1) {
                throw new IllegalArgumentException("give only one of " + choices);
            }
            if (!idAllowed && id != null) {
                throw new IllegalArgumentException("create takes --key or --path, not --id");
            }
            if (projectId != null && path == null) {
                throw new IllegalArgumentException("--project-id goes with --path");
            }
        }

        /** The key of --key or --path; {@link IpcKey#PRIVATE} for --key 0. */
        IpcKey key() throws IpcException {
            if (path != null) {
                return IpcKey.ftok(path, projectId == null ? 1 : projectId);
            }
            return key == 0 ? IpcKey.PRIVATE : IpcKey.of(key);
        }

        SysVSharedMemory open() throws IpcException {
            check(true);
            if (id != null) {
                return SysVSharedMemory.openId(id);
            }
            IpcKey k = key();
            if (k.isPrivate()) {
                throw new IllegalArgumentException("key 0 is IPC_PRIVATE, which no key can open: use --id");
            }
            return SysVSharedMemory.openExisting(k);
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a segment of --size bytes with exactly the mode given (or find the existing one)"
                    + " and print its shmid.")
    static final class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        Target target;

        @Option(names = "--size", paramLabel = "BYTES", required = true, converter = ShmCommand.SizeConverter.class,
                description = "Its size: bytes, or with K, M, G (powers of 1024); an existing segment must be at least"
                        + " this large.")
        long size;

        @Option(names = "--mode", paramLabel = "M", converter = Converters.ModeConverter.class, defaultValue = "0600",
                description = "Permissions, octal (default 0600); shmget takes them exactly (no umask).")
        int mode;

        @Option(names = "--exclusive", description = "Fail if a segment with this key exists (IPC_EXCL).")
        boolean exclusive;

        @Override
        public Integer call() throws IOException {
            target.check(false);
            ShmCommand.atLeastOne("--size", size);
            Converters.checkPermissionBits("a segment", mode);
            Stdout out = Io.of(spec).out();
            out.checkWritable(); // the shmid is the whole point: create nothing that cannot be told
            IpcKey key = target.key();
            SysVSharedMemory.Options o = SysVSharedMemory.Options.defaults().withMode(Converters.permissions(mode));
            // Knowing whether this call created the segment lets a failed print remove what it made.
            SysVSharedMemory made;
            boolean created;
            try {
                made = SysVSharedMemory.createExclusively(key, size, o);
                created = true;
            } catch (io.jipc.AlreadyExistsException e) {
                if (exclusive) {
                    throw e;
                }
                made = SysVSharedMemory.createOrOpen(key, size, o);
                created = false;
            }
            try (SysVSharedMemory s = made) {
                try {
                    Io.of(spec).printNumber(s.id());
                    out.flush();
                } catch (Failure f) {
                    if (!created) {
                        throw f;
                    }
                    s.remove();
                    throw f.addAdvice("the segment it created (shmid " + s.id() + ") was removed again");
                }
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "write", mixinStandardHelpOptions = true,
            description = "Write DATA (or standard input) into the segment at --offset; the rest is left as it is.")
    static final class Write implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        Target target;

        @Parameters(arity = "0..1", paramLabel = "DATA", description = "The bytes, as given; absent or -: standard input.")
        String data;

        @Option(names = "--offset", paramLabel = "N", defaultValue = "0", description = "Where to write (default 0).")
        long offset;

        @Override
        public Integer call() throws IOException {
            try (SysVSharedMemory s = target.open()) {
                String object = "shmid " + s.id();
                ShmCommand.write(Io.of(spec), data, offset, s.size(), object, range(s));
            }
            return ExitCodes.OK;
        }
    }

    /** A range of the segment: the whole segment is attached (shmat has no offset), the range starts at its offset. */
    private static ShmCommand.MapRange range(SysVSharedMemory s) {
        return (access, offset, length) -> new ShmCommand.Window(s.attach(access), offset);
    }

    @Command(name = "read", mixinStandardHelpOptions = true,
            description = "Copy the segment's bytes (all of them, or --length from --offset) to standard output.")
    static final class Read implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        Target target;

        @Option(names = "--offset", paramLabel = "N", defaultValue = "0", description = "Where to start (default 0).")
        long offset;

        @Option(names = "--length", paramLabel = "N", description = "How many bytes (default: to the end).")
        Long length;

        @Override
        public Integer call() throws IOException {
            try (SysVSharedMemory s = target.open()) {
                ShmCommand.read(Io.of(spec), length, offset, s.size(), "shmid " + s.id(), range(s));
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true, description = "Show a segment's state (shmctl IPC_STAT).")
    static final class Info implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        Target target;

        @Option(names = "--json", description = "One JSON object: id, key, size, attach_count, creator_pid, last_pid,"
                + " mode, owner, marked_for_removal.")
        boolean json;

        @Override
        public Integer call() throws IOException {
            SysVSharedMemory.Info i;
            int id;
            try (SysVSharedMemory s = target.open()) {
                i = s.info();
                id = s.id();
            }
            Io io = Io.of(spec);
            String key = Converters.formatKey(i.perm().key().value());
            String mode = Converters.formatMode(i.perm().modeBits());
            if (json) {
                JsonLines lines = new JsonLines(io.out());
                JsonGenerator g = lines.begin();
                g.writeNumberProperty("id", id);
                g.writeStringProperty("key", key);
                g.writeNumberProperty("size", i.size());
                g.writeNumberProperty("attach_count", i.attachCount());
                g.writeNumberProperty("creator_pid", i.creatorPid());
                g.writeNumberProperty("last_pid", i.lastPid());
                g.writeStringProperty("mode", mode);
                g.writeNumberProperty("owner", i.perm().ownerUid());
                g.writeBooleanProperty("marked_for_removal", i.markedForRemoval());
                lines.end();
            } else {
                io.println("id " + id);
                io.println("key " + key);
                io.println("size " + i.size());
                io.println("attach_count " + i.attachCount());
                io.println("creator_pid " + i.creatorPid());
                io.println("last_pid " + i.lastPid());
                io.println("mode " + mode);
                io.println("owner " + i.perm().ownerUid());
                io.println("marked_for_removal " + i.markedForRemoval());
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = "Remove the segment (shmctl IPC_RMID): at once if nobody is attached, else when the last"
                    + " process detaches (its key is free at once).")
    static final class Remove implements Callable<Integer> {
        @Mixin
        Target target;

        @Override
        public Integer call() throws IpcException {
            try (SysVSharedMemory s = target.open()) {
                s.remove();
            }
            return ExitCodes.OK;
        }
    }
}
