package io.jipc.internal.libc;

import static io.jipc.internal.libc.Libc.C_INT;
import static io.jipc.internal.libc.Libc.C_LONG;
import static io.jipc.internal.libc.Libc.C_POINTER;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * {@code <sys/mman.h>}, the part that maps code: an anonymous private page, and mprotect to turn
 * it from writable into executable (never both at once). For the one piece of machine code jipc
 * has, its signal handler ({@code io.jipc.signal}). Raw results, {@code -errno} on failure.
 */
public final class CodeMapping {
    private CodeMapping() {}

    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int PROT_EXEC = 4;
    public static final int MAP_PRIVATE = 2;
    public static final int MAP_ANONYMOUS = 0x20;

    private static final MethodHandle MMAP = Libc.downcall("mmap",
            FunctionDescriptor.of(C_LONG, C_POINTER, C_LONG, C_INT, C_INT, C_INT, C_LONG));
    private static final MethodHandle MPROTECT = Libc.downcall("mprotect",
            FunctionDescriptor.of(C_INT, C_LONG, C_LONG, C_INT));

    /** {@code mmap(NULL, length, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)}: the address, or {@code -errno}. */
    public static long mapAnonymous(long length, int prot) {
        MemorySegment state = Libc.callState();
        try {
            long r = (long) MMAP.invokeExact(state, MemorySegment.NULL, length, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0L);
            // MAP_FAILED is (void *) -1; a mapping's address is never in the errno range.
            return r == -1 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int mprotect(void *addr, size_t len, int prot)}. */
    public static int mprotect(long address, long length, int prot) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) MPROTECT.invokeExact(state, address, length, prot);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }
}
