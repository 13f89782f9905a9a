package io.jipc.inspect;

import io.jipc.IpcKey;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * System V objects from {@code /proc/sysvipc/msg}, {@code sem} and {@code shm}, which list every
 * object of the IPC namespace whatever its mode (as {@code ipcs} shows them). Columns are found by
 * the header's names, not by position.
 */
final class SysVTables {
    private SysVTables() {}

    private static final Path DIR = Path.of("/proc/sysvipc");

    /** The rows of one table, each a map from the header's column names to the row's fields. */
    static List<Map<String, String>> rows(String table) {
        List<Map<String, String>> rows = new ArrayList<>();
        String[] lines = ProcessTable.read(DIR.resolve(table)).split("\n");
        if (lines.length < 2) {
            return rows;
        }
        String[] header = lines[0].trim().split("\\s+");
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].trim().split("\\s+");
            if (f.length < header.length) {
                continue;
            }
            Map<String, String> row = new HashMap<>();
            for (int c = 0; c < header.length; c++) {
                row.put(header[c], f[c]);
            }
            rows.add(row);
        }
        return rows;
    }

    static List<IpcObject> queues(ProcessTable procs) {
        List<IpcObject> found = new ArrayList<>();
        for (Map<String, String> r : rows("msg")) {
            Map<String, Long> counts = new LinkedHashMap<>();
            counts.put("messages", num(r, "qnum"));
            counts.put("bytes", num(r, "cbytes"));
            List<ProcessRef> refs = named(procs, "last_send", num(r, "lspid"), "last_receive", num(r, "lrpid"));
            found.add(object(ObjectType.SYSV_MSG, r, "msqid", OptionalLong.empty(), counts, refs,
                    !refs.isEmpty() && refs.stream().noneMatch(ProcessRef::alive)));
        }
        return found;
    }

    static List<IpcObject> sets(ProcessTable procs) {
        List<IpcObject> found = new ArrayList<>();
        for (Map<String, String> r : rows("sem")) {
            int semid = (int) num(r, "semid");
            int count = (int) num(r, "nsems");
            Map<String, Long> counts = new LinkedHashMap<>();
            counts.put("semaphores", (long) count);
            Set<Long> last = new LinkedHashSet<>();
            for (int pid : Inventory.lastPids(semid, count)) {
                if (pid > 0) {
                    last.add((long) pid);
                }
            }
            List<ProcessRef> refs = last.stream().map(pid -> procs.ref("last_op", pid)).toList();
            found.add(object(ObjectType.SYSV_SEM, r, "semid", OptionalLong.empty(), counts, refs,
                    !refs.isEmpty() && refs.stream().noneMatch(ProcessRef::alive)));
        }
        return found;
    }

    static List<IpcObject> segments(ProcessTable procs) {
        List<IpcObject> found = new ArrayList<>();
        for (Map<String, String> r : rows("shm")) {
            long shmid = num(r, "shmid");
            long attached = num(r, "nattch");
            Map<String, Long> counts = new LinkedHashMap<>();
            counts.put("attached", attached);
            List<ProcessRef> refs = new ArrayList<>(named(procs, "creator", num(r, "cpid"), "last", num(r, "lpid")));
            for (long pid : procs.attaching(shmid)) {
                refs.add(procs.ref("user", pid));
            }
            boolean stale = attached == 0 && refs.stream().noneMatch(ProcessRef::alive);
            found.add(object(ObjectType.SYSV_SHM, r, "shmid", OptionalLong.of(num(r, "size")), counts, refs, stale));
        }
        return found;
    }

    /** The processes two pid columns name, those that are not 0 (none yet). */
    private static List<ProcessRef> named(ProcessTable procs, String role1, long pid1, String role2, long pid2) {
        List<ProcessRef> refs = new ArrayList<>();
        if (pid1 > 0) {
            refs.add(procs.ref(role1, pid1));
        }
        if (pid2 > 0) {
            refs.add(procs.ref(role2, pid2));
        }
        return refs;
    }

    private static IpcObject object(ObjectType type, Map<String, String> r, String idColumn, OptionalLong size,
                                    Map<String, Long> counts, List<ProcessRef> refs, boolean stale) {
        int key = (int) num(r, "key");
        return new IpcObject(type, Optional.empty(), OptionalLong.of(num(r, idColumn)),
                Optional.of(key == 0 ? IpcKey.PRIVATE : IpcKey.of(key)), OptionalInt.of((int) num(r, "uid")),
                OptionalInt.of(Integer.parseInt(r.get("perms"), 8) & 0777), size, counts, Map.of(), refs, stale);
    }

    private static long num(Map<String, String> row, String column) {
        String v = row.get(column);
        return v == null ? 0 : Long.parseLong(v);
    }
}
