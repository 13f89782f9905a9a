package io.jipc.pipe;

import static io.jipc.internal.libc.Errnos.EAGAIN;
import static io.jipc.internal.libc.Errnos.EEXIST;
import static io.jipc.internal.libc.Errnos.EINTR;
import static io.jipc.internal.libc.Errnos.EINVAL;
import static io.jipc.internal.libc.Errnos.ENXIO;

import io.jipc.internal.wait.Legacy;
import io.jipc.Fd;
import io.jipc.IpcException;
import io.jipc.Perms;
import io.jipc.IpcInterruptedException;
import io.jipc.internal.wait.Deadline;
import io.jipc.internal.libc.Fcntl;
import io.jipc.internal.libc.Inotify;
import io.jipc.internal.libc.Poll;
import io.jipc.internal.libc.Stat;
import io.jipc.internal.libc.Unistd;
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
 * pipe has. One difference: the kernel refuses {@code RWF_NOWAIT} on descriptions opened as
 * FIFOs (up to Linux 6.18 at least), without which a timed read could not use a blocking
 * description safely, so FIFO ends stay in jipc's poll model (non-blocking, waiting in poll(2))
 * where a pipe's blocking calls sleep inside read(2) and write(2); see {@link Pipe}'s "Blocking
 * mode". On a kernel that accepts it, FIFO ends are opened blocking like pipes.
 *
 * <p><b>Opening waits for the other side</b>, as <a
 * href="https://man7.org/linux/man-pages/man7/fifo.7.html">fifo(7)</a> says: a reader until a
 * writer has opened, a writer until a reader has. Every open comes in three forms: blocking
 * ({@link #openForReading(Path)}), timed ({@link #openForReading(Path, Duration)}: empty when the
 * other side did not come in time), and non-blocking ({@link #tryOpenForReading(Path)}: empty
 * unless the other side is there now). Waiting opens use no CPU and answer {@link
 * Thread#interrupt()} at once with {@link IpcInterruptedException}. How they wait, since the
 * kernel's own blocking open could not be interrupted:
 * <ul>
 *   <li><b>Reader.</b> Opens {@code O_RDONLY|O_NONBLOCK} (which succeeds at once and lets a writer
 *   blocked in its open through), then asks whether a writer is there with tee(2) into a scratch
 *   pipe: it copies a byte without consuming it if there is data, fails with EAGAIN if the FIFO
 *   is empty but has a writer, and returns 0 if it has none. A writer that came and already left
 *   shows as POLLHUP (Linux reports that only once a writer has come since the reader opened).
 *   Between probes it sleeps on an inotify watch of the FIFO for opens, writes and closes, so a
 *   writer that opens and stays silent is seen at once too.</li>
 *   <li><b>Writer.</b> Tries {@code O_WRONLY|O_NONBLOCK}, which fails with ENXIO while there is no
 *   reader, and retries when an inotify watch reports an open of the FIFO. A reader blocked in
 *   its own blocking open(2) (a C program's {@code open(path, O_RDONLY)}, {@code cat path}) has not
 *   completed its open, so no event announces it, though a writer's open would now succeed: for
 *   such readers the writer also retries every 4 ms. Readers that open without waiting (jipc's
 *   among them) are seen at once.</li>
 * </ul>
 * Where inotify is unavailable (its per-user instance limit reached), both sides fall back to
 * that 4 ms retry.
 *
 * <p>The path is checked before it is opened: a path that is not a FIFO is refused with an
 * {@link IpcException} saying what it is (it is never opened, so a device is never touched).
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
    /** Retry period of a writer waiting for a reader that inotify cannot announce. */
    static final long RETRY_NANOS = 4_000_000;
    private static final int DEFAULT_MODE = 0600;

    /** Times a waiting open woke up to look again (for the tests: no busy waiting). */
    static final java.util.concurrent.atomic.AtomicLong WAKE_UPS = new java.util.concurrent.atomic.AtomicLong();

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
        return create(path, DEFAULT_MODE, false);
    }

    /**
     * Creates a FIFO at {@code path} with exactly these permissions (the umask does not apply);
     * fails if anything exists there.
     *
     * @throws io.jipc.AlreadyExistsException if the path exists (EEXIST)
     */
    public static Fifo createExclusively(Path path, Set<PosixFilePermission> permissions) throws IpcException {
        return create(path, Perms.toMode(permissions), false);
    }

    /**
     * Creates a FIFO at {@code path} with mode 0600, or reuses the FIFO already there (its
     * permissions unchanged).
     *
     * @throws IpcException EEXIST, saying what it is, if something other than a FIFO is there
     */
    public static Fifo createOrOpen(Path path) throws IpcException {
        return create(path, DEFAULT_MODE, true);
    }

    /**
     * Creates a FIFO at {@code path} with these permissions, or reuses the FIFO already there
     * (its permissions unchanged).
     *
     * @throws IpcException EEXIST, saying what it is, if something other than a FIFO is there
     */
    public static Fifo createOrOpen(Path path, Set<PosixFilePermission> permissions) throws IpcException {
        return create(path, Perms.toMode(permissions), true);
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
            requireFifo(arena.allocateFrom(label), label, "stat", arena);
        }
        return new Fifo(path);
    }

    private static Fifo create(Path path, int mode, boolean reuse) throws IpcException {
        String label = label(path);
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
                            "exists and is " + PipeIo.fileType(m) + ", not a FIFO");
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
                        "is " + PipeIo.fileType(m) + ", not a FIFO: left in place");
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

    /** {@link #openForReading(Path, Duration)} on this FIFO. */
    public Optional<Pipe.ReadEnd> openForReading(Duration timeout) throws IpcException {
        return openForReading(path, timeout);
    }

    /** {@link #tryOpenForReading(Path)} on this FIFO. */
    public Optional<Pipe.ReadEnd> tryOpenForReading() throws IpcException {
        return tryOpenForReading(path);
    }

    /** {@link #openForWriting(Path)} on this FIFO. */
    public Pipe.WriteEnd openForWriting() throws IpcException {
        return openForWriting(path);
    }

    /** {@link #openForWriting(Path, Duration)} on this FIFO. */
    public Optional<Pipe.WriteEnd> openForWriting(Duration timeout) throws IpcException {
        return openForWriting(path, timeout);
    }

    /** {@link #tryOpenForWriting(Path)} on this FIFO. */
    public Optional<Pipe.WriteEnd> tryOpenForWriting() throws IpcException {
        return tryOpenForWriting(path);
    }

    // ------------------------------------------------------------------ opening, by path

    /**
     * Opens the FIFO at {@code path} for reading (<a
     * href="https://man7.org/linux/man-pages/man2/open.2.html">open(2)</a> {@code O_RDONLY}),
     * waiting until a writer has opened it. Reads then return -1 once every writer has closed.
     *
     * @throws io.jipc.NotFoundException if nothing is at {@code path}
     * @throws IpcException              EINVAL if it is not a FIFO; EACCES...
     * @throws IpcInterruptedException   if the thread is interrupted while waiting
     */
    public static Pipe.ReadEnd openForReading(Path path) throws IpcException {
        return openRead(path, Deadline.FOREVER).orElseThrow();
    }

    /**
     * Opens the FIFO at {@code path} for reading, waiting at most {@code timeout} for a writer.
     *
     * @return the read end, or empty if no writer came in time
     */
    public static Optional<Pipe.ReadEnd> openForReading(Path path, Duration timeout) throws IpcException {
        return openRead(path, Deadline.after(timeout));
    }

    /**
     * Opens the FIFO at {@code path} for reading if a writer has it open now.
     *
     * @return the read end, or empty if there is no writer
     */
    public static Optional<Pipe.ReadEnd> tryOpenForReading(Path path) throws IpcException {
        return openRead(path, Deadline.NOW);
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
        return openWrite(path, Deadline.FOREVER).orElseThrow();
    }

    /**
     * Opens the FIFO at {@code path} for writing, waiting at most {@code timeout} for a reader: a
     * writer with no reader gives up cleanly.
     *
     * @return the write end, or empty if no reader came in time
     */
    public static Optional<Pipe.WriteEnd> openForWriting(Path path, Duration timeout) throws IpcException {
        return openWrite(path, Deadline.after(timeout));
    }

    /**
     * Opens the FIFO at {@code path} for writing if a reader has it open now (open(2) {@code
     * O_WRONLY|O_NONBLOCK}, whose ENXIO means "no reader").
     *
     * @return the write end, or empty if there is no reader
     */
    public static Optional<Pipe.WriteEnd> tryOpenForWriting(Path path) throws IpcException {
        return openWrite(path, Deadline.NOW);
    }

    // ------------------------------------------------------------------ the waits

    private static Optional<Pipe.ReadEnd> openRead(Path path, long deadline) throws IpcException {
        String label = label(path);
        Fd fd;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = arena.allocateFrom(label);
            requireFifo(p, label, "open", arena);
            int r = Fcntl.open(p, Fcntl.O_RDONLY | Fcntl.O_NONBLOCK | Fcntl.O_CLOEXEC, 0);
            if (r < 0) {
                throw IpcException.of("open", label, -r);
            }
            fd = Fd.adopt(r, label);
        }
        boolean keep = false;
        try {
            boolean blocking = false;
            int n = fd.acquire("open");
            try {
                requireFifo(n, label);
                if (awaitWriter(fd, n, label, deadline)) {
                    PipeIo.makeBlocking(n, label);
                    blocking = true;
                    keep = true;
                }
            } finally {
                fd.release();
            }
            return keep ? Optional.of(new Pipe.ReadEnd(fd, blocking, true)) : Optional.empty();
        } finally {
            if (!keep) {
                fd.close();
            }
        }
    }

    /** Waits until a writer has opened the FIFO read through {@code n}; false at the deadline. */
    private static boolean awaitWriter(Fd fd, int n, String label, long deadline) throws IpcException {
        Fd watcher = null;
        boolean watchTried = false;
        int probeRead = -1;
        int probeWrite = -1;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(ValueLayout.JAVA_INT, 2);
            int r = Unistd.pipe2(fds, Fcntl.O_CLOEXEC | Fcntl.O_NONBLOCK);
            if (r < 0) {
                throw IpcException.of("pipe2", label, -r);
            }
            probeRead = fds.getAtIndex(ValueLayout.JAVA_INT, 0);
            probeWrite = fds.getAtIndex(ValueLayout.JAVA_INT, 1);
            MemorySegment events = null;
            while (true) {
                if (writerCame(n, probeWrite, label)) {
                    return true;
                }
                if (deadline == Deadline.NOW || Deadline.expired(deadline)) {
                    return false;
                }
                if (!watchTried) {
                    watchTried = true;
                    watcher = watch(arena, "/proc/self/fd/" + n, label,
                            Inotify.IN_OPEN | Inotify.IN_MODIFY | Inotify.IN_CLOSE_WRITE);
                    events = arena.allocate(4096, 8);
                    continue; // probe again: a writer may have come before the watch was set
                }
                WAKE_UPS.incrementAndGet();
                if (watcher != null) {
                    if (await(watcher, deadline)) {
                        drain(watcher, events);
                    }
                } else {
                    // No inotify: data or a writer's hang-up wake the FIFO itself; a silent writer is
                    // seen at the next probe.
                    Legacy.await(fd, Poll.POLLIN, Math.min(deadline, System.nanoTime() + RETRY_NANOS), "open");
                }
            }
        } finally {
            if (watcher != null) {
                watcher.close();
            }
            if (probeRead >= 0) {
                Unistd.close(probeRead);
                Unistd.close(probeWrite);
            }
        }
    }

    /**
     * Whether a writer has the FIFO open, or has had since this reader opened: tee(2) of one byte
     * into the probe pipe copies data without consuming it, says EAGAIN for an empty FIFO with a
     * writer and 0 for one without; POLLHUP marks a writer that came and went.
     */
    private static boolean writerCame(int n, int probeWrite, String label) throws IpcException {
        while (true) {
            long t = Fcntl.tee(n, probeWrite, 1, Fcntl.SPLICE_F_NONBLOCK);
            if (t > 0 || t == -EAGAIN) {
                return true;
            }
            if (t == 0) {
                return PipeIo.pollNow(n, Poll.POLLIN);
            }
            if (t != -EINTR) {
                throw IpcException.of("tee", label, (int) -t);
            }
        }
    }

    private static Optional<Pipe.WriteEnd> openWrite(Path path, long deadline) throws IpcException {
        String label = label(path);
        Fd watcher = null;
        boolean watchTried = false;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = arena.allocateFrom(label);
            requireFifo(p, label, "open", arena);
            MemorySegment events = null;
            while (true) {
                int r = Fcntl.open(p, Fcntl.O_WRONLY | Fcntl.O_NONBLOCK | Fcntl.O_CLOEXEC, 0);
                if (r >= 0) {
                    Fd fd = Fd.adopt(r, label);
                    boolean blocking;
                    try {
                        requireFifo(r, label);
                        PipeIo.makeBlocking(r, label);
                        blocking = true;
                    } catch (IpcException e) {
                        fd.close();
                        throw e;
                    }
                    return Optional.of(new Pipe.WriteEnd(fd, blocking, true));
                }
                if (r != -ENXIO) {
                    if (r == -EINTR) {
                        continue;
                    }
                    throw IpcException.of("open", label, -r);
                }
                if (deadline == Deadline.NOW || Deadline.expired(deadline)) {
                    return Optional.empty();
                }
                if (!watchTried) {
                    watchTried = true;
                    watcher = watch(arena, label, label, Inotify.IN_OPEN);
                    events = arena.allocate(4096, 8);
                    continue; // try again: a reader may have come before the watch was set
                }
                WAKE_UPS.incrementAndGet();
                long wake = Math.min(deadline, System.nanoTime() + RETRY_NANOS);
                if (watcher != null) {
                    if (await(watcher, wake)) {
                        drain(watcher, events);
                    }
                } else {
                    sleepUntil(wake, label);
                }
            }
        } finally {
            if (watcher != null) {
                watcher.close();
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    /** An inotify descriptor watching {@code target}, or null where inotify is unavailable. */
    private static Fd watch(Arena arena, String target, String label, int mask) {
        int ino = Inotify.inotify_init1(Inotify.IN_NONBLOCK | Inotify.IN_CLOEXEC);
        if (ino < 0) {
            return null;
        }
        int wd = Inotify.inotify_add_watch(ino, arena.allocateFrom(target), mask);
        if (wd < 0 && !target.equals(label)) {
            wd = Inotify.inotify_add_watch(ino, arena.allocateFrom(label), mask);
        }
        if (wd < 0) {
            Unistd.close(ino);
            return null;
        }
        return Fd.adopt(ino, "inotify " + label);
    }

    private static boolean await(Fd watcher, long deadline) throws IpcException {
        watcher.acquire("open");
        try {
            return Legacy.await(watcher, Poll.POLLIN, deadline, "open");
        } finally {
            watcher.release();
        }
    }

    /** Reads the queued inotify events away: only their arrival matters. */
    private static void drain(Fd watcher, MemorySegment events) throws IpcException {
        int n = watcher.acquire("read");
        try {
            while (Unistd.read(n, events, events.byteSize()) > 0) {
                // keep reading until EAGAIN
            }
        } finally {
            watcher.release();
        }
    }

    private static void sleepUntil(long wake, String label) throws IpcInterruptedException {
        long nanos = wake - System.nanoTime();
        if (nanos <= 0) {
            return;
        }
        try {
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IpcInterruptedException("open", label);
        }
    }

    /** Refuses a path that is not a FIFO, before anything opens it. */
    private static void requireFifo(MemorySegment p, String label, String call, Arena arena) throws IpcException {
        MemorySegment st = arena.allocate(Stat.STAT.layout());
        int r = Stat.stat(p, st);
        if (r < 0) {
            throw IpcException.of(call, label, -r);
        }
        int m = st.get(ValueLayout.JAVA_INT, Stat.ST_MODE);
        if ((m & Stat.S_IFMT) != Stat.S_IFIFO) {
            throw IpcException.withDetail(call, label, EINVAL, "is " + PipeIo.fileType(m) + ", not a FIFO");
        }
    }

    /** The same check on the opened descriptor: the path may have been replaced in between. */
    private static void requireFifo(int n, String label) throws IpcException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = arena.allocate(Stat.STAT.layout());
            int r = Stat.fstat(n, st);
            if (r < 0) {
                throw IpcException.of("fstat", label, -r);
            }
            int m = st.get(ValueLayout.JAVA_INT, Stat.ST_MODE);
            if ((m & Stat.S_IFMT) != Stat.S_IFIFO) {
                throw IpcException.withDetail("open", label, EINVAL, "is " + PipeIo.fileType(m) + ", not a FIFO");
            }
        }
    }

    private static String label(Path path) {
        return Objects.requireNonNull(path, "path").toString();
    }
}
