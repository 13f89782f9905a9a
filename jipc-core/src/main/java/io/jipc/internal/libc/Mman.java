package io.jipc.internal.libc;

import static io.jipc.internal.libc.Libc.C_INT;
import static io.jipc.internal.libc.Libc.C_LONG;
import static io.jipc.internal.libc.Libc.C_POINTER;
import static io.jipc.internal.libc.Libc.C_SIZE_T;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * {@code <sys/mman.h>}: mmap, munmap, POSIX shared-memory objects (shm_open, shm_unlink) and
 * memfd_create. Raw results, {@code -errno} on failure.
 *
 * <p>Addresses of mappings travel as {@code long}s, declared {@code C_LONG} where C has {@code
 * void *}: on x86_64 and aarch64 a pointer and a long are passed and returned in the same
 * registers, and a mapping's address is a number jipc keeps and gives back to munmap, not memory
 * it reads through a segment of the call's (no {@link MemorySegment} is made per call, and no
 * arena is held by munmap while it runs). A successful mmap never returns an address in the
 * last page of the address space, so {@code -errno} cannot be mistaken for one.
 */
public final class Mman {
    private Mman() {}

    public static final int PROT_NONE = 0;
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_SHARED = 1;
    public static final int MAP_PRIVATE = 2;

    public static final int MFD_CLOEXEC = 1;
    public static final int MFD_ALLOW_SEALING = 2;
    public static final int MFD_HUGETLB = 4;
    /** The huge page size is {@code log2(size) << MFD_HUGE_SHIFT} in memfd_create's flags. */
    public static final int MFD_HUGE_SHIFT = 26;

    private static final MethodHandle MMAP = Libc.downcall("mmap",
            FunctionDescriptor.of(C_LONG, C_LONG, C_SIZE_T, C_INT, C_INT, C_INT, C_LONG));
    private static final MethodHandle MUNMAP = Libc.downcall("munmap", FunctionDescriptor.of(C_INT, C_LONG, C_SIZE_T));
    private static final MethodHandle SHM_OPEN = Libc.downcall("shm_open",
            FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_INT));
    private static final MethodHandle SHM_UNLINK = Libc.downcall("shm_unlink", FunctionDescriptor.of(C_INT, C_POINTER));
    private static final MethodHandle MEMFD_CREATE = Libc.downcall("memfd_create",
            FunctionDescriptor.of(C_INT, C_POINTER, C_INT));

    /**
     * {@code void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)} with
     * {@code addr} NULL: the mapping's address, or {@code -errno}.
     */
    public static long mmap(long length, int prot, int flags, int fd, long offset) {
        MemorySegment state = Libc.callState();
        try {
            long r = (long) MMAP.invokeExact(state, 0L, length, prot, flags, fd, offset);
            return r == -1 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int munmap(void *addr, size_t length)}. */
    public static int munmap(long address, long length) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) MUNMAP.invokeExact(state, address, length);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /**
     * {@code int shm_open(const char *name, int oflag, mode_t mode)}: glibc opens {@code
     * /dev/shm/<name>} with O_NOFOLLOW and O_CLOEXEC added; the mode is filtered by the umask.
     */
    public static int shm_open(MemorySegment name, int flags, int mode) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) SHM_OPEN.invokeExact(state, name, flags, mode);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int shm_unlink(const char *name)}. */
    public static int shm_unlink(MemorySegment name) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) SHM_UNLINK.invokeExact(state, name);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int memfd_create(const char *name, unsigned int flags)} (glibc 2.27+). */
    public static int memfd_create(MemorySegment name, int flags) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) MEMFD_CREATE.invokeExact(state, name, flags);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }
}
