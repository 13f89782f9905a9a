package io.jipc.cli;

import io.jipc.IpcException;
import io.jipc.Perms;
import io.jipc.shm.Access;
import io.jipc.shm.Mapping;
import io.jipc.shm.SharedMemory;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.core.JsonGenerator;

/** {@code jipc shm create|write|read|info|unlink}: POSIX shared-memory objects, by name. */
@Command(name = "shm", mixinStandardHelpOptions = true,
        description = "POSIX shared memory: NAME is /name (one slash, then no slash), an object in /dev/shm.",
        synopsisSubcommandLabel = "VERB",
        subcommands = {ShmCommand.Create.class, ShmCommand.Write.class, ShmCommand.Read.class, ShmCommand.Info.class,
                ShmCommand.Unlink.class})
final class ShmCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                "a verb is required: create, write, read, info or unlink");
    }

    /** Bytes as given, or with a binary suffix: {@code 4096}, {@code 64K}, {@code 1M}, {@code 2G} (K = 1024). */
    static final class SizeConverter implements picocli.CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String text) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(-?\\d+)([KMG]?)(i?B)?").matcher(text);
            if (!m.matches() || (m.group(3) != null && m.group(2).isEmpty())) {
                throw new picocli.CommandLine.TypeConversionException("invalid size '" + text
                        + "': a number of bytes, optionally with K, M or G (powers of 1024), e.g. 4096 or 64K");
            }
            int shift = switch (m.group(2)) {
                case "K" -> 10;
                case "M" -> 20;
                case "G" -> 30;
                default -> 0;
            };
            try {
                long n = Long.parseLong(m.group(1));
                if (Math.abs(n) > Long.MAX_VALUE >> shift) {
                    throw new NumberFormatException();
                }
                return n << shift;
            } catch (NumberFormatException e) {
                throw new picocli.CommandLine.TypeConversionException("size '" + text + "' is too large");
            }
        }
    }

    static long atLeastOne(String option, long value) {
        if (value < 1) {
            throw new IllegalArgumentException(option + " must be at least 1 byte, got " + value);
        }
        return value;
    }

    /** Checks {@code --offset} against a size: 0 up to the size itself (where nothing is left). */
    static long offset(long offset, long size, String object) {
        if (offset < 0) {
            throw new IllegalArgumentException("--offset must be 0 or more, got " + offset);
        }
        if (offset > size) {
            throw new IllegalArgumentException("--offset " + offset + " is past the end of " + object + ", which has "
                    + size + " bytes");
        }
        return offset;
    }

    /** Writes DATA (or standard input, read only as far as there is room) at {@code offset} of what {@code map} maps. */
    static void write(Io io, String data, long offset, long size, String object, MapRange map) throws IOException {
        long room = size - offset(offset, size, object);
        byte[] bytes = io.data(data, room);
        if (bytes.length > room) {
            String from = data == null || data.equals("-") ? "standard input holds more than" : "DATA of " + bytes.length
                    + " bytes is more than";
            throw new IllegalArgumentException(from + " the " + room + " bytes from --offset " + offset + " to the end of "
                    + object + " (" + size + " bytes); nothing was written");
        }
        if (bytes.length == 0) {
            return;
        }
        try (Window w = map.map(Access.READ_WRITE, offset, bytes.length)) {
            w.mapping().write(w.at(), bytes);
        }
    }

    /** Copies {@code length} bytes (all to the end when null) from {@code offset} of what {@code map} maps to standard output. */
    static void read(Io io, Long length, long offset, long size, String object, MapRange map) throws IOException {
        long left = size - offset(offset, size, object);
        long n = length == null ? left : length;
        if (n < 0) {
            throw new IllegalArgumentException("--length must be 0 or more, got " + n);
        }
        if (n > left) {
            throw new IllegalArgumentException("--length " + n + " from --offset " + offset + " passes the end of " + object
                    + ", which has " + size + " bytes");
        }
        if (n == 0) {
            return;
        }
        Stdout out = io.out();
        try (Window w = map.map(Access.READ_ONLY, offset, n)) {
            byte[] chunk = new byte[(int) Math.min(n, 1 << 20)];
            for (long done = 0; done < n; done += chunk.length) {
                int len = (int) Math.min(chunk.length, n - done);
                w.mapping().read(w.at() + done, chunk, 0, len);
                out.write(chunk, 0, len);
            }
        }
        out.flush();
    }

    /** A mapping in which the byte asked for is at {@code at}. */
    record Window(Mapping mapping, long at) implements AutoCloseable {
        @Override
        public void close() {
            mapping.close();
        }
    }

    /** Maps (at least) a range of the object a verb opened. */
    interface MapRange {
        Window map(Access access, long offset, long length) throws IpcException;
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create an object of --size bytes with exactly the mode given (or grow an existing smaller one).")
    static final class Create implements Callable<Integer> {
        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--size", paramLabel = "BYTES", required = true, converter = SizeConverter.class,
                description = "Its size: bytes, or with K, M, G (powers of 1024).")
        long size;

        @Option(names = "--mode", paramLabel = "M", converter = Converters.ModeConverter.class, defaultValue = "0600",
                description = "Permissions, octal (default 0600); set exactly, whatever the umask.")
        int mode;

        @Option(names = "--exclusive", description = "Fail if the object exists (O_EXCL).")
        boolean exclusive;

        @Option(names = "--reserve", description = "Allocate every page now (fallocate): no room in /dev/shm is an error"
                + " now, not a fault on first use.")
        boolean reserve;

        @Override
        public Integer call() throws IOException {
            SharedMemory.checkName(name);
            atLeastOne("--size", size);
            Converters.checkPermissionBits("a shared-memory object", mode);
            SharedMemory.Options o = SharedMemory.Options.defaults().withMode(Converters.permissions(mode)).withReserve(reserve);
            SharedMemory shm = exclusive ? SharedMemory.createExclusively(name, size, o)
                    : SharedMemory.createOrOpen(name, size, o);
            shm.close();
            return ExitCodes.OK;
        }
    }

    @Command(name = "write", mixinStandardHelpOptions = true,
            description = "Write DATA (or standard input) into the object at --offset; the rest is left as it is.")
    static final class Write implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Parameters(index = "1", arity = "0..1", paramLabel = "DATA",
                description = "The bytes, as given; absent or -: standard input.")
        String data;

        @Option(names = "--offset", paramLabel = "N", defaultValue = "0", description = "Where to write (default 0).")
        long offset;

        @Override
        public Integer call() throws IOException {
            SharedMemory.checkName(name);
            try (SharedMemory shm = SharedMemory.openExisting(name)) {
                write(Io.of(spec), data, offset, shm.size(), name, (a, at, n) -> new Window(shm.map(a, at, n), 0));
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "read", mixinStandardHelpOptions = true,
            description = "Copy the object's bytes (all of them, or --length from --offset) to standard output.")
    static final class Read implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--offset", paramLabel = "N", defaultValue = "0", description = "Where to start (default 0).")
        long offset;

        @Option(names = "--length", paramLabel = "N", description = "How many bytes (default: to the end).")
        Long length;

        @Override
        public Integer call() throws IOException {
            SharedMemory.checkName(name);
            try (SharedMemory shm = SharedMemory.openExisting(name,
                    SharedMemory.Options.defaults().withAccess(Access.READ_ONLY))) {
                read(Io.of(spec), length, offset, shm.size(), name, (a, at, n) -> new Window(shm.map(a, at, n), 0));
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true, description = "Show an object's size, mode and owner (fstat).")
    static final class Info implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--json", description = "One JSON object: name, size, mode, owner (uid).")
        boolean json;

        @Override
        public Integer call() throws IOException {
            SharedMemory.checkName(name);
            SharedMemory.Info i;
            try (SharedMemory shm = SharedMemory.openExisting(name,
                    SharedMemory.Options.defaults().withAccess(Access.READ_ONLY))) {
                i = shm.info();
            }
            Io io = Io.of(spec);
            String mode = Converters.formatMode(Perms.toMode(i.mode()));
            if (json) {
                JsonLines lines = new JsonLines(io.out());
                JsonGenerator g = lines.begin();
                g.writeStringProperty("name", name);
                g.writeNumberProperty("size", i.size());
                g.writeStringProperty("mode", mode);
                g.writeNumberProperty("owner", i.ownerUid());
                lines.end();
            } else {
                io.println("name " + name);
                io.println("size " + i.size());
                io.println("mode " + mode);
                io.println("owner " + i.ownerUid());
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "unlink", mixinStandardHelpOptions = true,
            description = "Remove the object's name (shm_unlink); its memory goes once the last process unmaps it.")
    static final class Unlink implements Callable<Integer> {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() throws IpcException {
            SharedMemory.unlink(name);
            return ExitCodes.OK;
        }
    }
}
