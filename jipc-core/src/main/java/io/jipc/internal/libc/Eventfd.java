package io.jipc.internal.libc;

import static io.jipc.internal.libc.Libc.C_INT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** {@code <sys/eventfd.h>}: eventfd. Raw results, {@code -errno} on failure. */
public final class Eventfd {
    private Eventfd() {}

    public static final int EFD_SEMAPHORE = 1;
    public static final int EFD_NONBLOCK = Fcntl.O_NONBLOCK;
    public static final int EFD_CLOEXEC = Fcntl.O_CLOEXEC;

    private static final MethodHandle EVENTFD = Libc.downcall("eventfd", FunctionDescriptor.of(C_INT, C_INT, C_INT));

    /** {@code int eventfd(unsigned int initval, int flags)}. */
    public static int eventfd(int initialValue, int flags) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) EVENTFD.invokeExact(state, initialValue, flags);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }
}
