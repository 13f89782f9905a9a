package io.jipc.internal.libc;

import static io.jipc.internal.libc.Libc.C_INT;
import static io.jipc.internal.libc.Libc.C_LONG;
import static io.jipc.internal.libc.Libc.C_POINTER;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** {@code <sys/stat.h>}: struct stat, fstat, mkfifo, mkdir, chmod, fchmod, umask. Raw results, {@code -errno} on failure. */
public final class Stat {
    private Stat() {}

    /** {@code struct stat}; x86_64 keeps the old layout, aarch64 the generic one. */
    public static final Libc.CStruct STAT = Libc.AARCH64
            ? Libc.struct("sys/stat.h", "struct stat",
                    C_LONG.withName("st_dev"), C_LONG.withName("st_ino"),
                    C_INT.withName("st_mode"), C_INT.withName("st_nlink"),
                    C_INT.withName("st_uid"), C_INT.withName("st_gid"),
                    C_LONG.withName("st_rdev"), C_LONG, C_LONG.withName("st_size"),
                    C_INT.withName("st_blksize"), C_INT, C_LONG.withName("st_blocks"),
                    Time.TIMESPEC.layout().withName("st_atim"), Time.TIMESPEC.layout().withName("st_mtim"),
                    Time.TIMESPEC.layout().withName("st_ctim"), MemoryLayout.sequenceLayout(2, C_INT))
            : Libc.struct("sys/stat.h", "struct stat",
                    C_LONG.withName("st_dev"), C_LONG.withName("st_ino"), C_LONG.withName("st_nlink"),
                    C_INT.withName("st_mode"), C_INT.withName("st_uid"), C_INT.withName("st_gid"), C_INT,
                    C_LONG.withName("st_rdev"), C_LONG.withName("st_size"), C_LONG.withName("st_blksize"),
                    C_LONG.withName("st_blocks"),
                    Time.TIMESPEC.layout().withName("st_atim"), Time.TIMESPEC.layout().withName("st_mtim"),
                    Time.TIMESPEC.layout().withName("st_ctim"), MemoryLayout.sequenceLayout(3, C_LONG));
    public static final long ST_MODE = STAT.offset("st_mode");
    public static final long ST_UID = STAT.offset("st_uid");
    public static final long ST_GID = STAT.offset("st_gid");
    public static final long ST_SIZE = STAT.offset("st_size");
    public static final long ST_INO = STAT.offset("st_ino");
    public static final long ST_DEV = STAT.offset("st_dev");
    public static final long ST_BLKSIZE = STAT.offset("st_blksize");

    /** {@code st_blksize}, a long on x86_64 and an int on aarch64. */
    public static long blksize(MemorySegment statbuf) {
        return Libc.AARCH64 ? statbuf.get(java.lang.foreign.ValueLayout.JAVA_INT, ST_BLKSIZE)
                : statbuf.get(java.lang.foreign.ValueLayout.JAVA_LONG, ST_BLKSIZE);
    }

    public static final int S_IFMT = 0170000;
    public static final int S_IFIFO = 0010000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFSOCK = 0140000;

    private static final MethodHandle FSTAT = Libc.downcall("fstat", FunctionDescriptor.of(C_INT, C_INT, C_POINTER));
    private static final MethodHandle STAT_CALL = Libc.downcall("stat", FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER));
    private static final MethodHandle LSTAT = Libc.downcall("lstat", FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER));
    private static final MethodHandle MKFIFO = Libc.downcall("mkfifo", FunctionDescriptor.of(C_INT, C_POINTER, C_INT));
    private static final MethodHandle MKDIR = Libc.downcall("mkdir", FunctionDescriptor.of(C_INT, C_POINTER, C_INT));
    private static final MethodHandle CHMOD = Libc.downcall("chmod", FunctionDescriptor.of(C_INT, C_POINTER, C_INT));
    private static final MethodHandle FCHMOD = Libc.downcall("fchmod", FunctionDescriptor.of(C_INT, C_INT, C_INT));

    /** {@code int fstat(int fd, struct stat *statbuf)} (exported by glibc since 2.33). */
    public static int fstat(int fd, MemorySegment statbuf) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) FSTAT.invokeExact(state, fd, statbuf);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int stat(const char *pathname, struct stat *statbuf)}. */
    public static int stat(MemorySegment path, MemorySegment statbuf) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) STAT_CALL.invokeExact(state, path, statbuf);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int lstat(const char *pathname, struct stat *statbuf)}. */
    public static int lstat(MemorySegment path, MemorySegment statbuf) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) LSTAT.invokeExact(state, path, statbuf);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int mkfifo(const char *pathname, mode_t mode)} (the mode is filtered by the umask). */
    public static int mkfifo(MemorySegment path, int mode) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) MKFIFO.invokeExact(state, path, mode);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int mkdir(const char *pathname, mode_t mode)} (the mode is filtered by the umask). */
    public static int mkdir(MemorySegment path, int mode) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) MKDIR.invokeExact(state, path, mode);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int chmod(const char *pathname, mode_t mode)}. */
    public static int chmod(MemorySegment path, int mode) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) CHMOD.invokeExact(state, path, mode);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int fchmod(int fd, mode_t mode)}. */
    public static int fchmod(int fd, int mode) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) FCHMOD.invokeExact(state, fd, mode);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }
}
