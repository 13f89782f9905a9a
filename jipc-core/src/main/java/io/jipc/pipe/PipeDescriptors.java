package io.jipc.pipe;

import static io.jipc.internal.libc.Errnos.EAGAIN;

import io.jipc.Errno;
import io.jipc.Fd;
import io.jipc.IpcException;
import io.jipc.internal.libc.Fcntl;
import io.jipc.internal.libc.Ioctl;
import io.jipc.internal.libc.Stat;
import io.jipc.internal.libc.Uio;
import io.jipc.internal.libc.Unistd;
import io.jipc.internal.wait.Handle;
import io.jipc.internal.wait.Waiter;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What pipe and FIFO ends do to their descriptors outside reads and writes: which descriptions
 * take {@code RWF_NOWAIT}, the checks of an adopted descriptor, reopening through /proc,
 * switching {@code O_NONBLOCK}, and the capacity calls.
 */
final class PipeDescriptors {
    private PipeDescriptors() {}

    private static final String PIPE_MAX_SIZE = "/proc/sys/fs/pipe-max-size";

    /**
     * Whether pipes made by pipe2(2) take RWF_NOWAIT on this kernel (Linux 5.x+): then their
     * non-blocking and timed forms need not touch the description's mode. Probed once.
     */
    static boolean pipesTakeNowait() {
        return NowaitProbe.PIPES;
    }

    /**
     * Whether descriptions opened as FIFOs (by path, or a pipe reopened through /proc: both
     * through the kernel's fifo_open) take RWF_NOWAIT. False up to Linux 6.18 at least.
     */
    static boolean fifosTakeNowait() {
        return NowaitProbe.FIFOS;
    }

    /**
     * Probes on a scratch pipe, made non-blocking so that nothing can wait: the kernel checks
     * RWF_NOWAIT before it looks at the pipe, so EAGAIN from an empty pipe means "taken" and
     * EOPNOTSUPP "refused". FIFOs are probed on the pipe's read end reopened through /proc.
     */
    private static final class NowaitProbe {
        static final boolean PIPES;
        static final boolean FIFOS;
        /** st_dev of pipe2(2)'s pipes (pipefs), to tell them from FIFOs in a file system; -1 if unknown. */
        static final long PIPEFS_DEV;

        static {
            boolean pipes = false;
            boolean fifos = false;
            long dev = -1;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment fds = arena.allocate(ValueLayout.JAVA_INT, 2);
                if (Unistd.pipe2(fds, Fcntl.O_CLOEXEC | Fcntl.O_NONBLOCK) == 0) {
                    int in = fds.getAtIndex(ValueLayout.JAVA_INT, 0);
                    int out = fds.getAtIndex(ValueLayout.JAVA_INT, 1);
                    MemorySegment iov = arena.allocate(Uio.IOVEC_SIZE, 8);
                    MemorySegment buf = arena.allocate(1);
                    pipes = Uio.preadv2(in, iov, buf, 0, 1, Uio.RWF_NOWAIT) == -EAGAIN
                            && Uio.pwritev2(out, iov, buf, 0, 1, Uio.RWF_NOWAIT) == 1;
                    MemorySegment st = arena.allocate(Stat.STAT.layout());
                    if (Stat.fstat(in, st) == 0) {
                        dev = st.get(ValueLayout.JAVA_LONG, Stat.ST_DEV);
                    }
                    Unistd.read(in, buf, 1); // the probe's byte: the reopened end must find the pipe empty
                    int copy = Fcntl.open(arena.allocateFrom("/proc/self/fd/" + in),
                            Fcntl.O_RDONLY | Fcntl.O_NONBLOCK | Fcntl.O_CLOEXEC, 0);
                    if (copy >= 0) {
                        fifos = pipes && Uio.preadv2(copy, iov, buf, 0, 1, Uio.RWF_NOWAIT) == -EAGAIN;
                        Unistd.close(copy);
                    }
                    Unistd.close(in);
                    Unistd.close(out);
                }
            }
            PIPES = pipes;
            FIFOS = fifos;
            PIPEFS_DEV = dev;
        }
    }

    // ------------------------------------------------------------------ adopt and reopen

    /** What {@link #prepareAdopted} found: the description's mode, and whether it may take RWF_NOWAIT. */
    record Adopted(boolean blocking, boolean nowait) {}

    /**
     * Checks that {@code number} is a pipe or FIFO open in the right direction, then makes it
     * close-on-exec. The description keeps its mode. Whether it takes RWF_NOWAIT is guessed from
     * its kind (a pipe by its pipefs device, else a FIFO); a pipe reopened through /proc cannot
     * be told from one made by pipe2(2), and refuses it: its first non-blocking call finds out.
     */
    static Adopted prepareAdopted(int number, String label, boolean forReading) throws IpcException {
        int mode;
        long dev;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = arena.allocate(Stat.STAT.layout());
            int r = Stat.fstat(number, st);
            if (r < 0) {
                throw IpcException.of("fstat", label, -r);
            }
            mode = st.get(ValueLayout.JAVA_INT, Stat.ST_MODE);
            dev = st.get(ValueLayout.JAVA_LONG, Stat.ST_DEV);
        }
        if ((mode & Stat.S_IFMT) != Stat.S_IFIFO) {
            throw new IllegalArgumentException(label + " is " + fileType(mode) + ", not a pipe or FIFO");
        }
        int flags = Fcntl.fcntl(number, Fcntl.F_GETFL, 0);
        if (flags < 0) {
            throw IpcException.of("fcntl(F_GETFL)", label, -flags);
        }
        int access = flags & Fcntl.O_ACCMODE;
        if (forReading && access == Fcntl.O_WRONLY) {
            throw new IllegalArgumentException(label + " is open for writing only: a write end, not a read end");
        }
        if (!forReading && access == Fcntl.O_RDONLY) {
            throw new IllegalArgumentException(label + " is open for reading only: a read end, not a write end");
        }
        int r = Fcntl.fcntl(number, Fcntl.F_SETFD, Fcntl.FD_CLOEXEC);
        if (r < 0) {
            throw IpcException.of("fcntl(F_SETFD)", label, -r);
        }
        return new Adopted((flags & Fcntl.O_NONBLOCK) == 0,
                dev == NowaitProbe.PIPEFS_DEV ? pipesTakeNowait() : fifosTakeNowait());
    }

    /** Clears {@code O_NONBLOCK} on a descriptor just opened with it (a FIFO end opened without waiting). */
    static void makeBlocking(int number, String label) throws IpcException {
        int flags = Fcntl.fcntl(number, Fcntl.F_GETFL, 0);
        if (flags < 0) {
            throw IpcException.of("fcntl(F_GETFL)", label, -flags);
        }
        if ((flags & Fcntl.O_NONBLOCK) != 0) {
            int r = Fcntl.fcntl(number, Fcntl.F_SETFL, flags & ~Fcntl.O_NONBLOCK);
            if (r < 0) {
                throw IpcException.of("fcntl(F_SETFL)", label, -r);
            }
        }
    }

    /**
     * Sets {@code O_NONBLOCK} on the description of {@code number} (acquired through {@code
     * handle}) and records it there; for a call that cannot throw: 0, or {@code -errno}.
     */
    static int makeNonBlocking(Handle handle, int number) {
        int flags = Fcntl.fcntl(number, Fcntl.F_GETFL, 0);
        if (flags < 0) {
            return flags;
        }
        int r = Fcntl.fcntl(number, Fcntl.F_SETFL, flags | Fcntl.O_NONBLOCK);
        if (r < 0) {
            return r;
        }
        handle.blocking(false);
        return 0;
    }

    /** Reads the description's mode back into its handle (after a call may have guessed it wrong). */
    static void syncMode(Fd fd, Handle handle) throws IpcException {
        int n = fd.acquire("fcntl");
        try {
            int flags = Fcntl.fcntl(n, Fcntl.F_GETFL, 0);
            if (flags < 0) {
                throw IpcException.of("fcntl(F_GETFL)", fd.label(), -flags);
            }
            handle.blocking((flags & Fcntl.O_NONBLOCK) == 0);
        } finally {
            fd.release();
        }
    }

    /** Whether descriptor {@code number} is in non-blocking mode; {@code -errno} if it cannot be read. */
    static int nonBlocking(int number) {
        int flags = Fcntl.fcntl(number, Fcntl.F_GETFL, 0);
        return flags < 0 ? flags : (flags & Fcntl.O_NONBLOCK) != 0 ? 1 : 0;
    }

    /** A new, blocking, close-on-exec open file description of the same pipe via /proc/self/fd. */
    static Fd reopenBlocking(Fd fd, boolean forReading) throws IpcException {
        int n = fd.acquire("open");
        try {
            int flags = Fcntl.fcntl(n, Fcntl.F_GETFL, 0);
            if (flags < 0) {
                throw IpcException.of("fcntl(F_GETFL)", fd.label(), -flags);
            }
            String path = "/proc/self/fd/" + n;
            int copy;
            try (Arena arena = Arena.ofConfined()) {
                // O_NONBLOCK for the open itself: a FIFO's write end with no reader says ENXIO, not hang.
                copy = Fcntl.open(arena.allocateFrom(path),
                        (forReading ? Fcntl.O_RDONLY : Fcntl.O_WRONLY) | Fcntl.O_CLOEXEC | Fcntl.O_NONBLOCK, 0);
            }
            if (copy < 0) {
                throw IpcException.of("open", path + " (" + fd.label() + ")", -copy);
            }
            int r = Fcntl.fcntl(copy, Fcntl.F_GETFL, 0);
            if (r >= 0) {
                r = Fcntl.fcntl(copy, Fcntl.F_SETFL, (r & ~Fcntl.O_NONBLOCK) | (flags & Fcntl.O_DIRECT));
            }
            if (r < 0) {
                Unistd.close(copy);
                throw IpcException.of("fcntl(F_SETFL)", path + " (" + fd.label() + ")", -r);
            }
            return Fd.adopt(copy, fd.label());
        } finally {
            fd.release();
        }
    }

    /** What an st_mode says a file is, for error messages. */
    static String fileType(int mode) {
        return switch (mode & Stat.S_IFMT) {
            case Stat.S_IFREG -> "a regular file";
            case Stat.S_IFDIR -> "a directory";
            case Stat.S_IFSOCK -> "a socket";
            case Stat.S_IFCHR -> "a character device";
            case 0060000 -> "a block device";
            case 0120000 -> "a symbolic link";
            case Stat.S_IFIFO -> "a FIFO";
            default -> "a file of type 0" + Integer.toOctalString(mode & Stat.S_IFMT);
        };
    }

    // ------------------------------------------------------------------ capacity

    /** Bytes the pipe holds now (ioctl FIONREAD). */
    static int available(Fd fd) throws IpcException {
        int n = fd.acquire("ioctl");
        try {
            MemorySegment count = Waiter.current().intOut();
            int r = Ioctl.ioctl(n, Ioctl.FIONREAD, count);
            if (r < 0) {
                throw IpcException.of("ioctl(FIONREAD)", fd.label(), -r);
            }
            return count.get(ValueLayout.JAVA_INT, 0);
        } finally {
            fd.release();
        }
    }

    static int capacity(Fd fd) throws IpcException {
        int n = fd.acquire("fcntl");
        try {
            int r = Fcntl.fcntl(n, Fcntl.F_GETPIPE_SZ, 0);
            if (r < 0) {
                throw IpcException.of("fcntl(F_GETPIPE_SZ)", fd.label(), -r);
            }
            return r;
        } finally {
            fd.release();
        }
    }

    static int setCapacity(Fd fd, int bytes) throws IpcException {
        int n = fd.acquire("fcntl");
        try {
            int r = Fcntl.fcntl(n, Fcntl.F_SETPIPE_SZ, bytes);
            if (r < 0) {
                throw capacityRefused(fd, bytes, -r);
            }
            return r;
        } finally {
            fd.release();
        }
    }

    private static IpcException capacityRefused(Fd fd, int bytes, int errno) {
        String limit = PIPE_MAX_SIZE + " is " + pipeMaxSize();
        String why = switch (Errno.of(errno)) {
            case EPERM -> "above " + limit + " (raising past it needs CAP_SYS_RESOURCE),"
                    + " or the user's pipe buffer quota (/proc/sys/fs/pipe-user-pages-soft) is spent";
            case EBUSY -> "the pipe holds more data than that; " + limit;
            case EINVAL -> "out of range; " + limit;
            case null, default -> Errno.describe(errno) + "; " + limit;
        };
        return IpcException.withDetail("fcntl(F_SETPIPE_SZ)", fd.label(), errno,
                "cannot set the capacity to " + bytes + " bytes: " + why);
    }

    /**
     * The system's pipe-max-size, read when a refusal is reported. Not with Files.readString: on
     * JDK 25 it returns only the first byte of a /proc/sys file ("1" for 1048576).
     */
    static String pipeMaxSize() {
        try {
            return Files.readAllLines(Path.of(PIPE_MAX_SIZE)).get(0).trim();
        } catch (IOException | RuntimeException e) {
            return "unreadable (" + e.getMessage() + ")";
        }
    }
}
