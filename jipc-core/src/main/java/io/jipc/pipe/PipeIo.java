package io.jipc.pipe;

import static io.jipc.internal.libc.Errnos.EAGAIN;
import static io.jipc.internal.libc.Errnos.EINTR;
import static io.jipc.internal.libc.Errnos.EINVAL;
import static io.jipc.internal.libc.Errnos.EOPNOTSUPP;
import static io.jipc.internal.libc.Errnos.EPERM;

import io.jipc.internal.wait.Legacy;
import io.jipc.Errno;
import io.jipc.Fd;
import io.jipc.IpcException;
import io.jipc.internal.wait.Deadline;
import io.jipc.internal.wait.TryFirst;
import io.jipc.internal.wait.Waiter;
import io.jipc.internal.libc.Fcntl;
import io.jipc.internal.libc.Ioctl;
import io.jipc.internal.libc.Poll;
import io.jipc.internal.libc.Stat;
import io.jipc.internal.libc.Uio;
import io.jipc.internal.libc.Unistd;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The I/O engine behind a pipe or FIFO end: the read and write loops of jipc's two blocking
 * models, the heap scratch buffer, splice and tee. One per end.
 *
 * <p><b>Two ways to wait.</b> A read or write costs C one system call; jipc's poll model (a
 * non-blocking description: try, poll(2) on EAGAIN, retry) costs three. So where the description
 * is in blocking mode ({@link #blockingDescription}), an untimed read or write sleeps inside
 * read(2) / write(2) like C's, between {@code Fd.beginKernelWait} and {@code Fd.endKernelWait}, and close and interrupt wake it with a signal (EINTR). The non-blocking
 * and timed forms must never sleep in the kernel, so on a blocking description they use
 * preadv2/pwritev2 with {@code RWF_NOWAIT} and wait in {@code Fd.await} on EAGAIN; so do the
 * untimed ones once a kernel wait has met EAGAIN (a process sharing the description made it
 * non-blocking), and on a thread that cannot have its wake-up timer. splice(2)
 * and tee(2) keep the poll model in every form: {@code SPLICE_F_NONBLOCK} is their per-call
 * form, for the pipes on both sides whatever their mode.
 *
 * <p>Which descriptions are blocking: pipes made by pipe2(2) on kernels whose pipes take {@code
 * RWF_NOWAIT} ({@link #pipesTakeNowait()}), FIFO ends {@link Fifo} opens, adopted blocking
 * descriptors where their kind takes it, and whatever the user switches with {@code
 * setBlocking(true)}. A description whose kernel says EOPNOTSUPP to {@code RWF_NOWAIT} (a FIFO,
 * on Linux up to 6.18 at least ({@link #fifosTakeNowait()}), or a pipe reopened through /proc,
 * which opens it as a FIFO) keeps its untimed calls in the kernel, and is made non-blocking at
 * its first timed or non-blocking call when jipc chose its mode ({@link #modeOwned}); when the
 * user did, it stays blocking and the timed loops wait in poll(2) first and call second, so that
 * the call blocks in the kernel only if another process takes the data (room) in between. Every
 * other description is non-blocking and every loop makes the call first and waits in {@code Fd.await} only on EAGAIN; the non-blocking form ({@link Deadline#NOW}) never waits.
 *
 * <p>An untimed call answers an interrupt, as the poll model did, only when it would have to
 * wait: a read that finds data (a write that finds room) completes. So the first call of a
 * kernel wait checks only for close (which, had it come before the wait registered, would not
 * send the signal); the interrupt pending then already armed the signal, which ends the call if
 * it sleeps.
 *
 * <p>Heap memory goes through {@link #scratch}: 64 KiB of native memory, allocated on first use
 * and owned by whichever thread holds {@link #scratchBusy}; a second thread using the same end
 * meanwhile gets a temporary buffer of its own. A critical downcall with heap access would save
 * the copy, but it is only safe while the call cannot block, and pipe calls do block: untimed
 * ones on a blocking description by design, and any of them once another process sharing the
 * description clears O_NONBLOCK. A critical read asleep in the kernel would stall every
 * safepoint of the JVM. Measured here (write+read of 64 KiB in one thread), the copy
 * costs 10-25 %, and nothing at 64 bytes; direct buffers and native segments avoid it entirely.
 */
final class PipeIo {
    /** Size of the heap scratch buffer: the default capacity of a pipe. */
    static final int SCRATCH_SIZE = 64 * 1024;

    private static final String PIPE_MAX_SIZE = "/proc/sys/fs/pipe-max-size";

    /**
     * This thread's iovec for preadv2/pwritev2: per thread, not per end, because several threads
     * may use one end at once; allocated on a thread's first non-blocking or timed call.
     */
    private static final ThreadLocal<MemorySegment> IOVEC =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(Uio.IOVEC_SIZE, 8));
    private static final VarHandle SCRATCH_BUSY;

    static {
        try {
            SCRATCH_BUSY = MethodHandles.lookup().findVarHandle(PipeIo.class, "scratchBusy", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Fd fd;
    /** Whether O_NONBLOCK is clear on the description (set only through the end's own methods). */
    volatile boolean blockingDescription;
    /**
     * Whether preadv2/pwritev2 may take RWF_NOWAIT here: assumed until the kernel says EOPNOTSUPP
     * (pipes made by pipe2(2) accept it; FIFOs, and pipes reopened through /proc, do not).
     */
    volatile boolean nowait = true;
    /** Whether an untimed read, or a small untimed write, tries RWF_NOWAIT before its kernel wait. */
    private final TryFirst readTries = new TryFirst();
    private final TryFirst writeTries = new TryFirst();
    /**
     * Whether jipc chose the blocking mode (pipe2 without O_NONBLOCK, or an adopted blocking
     * descriptor) and may switch it back to non-blocking when RWF_NOWAIT is refused; false when
     * the user asked for it, or for a child's copy ({@link #reopenBlocking}).
     */
    volatile boolean modeOwned;
    /**
     * Whether untimed calls on a blocking description sleep in the kernel: until one meets EAGAIN
     * (a process sharing the description set O_NONBLOCK), after which they take the RWF_NOWAIT
     * loop, which is right in either mode, instead of failing a call first each time.
     */
    volatile boolean kernelWaits = true;
    /** Guarded by {@link #scratchBusy}. */
    private MemorySegment scratch;
    @SuppressWarnings("unused")
    private volatile int scratchBusy;
    /** The last direct buffer used, mapped whole (MemorySegment.ofBuffer allocates on every call). */
    private Mapped mapped;

    /** An immutable pair, so that a racing thread never sees one buffer with another's segment. */
    private record Mapped(ByteBuffer buffer, MemorySegment whole) {}

    PipeIo(Fd fd, boolean blockingDescription, boolean modeOwned) {
        this.fd = fd;
        this.blockingDescription = blockingDescription;
        this.modeOwned = modeOwned;
    }

    /**
     * Whether pipes made by pipe2(2) accept RWF_NOWAIT on this kernel (Linux 5.x+): then {@link
     * Pipe#open} leaves them blocking and untimed calls sleep inside read/write. Probed once.
     */
    static boolean pipesTakeNowait() {
        return NowaitProbe.PIPES;
    }

    /**
     * Whether descriptions opened as FIFOs (by path, or a pipe reopened through /proc: both
     * through the kernel's fifo_open) accept RWF_NOWAIT: then {@link Fifo}'s ends are left
     * blocking too. False up to Linux 6.18 at least.
     */
    static boolean fifosTakeNowait() {
        return NowaitProbe.FIFOS;
    }

    /**
     * Probes on a scratch pipe, made non-blocking so that nothing can wait: the kernel checks
     * RWF_NOWAIT before it looks at the pipe, so EAGAIN from an empty pipe means "accepted" and
     * EOPNOTSUPP "refused". FIFOs are probed on the pipe's read end reopened through /proc.
     * {@code -Dio.jipc.pipe.pollOnly=true} keeps every pipe and FIFO in the poll model.
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
            if (!Boolean.getBoolean("io.jipc.pipe.pollOnly")) {
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
            }
            PIPES = pipes;
            FIFOS = fifos;
            PIPEFS_DEV = dev;
        }
    }

    // ------------------------------------------------------------------ scratch

    /** The end's scratch buffer, or null if another thread holds it. */
    private MemorySegment takeScratch() {
        if (!SCRATCH_BUSY.compareAndSet(this, 0, 1)) {
            return null;
        }
        MemorySegment s = scratch;
        if (s == null) {
            s = Arena.ofAuto().allocate(SCRATCH_SIZE, 64);
            scratch = s;
        }
        return s;
    }

    private void releaseScratch() {
        SCRATCH_BUSY.setRelease(this, 0);
    }

    /**
     * All of direct buffer {@code bb} as a segment, without allocating for a buffer used before.
     * The call itself takes an offset (see {@link Unistd#read(int, MemorySegment, long, long)}).
     */
    private MemorySegment direct(ByteBuffer bb) {
        Mapped m = mapped;
        if (m == null || m.buffer != bb) {
            m = new Mapped(bb, MemorySegment.ofBuffer(bb.duplicate().clear()));
            mapped = m;
        }
        return m.whole;
    }

    private void ensureOpen(String call) throws IpcException {
        fd.acquire(call);
        fd.release();
    }

    // ------------------------------------------------------------------ reads

    int readArray(byte[] b, int off, int len, long deadline) throws IpcException {
        if (len == 0) {
            ensureOpen("read");
            return 0;
        }
        MemorySegment s = takeScratch();
        Arena temp = null;
        if (s == null) {
            temp = Arena.ofConfined();
            s = temp.allocate(SCRATCH_SIZE, 64);
        }
        try {
            long n = readNative(s, 0, Math.min(len, SCRATCH_SIZE), deadline);
            if (n > 0) {
                MemorySegment.copy(s, ValueLayout.JAVA_BYTE, 0, b, off, (int) n);
            }
            return (int) n;
        } finally {
            if (temp != null) {
                temp.close();
            } else {
                releaseScratch();
            }
        }
    }

    int readBuffer(ByteBuffer dst, long deadline) throws IpcException {
        if (dst.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        int pos = dst.position();
        int rem = dst.limit() - pos;
        if (rem == 0) {
            ensureOpen("read");
            return 0;
        }
        int n = dst.isDirect()
                ? (int) readNative(direct(dst), pos, rem, deadline)
                : readArray(dst.array(), dst.arrayOffset() + pos, rem, deadline);
        if (n > 0) {
            dst.position(pos + n);
        }
        return n;
    }

    long readSegment(MemorySegment dst, long deadline) throws IpcException {
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("cannot read into a read-only memory segment");
        }
        long len = dst.byteSize();
        if (len == 0) {
            ensureOpen("read");
            return 0;
        }
        if (dst.isNative()) {
            return readNative(dst, 0, len, deadline);
        }
        MemorySegment s = takeScratch();
        Arena temp = null;
        if (s == null) {
            temp = Arena.ofConfined();
            s = temp.allocate(SCRATCH_SIZE, 64);
        }
        try {
            long n = readNative(s, 0, Math.min(len, SCRATCH_SIZE), deadline);
            if (n > 0) {
                MemorySegment.copy(s, 0, dst, 0, n);
            }
            return n;
        } finally {
            if (temp != null) {
                temp.close();
            } else {
                releaseScratch();
            }
        }
    }

    /**
     * read(2) into {@code len} bytes of native memory at {@code offset} of {@code seg}: bytes
     * read, -1 at end of stream, 0 when nothing came by the deadline.
     */
    long readNative(MemorySegment seg, long offset, long len, long deadline) throws IpcException {
        int n = fd.acquire("read");
        try {
            if (deadline == Deadline.FOREVER && blockingDescription && nowait && kernelWaits && readTries.now()) {
                // Data is usually there for a reader behind a fast writer: no wait to set up (TryFirst).
                long r = Uio.preadv2(n, IOVEC.get(), seg, offset, len, Uio.RWF_NOWAIT);
                readTries.found(r != -EAGAIN);
                if (r > 0) {
                    return r;
                }
                if (r == 0) {
                    return -1;
                }
                if (r == -EOPNOTSUPP) {
                    nowait = false; // untimed calls need no per-call form: the mode stays
                } else if (r != -EAGAIN && r != -EINTR) {
                    throw IpcException.of("read", fd.label(), (int) -r);
                }
            }
            if (deadline == Deadline.FOREVER && blockingDescription && kernelWaits && Legacy.beginKernelWait(fd)) {
                long r;
                try {
                    Legacy.checkOpen(fd, "read");
                    r = read(n, seg, offset, len);
                    while (r == -EINTR) {
                        Legacy.checkWake(fd, "read");
                        r = read(n, seg, offset, len);
                    }
                } finally {
                    Legacy.endKernelWait(fd);
                }
                if (r > 0) {
                    return r;
                }
                if (r == 0) {
                    return -1;
                }
                if (r != -EAGAIN) {
                    throw IpcException.of("read", fd.label(), (int) -r);
                }
                kernelWaits = false; // someone sharing the description made it non-blocking
            }
            while (true) {
                long r;
                if (!nowait && modeOwned && blockingDescription) {
                    noNowait(); // no per-call form: jipc's own description goes to the poll model
                }
                if (blockingDescription && nowait) {
                    r = Uio.preadv2(n, IOVEC.get(), seg, offset, len, Uio.RWF_NOWAIT);
                    if (r == -EOPNOTSUPP) {
                        noNowait();
                        continue;
                    }
                } else {
                    if (blockingDescription && !ready(n, Poll.POLLIN, deadline, "read")) {
                        return 0;
                    }
                    r = read(n, seg, offset, len);
                }
                if (r > 0) {
                    return r;
                }
                if (r == 0) {
                    return -1;
                }
                if (r != -EAGAIN) {
                    if (r == -EINTR) {
                        continue;
                    }
                    throw IpcException.of("read", fd.label(), (int) -r);
                }
                if (deadline == Deadline.NOW || !Legacy.await(fd, Poll.POLLIN, deadline, "read")) {
                    return 0;
                }
            }
        } finally {
            fd.release();
        }
    }

    private static long read(int n, MemorySegment seg, long offset, long len) {
        return offset == 0 ? Unistd.read(n, seg, len) : Unistd.read(n, seg, offset, len);
    }

    // ------------------------------------------------------------------ writes

    int writeArray(byte[] b, int off, int len, long deadline) throws IpcException {
        if (len == 0) {
            ensureOpen("write");
            return 0;
        }
        MemorySegment s = takeScratch();
        Arena temp = null;
        if (s == null) {
            temp = Arena.ofConfined();
            s = temp.allocate(SCRATCH_SIZE, 64);
        }
        try {
            int done = 0;
            while (done < len) {
                int chunk = Math.min(len - done, SCRATCH_SIZE);
                MemorySegment.copy(b, off + done, s, ValueLayout.JAVA_BYTE, 0, chunk);
                long w = writeNative(s, 0, chunk, deadline);
                done += (int) w;
                if (w < chunk) {
                    break;
                }
            }
            return done;
        } finally {
            if (temp != null) {
                temp.close();
            } else {
                releaseScratch();
            }
        }
    }

    int writeBuffer(ByteBuffer src, long deadline) throws IpcException {
        int pos = src.position();
        int rem = src.limit() - pos;
        if (rem == 0) {
            ensureOpen("write");
            return 0;
        }
        int n;
        if (src.isDirect()) {
            n = (int) writeNative(direct(src), pos, rem, deadline);
        } else if (src.hasArray()) {
            n = writeArray(src.array(), src.arrayOffset() + pos, rem, deadline);
        } else {
            n = (int) writeSegment(MemorySegment.ofBuffer(src), deadline); // read-only heap buffer
        }
        src.position(pos + n);
        return n;
    }

    long writeSegment(MemorySegment src, long deadline) throws IpcException {
        long len = src.byteSize();
        if (len == 0) {
            ensureOpen("write");
            return 0;
        }
        if (src.isNative()) {
            return writeNative(src, 0, len, deadline);
        }
        MemorySegment s = takeScratch();
        Arena temp = null;
        if (s == null) {
            temp = Arena.ofConfined();
            s = temp.allocate(SCRATCH_SIZE, 64);
        }
        try {
            long done = 0;
            while (done < len) {
                long chunk = Math.min(len - done, SCRATCH_SIZE);
                MemorySegment.copy(src, done, s, 0, chunk);
                long w = writeNative(s, 0, chunk, deadline);
                done += w;
                if (w < chunk) {
                    break;
                }
            }
            return done;
        } finally {
            if (temp != null) {
                temp.close();
            } else {
                releaseScratch();
            }
        }
    }

    /**
     * write(2) from {@code len} bytes of native memory at {@code offset} of {@code seg}, as much
     * as the deadline allows: everything for {@link Deadline#FOREVER}, what fits now for {@link
     * Deadline#NOW}. Returns the bytes written.
     */
    long writeNative(MemorySegment seg, long offset, long len, long deadline) throws IpcException {
        int n = fd.acquire("write");
        try {
            long done = 0;
            if (len <= Legacy.SMALL_TRANSFER && deadline == Deadline.FOREVER && blockingDescription && nowait
                    && writeTries.now()) {
                // A small write usually fits: try it without setting up a kernel wait (TryFirst).
                long r = Uio.pwritev2(n, IOVEC.get(), seg, offset, len, Uio.RWF_NOWAIT);
                writeTries.found(r != -EAGAIN);
                if (r == len) {
                    return r;
                }
                if (r > 0) {
                    done = r;
                } else if (r == -EOPNOTSUPP) {
                    nowait = false; // untimed calls need no per-call form: the mode stays
                } else if (r != -EAGAIN && r != -EINTR) {
                    throw IpcException.of("write", fd.label(), (int) -r);
                }
            }
            if (deadline == Deadline.FOREVER && blockingDescription && kernelWaits && Legacy.beginKernelWait(fd)) {
                long r;
                try {
                    Legacy.checkOpen(fd, "write");
                    while (true) {
                        r = write(n, seg, offset + done, len - done);
                        if (r > 0) {
                            done += r; // a write cut short by the signal says how much it wrote
                            if (done == len) {
                                return done;
                            }
                        } else if (r == -EINTR) {
                            Legacy.checkWake(fd, "write");
                        } else {
                            break;
                        }
                    }
                } finally {
                    Legacy.endKernelWait(fd);
                }
                if (r < 0 && r != -EAGAIN) {
                    throw IpcException.of("write", fd.label(), (int) -r);
                }
                kernelWaits = false; // someone sharing the description made it non-blocking
            }
            while (true) {
                long at = offset + done;
                long r;
                if (!nowait && modeOwned && blockingDescription) {
                    noNowait(); // no per-call form: jipc's own description goes to the poll model
                }
                if (blockingDescription && nowait) {
                    r = Uio.pwritev2(n, IOVEC.get(), seg, at, len - done, Uio.RWF_NOWAIT);
                    if (r == -EOPNOTSUPP) {
                        noNowait();
                        continue;
                    }
                } else {
                    if (blockingDescription && !ready(n, Poll.POLLOUT, deadline, "write")) {
                        return done;
                    }
                    r = write(n, seg, at, len - done);
                }
                if (r > 0) {
                    done += r;
                    if (done == len) {
                        return done;
                    }
                    continue; // a partial write: the next try says EAGAIN, or writes more
                }
                if (r < 0 && r != -EAGAIN) {
                    if (r == -EINTR) {
                        continue;
                    }
                    throw IpcException.of("write", fd.label(), (int) -r);
                }
                if (deadline == Deadline.NOW || !Legacy.await(fd, Poll.POLLOUT, deadline, "write")) {
                    return done;
                }
            }
        } finally {
            fd.release();
        }
    }

    private static long write(int n, MemorySegment seg, long at, long len) {
        return at == 0 ? Unistd.write(n, seg, len) : Unistd.write(n, seg, at, len);
    }

    /**
     * The description refuses RWF_NOWAIT (a FIFO, or a pipe reopened through /proc) and a timed
     * or non-blocking call needs a form that cannot sleep: stop asking, and unless the blocking
     * mode was chosen by the user (or is a child's copy), fall back to jipc's poll model by
     * making the description non-blocking. An untimed call gets here only when it cannot wait in
     * the kernel (no wake-up timer); otherwise it sleeps in read/write on the blocking
     * description, as in C.
     */
    private void noNowait() throws IpcException {
        nowait = false;
        if (modeOwned && blockingDescription) {
            fd.setNonBlocking(true);
            blockingDescription = false;
        }
    }

    // ------------------------------------------------------------------ waiting

    /** Readiness for a blocking description: a zero-timeout poll for NOW, else a wait. */
    private boolean ready(int n, short events, long deadline, String call) throws IpcException {
        return deadline == Deadline.NOW ? pollNow(n, events) : Legacy.await(fd, events, deadline, call);
    }

    /** Whether descriptor {@code n} is ready for {@code events} right now (poll with timeout 0). */
    static boolean pollNow(int n, short events) {
        return Waiter.current().readyNow(n, events);
    }

    // ------------------------------------------------------------------ splice and tee

    /** splice(2) between this pipe and {@code other}, in the direction {@code pipeIsSource} says. */
    static long splice(PipeIo pipe, Fd other, boolean pipeIsSource, long count, long deadline) throws IpcException {
        if (count <= 0) {
            throw new IllegalArgumentException("count must be > 0 bytes, got " + count);
        }
        Fd in = pipeIsSource ? pipe.fd : other;
        Fd out = pipeIsSource ? other : pipe.fd;
        return move(in, out, count, deadline, false);
    }

    /** tee(2) from one pipe into another. */
    static long tee(PipeIo from, PipeIo to, long count, long deadline) throws IpcException {
        if (count <= 0) {
            throw new IllegalArgumentException("count must be > 0 bytes, got " + count);
        }
        return move(from.fd, to.fd, count, deadline, true);
    }

    private static long move(Fd in, Fd out, long count, long deadline, boolean tee) throws IpcException {
        String call = tee ? "tee" : "splice";
        int a = in.acquire(call);
        try {
            int b = out.acquire(call);
            try {
                while (true) {
                    long r = tee
                            ? Fcntl.tee(a, b, count, Fcntl.SPLICE_F_NONBLOCK)
                            : Fcntl.splice(a, MemorySegment.NULL, b, MemorySegment.NULL, count,
                                    Fcntl.SPLICE_F_NONBLOCK | Fcntl.SPLICE_F_MOVE);
                    if (r > 0) {
                        return r;
                    }
                    if (r == 0) {
                        return -1;
                    }
                    if (r != -EAGAIN) {
                        if (r == -EINTR) {
                            continue;
                        }
                        throw IpcException.of(call, in.label() + " -> " + out.label(), (int) -r);
                    }
                    if (deadline == Deadline.NOW) {
                        return 0;
                    }
                    // Which side said EAGAIN? An empty source, or else a full target.
                    boolean ok = pollNow(a, Poll.POLLIN)
                            ? Legacy.await(out, Poll.POLLOUT, deadline, call)
                            : Legacy.await(in, Poll.POLLIN, deadline, call);
                    if (!ok) {
                        return 0;
                    }
                }
            } finally {
                out.release();
            }
        } finally {
            in.release();
        }
    }

    // ------------------------------------------------------------------ control

    int available() throws IpcException {
        int n = fd.acquire("ioctl");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(ValueLayout.JAVA_INT);
            int r = Ioctl.ioctl(n, Ioctl.FIONREAD, count);
            if (r < 0) {
                throw IpcException.of("ioctl(FIONREAD)", fd.label(), -r);
            }
            return count.get(ValueLayout.JAVA_INT, 0);
        } finally {
            fd.release();
        }
    }

    int capacity() throws IpcException {
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

    int setCapacity(int bytes) throws IpcException {
        int n = fd.acquire("fcntl");
        try {
            int r = Fcntl.fcntl(n, Fcntl.F_SETPIPE_SZ, bytes);
            if (r < 0) {
                throw capacityRefused(bytes, -r);
            }
            return r;
        } finally {
            fd.release();
        }
    }

    private IpcException capacityRefused(int bytes, int errno) {
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

    // ------------------------------------------------------------------ adopt and reopen

    /**
     * Checks that {@code number} is a pipe or FIFO open in the right direction, then makes it
     * close-on-exec. Returns whether its description is in blocking mode: a blocking description
     * stays so where its kind takes RWF_NOWAIT (a pipe, by its pipefs device, where {@link
     * #pipesTakeNowait()}; a FIFO in a file system where {@link #fifosTakeNowait()}), and is made
     * non-blocking otherwise. A pipe reopened through /proc cannot be told from one made by
     * pipe2(2); it refuses RWF_NOWAIT, and {@link #noNowait()} makes it non-blocking at its first
     * timed or non-blocking call.
     */
    static boolean prepareAdopted(int number, String label, boolean forReading) throws IpcException {
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
        boolean blocking = (flags & Fcntl.O_NONBLOCK) == 0;
        if (blocking && !(dev == NowaitProbe.PIPEFS_DEV ? pipesTakeNowait() : fifosTakeNowait())) {
            blocking = false;
            int r = Fcntl.fcntl(number, Fcntl.F_SETFL, flags | Fcntl.O_NONBLOCK);
            if (r < 0) {
                throw IpcException.of("fcntl(F_SETFL)", label, -r);
            }
        }
        int r = Fcntl.fcntl(number, Fcntl.F_SETFD, Fcntl.FD_CLOEXEC);
        if (r < 0) {
            throw IpcException.of("fcntl(F_SETFD)", label, -r);
        }
        return blocking;
    }

    /**
     * For a FIFO end just opened (non-blocking, so that the open itself never waited): clears
     * {@code O_NONBLOCK}, so that its untimed calls sleep in the kernel. Where FIFOs refuse
     * RWF_NOWAIT, the end's first timed or non-blocking call makes it non-blocking again ({@link
     * #noNowait()}): an end used only untimed, as most are, keeps C's one system call per call.
     */
    static void makeBlocking(int number, String label) throws IpcException {
        int flags = Fcntl.fcntl(number, Fcntl.F_GETFL, 0);
        if (flags < 0) {
            throw IpcException.of("fcntl(F_GETFL)", label, -flags);
        }
        int r = Fcntl.fcntl(number, Fcntl.F_SETFL, flags & ~Fcntl.O_NONBLOCK);
        if (r < 0) {
            throw IpcException.of("fcntl(F_SETFL)", label, -r);
        }
    }

    /** A new, blocking, close-on-exec open file description of the same pipe via /proc/self/fd. */
    Fd reopenBlocking(boolean forReading) throws IpcException {
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
}
