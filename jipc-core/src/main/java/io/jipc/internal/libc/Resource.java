package io.jipc.internal.libc;

import static io.jipc.internal.libc.Libc.C_INT;
import static io.jipc.internal.libc.Libc.C_LONG;
import static io.jipc.internal.libc.Libc.C_POINTER;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** {@code <sys/resource.h>}: resource limits. Raw results, {@code -errno} on failure. */
public final class Resource {
    private Resource() {}

    /** {@code struct rlimit { rlim_t rlim_cur; rlim_t rlim_max; }}. */
    public static final Libc.CStruct RLIMIT = Libc.struct("sys/resource.h", "struct rlimit",
            C_LONG.withName("rlim_cur"), C_LONG.withName("rlim_max"));
    public static final long RLIM_CUR = RLIMIT.offset("rlim_cur");
    public static final long RLIM_MAX = RLIMIT.offset("rlim_max");
    /** {@code RLIM_INFINITY}: all bits set, -1 as a Java long. */
    public static final long RLIM_INFINITY = -1L;

    public static final int RLIMIT_NOFILE = 7;
    public static final int RLIMIT_MSGQUEUE = 12;

    private static final MethodHandle GETRLIMIT = Libc.downcall("getrlimit", FunctionDescriptor.of(C_INT, C_INT, C_POINTER));

    /** {@code int getrlimit(int resource, struct rlimit *rlim)}. */
    public static int getrlimit(int resource, MemorySegment rlim) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) GETRLIMIT.invokeExact(state, resource, rlim);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }
}
