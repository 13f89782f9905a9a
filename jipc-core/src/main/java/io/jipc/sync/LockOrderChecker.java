package io.jipc.sync;

import io.jipc.shm.Mapping;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The lock-order checker (see {@link LockOrder}): the locks each thread holds, the graph of
 * "held A, then waited for B" edges every thread of this process (and, through a shared table,
 * every process) has shown, and the search for a cycle before each new edge is added. All of it
 * runs only when {@link #ENABLED}, a constant the JIT folds: disabled, a lock's hook is no code.
 */
final class LockOrderChecker {
    private LockOrderChecker() {}

    /** Read once, at class initialisation: {@code -Dio.jipc.lockorder=check}. */
    static final boolean ENABLED = "check".equals(System.getProperty("io.jipc.lockorder"));

    private static final int SITE_FRAMES = 6;
    private static final ThreadLocal<List<String>> HELD = ThreadLocal.withInitial(ArrayList::new);
    private static final Object GRAPH = new Object();
    /** identity of held → identity of taken → the edge as first seen (here or in the shared table). */
    private static final Map<Long, Map<Long, LockInversionException.Edge>> EDGES = new HashMap<>();
    private static LockOrderTable shared;
    private static volatile Consumer<? super LockInversionException> handler = LockOrderChecker::raise;
    /** The default handler: an inversion is thrown, its lock not taken, so its edge is not recorded. */
    private static volatile boolean throwing = true;
    private static final Set<String> LOCK_CLASSES = Set.of("LockOrderChecker", "CheckedLock", "OrderedLock",
            "LockOrder", "SharedMutex", "SharedRwLock");

    private static void raise(LockInversionException e) {
        throw e;
    }

    static void handler(Consumer<? super LockInversionException> h) {
        throwing = h == null;
        handler = h == null ? LockOrderChecker::raise : h;
    }

    static void share(Mapping mapping) {
        LockOrderTable table = new LockOrderTable(mapping);
        synchronized (GRAPH) {
            shared = table;
            for (Map<Long, LockInversionException.Edge> out : EDGES.values()) {
                for (LockInversionException.Edge e : out.values()) {
                    if (e.pid() == ProcessHandle.current().pid()) {
                        table.add(e);
                    }
                }
            }
        }
    }

    /**
     * Before a wait for {@code lock} that could last forever: for each lock this thread holds, the
     * edge held → lock; the first time an edge is seen, a path lock ⇝ held in the graph is an
     * inversion, reported before the wait starts.
     */
    static void beforeWait(String lock) {
        List<String> held = HELD.get();
        if (held.isEmpty()) {
            return;
        }
        long to = LockOrderTable.identity(lock);
        LockInversionException inversion = null;
        synchronized (GRAPH) {
            String site = null;
            for (String h : held) {
                long from = LockOrderTable.identity(h);
                if (from == to || known(from, to)) {
                    continue;
                }
                refresh();
                if (known(from, to)) {
                    continue;
                }
                if (site == null) {
                    site = site();
                }
                LockInversionException.Edge edge = new LockInversionException.Edge(h, lock,
                        ProcessHandle.current().pid(), Thread.currentThread().getName(), site);
                List<LockInversionException.Edge> path = path(to, from);
                if (path != null && inversion == null) {
                    inversion = new LockInversionException(edge, path);
                }
                if (path == null || !throwing) {
                    record(from, to, edge);
                }
            }
        }
        if (inversion != null) {
            // A handler that returns lets the wait go on; the edge is recorded, so it is reported once.
            handler.accept(inversion);
        }
    }

    static void acquired(String lock) {
        HELD.get().add(lock);
    }

    static void released(String lock) {
        List<String> held = HELD.get();
        int i = held.lastIndexOf(lock);
        if (i >= 0) {
            held.remove(i);
        }
    }

    private static boolean known(long from, long to) {
        Map<Long, LockInversionException.Edge> out = EDGES.get(from);
        return out != null && out.containsKey(to);
    }

    private static void record(long from, long to, LockInversionException.Edge edge) {
        EDGES.computeIfAbsent(from, k -> new HashMap<>()).put(to, edge);
        if (shared != null) {
            shared.add(edge);
        }
    }

    private static void refresh() {
        if (shared != null) {
            for (Object[] e : shared.readNew()) {
                EDGES.computeIfAbsent((Long) e[0], k -> new HashMap<>()).putIfAbsent((Long) e[1],
                        (LockInversionException.Edge) e[2]);
            }
        }
    }

    /** A path of edges from → … → to, breadth first (the shortest), or null. */
    private static List<LockInversionException.Edge> path(long from, long to) {
        Map<Long, LockInversionException.Edge> cameBy = new HashMap<>();
        Map<Long, Long> cameFrom = new HashMap<>();
        Set<Long> seen = new HashSet<>();
        ArrayDeque<Long> next = new ArrayDeque<>();
        next.add(from);
        seen.add(from);
        while (!next.isEmpty()) {
            long at = next.poll();
            if (at == to) {
                List<LockInversionException.Edge> path = new ArrayList<>();
                for (long n = to; n != from; ) {
                    LockInversionException.Edge e = cameBy.get(n);
                    path.add(0, e);
                    n = cameFrom.get(n);
                }
                return path;
            }
            for (Map.Entry<Long, LockInversionException.Edge> e : EDGES.getOrDefault(at, Map.of()).entrySet()) {
                if (seen.add(e.getKey())) {
                    cameBy.put(e.getKey(), e.getValue());
                    cameFrom.put(e.getKey(), at);
                    next.add(e.getKey());
                }
            }
        }
        return null;
    }

    /** Where the calling code waits: the first frames outside the lock classes themselves. */
    private static String site() {
        StringBuilder b = new StringBuilder();
        int n = 0;
        for (StackTraceElement f : new Throwable().getStackTrace()) {
            String c = f.getClassName();
            if (c.startsWith("io.jipc.sync.")) {
                String simple = c.substring("io.jipc.sync.".length());
                int nested = simple.indexOf('$');
                if (LOCK_CLASSES.contains(nested < 0 ? simple : simple.substring(0, nested))) {
                    continue;
                }
            }
            if (n++ == SITE_FRAMES) {
                break;
            }
            b.append(n == 1 ? "" : "\n").append("at ").append(f);
        }
        return b.toString();
    }
}
