package io.jipc.internal.libc;

import static io.jipc.internal.libc.Libc.C_INT;
import static io.jipc.internal.libc.Libc.C_POINTER;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** {@code <sys/inotify.h>}: inotify_init1 and inotify_add_watch. Raw results, {@code -errno} on failure. */
public final class Inotify {
    private Inotify() {}

    public static final int IN_MODIFY = 0x2;
    public static final int IN_CLOSE_WRITE = 0x8;
    public static final int IN_OPEN = 0x20;
    public static final int IN_NONBLOCK = Fcntl.O_NONBLOCK;
    public static final int IN_CLOEXEC = Fcntl.O_CLOEXEC;

    private static final MethodHandle INIT1 = Libc.downcall("inotify_init1", FunctionDescriptor.of(C_INT, C_INT));
    private static final MethodHandle ADD_WATCH = Libc.downcall("inotify_add_watch",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT));

    /** {@code int inotify_init1(int flags)}. */
    public static int inotify_init1(int flags) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) INIT1.invokeExact(state, flags);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int inotify_add_watch(int fd, const char *pathname, uint32_t mask)}. */
    public static int inotify_add_watch(int fd, MemorySegment path, int mask) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) ADD_WATCH.invokeExact(state, fd, path, mask);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }
}
