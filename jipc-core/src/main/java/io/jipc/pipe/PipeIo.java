package io.jipc.pipe;

import static io.jipc.internal.libc.Errnos.EAGAIN;
import static io.jipc.internal.libc.Errnos.EOPNOTSUPP;

import io.jipc.Fd;
import io.jipc.IpcException;
import io.jipc.Transfer;
import io.jipc.internal.Gather;
import io.jipc.internal.libc.Poll;
import io.jipc.internal.libc.Uio;
import io.jipc.internal.libc.Unistd;
import io.jipc.internal.wait.Attempt;
import io.jipc.internal.wait.Deadline;
import io.jipc.internal.wait.Handle;
import io.jipc.internal.wait.Handles;
import io.jipc.internal.wait.Operation;
import io.jipc.internal.wait.Waiter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;

/**
 * The reads or the writes of one pipe or FIFO end: its call, as the wait engine's {@link
 * Operation}, the end's blocking-mode bookkeeping, and the staging of heap data.
 *
 * <p><b>The call's two forms.</b> {@link Attempt#KERNEL} is plain read(2) / write(2), asleep in
 * the kernel on a blocking description as in C; untimed calls go straight to it (no non-blocking
 * try first: preadv2/pwritev2 cost more than read/write than a kernel wait costs to set up).
 * {@link Attempt#NOW} must never sleep:
 * <ul>
 *   <li>where the description takes {@code RWF_NOWAIT} (pipes made by pipe2(2)), preadv2 /
 *       pwritev2 with it, whatever the mode;
 *   <li>on a non-blocking description, read / write themselves;
 *   <li>on a blocking description that refuses {@code RWF_NOWAIT} (a FIFO; a pipe reopened
 *       through /proc, or spliced, once the kernel cleared it): jipc makes the description
 *       non-blocking when it chose the mode itself ({@link #modeOwned}); when the user chose it,
 *       the mode stays and the call is made only once poll(2) says it may succeed — with the
 *       weakness that another reader (writer) can take the data (room) in between, and the call
 *       then sleeps until more comes. Writes there are cut to {@code PIPE_BUF}, which fits once
 *       poll says there is room, so that a large write cannot sleep for the rest.
 * </ul>
 *
 * <p><b>Timed calls</b> wait in poll(2) where {@code RWF_NOWAIT} is taken (a call that finds data
 * or room costs one system call); where it is refused they sleep in the call under the thread's
 * timer ({@link Operation#timedInKernel}), so the description keeps its mode. Only a
 * non-blocking call ({@code tryRead}, {@code tryWrite}), or any call on a thread that cannot have
 * its wake-up timer, makes jipc's own description non-blocking.
 *
 * <p>Heap memory goes through the calling thread's {@link Waiter#scratch}, at most {@value
 * #SCRATCH_SIZE} bytes per call: no lock, so a call asleep in the kernel holds nothing another
 * thread needs. A critical downcall with heap access would save the copy, but only calls that
 * can never block may be critical, and these block by design.
 */
final class PipeIo {
    /** The most heap memory one call moves: the default capacity of a pipe. */
    static final int SCRATCH_SIZE = 64 * 1024;
    /** The largest write the kernel keeps atomic; a free slot of a pipe holds it. */
    static final int PIPE_BUF = 4096;

    // w.flags: which form the caller asked for, for the NOW form's choices; w.value: the deadline.
    private static final int UNTIMED = 0;
    private static final int TIMED = 1;
    private static final int TRY = 2;

    final Fd fd;
    final Handle handle;
    private final boolean reading;
    private final Operation op;
    /**
     * Whether the description may take RWF_NOWAIT: as probed for its kind, until the kernel says
     * EOPNOTSUPP (as it does, on recent kernels, once a splice has touched a pipe).
     */
    private volatile boolean nowait;
    /**
     * Whether jipc chose the blocking mode (a pipe or FIFO it opened, an adopted descriptor) and
     * may make the description non-blocking when a non-blocking call has no other way; false
     * once the user set the mode, and for a child's copy ({@link Pipe.End#reopenBlocking()}).
     */
    volatile boolean modeOwned;
    /** The last direct buffer used, mapped whole (MemorySegment.ofBuffer allocates on every call). */
    private Mapped mapped;
    /** splice(2) from (a read end) or into (a write end) this end's pipe, and tee(2) from it; made on first use. */
    private volatile PipeSplice splice;
    private volatile PipeSplice tee;

    /** An immutable pair, so that a racing thread never sees one buffer with another's segment. */
    private record Mapped(ByteBuffer buffer, MemorySegment whole) {}

    PipeIo(Fd fd, boolean reading, boolean modeOwned, boolean nowait) {
        this.fd = fd;
        this.handle = Handles.of(fd);
        this.reading = reading;
        this.modeOwned = modeOwned;
        this.nowait = nowait;
        // w.data, w.offset, w.length: the bytes; w.flags, w.value: the form and its deadline.
        this.op = Operation.on(handle, reading ? "read" : "write", this::call)
                .readiness(reading ? Poll.POLLIN : Poll.POLLOUT)
                .timedInKernel(!nowait)
                .build();
    }

    private long call(Waiter w, int how) {
        if (how == Attempt.KERNEL) {
            return io(w, w.length);
        }
        if (nowait) {
            long r = reading
                    ? Uio.preadv2(w.target, w.iovec(), w.data, w.offset, w.length, Uio.RWF_NOWAIT)
                    : Uio.pwritev2(w.target, w.iovec(), w.data, w.offset, w.length, Uio.RWF_NOWAIT);
            if (r != -EOPNOTSUPP) {
                return r;
            }
            nowait = false;
            op.timedInKernel(true);
            if (w.flags == TIMED) {
                return -EOPNOTSUPP; // run() runs it again: a timed call now sleeps in the call
            }
        }
        if (!handle.blocking()) {
            return io(w, w.length);
        }
        // A blocking description with no per-call form; see the class comment.
        if (w.flags == TIMED && Deadline.expired(w.value)) {
            return -EAGAIN; // it has expired since the call began: the engine answers "nothing"
        }
        if (modeOwned) {
            int r = PipeDescriptors.makeNonBlocking(handle, w.target);
            return r < 0 ? r : io(w, w.length);
        }
        if (!w.readyNow(w.target, reading ? Poll.POLLIN : Poll.POLLOUT)) {
            return -EAGAIN;
        }
        return io(w, reading ? w.length : Math.min(w.length, PIPE_BUF));
    }

    /** read(2) or write(2) of {@code len} bytes, with the errno capture only where the engine asks for it. */
    private long io(Waiter w, long len) {
        int n = w.target;
        MemorySegment state = w.errnoState;
        if (reading) {
            return w.offset == 0 ? Unistd.read(state, n, w.data, len) : Unistd.read(state, n, w.data, w.offset, len);
        }
        return w.offset == 0 ? Unistd.write(state, n, w.data, len) : Unistd.write(state, n, w.data, w.offset, len);
    }

    /**
     * The form of a call by {@code deadline}, decided as the call begins: a timeout already past
     * ({@code Duration.ZERO}) asks what a try asks, what can be done now.
     */
    private static int form(long deadline) {
        return deadline == Deadline.FOREVER ? UNTIMED : Deadline.expired(deadline) ? TRY : TIMED;
    }

    /**
     * One run of the operation on {@code len} bytes of native memory at {@code offset} of {@code
     * seg}, in the call's {@link #form}: the count (0: end of stream, for a read), or {@link
     * Operation#NOTHING}.
     */
    private long run(Waiter w, MemorySegment seg, long offset, long len, long deadline, int form)
            throws IpcException {
        w.data = seg;
        w.offset = offset;
        w.length = len;
        w.value = deadline;
        w.flags = form;
        long r = runHere(w, deadline);
        if (r == -EOPNOTSUPP && !nowait) {
            // The description refused RWF_NOWAIT just now: the operation sleeps in the call for
            // timed calls from now on, this one included.
            r = op.run(w, deadline, true);
        }
        if (r < 0 && r != Operation.NOTHING) {
            throw op.failure(r);
        }
        return r;
    }

    /** A run of the operation, its call made here, where the JIT compiles it in place ({@link Operation#begin} says why). */
    private long runHere(Waiter w, long deadline) throws IpcException {
        int how = op.begin(w, deadline, true);
        if (how == Operation.LOOP) {
            return op.run(w, deadline, true);
        }
        long r = Operation.NO_RESULT;
        try {
            r = call(w, how);
        } finally {
            r = op.end(w, how, r);
        }
        return r;
    }

    /** The splice of this end: out of its pipe for a read end, into it for a write end. */
    PipeSplice splice() {
        PipeSplice s = splice;
        if (s == null) {
            s = new PipeSplice(this, reading ? PipeSplice.Kind.TO : PipeSplice.Kind.FROM);
            splice = s; // a racing thread's twin is as good
        }
        return s;
    }

    /** The tee out of this end's pipe (a read end's). */
    PipeSplice tee() {
        PipeSplice s = tee;
        if (s == null) {
            s = new PipeSplice(this, PipeSplice.Kind.TEE);
            tee = s;
        }
        return s;
    }

    /** Whether calls can sleep in the kernel on this description (as jipc knows its mode). */
    boolean blocking() {
        return handle.blocking();
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

    // ------------------------------------------------------------------ reads

    /** A read's answer: 0 from the call is the end of the stream. */
    private static long answer(long r) {
        return r > 0 ? r : r == 0 ? Transfer.EOF : Transfer.NOTHING;
    }

    /** Bytes read (at most {@value #SCRATCH_SIZE}), {@link Transfer#EOF} or {@link Transfer#NOTHING}. */
    int readArray(byte[] b, int off, int len, long deadline) throws IpcException {
        if (len == 0) {
            handle.checkOpen("read");
            return 0;
        }
        Waiter w = Waiter.current();
        int chunk = Math.min(len, SCRATCH_SIZE);
        MemorySegment s = w.scratch(chunk);
        long r = run(w, s, 0, chunk, deadline, form(deadline));
        if (r > 0) {
            MemorySegment.copy(s, ValueLayout.JAVA_BYTE, 0, b, off, (int) r);
        }
        return (int) answer(r);
    }

    int readBuffer(ByteBuffer dst, long deadline) throws IpcException {
        if (dst.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        int pos = dst.position();
        int rem = dst.limit() - pos;
        if (rem == 0) {
            handle.checkOpen("read");
            return 0;
        }
        int n = dst.isDirect()
                ? (int) answer(run(Waiter.current(), direct(dst), pos, rem, deadline, form(deadline)))
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
            handle.checkOpen("read");
            return 0;
        }
        Waiter w = Waiter.current();
        if (dst.isNative()) {
            return answer(run(w, dst, 0, len, deadline, form(deadline)));
        }
        int chunk = (int) Math.min(len, SCRATCH_SIZE);
        MemorySegment s = w.scratch(chunk);
        long r = run(w, s, 0, chunk, deadline, form(deadline));
        if (r > 0) {
            MemorySegment.copy(s, 0, dst, 0, r);
        }
        return answer(r);
    }

    // ------------------------------------------------------------------ writes

    /** What a write answers: the count, or {@link Transfer#NOTHING} when nothing was written. */
    private static long answer(long done, long len) {
        return done > 0 || len == 0 ? done : Transfer.NOTHING;
    }

    /**
     * Writes from {@code len} bytes of native memory at {@code offset} of {@code seg} as much as
     * the deadline allows: everything for {@link Deadline#FOREVER}, what fits now for {@link
     * Deadline#NOW}. Returns the bytes written.
     */
    private long writeNative(Waiter w, MemorySegment seg, long offset, long len, long deadline, int form)
            throws IpcException {
        long done = 0;
        while (done < len) {
            long r = run(w, seg, offset + done, len - done, deadline, form);
            if (r <= 0) {
                break; // NOTHING: no room before the deadline
            }
            done += r;
            if (form == TRY) {
                break; // what fitted: a second try would find the pipe full
            }
        }
        return done;
    }

    int writeArray(byte[] b, int off, int len, long deadline) throws IpcException {
        if (len == 0) {
            handle.checkOpen("write");
            return 0;
        }
        Waiter w = Waiter.current();
        int form = form(deadline);
        int done = 0;
        while (done < len) {
            int chunk = Math.min(len - done, SCRATCH_SIZE);
            MemorySegment s = w.scratch(chunk);
            MemorySegment.copy(b, off + done, s, ValueLayout.JAVA_BYTE, 0, chunk);
            long n = writeNative(w, s, 0, chunk, deadline, form);
            done += (int) n;
            if (n < chunk) {
                break;
            }
        }
        return (int) answer(done, len);
    }

    int writeBuffer(ByteBuffer src, long deadline) throws IpcException {
        int pos = src.position();
        int rem = src.limit() - pos;
        if (rem == 0) {
            handle.checkOpen("write");
            return 0;
        }
        int n;
        if (src.isDirect()) {
            n = (int) answer(writeNative(Waiter.current(), direct(src), pos, rem, deadline, form(deadline)), rem);
        } else if (src.hasArray()) {
            n = writeArray(src.array(), src.arrayOffset() + pos, rem, deadline);
        } else {
            n = (int) writeSegment(MemorySegment.ofBuffer(src), deadline); // a read-only heap buffer
        }
        if (n > 0) {
            src.position(pos + n);
        }
        return n;
    }

    long writeSegment(MemorySegment src, long deadline) throws IpcException {
        long len = src.byteSize();
        if (len == 0) {
            handle.checkOpen("write");
            return 0;
        }
        Waiter w = Waiter.current();
        int form = form(deadline);
        if (src.isNative()) {
            return answer(writeNative(w, src, 0, len, deadline, form), len);
        }
        long done = 0;
        while (done < len) {
            int chunk = (int) Math.min(len - done, SCRATCH_SIZE);
            MemorySegment s = w.scratch(chunk);
            MemorySegment.copy(src, done, s, 0, chunk);
            long n = writeNative(w, s, 0, chunk, deadline, form);
            done += n;
            if (n < chunk) {
                break;
            }
        }
        return answer(done, len);
    }

    /**
     * A gathering write: the buffers' remaining bytes in order, gathered in the thread's scratch
     * ({@link Gather}) and written {@value #SCRATCH_SIZE} bytes per call; the positions advance
     * past what was written. A total of at most {@code PIPE_BUF} bytes is one write(2), so atomic.
     *
     * @return the bytes written (0 for none to write), or {@link Transfer#NOTHING}
     */
    long writeBuffers(ByteBuffer[] srcs, int offset, int length, long deadline) throws IpcException {
        long total = Gather.remaining(srcs, offset, length);
        if (total == 0) {
            handle.checkOpen("write");
            return 0;
        }
        Waiter w = Waiter.current();
        int form = form(deadline);
        long done = 0;
        while (done < total) {
            MemorySegment s = w.scratch(SCRATCH_SIZE);
            int chunk = Gather.stage(srcs, offset, length, done, w.scratchView(), SCRATCH_SIZE);
            long n = writeNative(w, s, 0, chunk, deadline, form);
            done += n;
            if (n < chunk) {
                break;
            }
        }
        Gather.consume(srcs, offset, length, done);
        return answer(done, total);
    }
}
