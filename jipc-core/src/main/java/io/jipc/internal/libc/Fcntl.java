package io.jipc.internal.libc;

import static io.jipc.internal.libc.Libc.C_INT;
import static io.jipc.internal.libc.Libc.C_LONG;
import static io.jipc.internal.libc.Libc.C_POINTER;
import static io.jipc.internal.libc.Libc.C_SIZE_T;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** {@code <fcntl.h>}: open, fcntl (struct flock, file seals), fallocate, splice and tee. Raw results, {@code -errno} on failure. */
public final class Fcntl {
    private Fcntl() {}

    /**
     * {@code struct flock { short l_type; short l_whence; off_t l_start; off_t l_len; pid_t l_pid; }},
     * the record lock of F_GETLK/F_SETLK/F_SETLKW and their F_OFD_* forms (64-bit off_t on both
     * platforms).
     */
    public static final Libc.CStruct FLOCK = Libc.struct("fcntl.h", "struct flock",
            Libc.C_SHORT.withName("l_type"), Libc.C_SHORT.withName("l_whence"), MemoryLayout.paddingLayout(4),
            C_LONG.withName("l_start"), C_LONG.withName("l_len"), C_INT.withName("l_pid"),
            MemoryLayout.paddingLayout(4));
    public static final long FLOCK_SIZE = FLOCK.layout().byteSize();
    public static final long L_TYPE = FLOCK.offset("l_type");
    public static final long L_WHENCE = FLOCK.offset("l_whence");
    public static final long L_START = FLOCK.offset("l_start");
    public static final long L_LEN = FLOCK.offset("l_len");
    public static final long L_PID = FLOCK.offset("l_pid");

    /** {@code l_type} values. */
    public static final short F_RDLCK = 0;
    public static final short F_WRLCK = 1;
    public static final short F_UNLCK = 2;

    // fcntl and open are variadic: the third argument goes through the variadic ABI.
    private static final MethodHandle FCNTL_INT = Libc.downcall("fcntl",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle FCNTL_PTR = Libc.downcall("fcntl",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_POINTER), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle FCNTL_PTR_PLAIN = Libc.plainDowncall("fcntl",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_POINTER), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle OPEN = Libc.downcall("open",
            FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_INT), Linker.Option.firstVariadicArg(2));

    private static final MethodHandle SPLICE = Libc.downcall("splice",
            FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_INT, C_POINTER, C_SIZE_T, C_INT));
    private static final MethodHandle TEE = Libc.downcall("tee",
            FunctionDescriptor.of(C_LONG, C_INT, C_INT, C_SIZE_T, C_INT));
    private static final MethodHandle FALLOCATE = Libc.downcall("fallocate",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_LONG, C_LONG));

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
    /** File seals (F_ADD_SEALS, F_GET_SEALS) of a memfd or shmem file. */
    public static final int F_SEAL_SEAL = 0x0001;
    public static final int F_SEAL_SHRINK = 0x0002;
    public static final int F_SEAL_GROW = 0x0004;
    public static final int F_SEAL_WRITE = 0x0008;
    public static final int F_SEAL_FUTURE_WRITE = 0x0010;
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
        return fcntl(Libc.callState(), fd, cmd, arg);
    }

    /**
     * {@code fcntl} with a struct argument and the thread's errno capture segment passed in;
     * {@code null} makes the call without it, and a failure is then {@code -Errnos.UNCAPTURED}.
     */
    public static int fcntl(MemorySegment state, int fd, int cmd, MemorySegment arg) {
        try {
            if (state == null) {
                int r = (int) FCNTL_PTR_PLAIN.invokeExact(fd, cmd, arg);
                return r < 0 ? -Errnos.UNCAPTURED : r;
            }
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

    /**
     * {@code int fallocate(int fd, int mode, off_t offset, off_t len)}; mode 0 allocates the range
     * and grows the file to {@code offset + len} if it is shorter (never shrinks it).
     */
    public static int fallocate(int fd, int mode, long offset, long length) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) FALLOCATE.invokeExact(state, fd, mode, offset, length);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }
}
