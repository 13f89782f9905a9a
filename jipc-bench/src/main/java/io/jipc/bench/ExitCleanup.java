package io.jipc.bench;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What must be undone even when the JVM is stopped in the middle of a run (Ctrl-C, SIGTERM), when
 * no {@code finally} runs: open links (a System V queue's owner removes it on close) and names
 * not yet unlinked. A shutdown hook closes whatever is still registered; a normal run unregisters
 * everything first, so the hook then does nothing.
 */
final class ExitCleanup {
    private ExitCleanup() {}

    private static final Set<AutoCloseable> PENDING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ExitCleanup::closePending, "jipc-bench-exit-cleanup"));
    }

    /** Closes {@code resource} if the JVM stops before {@link #done} is called for it. */
    static void register(AutoCloseable resource) {
        PENDING.add(resource);
    }

    /** {@code resource} is closed (or about to be) by its owner: the hook leaves it alone. */
    static void done(AutoCloseable resource) {
        PENDING.remove(resource);
    }

    private static void closePending() {
        for (AutoCloseable r : PENDING) {
            try {
                r.close();
            } catch (Exception | Error e) {
                // the JVM is going: undo what can be undone
            }
        }
    }
}
