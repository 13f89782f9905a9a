package io.jipc.pipe;

import io.jipc.Fd;
import io.jipc.FdBacked;
import io.jipc.IpcException;
import io.jipc.internal.wait.Deadline;
import io.jipc.internal.libc.Fcntl;
import io.jipc.internal.libc.Unistd;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.time.Duration;
import java.util.Objects;

/**
 * An anonymous pipe, made by <a href="https://man7.org/linux/man-pages/man2/pipe.2.html">pipe2(2)</a>:
 * a one-way byte stream with a {@link ReadEnd} and a {@link WriteEnd}.
 *
 * <p>Each end is an object of its own ({@link FdBacked}, closed on its own), so one end can be
 * handed to a child process and the other kept. Closing the {@code Pipe} closes both ends.
 *
 * <p><b>Semantics</b> (as <a href="https://man7.org/linux/man-pages/man7/pipe.7.html">pipe(7)</a>
 * states them). A read waits while the pipe is empty and returns what is there (at least one
 * byte, perhaps fewer than asked for); it returns {@code -1}, like {@link InputStream#read()},
 * once the pipe is empty and every write end (in every process) is closed. A write waits while
 * the pipe is full; a write of at most {@code PIPE_BUF} (4096) bytes is atomic, never interleaved
 * with another writer's bytes. Writing when every read end is closed throws an {@link
 * IpcException} with EPIPE, and the signal never kills the JVM: HotSpot catches SIGPIPE with a
 * handler that ignores it (also under {@code -Xrs}; jipc's tests check both). Being a handler, not
 * SIG_IGN, it is reset by exec, so child processes get the default SIGPIPE C programs expect.
 *
 * <p><b>Forms of every read and write.</b> A blocking form ({@code read}, {@code write}), a
 * non-blocking form ({@code tryRead}, {@code tryWrite}) and a timed form (taking a {@link
 * Duration}). Reads return the byte count, {@code -1} at end of stream, and {@code 0} when the
 * non-blocking or timed form found nothing to read. Blocking writes write everything; the
 * non-blocking and timed forms return how many bytes they wrote, possibly {@code 0}. A waiting
 * call burns no CPU, throws {@link io.jipc.ObjectClosedException} when another thread closes the
 * end, and {@link io.jipc.IpcInterruptedException} when its thread is interrupted.
 *
 * <p><b>Buffers.</b> Direct {@link ByteBuffer}s and native {@link MemorySegment}s go straight to
 * the system call. Heap arrays, heap buffers and heap segments are copied through a native
 * scratch buffer of the end (64 KiB, allocated on first use), so a read or write moves at most
 * 64 KiB of heap memory per system call. Nothing on these paths allocates.
 *
 * <p><b>Blocking mode.</b> A blocking read costs C one system call. So a pipe made by {@link
 * #open} is left in blocking mode where the kernel's pipes accept {@code RWF_NOWAIT} (Linux 5.x
 * and later): a blocking read or write sleeps inside read(2) / write(2), as in C, and close and
 * interrupt wake it with a thread-directed signal that makes the call fail with EINTR (see
 * {@code Fd.beginKernelWait}); the non-blocking and timed forms, which must not sleep in the
 * kernel, use preadv2(2) / pwritev2(2) with {@code RWF_NOWAIT} and wait in poll(2). On older
 * kernels, for FIFOs (whose descriptions refuse {@code RWF_NOWAIT} up to Linux 6.18 at least),
 * and for a thread that cannot have its wake-up timer ({@code RLIMIT_SIGPENDING} reached), jipc
 * uses its poll model instead: the descriptor is non-blocking ({@code O_NONBLOCK}) and a waiting
 * call sleeps in poll(2), three system calls per wait instead of one. Either way a waiting call
 * uses no CPU and answers close and interrupt promptly; an interrupt is answered when the call
 * has to wait (a read that finds data returns it).
 *
 * <p>{@code O_NONBLOCK} belongs to the open file description, which is shared by every
 * duplicate of the descriptor, in every process that holds one; a child process expects a
 * blocking descriptor. A blocking description is handed to a child as it is (jipc's own calls
 * never depend on the flag, and a child that sets it only sends this end's blocking calls to
 * poll(2)); for a non-blocking one the child gets {@link End#reopenBlocking()} — a new open file
 * description of the same pipe, blocking, leaving the parent's untouched — and the parent closes
 * that copy once the child has started. {@link io.jipc.process.ChildProcess} does exactly this
 * for every pipe or FIFO it places in a child. {@link End#setBlocking(boolean)} switches the
 * shared description instead, for the rare case where the very same description must be shared.
 *
 * <pre>{@code
 * try (Pipe pipe = Pipe.open()) {
 *     pipe.writeEnd().write("hello".getBytes(StandardCharsets.UTF_8));
 *     byte[] buf = new byte[16];
 *     int n = pipe.readEnd().read(buf);        // 5
 * }
 * }</pre>
 */
public final class Pipe implements AutoCloseable {
    /** Options for {@link #open(Option...)}. */
    public enum Option {
        /**
         * Packet mode ({@code O_DIRECT}, Linux 3.4+): each write of at most {@code PIPE_BUF}
         * (4096) bytes is one packet, and each read returns one packet; a read into a buffer
         * smaller than the packet discards the rest of it. Larger writes are split into packets.
         */
        PACKET
    }

    private final ReadEnd readEnd;
    private final WriteEnd writeEnd;

    private Pipe(ReadEnd readEnd, WriteEnd writeEnd) {
        this.readEnd = readEnd;
        this.writeEnd = writeEnd;
    }

    /**
     * Creates a pipe with <a href="https://man7.org/linux/man-pages/man2/pipe.2.html">pipe2(2)</a>:
     * both ends close-on-exec (blocking or not as the class comment's "Blocking mode" says).
     *
     * @throws IpcException EMFILE/ENFILE when out of descriptors; EINVAL for {@link
     *                      Option#PACKET} on a kernel without packet mode
     */
    public static Pipe open(Option... options) throws IpcException {
        boolean blocking = PipeIo.pipesTakeNowait();
        int flags = blocking ? Fcntl.O_CLOEXEC : Fcntl.O_CLOEXEC | Fcntl.O_NONBLOCK;
        for (Option o : options) {
            if (Objects.requireNonNull(o, "option") == Option.PACKET) {
                flags |= Fcntl.O_DIRECT;
            }
        }
        int r;
        int in;
        int out;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(ValueLayout.JAVA_INT, 2);
            r = Unistd.pipe2(fds, flags);
            in = fds.getAtIndex(ValueLayout.JAVA_INT, 0);
            out = fds.getAtIndex(ValueLayout.JAVA_INT, 1);
        }
        if (r < 0) {
            throw IpcException.of("pipe2", "pipe", -r);
        }
        return new Pipe(new ReadEnd(Fd.adopt(in, "pipe"), blocking, true),
                new WriteEnd(Fd.adopt(out, "pipe"), blocking, true));
    }

    /** The read end. */
    public ReadEnd readEnd() {
        return readEnd;
    }

    /** The write end. */
    public WriteEnd writeEnd() {
        return writeEnd;
    }

    /**
     * The pipe's capacity in bytes (fcntl {@code F_GETPIPE_SZ}), asked through whichever end is
     * still open.
     */
    public int capacity() throws IpcException {
        return (readEnd.isOpen() ? readEnd : writeEnd).capacity();
    }

    /**
     * Sets the capacity (fcntl {@code F_SETPIPE_SZ}); see {@link End#setCapacity(int)}.
     *
     * @return the capacity the kernel chose (at least {@code bytes})
     */
    public int setCapacity(int bytes) throws IpcException {
        return (readEnd.isOpen() ? readEnd : writeEnd).setCapacity(bytes);
    }

    /** Closes both ends. Idempotent and thread-safe. */
    @Override
    public void close() {
        readEnd.close();
        writeEnd.close();
    }

    @Override
    public String toString() {
        return "Pipe[" + readEnd.fd() + " -> " + writeEnd.fd() + "]";
    }

    /**
     * What both ends of a pipe or FIFO share: the owned descriptor, capacity and blocking mode.
     * An end is closed on its own, idempotently and thread-safely.
     */
    public abstract static sealed class End implements FdBacked permits ReadEnd, WriteEnd {
        final PipeIo io;

        End(Fd fd, boolean blockingDescription, boolean modeOwned) {
            this.io = new PipeIo(fd, blockingDescription, modeOwned);
        }

        @Override
        public final Fd fd() {
            return io.fd;
        }

        /** Whether {@link #close()} has not been called yet. */
        public final boolean isOpen() {
            return io.fd.isOpen();
        }

        /**
         * Closes this end: a thread waiting on it is woken and throws {@link
         * io.jipc.ObjectClosedException}. Idempotent and thread-safe.
         */
        @Override
        public final void close() {
            io.fd.close();
        }

        /** The capacity of the pipe in bytes (fcntl {@code F_GETPIPE_SZ}; 65536 by default). */
        public final int capacity() throws IpcException {
            return io.capacity();
        }

        /**
         * Sets the pipe's capacity (fcntl {@code F_SETPIPE_SZ}); the kernel rounds up to a power
         * of two pages. Without CAP_SYS_RESOURCE the limit is {@code /proc/sys/fs/pipe-max-size};
         * the exception for a refusal (EPERM above that limit or past the user's pipe quota,
         * EBUSY below the data the pipe holds, EINVAL out of range) says the limit's current
         * value.
         *
         * @param bytes the wanted capacity, &gt; 0
         * @return the capacity the kernel chose
         * @throws IllegalArgumentException if {@code bytes} is not positive
         */
        public final int setCapacity(int bytes) throws IpcException {
            if (bytes <= 0) {
                throw new IllegalArgumentException("pipe capacity must be > 0 bytes, got " + bytes);
            }
            return io.setCapacity(bytes);
        }

        /**
         * Sets or clears {@code O_NONBLOCK} on the <em>shared</em> open file description.
         *
         * <p>Prefer {@link #reopenBlocking()} for a child process: this switch reaches every
         * duplicate of the descriptor, in every process. It exists for the rare case where the
         * very same description must be shared. While the description is blocking, this object's
         * own calls still honour their forms: blocking calls sleep in the kernel and are woken by
         * close and interrupt; the non-blocking and timed forms use {@code RWF_NOWAIT} where the
         * description takes it (pipes made by pipe2(2)), and otherwise (FIFOs) wait in poll(2)
         * first, then make the call, with one weakness a blocking description cannot avoid there:
         * if another reader (writer) takes the bytes (the room) between the poll and the call,
         * the call blocks in the kernel until data (room) comes, past its deadline. Switching to
         * non-blocking puts this end in the poll model: a call already asleep in the kernel stays
         * there until data (room), close or interrupt comes.
         *
         * <p>Change the mode through this method, not through {@code fd().setNonBlocking(...)}:
         * the end remembers the mode to choose how to wait.
         */
        public final void setBlocking(boolean blocking) throws IpcException {
            // The waiting style switches first when going blocking, last when going back: a call
            // racing with the switch then takes a needless detour at worst (EAGAIN in a kernel
            // wait), and a non-blocking or timed one never meets a blocking description unawares.
            if (blocking) {
                io.modeOwned = false;
                io.blockingDescription = true;
                io.kernelWaits = true;
                io.fd.setNonBlocking(false);
            } else {
                io.fd.setNonBlocking(true);
                io.blockingDescription = false;
            }
        }

        /**
         * Whether the open file description is in blocking mode, as this end last set or found
         * it: true for pipes {@link Pipe#open} makes on kernels whose pipes take {@code
         * RWF_NOWAIT}, for {@link #reopenBlocking()} and after {@link #setBlocking(boolean)
         * setBlocking(true)}; false for FIFOs jipc opens on kernels whose FIFOs refuse {@code
         * RWF_NOWAIT}.
         */
        public final boolean isBlocking() {
            return io.blockingDescription;
        }

        /**
         * A new open file description of the same pipe or FIFO, in blocking mode, for a child
         * process: opened through {@code /proc/self/fd/N} (so this end's own description, and its
         * {@code O_NONBLOCK}, stay untouched), with packet mode copied, and close-on-exec (the
         * dup2 that places it in the child clears that flag there). Close it in the parent once
         * the child has started; until then it counts as a reader (writer) of the pipe, so EOF
         * (EPIPE) cannot happen while it is open.
         *
         * @throws IpcException ENOENT when {@code /proc} is not mounted ({@link
         *                      #setBlocking(boolean)} is the fallback); ENXIO when reopening a
         *                      FIFO's write end that has no reader any more
         */
        public abstract End reopenBlocking() throws IpcException;

        @Override
        public String toString() {
            return getClass().getSimpleName() + "[" + io.fd + "]";
        }
    }

    /**
     * The read end of a pipe or FIFO. Reads return the number of bytes read (at least 1), {@code
     * -1} at end of stream (pipe empty and every write end closed, in every process), and, for
     * the non-blocking ({@code tryRead}) and timed forms, {@code 0} when nothing was there
     * (before the deadline). A read of 0 bytes returns 0 at once.
     */
    public static final class ReadEnd extends End {
        ReadEnd(Fd fd, boolean blockingDescription, boolean modeOwned) {
            super(fd, blockingDescription, modeOwned);
        }

        /**
         * Takes ownership of an inherited descriptor number that is the read end of a pipe or
         * FIFO, as a child process given one at fd 3 does: {@code Pipe.ReadEnd.adopt(3)}. It is
         * checked (fstat: a pipe or FIFO; open for reading) and made close-on-exec. A blocking
         * description stays blocking where its kind takes {@code RWF_NOWAIT} (see the class
         * comment); otherwise it is switched to non-blocking mode, at once or, for a pipe
         * reopened through /proc (which refuses it), at its first non-blocking or timed call. The
         * switch is made on the open file description, which the parent may share: jipc expects
         * to be its only user. If the checks fail, the number is left open and the caller keeps
         * it.
         *
         * @throws IllegalArgumentException if the number is negative, or the descriptor is not a
         *                                  pipe/FIFO open for reading
         * @throws IpcException             EBADF if the number is not an open descriptor
         */
        public static ReadEnd adopt(int number) throws IpcException {
            if (number < 0) {
                throw new IllegalArgumentException("descriptor numbers are >= 0, got " + number);
            }
            boolean blocking = PipeIo.prepareAdopted(number, "fd " + number, true);
            return new ReadEnd(Fd.adopt(number, "fd " + number), blocking, true);
        }

        /**
         * Takes over an owned descriptor that is the read end of a pipe or FIFO (for instance one
         * received over a UNIX socket); see {@link #adopt(int)}. The new end owns {@code fd}.
         */
        public static ReadEnd adopt(Fd fd) throws IpcException {
            int n = fd.acquire("fstat");
            boolean blocking;
            try {
                blocking = PipeIo.prepareAdopted(n, fd.label(), true);
            } finally {
                fd.release();
            }
            return new ReadEnd(fd, blocking, true);
        }

        @Override
        public ReadEnd reopenBlocking() throws IpcException {
            return new ReadEnd(io.reopenBlocking(true), true, false);
        }

        /** Blocking read into {@code b}; see the class comment for the result. */
        public int read(byte[] b) throws IpcException {
            return read(b, 0, b.length);
        }

        /**
         * Blocking <a href="https://man7.org/linux/man-pages/man2/read.2.html">read(2)</a>: waits
         * until the pipe holds data or every writer has gone.
         *
         * @return bytes read (1..len, at most 64 KiB per call for heap memory), -1 at end of stream
         * @throws IndexOutOfBoundsException if off/len are outside {@code b}
         */
        public int read(byte[] b, int off, int len) throws IpcException {
            Objects.checkFromIndexSize(off, len, b.length);
            return io.readArray(b, off, len, Deadline.FOREVER);
        }

        /**
         * Timed read: as {@link #read(byte[], int, int)}, giving up after {@code timeout}.
         *
         * @return bytes read, -1 at end of stream, 0 if nothing came in time
         */
        public int read(byte[] b, int off, int len, Duration timeout) throws IpcException {
            Objects.checkFromIndexSize(off, len, b.length);
            return io.readArray(b, off, len, Deadline.after(timeout));
        }

        /**
         * Non-blocking read: returns what is there now.
         *
         * @return bytes read, -1 at end of stream, 0 if the pipe is empty but a writer is open
         */
        public int tryRead(byte[] b, int off, int len) throws IpcException {
            Objects.checkFromIndexSize(off, len, b.length);
            return io.readArray(b, off, len, Deadline.NOW);
        }

        /**
         * Blocking read into {@code dst}'s remaining bytes (heap or direct); advances its position
         * by the count read.
         *
         * @return bytes read, -1 at end of stream
         * @throws java.nio.ReadOnlyBufferException if {@code dst} is read-only
         */
        public int read(ByteBuffer dst) throws IpcException {
            return io.readBuffer(dst, Deadline.FOREVER);
        }

        /** Timed read into a buffer: bytes read, -1 at end of stream, 0 if nothing came in time. */
        public int read(ByteBuffer dst, Duration timeout) throws IpcException {
            return io.readBuffer(dst, Deadline.after(timeout));
        }

        /** Non-blocking read into a buffer: bytes read, -1 at end of stream, 0 if empty. */
        public int tryRead(ByteBuffer dst) throws IpcException {
            return io.readBuffer(dst, Deadline.NOW);
        }

        /**
         * Blocking read into the start of {@code dst} (up to its size); native segments go
         * straight to the system call.
         *
         * @return bytes read, -1 at end of stream
         * @throws IllegalArgumentException if {@code dst} is read-only
         */
        public long read(MemorySegment dst) throws IpcException {
            return io.readSegment(dst, Deadline.FOREVER);
        }

        /** Timed read into a segment: bytes read, -1 at end of stream, 0 if nothing came in time. */
        public long read(MemorySegment dst, Duration timeout) throws IpcException {
            return io.readSegment(dst, Deadline.after(timeout));
        }

        /** Non-blocking read into a segment: bytes read, -1 at end of stream, 0 if empty. */
        public long tryRead(MemorySegment dst) throws IpcException {
            return io.readSegment(dst, Deadline.NOW);
        }

        /** Bytes the pipe holds now (ioctl {@code FIONREAD}). */
        public int available() throws IpcException {
            return io.available();
        }

        /**
         * Moves up to {@code count} bytes from this pipe to {@code target} (a file, a socket, another
         * pipe) inside the kernel, with
         * <a href="https://man7.org/linux/man-pages/man2/splice.2.html">splice(2)</a>. Waits until
         * at least one byte can move. A file target is written at (and advances) its file position.
         *
         * @return bytes moved (1..count), -1 at end of stream
         * @throws IllegalArgumentException if {@code count} is not positive
         */
        public long transferTo(FdBacked target, long count) throws IpcException {
            return transferTo(target.fd(), count);
        }

        /** As {@link #transferTo(FdBacked, long)}, to any owned descriptor. */
        public long transferTo(Fd target, long count) throws IpcException {
            return PipeIo.splice(io, target, true, count, Deadline.FOREVER);
        }

        /**
         * Timed {@link #transferTo(FdBacked, long)}: bytes moved, -1 at end of stream, 0 if nothing
         * could move in time ({@link Duration#ZERO}: the non-blocking form).
         */
        public long transferTo(FdBacked target, long count, Duration timeout) throws IpcException {
            return transferTo(target.fd(), count, timeout);
        }

        /** As {@link #transferTo(FdBacked, long, Duration)}, to any owned descriptor. */
        public long transferTo(Fd target, long count, Duration timeout) throws IpcException {
            return PipeIo.splice(io, target, true, count, Deadline.after(timeout));
        }

        /**
         * Copies up to {@code count} bytes from this pipe into another pipe without consuming them
         * here, with <a href="https://man7.org/linux/man-pages/man2/tee.2.html">tee(2)</a>. Waits
         * until at least one byte can be copied.
         *
         * @return bytes copied (1..count), -1 at end of stream
         * @throws IllegalArgumentException if {@code count} is not positive
         */
        public long teeTo(WriteEnd target, long count) throws IpcException {
            return PipeIo.tee(io, target.io, count, Deadline.FOREVER);
        }

        /**
         * Timed {@link #teeTo(WriteEnd, long)}: bytes copied, -1 at end of stream, 0 if nothing could
         * be copied in time ({@link Duration#ZERO}: the non-blocking form).
         */
        public long teeTo(WriteEnd target, long count, Duration timeout) throws IpcException {
            return PipeIo.tee(io, target.io, count, Deadline.after(timeout));
        }

        /**
         * A blocking {@link InputStream} over this end: {@code read} returns -1 at end of stream;
         * closing the stream closes this end. Errors are {@link IpcException}s.
         */
        public InputStream inputStream() {
            return new PipeStreams.In(this);
        }

        /**
         * A blocking {@link ReadableByteChannel} over this end: {@code read} returns -1 at end of
         * stream; closing the channel closes this end.
         */
        public ReadableByteChannel channel() {
            return new PipeStreams.ReadChannel(this);
        }
    }

    /**
     * The write end of a pipe or FIFO. Blocking writes write everything, waiting for room;
     * non-blocking ({@code tryWrite}) and timed writes return how many bytes they wrote (0 when the
     * pipe was full). A write of at most {@code PIPE_BUF} (4096) bytes is atomic: all or nothing.
     * Every form throws {@link IpcException} with EPIPE when no reader is left.
     */
    public static final class WriteEnd extends End {
        WriteEnd(Fd fd, boolean blockingDescription, boolean modeOwned) {
            super(fd, blockingDescription, modeOwned);
        }

        /**
         * Takes ownership of an inherited descriptor number that is the write end of a pipe or
         * FIFO; see {@link ReadEnd#adopt(int)} for what is checked and changed.
         */
        public static WriteEnd adopt(int number) throws IpcException {
            if (number < 0) {
                throw new IllegalArgumentException("descriptor numbers are >= 0, got " + number);
            }
            boolean blocking = PipeIo.prepareAdopted(number, "fd " + number, false);
            return new WriteEnd(Fd.adopt(number, "fd " + number), blocking, true);
        }

        /** Takes over an owned descriptor that is the write end of a pipe or FIFO. */
        public static WriteEnd adopt(Fd fd) throws IpcException {
            int n = fd.acquire("fstat");
            boolean blocking;
            try {
                blocking = PipeIo.prepareAdopted(n, fd.label(), false);
            } finally {
                fd.release();
            }
            return new WriteEnd(fd, blocking, true);
        }

        @Override
        public WriteEnd reopenBlocking() throws IpcException {
            return new WriteEnd(io.reopenBlocking(false), true, false);
        }

        /** Blocking write of all of {@code b}. */
        public void write(byte[] b) throws IpcException {
            write(b, 0, b.length);
        }

        /**
         * Blocking <a href="https://man7.org/linux/man-pages/man2/write.2.html">write(2)</a> of all
         * {@code len} bytes, waiting for room as often as needed.
         *
         * @throws IpcException EPIPE when no reader is left
         */
        public void write(byte[] b, int off, int len) throws IpcException {
            Objects.checkFromIndexSize(off, len, b.length);
            io.writeArray(b, off, len, Deadline.FOREVER);
        }

        /**
         * Timed write: writes what it can until {@code timeout} passes.
         *
         * @return bytes written, {@code len} if all; fewer (maybe 0) if time ran out
         */
        public int write(byte[] b, int off, int len, Duration timeout) throws IpcException {
            Objects.checkFromIndexSize(off, len, b.length);
            return io.writeArray(b, off, len, Deadline.after(timeout));
        }

        /**
         * Non-blocking write: writes what fits now.
         *
         * @return bytes written, 0 if the pipe is full
         */
        public int tryWrite(byte[] b, int off, int len) throws IpcException {
            Objects.checkFromIndexSize(off, len, b.length);
            return io.writeArray(b, off, len, Deadline.NOW);
        }

        /** Blocking write of all of {@code src}'s remaining bytes; advances its position to its limit. */
        public void write(ByteBuffer src) throws IpcException {
            io.writeBuffer(src, Deadline.FOREVER);
        }

        /** Timed write from a buffer: bytes written (position advanced by that), maybe 0. */
        public int write(ByteBuffer src, Duration timeout) throws IpcException {
            return io.writeBuffer(src, Deadline.after(timeout));
        }

        /** Non-blocking write from a buffer: bytes written (position advanced by that), 0 if full. */
        public int tryWrite(ByteBuffer src) throws IpcException {
            return io.writeBuffer(src, Deadline.NOW);
        }

        /** Blocking write of all of {@code src}; native segments go straight to the system call. */
        public void write(MemorySegment src) throws IpcException {
            io.writeSegment(src, Deadline.FOREVER);
        }

        /** Timed write from a segment: bytes written, maybe 0. */
        public long write(MemorySegment src, Duration timeout) throws IpcException {
            return io.writeSegment(src, Deadline.after(timeout));
        }

        /** Non-blocking write from a segment: bytes written, 0 if full. */
        public long tryWrite(MemorySegment src) throws IpcException {
            return io.writeSegment(src, Deadline.NOW);
        }

        /**
         * Moves up to {@code count} bytes from {@code source} (a file, a socket, another pipe) into
         * this pipe inside the kernel, with
         * <a href="https://man7.org/linux/man-pages/man2/splice.2.html">splice(2)</a>. Waits until at
         * least one byte can move. A file source is read at (and advances) its file position.
         *
         * @return bytes moved (1..count), -1 at the end of the source
         * @throws IllegalArgumentException if {@code count} is not positive
         */
        public long transferFrom(FdBacked source, long count) throws IpcException {
            return transferFrom(source.fd(), count);
        }

        /** As {@link #transferFrom(FdBacked, long)}, from any owned descriptor. */
        public long transferFrom(Fd source, long count) throws IpcException {
            return PipeIo.splice(io, source, false, count, Deadline.FOREVER);
        }

        /**
         * Timed {@link #transferFrom(FdBacked, long)}: bytes moved, -1 at the end of the source, 0 if
         * nothing could move in time ({@link Duration#ZERO}: the non-blocking form).
         */
        public long transferFrom(FdBacked source, long count, Duration timeout) throws IpcException {
            return transferFrom(source.fd(), count, timeout);
        }

        /** As {@link #transferFrom(FdBacked, long, Duration)}, from any owned descriptor. */
        public long transferFrom(Fd source, long count, Duration timeout) throws IpcException {
            return PipeIo.splice(io, source, false, count, Deadline.after(timeout));
        }

        /**
         * A blocking {@link OutputStream} over this end; {@code flush} does nothing (a pipe has no
         * user-space buffer), closing the stream closes this end.
         */
        public OutputStream outputStream() {
            return new PipeStreams.Out(this);
        }

        /**
         * A blocking {@link WritableByteChannel} over this end: {@code write} writes every remaining
         * byte; closing the channel closes this end.
         */
        public WritableByteChannel channel() {
            return new PipeStreams.WriteChannel(this);
        }
    }
}
