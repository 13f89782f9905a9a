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

    /** How long {@link #allocatedBytesOf} keeps measuring a body that still allocates. */
    public static final long PATIENCE_NANOS = 10_000_000_000L;

    /**
     * Bytes the calling thread allocates running {@code body} {@code n} times once the JIT has
     * compiled it: after {@code n} warm-up runs, the least of five or more measured windows of
     * {@code n} runs (stopping at the first that allocates nothing). Until C2 compiles a path,
     * the interpreter and C1 allocate where compiled code does not, and on a loaded machine the
     * compiler may lag behind the warm-up: while every window so far allocated a byte or more per
     * run, windows go on for up to {@value #PATIENCE_NANOS} ns (a few thousand runs of a system
     * call take milliseconds, a C2 compilation on a busy machine seconds). A path that really
     * allocates does so in every window.
     * The meter itself allocates a little (boxing through reflection); callers allow a small slack.
     */
    public static long allocatedBytes(Runnable body, int n) {
        return allocatedBytesOf(body::run, n);
    }

    /** A measured body that may throw: a failure fails the test. */
    public interface Body {
        void run() throws Exception;
    }

    /** {@link #allocatedBytes(Runnable, int)} for a body that may throw. */
    public static long allocatedBytesOf(Body body, int n) {
        try {
            for (int i = 0; i < n; i++) {
                body.run();
            }
            long least = Long.MAX_VALUE;
            long patience = System.nanoTime() + PATIENCE_NANOS;
            for (int window = 0; least > 0 && (window < 5 || (least >= n && System.nanoTime() < patience)); window++) {
                long before = currentThreadAllocatedBytes();
                for (int i = 0; i < n; i++) {
                    body.run();
                }
                least = Math.min(least, currentThreadAllocatedBytes() - before);
            }
            return least;
        } catch (Exception e) {
            throw new AssertionError("the measured body failed", e);
        }
    }
}
