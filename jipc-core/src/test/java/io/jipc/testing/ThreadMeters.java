package io.jipc.testing;

import java.lang.reflect.Method;

/**
 * Per-thread CPU time and allocated bytes, for tests that assert "a waiting thread burns no CPU"
 * and "a loop allocates nothing" (instead of timing anything).
 *
 * <p>Reads the JDK's {@code ThreadMXBean} reflectively: the tests are compiled into module {@code
 * io.jipc}, which does not (and should not) read {@code java.management}.
 */
public final class ThreadMeters {
    private ThreadMeters() {}

    private static final Object MX;
    private static final Method CPU_TIME;
    private static final Method ALLOCATED;

    static {
        try {
            Class<?> factory = Class.forName("java.lang.management.ManagementFactory");
            MX = factory.getMethod("getThreadMXBean").invoke(null);
            CPU_TIME = Class.forName("java.lang.management.ThreadMXBean").getMethod("getCurrentThreadCpuTime");
            ALLOCATED = Class.forName("com.sun.management.ThreadMXBean").getMethod("getThreadAllocatedBytes", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** CPU time (user + system) the calling thread has used, in nanoseconds. */
    public static long currentThreadCpuNanos() {
        try {
            return (long) CPU_TIME.invoke(MX);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /** Bytes the calling thread has allocated on the heap so far. */
    public static long currentThreadAllocatedBytes() {
        try {
            return (long) ALLOCATED.invoke(MX, Thread.currentThread().threadId());
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Bytes the calling thread allocates running {@code body} {@code n} times, measured after
     * {@code n} warm-up runs (so the JIT has compiled the path). The meter itself allocates a
     * little (boxing through reflection); callers allow a small slack.
     */
    public static long allocatedBytes(Runnable body, int n) {
        for (int i = 0; i < n; i++) {
            body.run();
        }
        long before = currentThreadAllocatedBytes();
        for (int i = 0; i < n; i++) {
            body.run();
        }
        return currentThreadAllocatedBytes() - before;
    }
}
