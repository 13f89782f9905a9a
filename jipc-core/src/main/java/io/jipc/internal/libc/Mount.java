package io.jipc.internal.libc;

import static io.jipc.internal.libc.Libc.C_INT;
import static io.jipc.internal.libc.Libc.C_LONG;
import static io.jipc.internal.libc.Libc.C_POINTER;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** {@code <sys/mount.h>}: mount. Raw results, {@code -errno} on failure. */
public final class Mount {
    private Mount() {}

    public static final long MS_NOSUID = 2;
    public static final long MS_NODEV = 4;
    public static final long MS_NOEXEC = 8;

    private static final MethodHandle MOUNT = Libc.downcall("mount",
            FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_POINTER, C_LONG, C_POINTER));

    /**
     * {@code int mount(const char *source, const char *target, const char *filesystemtype,
     * unsigned long mountflags, const void *data)}.
     */
    public static int mount(MemorySegment source, MemorySegment target, MemorySegment type, long flags,
            MemorySegment data) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) MOUNT.invokeExact(state, source, target, type, flags, data);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }
}
