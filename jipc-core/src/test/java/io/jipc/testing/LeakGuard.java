package io.jipc.testing;

import io.jipc.internal.ServiceDescriptors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class that leaves something behind: a descriptor it opened, or an IPC object
 * carrying this run's prefix ({@link TestIpc}) — a {@code /dev/shm} entry (shared memory, named
 * semaphores), a POSIX queue, a System V queue, semaphore set or segment — or a private (key 0)
 * System V object the class made: a segment this JVM created (its cpid), and a queue or semaphore
 * set that appeared while the class ran and that this JVM or its peers, and nobody else alive,
 * used last (the kernel records no creator for those) — and a mapping of shared memory (a
 * {@code /dev/shm} object, a memfd, a System V segment) that {@code /proc/self/maps} still lists.
 *
 * <p>Registered for every test class by JUnit's extension auto-detection (see {@code
 * junit-platform.properties}). Runs after the class's own {@code @AfterAll}. What it finds it
 * reports, then removes the IPC objects, so one leak fails one class and not every class after it
 * (a mapping it reports but cannot remove: the test may still hold its memory).
 */
public final class LeakGuard implements BeforeAllCallback, AfterAllCallback {
    /** Finds leftovers a directory listing cannot show (e.g. POSIX queues with no /dev/mqueue mount). */
    public interface Probe {
        /** Descriptions of this run's objects that still exist; removes them. */
        List<String> removeLeftovers();
    }

    private static final List<Probe> PROBES = new CopyOnWriteArrayList<>();

    /** Adds a probe, once per probe class. */
    public static void register(Probe probe) {
        for (Probe p : PROBES) {
            if (p.getClass() == probe.getClass()) {
                return;
            }
        }
        PROBES.add(probe);
    }

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(LeakGuard.class);

    static {
        // The JDK opens one socket for itself on the first use of its channels (sun.nio.ch's
        // pre-close descriptor) and keeps it for the JVM's life: open it before any snapshot, so a
        // test comparing with the JDK's channels is not blamed for it.
        try {
            java.nio.channels.Pipe p = java.nio.channels.Pipe.open();
            p.sink().close();
            p.source().close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getStore(NS).put("fds", openDescriptors());
        context.getStore(NS).put("private", privateSysV());
        context.getStore(NS).put("maps", sharedMappings());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        @SuppressWarnings("unchecked")
        Map<Integer, String> before = context.getStore(NS).get("fds", Map.class);
        List<String> leaks = new ArrayList<>();
        if (before != null) {
            leaks.addAll(newDescriptors(before));
        }
        leaks.addAll(removeIpcLeftovers());
        @SuppressWarnings("unchecked")
        Set<String> privateBefore = context.getStore(NS).get("private", Set.class);
        if (privateBefore != null) {
            leaks.addAll(removePrivateSysV(privateBefore));
        }
        @SuppressWarnings("unchecked")
        Set<String> mapsBefore = context.getStore(NS).get("maps", Set.class);
        if (mapsBefore != null) {
            leaks.addAll(newMappings(mapsBefore));
        }
        if (!leaks.isEmpty()) {
            throw new AssertionError("leak guard: " + context.getDisplayName() + " left behind:\n  "
                    + String.join("\n  ", leaks));
        }
    }

    /** Descriptors open now and not in {@code before}, except those the JVM opens for itself. */
    public static List<String> newDescriptors(Map<Integer, String> before) {
        // Give descriptors closed by other threads (pumps of killed peers) a moment to go.
        List<String> found = List.of();
        for (int attempt = 0; attempt < 20; attempt++) {
            Set<Integer> wakers = ServiceDescriptors.live();
            found = openDescriptors().entrySet().stream()
                    .filter(e -> !e.getValue().equals(before.get(e.getKey())))
                    .filter(e -> !wakers.contains(e.getKey()))
                    .filter(e -> !jvmOwn(e.getValue()) && !attachListener(e.getValue()))
                    .map(e -> "fd " + e.getKey() + " -> " + e.getValue() + describe(e.getValue()))
                    .toList();
            if (found.isEmpty()) {
                return found;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return found;
    }

    /**
     * The mappings of shared memory this process has now, as {@code /proc/self/maps} shows them
     * ({@code "7f12…-7f12… /dev/shm/name"}): a POSIX object (a file in /dev/shm, "(deleted)" once
     * unlinked), a memfd ({@code /memfd:name (deleted)}) or a System V segment ({@code /SYSV<key>
     * (deleted)}).
     */
    public static Set<String> sharedMappings() {
        Set<String> found = new java.util.TreeSet<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                String[] f = line.trim().split("\\s+", 6);
                if (f.length == 6 && (f[5].startsWith("/dev/shm/") || f[5].startsWith("/memfd:")
                        || f[5].startsWith("/SYSV"))) {
                    found.add(f[0] + " " + f[5]);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return found;
    }

    /** Shared-memory mappings now that were not in {@code before} (given a moment to be unmapped). */
    public static List<String> newMappings(Set<String> before) {
        List<String> found = List.of();
        for (int attempt = 0; attempt < 40; attempt++) {
            found = sharedMappings().stream().filter(m -> !before.contains(m)).map(m -> "mapping " + m).toList();
            if (found.isEmpty()) {
                return found;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return found;
    }

    /** For a UNIX socket, its line of /proc/net/unix (type, state, path): what created it shows there. */
    private static String describe(String target) {
        if (!target.startsWith("socket:[")) {
            return "";
        }
        String inode = target.substring("socket:[".length(), target.length() - 1);
        try {
            for (String line : Files.readAllLines(Path.of("/proc/net/unix"), java.nio.charset.StandardCharsets.ISO_8859_1)) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 7 && f[6].equals(inode)) {
                    String type = switch (f[4]) {
                        case "0001" -> "stream";
                        case "0002" -> "dgram";
                        case "0005" -> "seqpacket";
                        default -> "type " + f[4];
                    };
                    return " (unix " + type + ", state " + f[5] + (f.length > 7 ? ", " + f[7] : ", unnamed") + ")";
                }
            }
        } catch (IOException | RuntimeException e) {
            return "";
        }
        return " (not a UNIX socket)";
    }

    /**
     * The JVM's attach listener (/tmp/.java_pid&lt;pid&gt;), opened when a tool such as jstack or jcmd
     * attaches to the test JVM: not the test's doing.
     */
    private static boolean attachListener(String target) {
        return describe(target).contains("/.java_pid" + ProcessHandle.current().pid());
    }

    private static boolean jvmOwn(String target) {
        return target.endsWith(".jar") || target.endsWith(".jsa") || target.startsWith("/proc/")
                || target.startsWith("/sys/") || target.startsWith("/dev/urandom")
                || target.startsWith("/dev/random") || target.startsWith(System.getProperty("java.home"));
    }

    /** Every open descriptor of this process and what it points to. */
    public static Map<Integer, String> openDescriptors() {
        Map<Integer, String> fds = new TreeMap<>();
        try (Stream<Path> entries = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : (Iterable<Path>) entries::iterator) {
                try {
                    fds.put(Integer.parseInt(p.getFileName().toString()), Files.readSymbolicLink(p).toString());
                } catch (IOException gone) {
                    // closed meanwhile (the listing's own descriptor among them)
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return fds;
    }

    /** Finds and removes every IPC object of this run; returns what it found. */
    public static List<String> removeIpcLeftovers() {
        List<String> found = new ArrayList<>();
        for (Path dir : List.of(Path.of("/dev/shm"), Path.of("/dev/mqueue"))) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> entries = Files.list(dir)) {
                for (Path p : entries.filter(p -> p.getFileName().toString().contains(TestIpc.PREFIX)).toList()) {
                    found.add(p.toString());
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                found.add(dir + ": " + e);
            }
        }
        long pid = ProcessHandle.current().pid();
        for (String[] kind : new String[][] {{"msg", "-q"}, {"sem", "-s"}, {"shm", "-m"}}) {
            for (String[] row : sysv(kind[0])) {
                int key = (int) Long.parseLong(row[0]);
                boolean ours = TestIpc.isOurKey(key)
                        || (key == 0 && kind[0].equals("shm") && Long.parseLong(row[4]) == pid);
                if (ours) {
                    found.add("sysv " + kind[0] + " key 0x" + Integer.toHexString(key) + " id " + row[1]);
                    ipcrm(kind[1], row[1]);
                }
            }
        }
        for (Probe probe : PROBES) {
            found.addAll(probe.removeLeftovers());
        }
        return found;
    }

    /** The private System V queues and semaphore sets that exist now, as "msg 123" / "sem 45". */
    private static Set<String> privateSysV() {
        Set<String> all = new java.util.HashSet<>();
        for (String kind : List.of("msg", "sem")) {
            for (String[] row : sysv(kind)) {
                if (Long.parseLong(row[0]) == 0) {
                    all.add(kind + " " + row[1]);
                }
            }
        }
        return all;
    }

    /**
     * Removes the private queues and semaphore sets made since {@code before} that are this
     * run's. The kernel records no creator for them, so the last users tell: at least one is this
     * JVM or a process gone (its C and JVM peers), and none is a live process other than this
     * one. A queue never used, or a set never operated on, cannot be told from another
     * program's and is left alone: removing someone else's object would be worse than missing a leak.
     */
    private static List<String> removePrivateSysV(Set<String> before) {
        List<String> found = new ArrayList<>();
        long pid = ProcessHandle.current().pid();
        for (String[] kind : new String[][] {{"msg", "-q"}, {"sem", "-s"}}) {
            for (String[] row : sysv(kind[0])) {
                if (Long.parseLong(row[0]) != 0 || before.contains(kind[0] + " " + row[1])) {
                    continue;
                }
                List<String> lastUsers = kind[0].equals("msg") ? List.of(row[5], row[6]) : semaphorePids(row[1]);
                boolean anyOurs = lastUsers.stream().anyMatch(p -> !p.equals("0") && oursOrGone(p, pid));
                boolean anyForeign = lastUsers.stream().anyMatch(p -> !p.equals("0") && !oursOrGone(p, pid));
                if (anyOurs && !anyForeign) {
                    found.add("sysv " + kind[0] + " private id " + row[1]);
                    ipcrm(kind[1], row[1]);
                }
            }
        }
        return found;
    }

    /** The last operating pid of each semaphore of a set (as {@code ipcs -s -i} shows them). */
    private static List<String> semaphorePids(String id) {
        try {
            Process p = new ProcessBuilder("ipcs", "-s", "-i", id).redirectErrorStream(true).start();
            p.getOutputStream().close();
            List<String> pids = new ArrayList<>();
            boolean table = false;
            for (String line : new String(p.getInputStream().readAllBytes()).lines().toList()) {
                String[] f = line.trim().split("\\s+");
                if (table && f.length == 5) {
                    pids.add(f[4]);
                }
                table |= line.startsWith("semnum");
            }
            p.waitFor();
            return pids;
        } catch (IOException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    private static boolean oursOrGone(String pidField, long pid) {
        long p = Long.parseLong(pidField);
        return p == 0 || p == pid || ProcessHandle.of(p).map(h -> !h.isAlive()).orElse(true);
    }

    private static List<String[]> sysv(String kind) {
        Path table = Path.of("/proc/sysvipc", kind);
        if (!Files.isReadable(table)) {
            return List.of();
        }
        try {
            return Files.readAllLines(table).stream().skip(1).map(String::trim)
                    .filter(l -> !l.isEmpty()).map(l -> l.split("\\s+")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void ipcrm(String option, String id) {
        try {
            Process p = new ProcessBuilder("ipcrm", option, id).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            p.waitFor();
            p.getOutputStream().close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
