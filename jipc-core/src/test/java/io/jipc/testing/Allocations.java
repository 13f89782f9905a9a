package io.jipc.testing;

import java.lang.reflect.Method;

/**
 * The JVM's per-thread allocation counter ({@code com.sun.management.ThreadMXBean}), reached by
 * reflection because the tests compile inside module io.jipc, which does not read
 * java.management. Used to show that hot paths allocate nothing once compiled.
 */
public final class Allocations {
    private Allocations() {}

    private static final Object BEAN;
    private static final Method ALLOCATED;

    static {
        try {
            Class<?> factory = Class.forName("java.lang.management.ManagementFactory");
            BEAN = factory.getMethod("getThreadMXBean").invoke(null);
            ALLOCATED = Class.forName("com.sun.management.ThreadMXBean").getMethod("getCurrentThreadAllocatedBytes");
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Bytes allocated by the calling thread since it started. */
    public static long currentThread() {
        try {
            return (long) ALLOCATED.invoke(BEAN);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
