package io.jipc.internal.libc;

import static io.jipc.internal.libc.Libc.C_INT;
import static io.jipc.internal.libc.Libc.C_LONG;
import static io.jipc.internal.libc.Libc.C_POINTER;
import static io.jipc.internal.libc.Libc.C_SIZE_T;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** {@code <unistd.h>}: descriptors, read/write, process ids. Raw results, {@code -errno} on failure. */
public final class Unistd {
    private Unistd() {}

    private static final MethodHandle CLOSE = Libc.downcall("close", FunctionDescriptor.of(C_INT, C_INT));
    private static final MethodHandle READ = Libc.downcall("read", FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_SIZE_T));
    private static final MethodHandle WRITE = Libc.downcall("write", FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_SIZE_T));
    // Without the errno capture, for a null state (see Errnos.UNCAPTURED).
    private static final MethodHandle READ_PLAIN = Libc.plainDowncall("read", FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_SIZE_T));
    private static final MethodHandle WRITE_PLAIN = Libc.plainDowncall("write", FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_SIZE_T));
    private static final MethodHandle PIPE2 = Libc.downcall("pipe2", FunctionDescriptor.of(C_INT, C_POINTER, C_INT));
    private static final MethodHandle DUP = Libc.downcall("dup", FunctionDescriptor.of(C_INT, C_INT));
    private static final MethodHandle DUP3 = Libc.downcall("dup3", FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT));
    private static final MethodHandle UNLINK = Libc.downcall("unlink", FunctionDescriptor.of(C_INT, C_POINTER));
    private static final MethodHandle RMDIR = Libc.downcall("rmdir", FunctionDescriptor.of(C_INT, C_POINTER));
    private static final MethodHandle FTRUNCATE = Libc.downcall("ftruncate", FunctionDescriptor.of(C_INT, C_INT, C_LONG));
    private static final MethodHandle LSEEK = Libc.downcall("lseek", FunctionDescriptor.of(C_LONG, C_INT, C_LONG, C_INT));
    private static final MethodHandle GETPID = Libc.plainDowncall("getpid", FunctionDescriptor.of(C_INT));
    private static final MethodHandle GETPPID = Libc.plainDowncall("getppid", FunctionDescriptor.of(C_INT));
    private static final MethodHandle GETUID = Libc.plainDowncall("getuid", FunctionDescriptor.of(C_INT));
    private static final MethodHandle GETGID = Libc.plainDowncall("getgid", FunctionDescriptor.of(C_INT));
    private static final MethodHandle GETTID = Libc.plainDowncall("gettid", FunctionDescriptor.of(C_INT));
    private static final MethodHandle SYSCONF = Libc.plainDowncall("sysconf", FunctionDescriptor.of(C_LONG, C_INT));

    /** {@code int close(int fd)}. Never retried on EINTR: on Linux the descriptor is gone either way. */
    public static int close(int fd) {
        try {
            MemorySegment state = Libc.callState();
            int r = (int) CLOSE.invokeExact(state, fd);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code ssize_t read(int fd, void *buf, size_t count)}. */
    public static long read(int fd, MemorySegment buf, long count) {
        return read(Libc.callState(), fd, buf, count);
    }

    /**
     * {@code read(2)} with the calling thread's errno capture segment passed in ({@link
     * Libc#callState()}, which a hot caller already holds, e.g. in its {@code Waiter}): saves the
     * thread-local lookup. A {@code null} state makes the call without the capture: a failure
     * is then {@code -Errnos.UNCAPTURED}.
     */
    public static long read(MemorySegment state, int fd, MemorySegment buf, long count) {
        try {
            if (state == null) {
                long r = (long) READ_PLAIN.invokeExact(fd, buf, count);
                return r < 0 ? -Errnos.UNCAPTURED : r;
            }
            long r = (long) READ.invokeExact(state, fd, buf, count);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code ssize_t write(int fd, const void *buf, size_t count)}. */
    public static long write(int fd, MemorySegment buf, long count) {
        return write(Libc.callState(), fd, buf, count);
    }

    /** {@code write(2)} with the calling thread's errno capture segment, as {@link #read(MemorySegment, int, MemorySegment, long)}. */
    public static long write(MemorySegment state, int fd, MemorySegment buf, long count) {
        try {
            if (state == null) {
                long r = (long) WRITE_PLAIN.invokeExact(fd, buf, count);
                return r < 0 ? -Errnos.UNCAPTURED : r;
            }
            long r = (long) WRITE.invokeExact(state, fd, buf, count);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /**
     * {@code read(fd, buf + offset, count)}. The slice is made here, next to the call, so that
     * escape analysis removes it even where this method is not inlined: no allocation per call.
     */
    public static long read(int fd, MemorySegment buf, long offset, long count) {
        return read(Libc.callState(), fd, buf, offset, count);
    }

    /** {@code read(fd, buf + offset, count)} with the calling thread's errno capture segment. */
    public static long read(MemorySegment state, int fd, MemorySegment buf, long offset, long count) {
        try {
            if (state == null) {
                long r = (long) READ_PLAIN.invokeExact(fd, buf.asSlice(offset), count);
                return r < 0 ? -Errnos.UNCAPTURED : r;
            }
            long r = (long) READ.invokeExact(state, fd, buf.asSlice(offset), count);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code write(fd, buf + offset, count)}; allocation-free like {@link #read(int, MemorySegment, long, long)}. */
    public static long write(int fd, MemorySegment buf, long offset, long count) {
        return write(Libc.callState(), fd, buf, offset, count);
    }

    /** {@code write(fd, buf + offset, count)} with the calling thread's errno capture segment. */
    public static long write(MemorySegment state, int fd, MemorySegment buf, long offset, long count) {
        try {
            if (state == null) {
                long r = (long) WRITE_PLAIN.invokeExact(fd, buf.asSlice(offset), count);
                return r < 0 ? -Errnos.UNCAPTURED : r;
            }
            long r = (long) WRITE.invokeExact(state, fd, buf.asSlice(offset), count);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int pipe2(int pipefd[2], int flags)}; {@code fds} holds two C ints. */
    public static int pipe2(MemorySegment fds, int flags) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) PIPE2.invokeExact(state, fds, flags);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int dup(int oldfd)}. The copy is not close-on-exec; prefer {@code fcntl(F_DUPFD_CLOEXEC)}. */
    public static int dup(int fd) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) DUP.invokeExact(state, fd);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int dup3(int oldfd, int newfd, int flags)}. */
    public static int dup3(int oldFd, int newFd, int flags) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) DUP3.invokeExact(state, oldFd, newFd, flags);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int unlink(const char *pathname)}. */
    public static int unlink(MemorySegment path) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) UNLINK.invokeExact(state, path);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int rmdir(const char *pathname)}. */
    public static int rmdir(MemorySegment path) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) RMDIR.invokeExact(state, path);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int ftruncate(int fd, off_t length)}. */
    public static int ftruncate(int fd, long length) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) FTRUNCATE.invokeExact(state, fd, length);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code off_t lseek(int fd, off_t offset, int whence)}. */
    public static long lseek(int fd, long offset, int whence) {
        MemorySegment state = Libc.callState();
        try {
            long r = (long) LSEEK.invokeExact(state, fd, offset, whence);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code pid_t getpid(void)}; cannot fail. */
    public static int getpid() {
        try {
            return (int) GETPID.invokeExact();
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code pid_t getppid(void)}; cannot fail. */
    public static int getppid() {
        try {
            return (int) GETPPID.invokeExact();
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code uid_t getuid(void)}. */
    public static int getuid() {
        try {
            return (int) GETUID.invokeExact();
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code gid_t getgid(void)}. */
    public static int getgid() {
        try {
            return (int) GETGID.invokeExact();
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code pid_t gettid(void)} (glibc 2.30+). */
    public static int gettid() {
        try {
            return (int) GETTID.invokeExact();
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code long sysconf(int name)}; -1 for a limit the system does not have. */
    public static long sysconf(int name) {
        try {
            return (long) SYSCONF.invokeExact(name);
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    public static final int _SC_PAGESIZE = 30;

    public static final int SEEK_SET = 0;
    public static final int SEEK_CUR = 1;
    public static final int SEEK_END = 2;
}
