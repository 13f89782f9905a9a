package io.jipc.pipe;

import io.jipc.Fd;
import io.jipc.FdBacked;
import io.jipc.IpcException;
import io.jipc.Transfer;
import io.jipc.internal.libc.Fcntl;
import io.jipc.internal.libc.Unistd;
import io.jipc.internal.wait.Deadline;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.GatheringByteChannel;
import java.time.Duration;
import java.util.Objects;

/**
 * An anonymous pipe, made by <a href="https://man7.org/linux/man-pages/man2/pipe2.2.html">pipe2(2)</a>:
 * a one-way byte stream with a {@link ReadEnd} and a {@link WriteEnd}.
 *
 * <p>Each end is an object of its own ({@link FdBacked}, closed on its own), so one end can be
 * handed to a child process and the other kept. Closing the {@code Pipe} closes both ends.
 *
 * <p><b>Semantics</b> are <a href="https://man7.org/linux/man-pages/man7/pipe.7.html">pipe(7)</a>'s.
 * A read returns what is there (at least one byte), {@link Transfer#EOF} once the pipe is empty
 * and every write end, in every process, is closed. A write of at most {@code PIPE_BUF} (4096)
 * bytes is atomic. Writing when every read end is closed throws an {@link IpcException} with
 * EPIPE; the signal never kills the JVM (HotSpot's SIGPIPE handler ignores it, also under {@code
 * -Xrs}, and exec resets it, so child processes get the default SIGPIPE C programs expect).
 *
 * <p><b>Three forms of every call</b>, as everywhere in jipc: {@code read}/{@code write} wait
 * until done, {@code tryRead}/{@code tryWrite} never wait, and {@code tryRead}/{@code tryWrite}
 * with a {@link Duration} wait at most that long; the same for {@code transferTo}, {@code
 * transferFrom} and {@code teeTo}. Reads answer the byte count, {@link Transfer#EOF} at end of
 * stream, and (try forms) {@link Transfer#NOTHING} when nothing was there. Blocking writes write
 * everything; the try forms answer the count written, possibly short, or {@link
 * Transfer#NOTHING}. A waiting call uses no CPU, throws {@link io.jipc.ObjectClosedException} when
 * another thread closes the end and {@link io.jipc.IpcInterruptedException} when its thread is
 * interrupted — the latter only when it would wait: a read that finds data returns it.
 *
 * <p><b>Buffers.</b> Direct {@link ByteBuffer}s and native {@link MemorySegment}s go straight to
 * the system call; heap memory is copied through a native buffer of the calling thread, at most
 * 64 KiB per read. Nothing on these paths allocates.
 *
 * <p><b>Many small messages.</b> A read returns everything the pipe holds, up to the buffer's
 * size, in one call: a reader that wants all that has arrived reads into a large buffer (the
 * pipe's {@link #capacity()} holds everything) and cuts the messages out itself. A writer with
 * many small pieces writes them with one gathering {@link WriteEnd#write(ByteBuffer[])}, one
 * system call for up to 64 KiB of them, instead of one call each.
 *
 * <p><b>How calls wait.</b> Pipes jipc makes are in blocking mode, as C's are, so a blocking read
 * or write sleeps inside read(2) / write(2): one system call, as in C; close and interrupt end it
 * with a thread-directed signal (EINTR). The non-blocking form uses preadv2(2) / pwritev2(2) with
 * {@code RWF_NOWAIT}, which leaves the description's mode alone, and the timed form waits in
 * poll(2). Descriptions that refuse {@code RWF_NOWAIT} — FIFOs (up to Linux 6.18 at least), a
 * pipe reopened through /proc, a pipe splice(2) has touched (recent kernels) — sleep in the call
 * under the thread's timer for timed calls too, and jipc makes such a description of its own
 * non-blocking at its first non-blocking call; from then on a call that must wait does so in
 * poll(2), three system calls instead of one. A thread that cannot have its wake-up timer
 * ({@code RLIMIT_SIGPENDING} reached) waits in poll(2) as well.
 *
 * <p>{@code O_NONBLOCK} belongs to the open file description, shared by every duplicate of the
 * descriptor in every process, and a child process expects a blocking one: {@link
 * io.jipc.process.ChildProcess} hands a child a blocking description as it is, and for a
 * non-blocking one a new blocking description of the same pipe ({@link End#reopenBlocking()}),
 * leaving the parent's untouched.
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
    /**
     * How {@link #open(Options)} makes a pipe.
     *
     * @param packet packet mode ({@code O_DIRECT}, Linux 3.4+): each write of at most {@code
     *               PIPE_BUF} (4096) bytes is one packet, and each read returns one packet; a read
     *               into a buffer smaller than the packet discards the rest of it. Larger writes
     *               are split into packets.
     * @see <a href="https://man7.org/linux/man-pages/man2/pipe.2.html">pipe(2)</a>
     */
    public record Options(boolean packet) {
        /** A byte stream, as pipe(2) makes it. */
        public static Options defaults() {
            return new Options(false);
        }

        /** Packet mode ({@code O_DIRECT}) or a byte stream. */
        public Options withPacket(boolean packetMode) {
            return new Options(packetMode);
        }
    }

    private final ReadEnd readEnd;
    private final WriteEnd writeEnd;

    private Pipe(ReadEnd readEnd, WriteEnd writeEnd) {
        this.readEnd = readEnd;
        this.writeEnd = writeEnd;
    }

    /** A byte-stream pipe; see {@link #open(Options)}. */
    public static Pipe open() throws IpcException {
        return open(Options.defaults());
    }

    /**
     * Creates a pipe with <a href="https://man7.org/linux/man-pages/man2/pipe2.2.html">pipe2(2)</a>:
     * both ends blocking and close-on-exec.
     *
     * @throws IpcException EMFILE/ENFILE when out of descriptors; EINVAL for packet mode on a
     *                      kernel without it
     */
    public static Pipe open(Options options) throws IpcException {
        int flags = Fcntl.O_CLOEXEC | (Objects.requireNonNull(options, "options").packet() ? Fcntl.O_DIRECT : 0);
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
        boolean nowait = PipeDescriptors.pipesTakeNowait();
        return new Pipe(new ReadEnd(Fd.adopt(in, "pipe"), true, nowait),
                new WriteEnd(Fd.adopt(out, "pipe"), true, nowait));
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
     *
     * @see <a href="https://man7.org/linux/man-pages/man7/pipe.7.html">pipe(7)</a>
     */
    public abstract static sealed class End implements FdBacked permits ReadEnd, WriteEnd {
        final PipeIo io;

        End(Fd fd, boolean reading, boolean modeOwned, boolean nowait) {
            this.io = new PipeIo(fd, reading, modeOwned, nowait);
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
            return PipeDescriptors.capacity(io.fd);
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
            return PipeDescriptors.setCapacity(io.fd, bytes);
        }

        /**
         * Sets or clears {@code O_NONBLOCK} on the <em>shared</em> open file description.
         *
         * <p>Prefer {@link #reopenBlocking()} for a child process: this switch reaches every
         * duplicate of the descriptor, in every process. Once the user has chosen the mode, jipc
         * never changes it: on a blocking description that refuses {@code RWF_NOWAIT} (a FIFO),
         * the non-blocking forms then make the call only after poll(2) says it may succeed, with
         * one weakness a blocking description cannot avoid: if another reader (writer) takes the
         * bytes (the room) in between, the call sleeps in the kernel until data (room) comes.
         * Switching to non-blocking puts this end's waits in poll(2); a call already asleep in
         * the kernel stays there until data (room), close or interrupt comes.
         *
         * <p>Change the mode through this method, not through {@code fd().setNonBlocking(...)},
         * which leaves jipc free to change it again.
         */
        public final void setBlocking(boolean blocking) throws IpcException {
            if (blocking) {
                io.modeOwned = false;
                // Waiting calls may sleep in the kernel from now on; one racing with the switch
                // meets EAGAIN there at worst, and waits in poll(2) once.
                io.handle.blocking(true);
                io.fd.setNonBlocking(false);
            } else {
                io.fd.setNonBlocking(true);
            }
        }

        /**
         * Whether the open file description is in blocking mode, as this end last set or found
         * it: true for the pipes and FIFO ends jipc opens, for {@link #reopenBlocking()} and
         * after {@link #setBlocking(boolean) setBlocking(true)}; false once jipc made a
         * description that refuses {@code RWF_NOWAIT} non-blocking for a non-blocking call.
         */
        public final boolean isBlocking() {
            return io.blocking();
        }

        /**
         * A new open file description of the same pipe or FIFO, in blocking mode, for a child
         * process: opened through {@code /proc/self/fd/N} (so this end's own description, and its
         * {@code O_NONBLOCK}, stay untouched), with packet mode copied, and close-on-exec (the
         * dup2 that places it in the child clears that flag there). Close it in the parent once
         * the child has started; until then it counts as a reader (writer) of the pipe, so EOF
         * (EPIPE) cannot happen while it is open. jipc leaves its mode alone.
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
     * The read end of a pipe or FIFO. Reads return the number of bytes read (at least 1), {@link
     * Transfer#EOF} at end of stream (pipe empty and every write end closed, in every process),
     * and, for the try forms, {@link Transfer#NOTHING} when nothing came. A read of 0 bytes
     * returns 0 at once.
     *
     * @see <a href="https://man7.org/linux/man-pages/man2/read.2.html">read(2)</a>
     * @see <a href="https://man7.org/linux/man-pages/man7/pipe.7.html">pipe(7)</a>
     */
    public static final class ReadEnd extends End {
        ReadEnd(Fd fd, boolean modeOwned, boolean nowait) {
            super(fd, true, modeOwned, nowait);
        }

        /**
         * Takes ownership of an inherited descriptor number that is the read end of a pipe or
         * FIFO, as a child process given one at fd 3 does: {@code Pipe.ReadEnd.adopt(3)}. It is
         * checked (fstat: a pipe or FIFO; open for reading) and made close-on-exec; its mode stays
         * as it is, and jipc may change it as for its own ends (see the class comment): the
         * switch reaches the open file description, which the parent may share, so jipc expects
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
            PipeDescriptors.Adopted a = PipeDescriptors.prepareAdopted(number, "fd " + number, true);
            return adopted(Fd.adopt(number, "fd " + number), a);
        }

        /**
         * Takes over an owned descriptor that is the read end of a pipe or FIFO (for instance one
         * received over a UNIX socket); see {@link #adopt(int)}. The new end owns {@code fd}.
         */
        public static ReadEnd adopt(Fd fd) throws IpcException {
            int n = fd.acquire("fstat");
            PipeDescriptors.Adopted a;
            try {
                a = PipeDescriptors.prepareAdopted(n, fd.label(), true);
            } finally {
                fd.release();
            }
            return adopted(fd, a);
        }

        private static ReadEnd adopted(Fd fd, PipeDescriptors.Adopted a) {
            ReadEnd end = new ReadEnd(fd, true, a.nowait());
            end.io.handle.blocking(a.blocking());
            return end;
        }

        @Override
        public ReadEnd reopenBlocking() throws IpcException {
            return new ReadEnd(PipeDescriptors.reopenBlocking(io.fd, true), false, PipeDescriptors.fifosTakeNowait());
        }

        /** Reads into {@code b}, waiting for data; see {@link #read(byte[], int, int)}. */
        public int read(byte[] b) throws IpcException {
            return read(b, 0, b.length);
        }

        /**
         * <a href="https://man7.org/linux/man-pages/man2/read.2.html">read(2)</a>, waiting while
         * the pipe is empty and a writer is open.
         *
         * @return bytes read (1..len, at most 64 KiB per call for heap memory), {@link
         *         Transfer#EOF} at end of stream
         * @throws IndexOutOfBoundsException if off/len are outside {@code b}
         */
        public int read(byte[] b, int off, int len) throws IpcException {
            Objects.checkFromIndexSize(off, len, b.length);
            return io.readArray(b, off, len, Deadline.FOREVER);
        }

        /** Reads what is there now into {@code b}: count, {@link Transfer#EOF}, or {@link Transfer#NOTHING}. */
        public int tryRead(byte[] b) throws IpcException {
            return tryRead(b, 0, b.length);
        }

        /**
         * Reads what is there now, never waiting.
         *
         * @return bytes read, {@link Transfer#EOF} at end of stream, {@link Transfer#NOTHING} if
         *         the pipe is empty but a writer is open
         */
        public int tryRead(byte[] b, int off, int len) throws IpcException {
            Objects.checkFromIndexSize(off, len, b.length);
            return io.readArray(b, off, len, Deadline.NOW);
        }

        /** Reads into {@code b}, waiting at most {@code timeout}; see {@link #tryRead(byte[], int, int, Duration)}. */
        public int tryRead(byte[] b, Duration timeout) throws IpcException {
            return tryRead(b, 0, b.length, timeout);
        }

        /**
         * Reads, waiting at most {@code timeout} for data.
         *
         * @return bytes read, {@link Transfer#EOF} at end of stream, {@link Transfer#NOTHING} if
         *         nothing came in time
         */
        public int tryRead(byte[] b, int off, int len, Duration timeout) throws IpcException {
            Objects.checkFromIndexSize(off, len, b.length);
            return io.readArray(b, off, len, Deadline.after(timeout));
        }

        /**
         * Reads into {@code dst}'s remaining bytes (heap or direct), waiting for data; advances
         * its position by the count read.
         *
         * @return bytes read, {@link Transfer#EOF} at end of stream
         * @throws java.nio.ReadOnlyBufferException if {@code dst} is read-only
         */
        public int read(ByteBuffer dst) throws IpcException {
            return io.readBuffer(dst, Deadline.FOREVER);
        }

        /** Reads into a buffer what is there now: count, {@link Transfer#EOF}, or {@link Transfer#NOTHING}. */
        public int tryRead(ByteBuffer dst) throws IpcException {
            return io.readBuffer(dst, Deadline.NOW);
        }

        /** Reads into a buffer, waiting at most {@code timeout}: count, {@link Transfer#EOF}, or {@link Transfer#NOTHING}. */
        public int tryRead(ByteBuffer dst, Duration timeout) throws IpcException {
            return io.readBuffer(dst, Deadline.after(timeout));
        }

        /**
         * Reads into the start of {@code dst} (up to its size), waiting for data; native segments
         * go straight to the system call.
         *
         * @return bytes read, {@link Transfer#EOF} at end of stream
         * @throws IllegalArgumentException if {@code dst} is read-only
         */
        public long read(MemorySegment dst) throws IpcException {
            return io.readSegment(dst, Deadline.FOREVER);
        }

        /** Reads into a segment what is there now: count, {@link Transfer#EOF}, or {@link Transfer#NOTHING}. */
        public long tryRead(MemorySegment dst) throws IpcException {
            return io.readSegment(dst, Deadline.NOW);
        }

        /** Reads into a segment, waiting at most {@code timeout}: count, {@link Transfer#EOF}, or {@link Transfer#NOTHING}. */
        public long tryRead(MemorySegment dst, Duration timeout) throws IpcException {
            return io.readSegment(dst, Deadline.after(timeout));
        }

        /** Bytes the pipe holds now (ioctl {@code FIONREAD}). */
        public int available() throws IpcException {
            return PipeDescriptors.available(io.fd);
        }

        /**
         * Moves up to {@code count} bytes from this pipe to {@code target} (a file, a socket,
         * another pipe) inside the kernel, with
         * <a href="https://man7.org/linux/man-pages/man2/splice.2.html">splice(2)</a>, waiting
         * until at least one byte can move. A file target is written at (and advances) its file
         * position. Closing this end or interrupting the thread ends the wait; closing {@code
         * target} does not.
         *
         * @return bytes moved (1..count), {@link Transfer#EOF} at end of stream
         * @throws IllegalArgumentException if {@code count} is not positive
         */
        public long transferTo(FdBacked target, long count) throws IpcException {
            return io.splice().run(target, count, Deadline.FOREVER);
        }

        /** {@link #transferTo} of what can move now: count, {@link Transfer#EOF}, or {@link Transfer#NOTHING}. */
        public long tryTransferTo(FdBacked target, long count) throws IpcException {
            return io.splice().run(target, count, Deadline.NOW);
        }

        /** {@link #transferTo}, waiting at most {@code timeout}: count, {@link Transfer#EOF}, or {@link Transfer#NOTHING}. */
        public long tryTransferTo(FdBacked target, long count, Duration timeout) throws IpcException {
            return io.splice().run(target, count, Deadline.after(timeout));
        }

        /**
         * Copies up to {@code count} bytes from this pipe into another pipe without consuming them
         * here, with <a href="https://man7.org/linux/man-pages/man2/tee.2.html">tee(2)</a>,
         * waiting until at least one byte can be copied.
         *
         * @return bytes copied (1..count), {@link Transfer#EOF} at end of stream
         * @throws IllegalArgumentException if {@code count} is not positive
         */
        public long teeTo(WriteEnd target, long count) throws IpcException {
            return io.tee().run(target, count, Deadline.FOREVER);
        }

        /** {@link #teeTo} of what can be copied now: count, {@link Transfer#EOF}, or {@link Transfer#NOTHING}. */
        public long tryTeeTo(WriteEnd target, long count) throws IpcException {
            return io.tee().run(target, count, Deadline.NOW);
        }

        /** {@link #teeTo}, waiting at most {@code timeout}: count, {@link Transfer#EOF}, or {@link Transfer#NOTHING}. */
        public long tryTeeTo(WriteEnd target, long count, Duration timeout) throws IpcException {
            return io.tee().run(target, count, Deadline.after(timeout));
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
     * The write end of a pipe or FIFO. Blocking writes write everything, waiting for room; the
     * try forms return how many bytes they wrote, or {@link Transfer#NOTHING} when the pipe had
     * no room. A write of at most {@code PIPE_BUF} (4096) bytes is atomic: all or nothing. Every
     * form throws {@link IpcException} with EPIPE when no reader is left.
     *
     * @see <a href="https://man7.org/linux/man-pages/man2/write.2.html">write(2)</a>
     * @see <a href="https://man7.org/linux/man-pages/man7/pipe.7.html">pipe(7)</a>
     */
    public static final class WriteEnd extends End {
        WriteEnd(Fd fd, boolean modeOwned, boolean nowait) {
            super(fd, false, modeOwned, nowait);
        }

        /**
         * Takes ownership of an inherited descriptor number that is the write end of a pipe or
         * FIFO; see {@link ReadEnd#adopt(int)} for what is checked and changed.
         */
        public static WriteEnd adopt(int number) throws IpcException {
            if (number < 0) {
                throw new IllegalArgumentException("descriptor numbers are >= 0, got " + number);
            }
            PipeDescriptors.Adopted a = PipeDescriptors.prepareAdopted(number, "fd " + number, false);
            return adopted(Fd.adopt(number, "fd " + number), a);
        }

        /** Takes over an owned descriptor that is the write end of a pipe or FIFO. */
        public static WriteEnd adopt(Fd fd) throws IpcException {
            int n = fd.acquire("fstat");
            PipeDescriptors.Adopted a;
            try {
                a = PipeDescriptors.prepareAdopted(n, fd.label(), false);
            } finally {
                fd.release();
            }
            return adopted(fd, a);
        }

        private static WriteEnd adopted(Fd fd, PipeDescriptors.Adopted a) {
            WriteEnd end = new WriteEnd(fd, true, a.nowait());
            end.io.handle.blocking(a.blocking());
            return end;
        }

        @Override
        public WriteEnd reopenBlocking() throws IpcException {
            return new WriteEnd(PipeDescriptors.reopenBlocking(io.fd, false), false, PipeDescriptors.fifosTakeNowait());
        }

        /** Writes all of {@code b}, waiting for room as often as needed. */
        public void write(byte[] b) throws IpcException {
            write(b, 0, b.length);
        }

        /**
         * <a href="https://man7.org/linux/man-pages/man2/write.2.html">write(2)</a> of all
         * {@code len} bytes, waiting for room as often as needed.
         *
         * @throws IpcException EPIPE when no reader is left
         */
        public void write(byte[] b, int off, int len) throws IpcException {
            Objects.checkFromIndexSize(off, len, b.length);
            io.writeArray(b, off, len, Deadline.FOREVER);
        }

        /** Writes what fits now of {@code b}; see {@link #tryWrite(byte[], int, int)}. */
        public int tryWrite(byte[] b) throws IpcException {
            return tryWrite(b, 0, b.length);
        }

        /**
         * Writes what fits now, never waiting.
         *
         * @return bytes written, {@link Transfer#NOTHING} if the pipe is full
         */
        public int tryWrite(byte[] b, int off, int len) throws IpcException {
            Objects.checkFromIndexSize(off, len, b.length);
            return io.writeArray(b, off, len, Deadline.NOW);
        }

        /** Writes {@code b}, waiting at most {@code timeout}; see {@link #tryWrite(byte[], int, int, Duration)}. */
        public int tryWrite(byte[] b, Duration timeout) throws IpcException {
            return tryWrite(b, 0, b.length, timeout);
        }

        /**
         * Writes what it can until {@code timeout} has passed.
         *
         * @return bytes written, {@code len} if all; {@link Transfer#NOTHING} if none
         */
        public int tryWrite(byte[] b, int off, int len, Duration timeout) throws IpcException {
            Objects.checkFromIndexSize(off, len, b.length);
            return io.writeArray(b, off, len, Deadline.after(timeout));
        }

        /** Writes all of {@code src}'s remaining bytes, waiting for room; advances its position to its limit. */
        public void write(ByteBuffer src) throws IpcException {
            io.writeBuffer(src, Deadline.FOREVER);
        }

        /** Writes from a buffer what fits now: count (position advanced by it) or {@link Transfer#NOTHING}. */
        public int tryWrite(ByteBuffer src) throws IpcException {
            return io.writeBuffer(src, Deadline.NOW);
        }

        /** Writes from a buffer, waiting at most {@code timeout}: count (position advanced by it) or {@link Transfer#NOTHING}. */
        public int tryWrite(ByteBuffer src, Duration timeout) throws IpcException {
            return io.writeBuffer(src, Deadline.after(timeout));
        }

        /**
         * Writes all the buffers' remaining bytes, in order, waiting for room; advances each
         * one's position to its limit (a gathering write, as {@link
         * java.nio.channels.GatheringByteChannel#write(ByteBuffer[])}, which {@link #channel()}
         * implements). Many small buffers go in one system call rather than one each: their
         * bytes are gathered in the calling thread's native buffer and written 64 KiB per call,
         * so up to {@code PIPE_BUF} (4096) bytes in all are one atomic write.
         *
         * @throws NullPointerException if a buffer is null (nothing written)
         * @throws IpcException EPIPE when no reader is left
         */
        public void write(ByteBuffer[] srcs) throws IpcException {
            io.writeBuffers(srcs, 0, srcs.length, Deadline.FOREVER);
        }

        /**
         * Writes what fits now of the buffers, in order, never waiting; advances their positions
         * past it.
         *
         * @return bytes written, {@link Transfer#NOTHING} if the pipe is full
         */
        public long tryWrite(ByteBuffer[] srcs) throws IpcException {
            return io.writeBuffers(srcs, 0, srcs.length, Deadline.NOW);
        }

        /** Writes the buffers, waiting at most {@code timeout}: bytes written, or {@link Transfer#NOTHING} if none. */
        public long tryWrite(ByteBuffer[] srcs, Duration timeout) throws IpcException {
            return io.writeBuffers(srcs, 0, srcs.length, Deadline.after(timeout));
        }

        /** Writes all of {@code src}, waiting for room; native segments go straight to the system call. */
        public void write(MemorySegment src) throws IpcException {
            io.writeSegment(src, Deadline.FOREVER);
        }

        /** Writes from a segment what fits now: count or {@link Transfer#NOTHING}. */
        public long tryWrite(MemorySegment src) throws IpcException {
            return io.writeSegment(src, Deadline.NOW);
        }

        /** Writes from a segment, waiting at most {@code timeout}: count or {@link Transfer#NOTHING}. */
        public long tryWrite(MemorySegment src, Duration timeout) throws IpcException {
            return io.writeSegment(src, Deadline.after(timeout));
        }

        /**
         * Moves up to {@code count} bytes from {@code source} (a file, a socket, another pipe) into
         * this pipe inside the kernel, with
         * <a href="https://man7.org/linux/man-pages/man2/splice.2.html">splice(2)</a>, waiting
         * until at least one byte can move. A file source is read at (and advances) its file
         * position. Closing this end or interrupting the thread ends the wait; closing {@code
         * source} does not.
         *
         * @return bytes moved (1..count), {@link Transfer#EOF} at the end of the source
         * @throws IllegalArgumentException if {@code count} is not positive
         */
        public long transferFrom(FdBacked source, long count) throws IpcException {
            return io.splice().run(source, count, Deadline.FOREVER);
        }

        /** {@link #transferFrom} of what can move now: count, {@link Transfer#EOF}, or {@link Transfer#NOTHING}. */
        public long tryTransferFrom(FdBacked source, long count) throws IpcException {
            return io.splice().run(source, count, Deadline.NOW);
        }

        /** {@link #transferFrom}, waiting at most {@code timeout}: count, {@link Transfer#EOF}, or {@link Transfer#NOTHING}. */
        public long tryTransferFrom(FdBacked source, long count, Duration timeout) throws IpcException {
            return io.splice().run(source, count, Deadline.after(timeout));
        }

        /**
         * A blocking {@link OutputStream} over this end; {@code flush} does nothing (a pipe has no
         * user-space buffer), closing the stream closes this end.
         */
        public OutputStream outputStream() {
            return new PipeStreams.Out(this);
        }

        /**
         * A blocking {@link GatheringByteChannel} over this end: {@code write} writes every
         * remaining byte (of every buffer, gathered as {@link #write(ByteBuffer[])} does); closing
         * the channel closes this end.
         */
        public GatheringByteChannel channel() {
            return new PipeStreams.WriteChannel(this);
        }
    }
}
