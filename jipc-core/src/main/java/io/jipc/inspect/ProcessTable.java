package io.jipc.inspect;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One pass over {@code /proc}: what every process has open ({@code /proc/PID/fd} link targets)
 * and mapped ({@code /proc/PID/maps} paths), the names inventories look objects up by. A process
 * that vanishes during the pass is skipped; one this process may not look into (another user's,
 * without privilege) is counted in {@link #hidden()}, so that nobody calls an object stale on
 * what could not be seen.
 */
final class ProcessTable {
    private static final Path PROC = Path.of("/proc");

    /** target (a path, {@code socket:[INODE]}, a queue's {@code /name}) → pids with a descriptor on it */
    private final Map<String, Set<Long>> opened = new HashMap<>();
    /** mapped path → pids */
    private final Map<String, Set<Long>> mapped = new HashMap<>();
    /** System V segment (shmid, the inode its mapping shows) → pids that have it attached */
    private final Map<Long, Set<Long>> attached = new HashMap<>();
    /** pid → the descriptor links whose target is {@code /name} (a POSIX queue's form), for a device check */
    private final Map<String, List<Path>> rootLinks = new HashMap<>();
    private final Map<Long, Optional<String>> commands = new HashMap<>();
    private int hidden;

    private ProcessTable() {}

    /** Reads every process's descriptors and mappings. */
    static ProcessTable scan() {
        ProcessTable t = new ProcessTable();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(PROC, p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path p : ds) {
                long pid = Long.parseLong(p.getFileName().toString());
                t.scanProcess(pid, p);
            }
        } catch (IOException | RuntimeException e) {
            t.hidden++;
        }
        return t;
    }

    private void scanProcess(long pid, Path dir) {
        List<String> targets = new ArrayList<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(dir.resolve("fd"))) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    targets.add(target);
                    if (target.startsWith("/") && target.indexOf('/', 1) < 0) {
                        rootLinks.computeIfAbsent(target, k -> new ArrayList<>()).add(fd);
                    }
                } catch (IOException | RuntimeException closedMeanwhile) {
                    // gone: not open any more
                }
            }
        } catch (java.nio.file.AccessDeniedException e) {
            if (Files.exists(dir)) {
                hidden++;
            }
            return;
        } catch (IOException | RuntimeException gone) {
            return;
        }
        for (String t : targets) {
            opened.computeIfAbsent(t, k -> new LinkedHashSet<>()).add(pid);
        }
        for (String line : read(dir.resolve("maps")).split("\n")) {
            // address perms offset dev inode path
            String[] f = line.trim().split("\\s+", 6);
            if (f.length == 6 && f[5].startsWith("/SYSV")) {
                // an attached System V segment: "/SYSV<key> (deleted)", its inode the shmid
                attached.computeIfAbsent(Long.parseLong(f[4]), k -> new LinkedHashSet<>()).add(pid);
            } else if (f.length == 6 && f[5].startsWith("/")) {
                mapped.computeIfAbsent(f[5], k -> new LinkedHashSet<>()).add(pid);
            }
        }
    }

    /** The processes with a descriptor whose link reads {@code target}. */
    Set<Long> opening(String target) {
        return opened.getOrDefault(target, Set.of());
    }

    /** The processes with {@code path} mapped. */
    Set<Long> mapping(String path) {
        return mapped.getOrDefault(path, Set.of());
    }

    /** The processes that have System V segment {@code shmid} attached. */
    Set<Long> attaching(long shmid) {
        return attached.getOrDefault(shmid, Set.of());
    }

    /**
     * The processes with a descriptor on the POSIX queue {@code name}: links reading {@code /name}
     * whose file is on the mqueue file system's device {@code mqueueDevice} (a file {@code /name}
     * in the root directory reads the same).
     */
    Set<Long> openingQueue(String name, long mqueueDevice) {
        Set<Long> pids = new LinkedHashSet<>();
        for (Path link : rootLinks.getOrDefault(name, List.of())) {
            try {
                if (((Number) Files.getAttribute(link, "unix:dev")).longValue() == mqueueDevice) {
                    pids.add(Long.parseLong(link.getParent().getParent().getFileName().toString()));
                }
            } catch (IOException | RuntimeException closedMeanwhile) {
                // no longer open
            }
        }
        return pids;
    }

    /** How many processes could not be looked into. */
    int hidden() {
        return hidden;
    }

    /** A reference to process {@code pid} in {@code role}: whether it lives, and its name. */
    ProcessRef ref(String role, long pid) {
        Optional<String> command = commands.computeIfAbsent(pid, ProcessTable::command);
        return new ProcessRef(role, pid, command, alive(pid));
    }

    static boolean alive(long pid) {
        return pid > 0 && Files.exists(PROC.resolve(Long.toString(pid)));
    }

    private static Optional<String> command(long pid) {
        String comm = read(PROC.resolve(pid + "/comm")).strip();
        return comm.isEmpty() ? Optional.empty() : Optional.of(comm);
    }

    /** A /proc file's text ({@code readAllBytes} on a stream: /proc files report size 0), or "" if unreadable. */
    static String read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
