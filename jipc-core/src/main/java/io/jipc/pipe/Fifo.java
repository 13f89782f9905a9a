package io.jipc.pipe;

import static io.jipc.internal.libc.Errnos.EAGAIN;
import static io.jipc.internal.libc.Errnos.EEXIST;
import static io.jipc.internal.libc.Errnos.EINVAL;
import static io.jipc.internal.libc.Errnos.ENOENT;
import static io.jipc.internal.libc.Errnos.ENXIO;

import io.jipc.Fd;
import io.jipc.IpcException;
import io.jipc.IpcInterruptedException;
import io.jipc.Perms;
import io.jipc.internal.libc.Fcntl;
import io.jipc.internal.libc.Stat;
import io.jipc.internal.libc.Unistd;
import io.jipc.internal.wait.Attempt;
import io.jipc.internal.wait.Deadline;
import io.jipc.internal.wait.Handle;
import io.jipc.internal.wait.Operation;
import io.jipc.internal.wait.Waiter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A FIFO (named pipe): a pipe with a name in the file system, made by
 * <a href="https://man7.org/linux/man-pages/man3/mkfifo.3.html">mkfifo(3)</a>, that unrelated
 * processes open by path. The name stays until {@link #unlink()}; the data lives only in the ends
 * that are open, which are the same {@link Pipe.ReadEnd} and {@link Pipe.WriteEnd} an anonymous
 * pipe has, in blocking mode. One difference: the kernel refuses {@code RWF_NOWAIT} on FIFOs (up
 * to Linux 6.18 at least), so a FIFO end's timed calls sleep in the call under the thread's timer,
 * and its first non-blocking call makes it non-blocking; see {@link Pipe}'s "How calls wait".
 *
 * <p><b>Opening waits for the other side</b>, as <a
 * href="https://man7.org/linux/man-pages/man7/fifo.7.html">fifo(7)</a> says: a reader until a
 * writer has opened, a writer until a reader has. jipc waits the way C does, inside the kernel's
 * own blocking open(2), which counts this side as present while it waits (so a C program blocked
 * in its own open is met at once) and which the thread's wake-up signal ends for {@link
 * Thread#interrupt()} ({@link IpcInterruptedException}) and for the deadline of a timed open.
 * Every open comes in three forms: {@link #openForReading(Path)} waits, {@link
 * #tryOpenForReading(Path, Duration)} waits at most that long, {@link #tryOpenForReading(Path)}
 * never waits (empty unless the other side is there now): a writer's {@code O_WRONLY|O_NONBLOCK},
 * whose ENXIO means "no reader"; a reader's {@code O_RDONLY|O_NONBLOCK}, then tee(2) of one byte
 * into a scratch pipe, which says EAGAIN while a writer has the FIFO open and the pipe is empty,
 * and 0 when no writer has.
 *
 * <p>The path is checked before anything opens the FIFO: it is opened {@code O_PATH} (which runs
 * no open of the file itself), checked with fstat(2), and only a FIFO is then opened, through
 * {@code /proc/self/fd/N}: the same file, even if the name changes meanwhile. Anything else is
 * refused with an {@link IpcException} saying what it is, never opened, so a device is never
 * touched.
 *
 * <pre>{@code
 * Fifo fifo = Fifo.createExclusively(Path.of("/tmp/jobs.fifo"));
 * try (Pipe.WriteEnd out = fifo.openForWriting()) {      // waits for a reader
 *     out.write("job 1\n".getBytes(StandardCharsets.UTF_8));
 * } finally {
 *     fifo.unlink();
 * }
 * }</pre>
 */
public final class Fifo {
    /**
     * How a FIFO is created.
     *
     * @param mode its permissions, set exactly (the umask does not apply); default 0600
     * @see <a href="https://man7.org/linux/man-pages/man3/mkfifo.3.html">mkfifo(3)</a>
     */
    public record Options(Set<PosixFilePermission> mode) {
        public Options {
            mode = Set.copyOf(Objects.requireNonNull(mode, "mode"));
        }

        /** Mode 0600. */
        public static Options defaults() {
            return new Options(Perms.DEFAULT);
        }

        /** Permissions for a FIFO this call creates. */
        public Options withMode(Set<PosixFilePermission> permissions) {
            return new Options(permissions);
        }
    }

    private final Path path;

    private Fifo(Path path) {
        this.path = path;
    }

    // ------------------------------------------------------------------ creation

    /**
     * Creates a FIFO at {@code path} with mode 0600; fails if anything exists there.
     *
     * @throws io.jipc.AlreadyExistsException if the path exists (EEXIST)
     */
    public static Fifo createExclusively(Path path) throws IpcException {
        return createExclusively(path, Options.defaults());
    }

    /**
     * Creates a FIFO at {@code path} with the options' mode; fails if anything exists there.
     *
     * @throws io.jipc.AlreadyExistsException if the path exists (EEXIST)
     */
    public static Fifo createExclusively(Path path, Options options) throws IpcException {
        return create(path, options, false);
    }

    /**
     * Creates a FIFO at {@code path} with mode 0600, or reuses the FIFO already there (its mode
     * unchanged).
     *
     * @throws IpcException EEXIST, saying what it is, if something other than a FIFO is there
     */
    public static Fifo createOrOpen(Path path) throws IpcException {
        return createOrOpen(path, Options.defaults());
    }

    /**
     * Creates a FIFO at {@code path} with the options' mode, or reuses the FIFO already there
     * (its mode unchanged).
     *
     * @throws IpcException EEXIST, saying what it is, if something other than a FIFO is there
     */
    public static Fifo createOrOpen(Path path, Options options) throws IpcException {
        return create(path, options, true);
    }

    /**
     * The FIFO that exists at {@code path} (made by another program, or by {@code mkfifo(1)}).
     *
     * @throws io.jipc.NotFoundException if nothing is there
     * @throws IpcException              EINVAL, saying what it is, if it is not a FIFO
     */
    public static Fifo openExisting(Path path) throws IpcException {
        String label = label(path);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = arena.allocate(Stat.STAT.layout());
            int r = Stat.stat(arena.allocateFrom(label), st);
            if (r < 0) {
                throw IpcException.of("stat", label, -r);
            }
            requireFifo(st, "stat", label);
        }
        return new Fifo(path);
    }

    private static Fifo create(Path path, Options options, boolean reuse) throws IpcException {
        String label = label(path);
        int mode = Perms.toMode(Objects.requireNonNull(options, "options").mode());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = arena.allocateFrom(label);
            int r = Stat.mkfifo(p, mode);
            if (r == 0) {
                // mkfifo applied the umask: set the mode asked for.
                MemorySegment st = arena.allocate(Stat.STAT.layout());
                if (Stat.stat(p, st) == 0 && (st.get(ValueLayout.JAVA_INT, Stat.ST_MODE) & 07777) != mode) {
                    int c = Stat.chmod(p, mode);
                    if (c < 0) {
                        throw IpcException.of("chmod", label, -c);
                    }
                }
                return new Fifo(path);
            }
            if (r == -EEXIST && reuse) {
                MemorySegment st = arena.allocate(Stat.STAT.layout());
                int s = Stat.stat(p, st);
                if (s < 0) {
                    throw IpcException.of("stat", label, -s);
                }
                int m = st.get(ValueLayout.JAVA_INT, Stat.ST_MODE);
                if ((m & Stat.S_IFMT) != Stat.S_IFIFO) {
                    throw IpcException.withDetail("mkfifo", label, EEXIST,
                            "exists and is " + PipeDescriptors.fileType(m) + ", not a FIFO");
                }
                return new Fifo(path);
            }
            throw IpcException.of("mkfifo", label, -r);
        }
    }

    /** Where the FIFO is. */
    public Path path() {
        return path;
    }

    /**
     * Removes the name with <a href="https://man7.org/linux/man-pages/man2/unlink.2.html">unlink(2)</a>;
     * ends already open keep working. Refuses to remove anything that is not a FIFO (the name may
     * have been replaced meanwhile).
     *
     * @throws io.jipc.NotFoundException if nothing is at the path any more
     * @throws IpcException              EINVAL if what is there now is not a FIFO
     */
    public void unlink() throws IpcException {
        String label = label(path);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = arena.allocateFrom(label);
            MemorySegment st = arena.allocate(Stat.STAT.layout());
            int r = Stat.lstat(p, st);
            if (r < 0) {
                throw IpcException.of("unlink", label, -r);
            }
            int m = st.get(ValueLayout.JAVA_INT, Stat.ST_MODE);
            if ((m & Stat.S_IFMT) != Stat.S_IFIFO) {
                throw IpcException.withDetail("unlink", label, EINVAL,
                        "is " + PipeDescriptors.fileType(m) + ", not a FIFO: left in place");
            }
            r = Unistd.unlink(p);
            if (r < 0) {
                throw IpcException.of("unlink", label, -r);
            }
        }
    }

    @Override
    public String toString() {
        return "Fifo[" + path + "]";
    }

    // ------------------------------------------------------------------ opening, instance forms

    /** {@link #openForReading(Path)} on this FIFO. */
    public Pipe.ReadEnd openForReading() throws IpcException {
        return openForReading(path);
    }

    /** {@link #tryOpenForReading(Path)} on this FIFO. */
    public Optional<Pipe.ReadEnd> tryOpenForReading() throws IpcException {
        return tryOpenForReading(path);
    }

    /** {@link #tryOpenForReading(Path, Duration)} on this FIFO. */
    public Optional<Pipe.ReadEnd> tryOpenForReading(Duration timeout) throws IpcException {
        return tryOpenForReading(path, timeout);
    }

    /** {@link #openForWriting(Path)} on this FIFO. */
    public Pipe.WriteEnd openForWriting() throws IpcException {
        return openForWriting(path);
    }

    /** {@link #tryOpenForWriting(Path)} on this FIFO. */
    public Optional<Pipe.WriteEnd> tryOpenForWriting() throws IpcException {
        return tryOpenForWriting(path);
    }

    /** {@link #tryOpenForWriting(Path, Duration)} on this FIFO. */
    public Optional<Pipe.WriteEnd> tryOpenForWriting(Duration timeout) throws IpcException {
        return tryOpenForWriting(path, timeout);
    }

    // ------------------------------------------------------------------ opening, by path

    /**
     * Opens the FIFO at {@code path} for reading (<a
     * href="https://man7.org/linux/man-pages/man2/open.2.html">open(2)</a> {@code O_RDONLY}),
     * waiting until a writer has opened it. Reads then return {@link io.jipc.Transfer#EOF} once
     * every writer has closed.
     *
     * @throws io.jipc.NotFoundException if nothing is at {@code path}
     * @throws IpcException              EINVAL if it is not a FIFO; EACCES...
     * @throws IpcInterruptedException   if the thread is interrupted while waiting
     */
    public static Pipe.ReadEnd openForReading(Path path) throws IpcException {
        return reader(open(path, false, Deadline.FOREVER)).orElseThrow();
    }

    /**
     * Opens the FIFO at {@code path} for reading if a writer has it open now.
     *
     * @return the read end, or empty if there is no writer
     */
    public static Optional<Pipe.ReadEnd> tryOpenForReading(Path path) throws IpcException {
        return reader(open(path, false, Deadline.NOW));
    }

    /**
     * Opens the FIFO at {@code path} for reading, waiting at most {@code timeout} for a writer.
     *
     * @return the read end, or empty if no writer came in time
     */
    public static Optional<Pipe.ReadEnd> tryOpenForReading(Path path, Duration timeout) throws IpcException {
        return reader(open(path, false, Deadline.after(timeout)));
    }

    /**
     * Opens the FIFO at {@code path} for writing ({@code O_WRONLY}), waiting until a reader has
     * opened it.
     *
     * @throws io.jipc.NotFoundException if nothing is at {@code path}
     * @throws IpcException              EINVAL if it is not a FIFO; EACCES...
     * @throws IpcInterruptedException   if the thread is interrupted while waiting
     */
    public static Pipe.WriteEnd openForWriting(Path path) throws IpcException {
        return writer(open(path, true, Deadline.FOREVER)).orElseThrow();
    }

    /**
     * Opens the FIFO at {@code path} for writing if a reader has it open now.
     *
     * @return the write end, or empty if there is no reader
     */
    public static Optional<Pipe.WriteEnd> tryOpenForWriting(Path path) throws IpcException {
        return writer(open(path, true, Deadline.NOW));
    }

    /**
     * Opens the FIFO at {@code path} for writing, waiting at most {@code timeout} for a reader: a
     * writer with no reader gives up cleanly.
     *
     * @return the write end, or empty if no reader came in time
     */
    public static Optional<Pipe.WriteEnd> tryOpenForWriting(Path path, Duration timeout) throws IpcException {
        return writer(open(path, true, Deadline.after(timeout)));
    }

    private static Optional<Pipe.ReadEnd> reader(Optional<Fd> fd) {
        return fd.map(f -> new Pipe.ReadEnd(f, true, PipeDescriptors.fifosTakeNowait()));
    }

    private static Optional<Pipe.WriteEnd> writer(Optional<Fd> fd) {
        return fd.map(f -> new Pipe.WriteEnd(f, true, PipeDescriptors.fifosTakeNowait()));
    }

    // ------------------------------------------------------------------ the open

    /**
     * Opens the FIFO at {@code path} by {@code deadline}, as a blocking description: the path is
     * opened {@code O_PATH} and checked, then the FIFO is opened through /proc (see the class
     * comment); empty when the other side did not come in time.
     */
    private static Optional<Fd> open(Path path, boolean writing, long deadline) throws IpcException {
        String label = label(path);
        try (Arena arena = Arena.ofConfined()) {
            int pathFd = Fcntl.open(arena.allocateFrom(label), Fcntl.O_PATH | Fcntl.O_CLOEXEC, 0);
            if (pathFd < 0) {
                throw IpcException.of("open", label, -pathFd);
            }
            try {
                MemorySegment st = arena.allocate(Stat.STAT.layout());
                int r = Stat.fstat(pathFd, st);
                if (r < 0) {
                    throw IpcException.of("fstat", label, -r);
                }
                requireFifo(st, "open", label);
                Opening opening = new Opening(arena, "/proc/self/fd/" + pathFd, writing);
                long fd = Operation.on(Handle.detached(label), "open", opening).build().run(deadline);
                if (fd == Operation.NOTHING) {
                    return Optional.empty();
                }
                if (fd < 0) {
                    throw opening.failure(label, (int) -fd);
                }
                return Optional.of(blocking((int) fd, label));
            } finally {
                Unistd.close(pathFd);
            }
        }
    }

    /** An end the non-blocking form opened is made blocking like the rest: jipc's FIFO ends are. */
    private static Fd blocking(int number, String label) throws IpcException {
        Fd fd = Fd.adopt(number, label);
        try {
            PipeDescriptors.makeBlocking(number, label);
        } catch (IpcException e) {
            fd.close();
            throw e;
        }
        return fd;
    }

    /**
     * The open as the engine makes it: {@link Attempt#KERNEL} is the blocking open(2), which
     * sleeps until the other side opens (or the thread's signal ends it with EINTR, for
     * interrupt and deadline); {@link Attempt#NOW} opens without waiting and answers EAGAIN when
     * the other side is not there. Either returns the new descriptor.
     */
    private static final class Opening implements Attempt {
        private final MemorySegment procPath;
        private final boolean writing;
        private final MemorySegment probeFds;
        /** The call a failure came from: the open, or the reader's probe. */
        private String failed = "open";

        Opening(Arena arena, String procPath, boolean writing) {
            this.procPath = arena.allocateFrom(procPath);
            this.writing = writing;
            this.probeFds = arena.allocate(ValueLayout.JAVA_INT, 2);
        }

        @Override
        public long call(Waiter w, int how) {
            int access = (writing ? Fcntl.O_WRONLY : Fcntl.O_RDONLY) | Fcntl.O_CLOEXEC;
            if (how == Attempt.KERNEL) {
                return Fcntl.open(procPath, access, 0);
            }
            int fd = Fcntl.open(procPath, access | Fcntl.O_NONBLOCK, 0);
            if (fd == -ENXIO) {
                return -EAGAIN; // a writer's open, and no reader
            }
            if (fd < 0 || writing) {
                return fd;
            }
            int writer = writerThere(fd);
            if (writer > 0) {
                return fd;
            }
            Unistd.close(fd);
            return writer == 0 ? -EAGAIN : writer;
        }

        /**
         * Whether a writer has the FIFO open: tee(2) of one byte into a scratch pipe copies data
         * without consuming it, says EAGAIN for an empty FIFO with a writer, 0 for one without.
         * 1, 0, or {@code -errno}.
         */
        private int writerThere(int fd) {
            int r = Unistd.pipe2(probeFds, Fcntl.O_CLOEXEC | Fcntl.O_NONBLOCK);
            if (r < 0) {
                failed = "pipe2";
                return r;
            }
            int probeRead = probeFds.getAtIndex(ValueLayout.JAVA_INT, 0);
            int probeWrite = probeFds.getAtIndex(ValueLayout.JAVA_INT, 1);
            try {
                long t = Fcntl.tee(fd, probeWrite, 1, Fcntl.SPLICE_F_NONBLOCK);
                if (t > 0 || t == -EAGAIN) {
                    return 1;
                }
                if (t < 0) {
                    failed = "tee";
                }
                return (int) t;
            } finally {
                Unistd.close(probeRead);
                Unistd.close(probeWrite);
            }
        }

        IpcException failure(String label, int errno) {
            if (errno == ENOENT && failed.equals("open")) {
                // The FIFO is held open by its O_PATH descriptor: only /proc can be missing.
                return IpcException.withDetail("open", label, errno,
                        "cannot reopen it through /proc/self/fd: is /proc mounted?");
            }
            return IpcException.of(failed, label, errno);
        }
    }

    // ------------------------------------------------------------------ helpers

    /** Refuses a file that is not a FIFO, naming what it is. */
    private static void requireFifo(MemorySegment st, String call, String label) throws IpcException {
        int m = st.get(ValueLayout.JAVA_INT, Stat.ST_MODE);
        if ((m & Stat.S_IFMT) != Stat.S_IFIFO) {
            throw IpcException.withDetail(call, label, EINVAL, "is " + PipeDescriptors.fileType(m) + ", not a FIFO");
        }
    }

    private static String label(Path path) {
        return Objects.requireNonNull(path, "path").toString();
    }
}
