package io.jipc.internal.wait;

import io.jipc.Fd;
import io.jipc.FdBacked;
import java.util.function.Function;

/**
 * The engine's way to a public object's {@link Handle}, which the public API does not show: an
 * {@link Fd} hands its own over once, when its class is initialised (the JDK's "shared secrets"
 * idiom), so that {@code Fd} keeps a user's face (number, open or closed, close, duplicate) and
 * the wait protocol stays internal.
 */
public final class Handles {
    private Handles() {}

    private static volatile Function<Fd, Handle> ofFd;

    /** Called once, by {@link Fd}'s static initialiser. */
    public static void provideFd(Function<Fd, Handle> access) {
        if (ofFd != null) {
            throw new IllegalStateException("already provided");
        }
        ofFd = access;
    }

    /** The handle of a descriptor. */
    public static Handle of(Fd fd) {
        return ofFd.apply(fd);
    }

    /** The handle of an object's descriptor. */
    public static Handle of(FdBacked object) {
        return ofFd.apply(object.fd());
    }
}
