package io.jipc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.IpcKey;
import io.jipc.mq.PosixMessageQueue;
import io.jipc.mq.SysVMessageQueue;
import io.jipc.process.ChildProcess;
import io.jipc.sem.PosixSemaphore;
import io.jipc.sem.SysVSemaphoreSet;
import io.jipc.shm.SharedMemory;
import io.jipc.shm.SysVSharedMemory;
import io.jipc.testing.Hostile;
import io.jipc.testing.LeakGuard;
import io.jipc.testing.TestIpc;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI fuzzer, in-process: random and mutated argument vectors over every command of cli.md
 * ({@link CliFuzz}), run through {@link JipcCommand#execute} with captured streams. Every run must
 * exit 0–3 (a {@code lock … -- CMD} run: CMD's status), print no stack trace and no "internal
 * error" on standard error, start a failing run's standard error with {@code jipc: }, and leave no
 * descriptor open. What a run creates carries the test prefix and is removed after it.
 *
 * <p>{@code -Djipc.seed=N} replays a run; {@code -Djipc.cli.vectors=N} sets how many vectors
 * (default 500; a long run: 50000). {@link CliFuzzLauncherIT} runs a sample through the real
 * launcher, with closed and full standard streams and non-UTF-8 bytes.
 */
class CliFuzzTest {
    private static final int VECTORS = Integer.getInteger("jipc.cli.vectors", 500);

    @Test
    @Timeout(1800)
    void noArgumentVectorCrashesPrintsAStackTraceOrLeaves(@TempDir Path dir) throws Exception {
        Hostile h = Hostile.forProperty("cli fuzzer");
        Files.writeString(dir.resolve("existing"), "x");
        ChildProcess child = ChildProcess.builder("/bin/sleep", "600").start();
        CliFuzz fuzz = new CliFuzz(h, dir, child.pid());
        ourObjects(fuzz);
        Map<String, Map<String, Integer>> outcomes = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        int run = 0;
        int skipped = 0;
        int stuck = 0;
        long start = System.nanoTime();
        Map<Integer, String> fds = LeakGuard.openDescriptors();
        try {
            for (int i = 0; i < VECTORS; i++) {
                if (!child.isAlive()) { // a vector sent it KILL or TERM: a new one, never a recycled pid
                    child.close();
                    child = ChildProcess.builder("/bin/sleep", "600").start();
                    fuzz = withChild(fuzz, h, dir, child.pid());
                }
                List<String> v = fuzz.vector();
                if (!fuzz.safe(v)) {
                    skipped++;
                    continue;
                }
                byte[] stdin = h.chance(0.5) ? "stdin bytes".getBytes(StandardCharsets.UTF_8) : new byte[0];
                CliRun r = runBounded(stdin, v);
                run++;
                String command = fuzz.lastCommand;
                String outcome = r == null ? "still waiting after 3 s" : "exit " + r.status();
                outcomes.computeIfAbsent(command, k -> new TreeMap<>()).merge(outcome, 1, Integer::sum);
                if (r == null) {
                    stuck++;
                    failures.add(show(v) + ": did not return 3 s after an interrupt");
                } else {
                    String problem = problem(v, r);
                    if (problem != null) {
                        failures.add(show(v) + ": " + problem + "\n    stderr: " + r.stderr().replace("\n", "\n            "));
                    }
                }
                cleanUp(fuzz);
                List<String> leaked = LeakGuard.newDescriptors(fds);
                if (!leaked.isEmpty()) {
                    failures.add(show(v) + ": left descriptors open " + leaked);
                    fds = LeakGuard.openDescriptors();
                }
            }
        } finally {
            child.signal(io.jipc.signal.Signal.SIGKILL);
            child.tryWaitFor(Duration.ofSeconds(10));
            child.close();
            removeOurObjects(fuzz);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("cli fuzzer: seed %d, %d vectors run, %d refused by the safety check, %.0f s%n",
                Hostile.runSeed(), run, skipped, seconds);
        outcomes.forEach((c, o) -> System.out.println("  " + c + ": " + o));
        System.out.println("cli fuzzer: failures " + failures.size() + ", still waiting " + stuck);
        failures.stream().limit(40).forEach(f -> System.out.println("  FAIL " + f));
        assertThat(failures).as("seed " + Hostile.runSeed()).isEmpty();
    }

    private static CliFuzz withChild(CliFuzz old, Hostile h, Path dir, long pid) {
        CliFuzz f = new CliFuzz(h, dir, pid);
        f.names.addAll(old.names);
        f.ids.putAll(old.ids);
        f.keys.addAll(old.keys);
        return f;
    }

    /** Runs one vector on a thread of its own; interrupts it after 2 s; null if it is still running 3 s later. */
    private static CliRun runBounded(byte[] stdin, List<String> v) throws InterruptedException {
        AtomicReference<CliRun> result = new AtomicReference<>();
        Thread t = Thread.ofPlatform().daemon().name("cli-fuzz").start(
                () -> result.set(CliRun.runWithInput(stdin, v.toArray(String[]::new))));
        t.join(2000);
        if (t.isAlive()) {
            t.interrupt();
            t.join(3000);
        }
        return result.get();
    }

    /** What is wrong with a run's outcome, or null. */
    static String problem(List<String> v, CliRun r) {
        boolean lock = !v.isEmpty() && v.get(0).equals("lock") && v.contains("--");
        int s = r.status();
        if (!(s >= 0 && s <= 3) && !(lock && (s == 126 || s == 127))) {
            return "exit status " + s;
        }
        String err = r.stderr();
        if (err.contains("\tat ") || err.contains("Exception in thread") || err.contains("Caused by:")
                || err.matches("(?s).*\\b[a-z]+(\\.[a-z]+)+\\.[A-Z]\\w*(Exception|Error)\\b.*")) {
            return "a stack trace or exception class on standard error";
        }
        if (err.contains("internal error")) {
            return "an internal error";
        }
        if (s >= 2 && !lock && !err.isEmpty() && !err.startsWith("jipc: ")) {
            return "standard error does not start with 'jipc: '";
        }
        if (s >= 2 && !lock && err.isEmpty()) {
            return "exit " + s + " with nothing on standard error";
        }
        return null;
    }

    static String show(List<String> v) {
        StringBuilder b = new StringBuilder("jipc");
        for (String t : v) {
            String shown = t.length() > 60 ? t.substring(0, 57) + "...(" + t.length() + ")" : t;
            b.append(" '").append(shown.replace("\0", "\\0").replace("\n", "\\n")).append('\'');
        }
        return b.toString();
    }

    /** Objects of the run's own for vectors to use: a queue, semaphores, segments, System V ids and keys. */
    static void ourObjects(CliFuzz f) throws Exception {
        String mq = TestIpc.name("cliq");
        PosixMessageQueue.createExclusively(mq).close();
        String sem = TestIpc.name("clis");
        PosixSemaphore.createExclusively(sem).close();
        String shm = TestIpc.name("clim");
        SharedMemory.createExclusively(shm, 4096).close();
        f.names.addAll(List.of(mq, sem, shm));
        int k1 = TestIpc.key();
        int k2 = TestIpc.key();
        int k3 = TestIpc.key();
        try (SysVMessageQueue q = SysVMessageQueue.createExclusively(IpcKey.of(k1));
                SysVSemaphoreSet s = SysVSemaphoreSet.createExclusively(IpcKey.of(k2), 2);
                SysVSharedMemory m = SysVSharedMemory.createExclusively(IpcKey.of(k3), 4096)) {
            f.ids.put("msg", Integer.toString(q.id()));
            f.ids.put("sem", Integer.toString(s.id()));
            f.ids.put("shm", Integer.toString(m.id()));
        }
        for (int k : new int[] {k1, k2, k3}) {
            f.keys.add("0x" + Integer.toHexString(k));
        }
    }

    /** After each vector: what it created is the test's own (prefix, keys); the fixed objects stay. */
    static void cleanUp(CliFuzz f) {
        for (String drawn : f.drawnNames) {
            // The name as the command made it: a lone surrogate in a drawn name became '?' in its bytes.
            for (String n : new java.util.LinkedHashSet<>(List.of(drawn, new String(drawn.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    java.nio.charset.StandardCharsets.UTF_8))))
            for (Runnable unlink : List.<Runnable>of(() -> quietly(() -> PosixMessageQueue.unlink(n)),
                    () -> quietly(() -> PosixSemaphore.unlink(n)), () -> quietly(() -> SharedMemory.unlink(n)))) {
                unlink.run();
            }
        }
        f.drawnNames.clear();
        // What a name the library cannot spell back made (a queue named with a byte that is not
        // the drawn string's): every entry of this run's fuzzer in the mounted file systems.
        for (Path dir : List.of(Path.of("/dev/mqueue"), Path.of("/dev/shm"))) {
            try (java.util.stream.Stream<Path> entries = Files.isDirectory(dir) ? Files.list(dir) : java.util.stream.Stream.empty()) {
                for (Path e : entries.filter(e -> e.getFileName().toString().replaceFirst("^sem\\.", "")
                        .startsWith(TestIpc.PREFIX + "cli")).toList()) {
                    Files.deleteIfExists(e);
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        // System V objects a vector created with a fresh key of the run (not the fixed ones)
        for (String kind : List.of("msg", "sem", "shm")) {
            try {
                for (String row : Files.readAllLines(Path.of("/proc/sysvipc", kind)).stream().skip(1).toList()) {
                    String[] c = row.trim().split("\\s+");
                    int key = (int) Long.parseLong(c[0]);
                    if (TestIpc.isOurKey(key) && !f.keys.contains("0x" + Integer.toHexString(key))) {
                        int id = Integer.parseInt(c[1]);
                        quietly(() -> {
                            switch (kind) {
                                case "msg" -> {
                                    try (SysVMessageQueue o = SysVMessageQueue.openId(id)) {
                                        o.remove();
                                    }
                                }
                                case "sem" -> {
                                    try (SysVSemaphoreSet o = SysVSemaphoreSet.openId(id)) {
                                        o.remove();
                                    }
                                }
                                default -> {
                                    try (SysVSharedMemory o = SysVSharedMemory.openId(id)) {
                                        o.remove();
                                    }
                                }
                            }
                        });
                    }
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    static void removeOurObjects(CliFuzz f) {
        for (String n : f.names) {
            quietly(() -> PosixMessageQueue.unlink(n));
            quietly(() -> PosixSemaphore.unlink(n));
            quietly(() -> SharedMemory.unlink(n));
        }
        // the fixed objects by key: ids of one kind are no proof of anything about another kind
        for (String k : f.keys) {
            IpcKey key = IpcKey.of((int) Long.parseLong(k.substring(2), 16));
            quietly(() -> {
                try (SysVMessageQueue o = SysVMessageQueue.openExisting(key)) {
                    o.remove();
                }
            });
            quietly(() -> {
                try (SysVSemaphoreSet o = SysVSemaphoreSet.openExisting(key)) {
                    o.remove();
                }
            });
            quietly(() -> {
                try (SysVSharedMemory o = SysVSharedMemory.openExisting(key)) {
                    o.remove();
                }
            });
        }
    }

    interface Action {
        void run() throws Exception;
    }

    private static void quietly(Action a) {
        try {
            a.run();
        } catch (Exception gone) {
            // removed already, or not that kind
        }
    }
}
