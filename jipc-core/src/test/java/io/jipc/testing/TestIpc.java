package io.jipc.testing;

import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Names and keys for the IPC objects tests create, unique per test run so that parallel runs
 * never meet and the leak guard can find whatever a run left behind.
 *
 * <p>Names look like {@code /jipct-k3x9q-queue-7} (valid for POSIX queues, semaphores and shared
 * memory); System V keys come from a per-run range {@code 0x4A_RRR_NNN}.
 */
public final class TestIpc {
    private TestIpc() {}

    /** The recognisable part of every test object name. */
    public static final String PREFIX_BASE = "jipct-";

    private static final int RUN_ID = new SecureRandom().nextInt(1 << 12);
    /** This run's prefix, e.g. {@code jipct-a1b-}. */
    public static final String PREFIX = PREFIX_BASE + Integer.toString(RUN_ID, 36) + Long.toString(ProcessHandle.current().pid(), 36) + "-";

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final List<String> NAMES = new CopyOnWriteArrayList<>();

    /** A fresh POSIX object name, {@code /<prefix><what>-<n>}. */
    public static String name(String what) {
        String n = "/" + PREFIX + what + "-" + COUNTER.incrementAndGet();
        NAMES.add(n);
        return n;
    }

    /** Every name this run has handed out (the leak guard probes them). */
    public static List<String> names() {
        return List.copyOf(NAMES);
    }

    /** A fresh System V key in this run's range. */
    public static int key() {
        int n = COUNTER.incrementAndGet() & 0xFFF;
        return 0x4A00_0000 | (RUN_ID << 12) | n;
    }

    /** Whether a System V key belongs to this run. */
    public static boolean isOurKey(int key) {
        return (key & 0xFFFF_F000) == (0x4A00_0000 | (RUN_ID << 12));
    }
}
