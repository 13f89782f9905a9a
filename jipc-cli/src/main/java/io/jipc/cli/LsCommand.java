package io.jipc.cli;

import io.jipc.inspect.Inventory;
import io.jipc.inspect.IpcObject;
import io.jipc.inspect.ObjectType;
import io.jipc.inspect.ProcessRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.core.JsonGenerator;

/**
 * {@code jipc ls}: every IPC object on the system ({@link Inventory}), as a table or JSON lines.
 * What could not be listed (no mqueue mount) or judged is said on standard error.
 */
@Command(name = "ls", mixinStandardHelpOptions = true,
        description = {"List the IPC objects on the system: POSIX queues, semaphores and shared memory, System V"
                + " queues, sets and segments, UNIX sockets with an address, file locks; with owner, mode, size,"
                + " counts and the processes that created, last used or now hold each.",
            "Stale: every process it names is dead and nothing has it open, mapped or attached (see jipc rm)."})
final class LsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--type", split = ",", paramLabel = "TYPE",
            description = "Only these types: mq, sem, shm, sysv-msg, sysv-sem, sysv-shm, socket, lock (default: all).")
    List<String> types;

    @Option(names = "--stale", description = "Only stale objects: left over, nothing alive uses them.")
    boolean stale;

    @Option(names = "--json", description = "One JSON object per line: type, name or id and key, owner (uid), mode,"
            + " size, counts (messages, bytes, value, semaphores, attached...), socket_type and state, processes"
            + " [{role, pid, command, alive}], stale.")
    boolean json;

    @Option(names = "--mount-mqueue", description = "First mount the POSIX message queue file system at /dev/mqueue"
            + " (mkdir -p /dev/mqueue && mount -t mqueue none /dev/mqueue; needs root), unless one is mounted"
            + " already, so that queues can be listed. Says what it did on standard error.")
    boolean mountMqueue;

    @Override
    public Integer call() throws IOException {
        Set<ObjectType> asked = EnumSet.noneOf(ObjectType.class);
        if (types == null || types.isEmpty()) {
            for (ObjectType t : ObjectType.values()) {
                if (t.listable()) {
                    asked.add(t);
                }
            }
        } else {
            for (String t : types) {
                ObjectType type = ObjectType.ofCliName(t);
                if (!type.listable()) {
                    throw new IllegalArgumentException("--type " + t + ": FIFOs can be anywhere in the file system,"
                            + " so jipc ls cannot list them (find / -type p can)");
                }
                asked.add(type);
            }
        }
        Io io = Io.of(spec);
        if (mountMqueue) {
            mountMqueue(io);
        }
        Inventory.Listing listing = Inventory.list(asked);
        for (String note : listing.notes()) {
            io.err().println("jipc: " + note);
        }
        if (asked.contains(ObjectType.MQ) && !mountMqueue && Inventory.mqueueMount().isEmpty()) {
            io.err().println("jipc: or, as root: jipc ls --mount-mqueue");
        }
        List<IpcObject> shown = listing.objects().stream().filter(o -> !stale || o.stale()).toList();
        if (json) {
            JsonLines out = new JsonLines(io.out());
            for (IpcObject o : shown) {
                writeJson(out, o);
            }
        } else {
            table(io, shown);
        }
        return ExitCodes.OK;
    }

    /** Mounts the mqueue file system unless one is; a refusal is the command's error, before anything is listed. */
    private static void mountMqueue(Io io) throws Failure {
        try {
            if (Inventory.mountMqueue()) {
                io.err().println("jipc: mounted the POSIX message queue file system at " + Inventory.MQUEUE_MOUNT_POINT);
            } else {
                io.err().println("jipc: a POSIX message queue file system is mounted already, at "
                        + Inventory.mqueueMount().map(Object::toString).orElse("?") + ": nothing done");
            }
        } catch (io.jipc.IpcException e) {
            Failure f = Failure.of(e);
            throw e instanceof io.jipc.PermissionDeniedException
                    ? f.withAdvice("mounting a file system needs root (CAP_SYS_ADMIN): nothing was changed")
                    : f.withAdvice("nothing was changed");
        }
    }

    private static void writeJson(JsonLines out, IpcObject o) throws IOException {
        JsonGenerator g = out.begin();
        g.writeStringProperty("type", o.type().cliName());
        if (o.name().isPresent()) {
            g.writeStringProperty("name", o.name().get());
        }
        if (o.id().isPresent()) {
            g.writeNumberProperty(o.type() == ObjectType.SOCKET ? "inode" : "id", o.id().getAsLong());
        }
        if (o.key().isPresent()) {
            g.writeStringProperty("key", Converters.formatKey(o.key().get().value()));
        }
        if (o.ownerUid().isPresent()) {
            g.writeNumberProperty("owner", o.ownerUid().getAsInt());
        }
        if (o.mode().isPresent()) {
            g.writeStringProperty("mode", Converters.formatMode(o.mode().getAsInt()));
        }
        if (o.size().isPresent()) {
            g.writeNumberProperty(o.type() == ObjectType.MQ ? "bytes" : "size", o.size().getAsLong());
        }
        for (Map.Entry<String, Long> c : o.counts().entrySet()) {
            g.writeNumberProperty(c.getKey(), c.getValue());
        }
        for (Map.Entry<String, String> l : o.labels().entrySet()) {
            g.writeStringProperty(l.getKey(), l.getValue());
        }
        g.writeName("processes");
        g.writeStartArray();
        for (ProcessRef p : o.processes()) {
            g.writeStartObject();
            g.writeStringProperty("role", p.role());
            g.writeNumberProperty("pid", p.pid());
            g.writeStringProperty("command", p.command().orElse(null));
            g.writeBooleanProperty("alive", p.alive());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeBooleanProperty("stale", o.stale());
        out.end();
    }

    private static void table(Io io, List<IpcObject> objects) throws Failure {
        Map<Integer, String> users = userNames();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"TYPE", "OBJECT", "KEY", "OWNER", "MODE", "SIZE", "DETAIL", "PROCESSES"});
        for (IpcObject o : objects) {
            String detail = String.join(" ", o.labels().values());
            String counts = o.type() == ObjectType.LOCK
                    ? o.counts().get("start") + ".." + (o.counts().containsKey("end") ? o.counts().get("end") : "EOF")
                    : o.counts().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                            .collect(Collectors.joining(" "));
            detail = (detail + " " + counts).strip();
            if (o.stale()) {
                detail = ("STALE " + detail).strip();
            }
            String processes = o.processes().stream().map(p -> p.role() + "=" + p.pid()
                    + (p.alive() ? p.command().map(c -> "(" + c + ")").orElse("") : "(dead)"))
                    .collect(Collectors.joining(" "));
            rows.add(new String[] {o.type().cliName(),
                o.name().orElse(o.id().isPresent() ? Long.toString(o.id().getAsLong()) : "?"),
                o.key().map(k -> Converters.formatKey(k.value())).orElse("-"),
                o.ownerUid().isPresent() ? users.getOrDefault(o.ownerUid().getAsInt(),
                        Integer.toString(o.ownerUid().getAsInt())) : "-",
                o.mode().isPresent() ? Converters.formatMode(o.mode().getAsInt()) : "-",
                o.size().isPresent() ? Long.toString(o.size().getAsLong()) : "-",
                detail.isEmpty() ? "-" : detail, processes.isEmpty() ? "-" : processes});
        }
        Columns.print(io, rows, "  ", i -> i == 5);
    }

    /** uid → user name, from /etc/passwd (as ipcs prints owners); numbers for the rest. */
    private static Map<Integer, String> userNames() {
        Map<Integer, String> names = new HashMap<>();
        try {
            // Decoded leniently: one name that is not UTF-8 must not cost the others theirs.
            for (String line : new String(Files.readAllBytes(Path.of("/etc/passwd")), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
                String[] f = line.split(":");
                if (f.length > 2 && f[2].matches("\\d+")) {
                    names.putIfAbsent(Integer.parseInt(f[2]), f[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // numbers then
        }
        return names;
    }
}
