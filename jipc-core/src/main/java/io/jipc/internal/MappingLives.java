package io.jipc.internal;

import io.jipc.internal.wait.Handle;
import io.jipc.shm.Mapping;

/**
 * How objects placed in a {@link Mapping} (io.jipc.sync's) reach its life, the one close protocol
 * that decides when the pages are unmapped: such an object pins the mapping for as long as it is
 * open, so its calls can pass the memory's bare address to glibc — no arena to acquire per call —
 * and the pages cannot go before it does. Mapping registers the accessor when its class is
 * initialised, which it is once any mapping exists.
 */
public final class MappingLives {
    private MappingLives() {}

    /** Mapping's side of the bridge. */
    public interface Access {
        Handle lifeOf(Mapping mapping);
    }

    private static volatile Access access;

    public static void register(Access a) {
        access = a;
    }

    /** The mapping's life: pin with {@link Handle#acquire}, unpin with {@link Handle#release}. */
    public static Handle lifeOf(Mapping mapping) {
        return access.lifeOf(mapping);
    }
}
