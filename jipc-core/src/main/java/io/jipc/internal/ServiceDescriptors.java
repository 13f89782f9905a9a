package io.jipc.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Descriptors jipc holds for its own machinery rather than for an object a user opened: each
 * waiting thread's interrupt eventfd, the child reaper's wake-up eventfd. They live as long as
 * their thread (or the process), so a leak check leaves them out.
 */
public final class ServiceDescriptors {
    private ServiceDescriptors() {}

    private static final Set<Integer> LIVE = ConcurrentHashMap.newKeySet();

    public static void add(int fd) {
        LIVE.add(fd);
    }

    public static void remove(int fd) {
        LIVE.remove(fd);
    }

    /** The service descriptors open now. */
    public static Set<Integer> live() {
        return Set.copyOf(LIVE);
    }
}
