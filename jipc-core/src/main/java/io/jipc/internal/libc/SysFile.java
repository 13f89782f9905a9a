package io.jipc.internal.libc;

import static io.jipc.internal.libc.Libc.C_INT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** {@code <sys/file.h>}: flock. Raw results, {@code -errno} on failure. */
public final class SysFile {
    private SysFile() {}

    public static final int LOCK_SH = 1;
    public static final int LOCK_EX = 2;
    public static final int LOCK_NB = 4;
    public static final int LOCK_UN = 8;

    private static final MethodHandle FLOCK = Libc.downcall("flock", FunctionDescriptor.of(C_INT, C_INT, C_INT));
    private static final MethodHandle FLOCK_PLAIN = Libc.plainDowncall("flock", FunctionDescriptor.of(C_INT, C_INT, C_INT));

    /** {@code int flock(int fd, int operation)}; blocks unless LOCK_NB. */
    public static int flock(int fd, int operation) {
        return flock(Libc.callState(), fd, operation);
    }

    /**
     * {@code flock} with the thread's errno capture segment passed in; {@code null} makes the
     * call without it, and a failure is then {@code -Errnos.UNCAPTURED}.
     */
    public static int flock(MemorySegment state, int fd, int operation) {
        try {
            if (state == null) {
                int r = (int) FLOCK_PLAIN.invokeExact(fd, operation);
                return r < 0 ? -Errnos.UNCAPTURED : r;
            }
            int r = (int) FLOCK.invokeExact(state, fd, operation);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }
}
