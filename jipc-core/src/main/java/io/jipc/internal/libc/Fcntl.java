package io.jipc.internal.libc;

import static io.jipc.internal.libc.Libc.C_INT;
import static io.jipc.internal.libc.Libc.C_LONG;
import static io.jipc.internal.libc.Libc.C_POINTER;
import static io.jipc.internal.libc.Libc.C_SIZE_T;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** {@code <fcntl.h>}: open, fcntl, splice and tee. Raw results, {@code -errno} on failure. */
public final class Fcntl {
    private Fcntl() {}

    // fcntl and open are variadic: the third argument goes through the variadic ABI.
    private static final MethodHandle FCNTL_INT = Libc.downcall("fcntl",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle FCNTL_PTR = Libc.downcall("fcntl",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_POINTER), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle OPEN = Libc.downcall("open",
            FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_INT), Linker.Option.firstVariadicArg(2));

    private static final MethodHandle SPLICE = Libc.downcall("splice",
            FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_INT, C_POINTER, C_SIZE_T, C_INT));
    private static final MethodHandle TEE = Libc.downcall("tee",
            FunctionDescriptor.of(C_LONG, C_INT, C_INT, C_SIZE_T, C_INT));

    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_NOCTTY = 0400;
    public static final int O_TRUNC = 01000;
    public static final int O_APPEND = 02000;
    public static final int O_NONBLOCK = 04000;
    public static final int O_CLOEXEC = 02000000;
    /** Packet mode for pipes; on aarch64 O_DIRECT has another value. */
    public static final int O_DIRECT = Libc.AARCH64 ? 0200000 : 040000;
    public static final int O_DIRECTORY = Libc.AARCH64 ? 040000 : 0200000;
    public static final int O_NOFOLLOW = Libc.AARCH64 ? 0100000 : 0400000;
    /** A descriptor that only names the file: the file's own open (fifo_open, a device's) does not run. */
    public static final int O_PATH = 010000000;

    public static final int F_DUPFD = 0;
    public static final int F_GETFD = 1;
    public static final int F_SETFD = 2;
    public static final int F_GETFL = 3;
    public static final int F_SETFL = 4;
    public static final int F_GETLK = 5;
    public static final int F_SETLK = 6;
    public static final int F_SETLKW = 7;
    public static final int F_OFD_GETLK = 36;
    public static final int F_OFD_SETLK = 37;
    public static final int F_OFD_SETLKW = 38;
    public static final int F_DUPFD_CLOEXEC = 1030;
    public static final int F_SETPIPE_SZ = 1031;
    public static final int F_GETPIPE_SZ = 1032;
    public static final int F_ADD_SEALS = 1033;
    public static final int F_GET_SEALS = 1034;
    public static final int FD_CLOEXEC = 1;
    public static final int O_ACCMODE = 3;

    public static final int SPLICE_F_MOVE = 1;
    public static final int SPLICE_F_NONBLOCK = 2;
    public static final int SPLICE_F_MORE = 4;

    /** {@code int fcntl(int fd, int cmd, int arg)}. */
    public static int fcntl(int fd, int cmd, int arg) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) FCNTL_INT.invokeExact(state, fd, cmd, arg);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int fcntl(int fd, int cmd, void *arg)}, for the commands taking a struct. */
    public static int fcntl(int fd, int cmd, MemorySegment arg) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) FCNTL_PTR.invokeExact(state, fd, cmd, arg);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int open(const char *pathname, int flags, mode_t mode)}. */
    public static int open(MemorySegment path, int flags, int mode) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) OPEN.invokeExact(state, path, flags, mode);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /**
     * {@code ssize_t splice(int fd_in, off64_t *off_in, int fd_out, off64_t *off_out, size_t len,
     * unsigned int flags)}; pass {@link MemorySegment#NULL} for an offset to use the file position.
     */
    public static long splice(int fdIn, MemorySegment offIn, int fdOut, MemorySegment offOut, long len, int flags) {
        MemorySegment state = Libc.callState();
        try {
            long r = (long) SPLICE.invokeExact(state, fdIn, offIn, fdOut, offOut, len, flags);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code ssize_t tee(int fd_in, int fd_out, size_t len, unsigned int flags)}. */
    public static long tee(int fdIn, int fdOut, long len, int flags) {
        MemorySegment state = Libc.callState();
        try {
            long r = (long) TEE.invokeExact(state, fdIn, fdOut, len, flags);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }
}
