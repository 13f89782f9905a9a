package io.jipc.hostile;

import io.jipc.IpcException;
import io.jipc.NotFoundException;
import io.jipc.channel.ChannelReader;
import io.jipc.mq.PosixMessageQueue;
import io.jipc.process.ChildProcess;
import io.jipc.testing.Hostile;
import io.jipc.testing.LeakGuard;
import io.jipc.testing.TestIpc;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The hostile-input run, in a JVM of its own (a crash fails {@link HostileInputTest}, not the
 * build's JVM): every public entry point of jipc-core's exported packages is called {@code
 * -Djipc.tries} times with values drawn by {@link Values} — on live objects, closed objects, from
 * a thread other than the one that made them, with {@code null}s — and every outcome is sorted:
 * a return, a documented exception, or a violation (anything else). After each try everything the
 * try made is removed and closed, and the process is compared with before: descriptors
 * ({@code /proc/self/fd}), shared mappings ({@code /proc/self/maps}), {@code /dev/shm}, System V
 * objects and POSIX queues of the run's prefix. A call still blocked after {@code
 * -Djipc.hostile.callMillis} (default 100) is interrupted, then its objects closed; one that still
 * does not return is reported hung.
 *
 * <p>Prints a report on standard output and exits 0 when there was no violation, leak, hang or
 * uncovered entry point, else 1.
 */
public final class HostileInputPeer {
    private HostileInputPeer() {}

    /** {@code -Djipc.hostile.only=REGEX}: only the entry points whose key matches (to chase one finding). */
    private static final String ONLY = System.getProperty("jipc.hostile.only", ".*");
    private static final long CALL_MILLIS = Long.getLong("jipc.hostile.callMillis", 100);

    /** Per package: outcome name → count. */
    private static final Map<String, Map<String, Integer>> OUTCOMES = new TreeMap<>();
    private static final Map<String, Integer> CALLS = new TreeMap<>();
    private static final Set<String> EXERCISED = new java.util.TreeSet<>();
    private static final List<String> VIOLATIONS = new ArrayList<>();
    private static final List<String> LEAKS = new ArrayList<>();
    private static final List<String> HUNG = new ArrayList<>();
    private static final List<String> KNOWN_LEAKS = new ArrayList<>();
    private static final AtomicReference<Thread> WORKER_THREAD = new AtomicReference<>();

    private static ExecutorService worker = newWorker();

    public static void main(String[] args) throws Exception {
        long start = System.nanoTime();
        int tries = Hostile.tries(Integer.getInteger("jipc.hostile.defaultTries", 2));
        System.out.println("prefix " + TestIpc.PREFIX);
        System.out.println("keys 0x" + Integer.toHexString(TestIpc.key() & 0xFFFF_F000));
        Path sandbox = Files.createTempDirectory(TestIpc.PREFIX);
        Hostile h = Hostile.forProperty("hostile input");
        ChildProcess sleeper = ChildProcess.builder("/bin/sleep", "600").start();
        Values values = new Values(h, sandbox, sleeper);
        List<Executable> all = EntryPoints.all();
        startMemoryWatch();
        Map<Integer, String> fds = LeakGuard.openDescriptors();
        Set<String> maps = LeakGuard.sharedMappings();
        for (Executable e : all) {
            if (EntryPoints.NOT_CALLED.containsKey(EntryPoints.key(e)) || !EntryPoints.key(e).matches(ONLY)) {
                continue;
            }
            CURRENT.set(EntryPoints.key(e));
            int exercised = 0;
            for (int attempt = 0; exercised < tries && attempt < tries * 6; attempt++) {
                if (!values.sleeper.isAlive()) {
                    values = new Values(h, sandbox, respawn(values.sleeper));
                }
                if (oneTry(e, values)) {
                    exercised++;
                }
                Values current = values;
                try {
                    worker.submit(current::unlockHeld).get(5, TimeUnit.SECONDS);
                } catch (TimeoutException | java.util.concurrent.ExecutionException stuck) {
                    // the worker is blocked: cleanUp closes what it holds
                }
                values.cleanUp();
                for (String n : values.names) {
                    probeQueue(n, e);
                }
                values.names.clear();
                List<String> leaked = new ArrayList<>(LeakGuard.newDescriptors(fds));
                leaked.addAll(LeakGuard.newMappings(maps));
                leaked.addAll(LeakGuard.removeIpcLeftovers());
                if (!leaked.isEmpty() && EntryPoints.knownLeak(e) != null) {
                    KNOWN_LEAKS.add(EntryPoints.key(e) + " (" + EntryPoints.knownLeak(e) + "): " + leaked);
                    fds = LeakGuard.openDescriptors();
                    maps = LeakGuard.sharedMappings();
                } else if (!leaked.isEmpty()) {
                    LEAKS.add(EntryPoints.key(e) + " args " + CURRENT_ARGS.get() + ": " + leaked);
                    fds = LeakGuard.openDescriptors();
                    maps = LeakGuard.sharedMappings();
                }
            }
        }
        values.sleeper.signal(io.jipc.signal.Signal.SIGKILL);
        values.sleeper.waitFor();
        values.sleeper.close();
        worker.shutdownNow();
        deleteTree(sandbox);
        report(all, tries, (System.nanoTime() - start) / 1_000_000_000.0);
        System.out.flush();
        System.exit(VIOLATIONS.isEmpty() && LEAKS.isEmpty() && HUNG.isEmpty() && uncovered(all).isEmpty()
                && staleExclusions(all).isEmpty() ? 0 : 1);
    }

    private static ChildProcess respawn(ChildProcess dead) throws IpcException {
        try {
            dead.tryWaitFor(java.time.Duration.ofSeconds(5));
        } catch (IpcException gone) {
            // reaped already
        }
        dead.close();
        return ChildProcess.builder("/bin/sleep", "600").start();
    }

    /** POSIX queues: no mount to list here, so every name the try drew is probed. */
    private static void probeQueue(String name, Executable e) {
        try {
            PosixMessageQueue.checkName(name);
        } catch (RuntimeException notAQueueName) {
            return;
        }
        try {
            PosixMessageQueue.unlink(name);
            LEAKS.add(EntryPoints.key(e) + ": POSIX queue " + name);
        } catch (NotFoundException expected) {
            // none left
        } catch (IpcException other) {
            // not a name a queue can have
        }
    }

    private static final AtomicReference<String> CURRENT = new AtomicReference<>("");
    private static final AtomicReference<String> CURRENT_ARGS = new AtomicReference<>("");
    /** The machine's available memory below which the run stops itself. */
    private static final long LOW_MEMORY_KB = Long.getLong("jipc.hostile.lowMemoryMb", 1536) * 1024;

    /**
     * Stops the run (exit 2, naming the call) when the machine runs low on memory: a call that
     * fills gigabytes for a hostile size is a bug to report, not a reason for the kernel's OOM
     * killer to pick some process (the machine's, not only this run's: Shmem is shared by all).
     */
    private static void startMemoryWatch() {
        Thread t = new Thread(() -> {
            while (true) {
                long available = meminfo("MemAvailable:");
                if (available > 0 && available < LOW_MEMORY_KB) {
                    System.out.println("violation: " + CURRENT.get() + " args " + CURRENT_ARGS.get()
                            + " ran the machine low on memory: available " + available / 1024 + " MB");
                    System.out.flush();
                    Runtime.getRuntime().halt(2);
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "hostile-memory-watch");
        t.setDaemon(true);
        t.start();
    }

    private static long meminfo(String field) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (l.startsWith(field)) {
                    return Long.parseLong(l.substring(field.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }

    private static ExecutorService newWorker() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "hostile-worker");
            t.setDaemon(true);
            WORKER_THREAD.set(t);
            return t;
        });
    }

    /** What one try ended with: "returned", "no-object", or the class of the throwable. */
    private record Ended(String outcome, Throwable thrown, String args) {}

    /** One call of {@code e}; whether it was made (false: no object to call it on could be made this time). */
    private static boolean oneTry(Executable e, Values v) throws Exception {
        String pkg = EntryPoints.packageOf(e);
        Future<Ended> f = worker.submit(() -> call(e, v));
        Ended ended;
        try {
            ended = f.get(CALL_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException blocked) {
            ended = unblock(e, v, f);
        }
        if (ended == null) {
            return true;
        }
        boolean called = !ended.outcome.startsWith("no-object") && !ended.outcome.startsWith("generator");
        if (called) {
            EXERCISED.add(EntryPoints.key(e));
            CALLS.merge(pkg, 1, Integer::sum);
        }
        OUTCOMES.computeIfAbsent(pkg, k -> new TreeMap<>()).merge(ended.outcome, 1, Integer::sum);
        boolean generator = ended.outcome.startsWith("generator");
        if (ended.thrown != null && (generator ? ended.thrown instanceof Error : !allowed(e, ended.thrown))) {
            VIOLATIONS.add(EntryPoints.key(e) + " args " + ended.args + " threw " + stack(ended.thrown));
        }
        return called;
    }

    /** A call that blocks past its time: interrupt it, then close what it uses; a call that still hangs is reported. */
    private static Ended unblock(Executable e, Values v, Future<Ended> f) throws Exception {
        Thread t = WORKER_THREAD.get();
        t.interrupt();
        try {
            Ended ended = f.get(2, TimeUnit.SECONDS);
            return new Ended(ended.outcome + " (after interrupt)", ended.thrown, ended.args);
        } catch (TimeoutException stillBlocked) {
            v.cleanUp();
            try {
                Ended ended = f.get(3, TimeUnit.SECONDS);
                return new Ended(ended.outcome + " (after close)", ended.thrown, ended.args);
            } catch (TimeoutException hung) {
                StackTraceElement[] where = t.getStackTrace();
                HUNG.add(EntryPoints.key(e) + " at " + Arrays.stream(where).limit(12).map(Object::toString)
                        .collect(Collectors.joining("\n      ")));
                worker.shutdownNow();
                worker = newWorker();
                return null;
            }
        }
    }

    private static Ended call(Executable e, Values v) {
        Thread.interrupted();
        String shown = "?";
        try {
            Object receiver = null;
            boolean isStatic = e instanceof Constructor<?> || Modifier.isStatic(e.getModifiers());
            if (!isStatic) {
                Class<?> type = e.getDeclaringClass();
                receiver = v.value(type, type, 0, false);
                if (receiver == null) {
                    return new Ended("no-object", null, "");
                }
                if (receiver instanceof AutoCloseable c && v.h.chance(0.15)) {
                    c.close();
                }
            }
            Object[] args = v.arguments(e);
            shown = show(receiver, args);
            CURRENT_ARGS.set(shown);
            Object result = e instanceof Method m ? m.invoke(receiver, args) : ((Constructor<?>) e).newInstance(args);
            if (receiver instanceof io.jipc.Fd fd && e.getName().equals("acquire")) {
                v.acquired.add(fd);
            }
            if (result instanceof Optional<?> o) {
                o.ifPresent(v::track);
            }
            v.track(result);
            if (result instanceof io.jipc.sem.SysVSemaphoreSet || result instanceof io.jipc.mq.SysVMessageQueue
                    || result instanceof io.jipc.shm.SysVSharedMemory || result instanceof io.jipc.sem.PermitPool) {
                rememberId(v, result);
            }
            return new Ended("returned", null, shown);
        } catch (InvocationTargetException ite) {
            Throwable t = ite.getCause();
            return new Ended(t.getClass().getSimpleName(), t, shown);
        } catch (Throwable t) {
            // drawing the arguments or the object failed outside the call under test
            return new Ended("generator " + t.getClass().getSimpleName(), t, shown);
        }
    }

    private static void rememberId(Values v, Object o) {
        try {
            int id = (int) o.getClass().getMethod("id").invoke(o);
            v.ourIds.add(id);
            if (v.ourIds.size() > 50) {
                v.ourIds.remove(0);
            }
        } catch (ReflectiveOperationException ignored) {
            // no id
        }
    }

    /** The documented outcomes: the exceptions an entry point declares, and the argument checks of contract 1. */
    private static boolean allowed(Executable e, Throwable t) {
        if (t instanceof Error) {
            return false;
        }
        if (!(t instanceof RuntimeException)) {
            for (Class<?> declared : e.getExceptionTypes()) {
                if (declared.isInstance(t)) {
                    return true;
                }
            }
            return false;
        }
        return t instanceof IllegalArgumentException || t instanceof NullPointerException
                || t instanceof IllegalStateException || t.getClass() == IndexOutOfBoundsException.class
                || t instanceof UnsupportedOperationException || t instanceof IllegalMonitorStateException
                || t instanceof WrongThreadException || t instanceof Values.HandlerFault
                || t instanceof ChannelReader.HandlerException;
    }

    private static String show(Object receiver, Object[] args) {
        StringBuilder b = new StringBuilder();
        if (receiver != null) {
            b.append("on ").append(brief(receiver)).append(' ');
        }
        b.append('(').append(Arrays.stream(args).map(HostileInputPeer::brief).collect(Collectors.joining(", "))).append(')');
        return b.toString();
    }

    private static String brief(Object o) {
        String s;
        try {
            s = o == null ? "null" : o instanceof byte[] b ? "byte[" + b.length + "]"
                    : o.getClass().isArray() ? o.getClass().getComponentType().getSimpleName() + "[" + java.lang.reflect.Array.getLength(o) + "]"
                    : o instanceof String str ? '"' + str.replace("\0", "\\0") + '"' : String.valueOf(o);
        } catch (RuntimeException e) {
            s = o.getClass().getSimpleName() + "(toString threw " + e + ")";
        }
        return s.length() > 80 ? s.substring(0, 77) + "..." : s;
    }

    private static String stack(Throwable t) {
        return t + Arrays.stream(t.getStackTrace()).limit(8).map(s -> "\n      at " + s).collect(Collectors.joining());
    }

    /** Exclusions that name no entry point any more (a renamed method): they must go. */
    private static List<String> staleExclusions(List<Executable> all) {
        java.util.Set<String> keys = all.stream().map(EntryPoints::key).collect(Collectors.toSet());
        return EntryPoints.NOT_CALLED.keySet().stream().filter(k -> !keys.contains(k)).sorted().toList();
    }

    private static List<String> uncovered(List<Executable> all) {
        return all.stream().map(EntryPoints::key)
                .filter(k -> k.matches(ONLY) && !EXERCISED.contains(k) && !EntryPoints.NOT_CALLED.containsKey(k)
                        && !EntryPoints.notReached(k)).toList();
    }

    private static void report(List<Executable> all, int tries, double seconds) {
        List<String> uncovered = uncovered(all);
        System.out.println("hostile input: seed " + Hostile.runSeed() + ", " + tries + " tries per entry point, "
                + String.format("%.0f", seconds) + " s");
        System.out.println("coverage: " + all.size() + " public entry points in " + EntryPoints.exportedPackages().size()
                + " exported packages; called " + EXERCISED.size() + "; not called, with a reason "
                + EntryPoints.NOT_CALLED.size() + "; types not reached yet " + EntryPoints.NOT_REACHED_TYPES.keySet()
                + "; uncovered " + uncovered.size());
        for (Map.Entry<String, Map<String, Integer>> p : OUTCOMES.entrySet()) {
            System.out.println("package " + p.getKey() + ": calls " + CALLS.getOrDefault(p.getKey(), 0) + " | "
                    + p.getValue().entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder()))
                            .map(x -> x.getKey() + " " + x.getValue()).collect(Collectors.joining(", ")));
        }
        for (String u : uncovered) {
            System.out.println("uncovered: " + u);
        }
        for (String u : staleExclusions(all)) {
            System.out.println("stale exclusion: " + u);
        }
        for (String x : VIOLATIONS.stream().limit(60).toList()) {
            System.out.println("violation: " + x);
        }
        for (String x : LEAKS) {
            System.out.println("leak: " + x);
        }
        for (String x : HUNG) {
            System.out.println("hung: " + x);
        }
        for (String x : KNOWN_LEAKS) {
            System.out.println("known leak (open finding): " + x.substring(0, Math.min(x.length(), 400)));
        }
        System.out.println("summary: calls " + CALLS.values().stream().mapToInt(Integer::intValue).sum() + ", violations "
                + VIOLATIONS.size() + ", leaks " + LEAKS.size() + ", known leaks (open findings) " + KNOWN_LEAKS.size() + ", hung " + HUNG.size() + ", uncovered " + uncovered.size());
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
