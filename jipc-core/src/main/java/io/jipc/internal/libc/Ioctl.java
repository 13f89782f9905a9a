package io.jipc.internal.libc;

import static io.jipc.internal.libc.Libc.C_INT;
import static io.jipc.internal.libc.Libc.C_LONG;
import static io.jipc.internal.libc.Libc.C_POINTER;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** {@code <sys/ioctl.h>}: ioctl. Raw results, {@code -errno} on failure. */
public final class Ioctl {
    private Ioctl() {}

    /** Bytes waiting to be read (pipes, FIFOs, sockets, terminals); the argument is an {@code int *}. */
    public static final long FIONREAD = 0x541B;

    // ioctl is variadic: the third argument goes through the variadic ABI.
    private static final MethodHandle IOCTL_PTR = Libc.downcall("ioctl",
            FunctionDescriptor.of(C_INT, C_INT, C_LONG, C_POINTER), Linker.Option.firstVariadicArg(2));

    /** {@code int ioctl(int fd, unsigned long request, void *argp)}. */
    public static int ioctl(int fd, long request, MemorySegment arg) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) IOCTL_PTR.invokeExact(state, fd, request, arg);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }
}
