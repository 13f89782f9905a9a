package io.jipc.cli;

import io.jipc.lock.LockHolder;
import io.jipc.lock.LockTable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.core.JsonGenerator;

/**
 * {@code jipc locks [PATH] [--json]}: the file locks held on the system, or on PATH, as {@link
 * LockTable} reads them (like {@code lslocks(8)}). One line per lock and holding process: flock and
 * OFD locks belong to an open file, and every process found holding it is listed.
 */
@Command(name = "locks", mixinStandardHelpOptions = true,
        description = {"List the file locks held on the system, or on PATH: kind, type, range, pid, command, path.",
            "flock and OFD locks belong to an open file: each process found holding it is listed."})
final class LocksCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "PATH", description = "Only the locks on this file.")
    Path path;

    @Option(names = "--json", description = "One JSON object per lock: kind, type, start, end (null: to the end of the file), pid, command, path (null when unknown).")
    boolean json;

    @Override
    public Integer call() throws IOException {
        List<LockHolder> locks = path == null ? LockTable.all() : LockTable.on(path);
        Io io = Io.of(spec);
        if (json) {
            JsonLines out = new JsonLines(io.out());
            for (LockHolder h : locks) {
                JsonGenerator g = out.begin();
                g.writeStringProperty("kind", h.kind().procName());
                g.writeStringProperty("type", h.type().procName());
                g.writeNumberProperty("start", h.range().start());
                if (h.range().toEndOfFile()) {
                    g.writeNullProperty("end");
                } else {
                    g.writeNumberProperty("end", h.range().end());
                }
                if (h.pid().isPresent()) {
                    g.writeNumberProperty("pid", h.pid().getAsLong());
                } else {
                    g.writeNullProperty("pid");
                }
                g.writeStringProperty("command", h.command().orElse(null));
                g.writeStringProperty("path", h.path().map(Path::toString).orElse(null));
                out.end();
            }
            return ExitCodes.OK;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"KIND", "TYPE", "START", "END", "PID", "COMMAND", "PATH"});
        for (LockHolder h : locks) {
            rows.add(new String[] {h.kind().procName(), h.type().procName(), Long.toString(h.range().start()),
                h.range().toEndOfFile() ? "EOF" : Long.toString(h.range().end()),
                h.pid().isPresent() ? Long.toString(h.pid().getAsLong()) : "?", h.command().orElse("?"),
                h.path().map(Path::toString).orElse(h.deviceAndInode())});
        }
        Columns.print(io, rows, " ", i -> i == 2 || i == 3 || i == 4);
        return ExitCodes.OK;
    }
}
