package io.jipc.socket;

import io.jipc.Fd;
import io.jipc.IpcException;
import io.jipc.IpcInterruptedException;
import io.jipc.Transfer;
import io.jipc.internal.Gather;
import io.jipc.internal.libc.Ioctl;
import io.jipc.internal.libc.Poll;
import io.jipc.internal.libc.Socket;
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
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The data path of {@link UnixSocket} and {@link UnixDatagramSocket}: send, sendto and recv as
 * operations of the wait engine ({@link Operation}), and heap data staged through the calling
 * thread's scratch ({@link Waiter#scratch}). Descriptors and credentials travel through {@link
 * ControlMessages}.
 *
 * <p><b>Waiting.</b> Sockets jipc connects, accepts or pairs are blocking descriptions, so an
 * untimed call sleeps inside send/recv as in C. A receive, and a send of up to {@value
 * #SMALL_SEND} bytes, first try {@code MSG_DONTWAIT} while such tries find the work done; a larger
 * send would often go out in part and sleeps in the kernel at once. Timed calls wait in poll(2),
 * except a sendto to an address: poll speaks of the sender's own buffer, never of the receiver's
 * queue that is full, so that send has no readiness and sleeps inside sendto, under the thread's
 * timer when it is timed.
 *
 * <p><b>Locks.</b> A datagram or record is one system call that the kernel delivers whole, and a
 * receive takes what it takes, so neither holds a lock: their memory is the thread's own. A
 * stream send holds the socket's send lock from its first byte to its last, because the kernel
 * cuts a large send into pieces and a wake-up may end it part way: two senders' bytes must never
 * interleave. That lock is the one correctness needs; it is held while the send sleeps.
 */
final class MessageIo {
    /** Heap data goes through the thread's scratch in pieces of this size on stream sockets. */
    static final int CHUNK = 64 * 1024;
    /** Sends up to this size try MSG_DONTWAIT first (see the class comment). */
    static final int SMALL_SEND = 4096;

    final Fd fd;
    final Handle handle;
    final String label;
    final boolean stream;
    final boolean seqpacket;
    private final ReentrantLock streamSendLock;
    /** The last direct buffer sent from and received into, mapped whole (MemorySegment.ofBuffer allocates). */
    private Mapped sendMapped;
    private Mapped receiveMapped;

    /** An immutable pair, so that a racing thread never sees one buffer with another's segment. */
    private record Mapped(ByteBuffer buffer, MemorySegment whole) {}

    // w.data, w.offset, w.length: the bytes; w.flags: the call's flags without MSG_DONTWAIT, which the
    // attempt adds for the form that never sleeps.
    private final Operation sendOp;
    private final Operation recvOp;
    /** sendto an address (w.extra, w.value: the sockaddr and its length): no readiness to poll for. */
    private final Operation sendToOp;
    // Batches (not on streams). w.data: a batch's mmsghdr array from its first message to move,
    // w.length: how many, w.flags: the call's flags without MSG_DONTWAIT / MSG_WAITFORONE. No try
    // first: a kernel wait's set-up (tens of ns) is shared by the batch's messages, a failed try is not.
    private final Operation sendBatchOp;
    private final Operation recvBatchOp;

    MessageIo(Fd fd, String label, SocketType type) {
        this.fd = fd;
        this.label = label;
        this.stream = type == SocketType.STREAM;
        this.seqpacket = type == SocketType.SEQPACKET;
        this.streamSendLock = stream ? new ReentrantLock() : null;
        Handle handle = Handles.of(fd);
        this.handle = handle;
        this.sendOp = Operation.on(handle, "send", MessageIo::sendCall).readiness(Poll.POLLOUT).tryFirst().build();
        this.recvOp = Operation.on(handle, "recv", MessageIo::recvCall).readiness(Poll.POLLIN).tryFirst().build();
        this.sendToOp = type != SocketType.DGRAM ? null : Operation.on(handle, "sendto",
                        (w, how) -> Socket.sendto(w.target, w.data, w.offset, w.length, flags(w, how), w.extra,
                                (int) w.value))
                .tryFirst().build();
        this.sendBatchOp = stream ? null : Operation.on(handle, "sendmmsg",
                        (w, how) -> Socket.sendmmsg(w.target, w.data, (int) w.length, flags(w, how)))
                .readiness(Poll.POLLOUT).build();
        // The kernel form waits for the first message only (MSG_WAITFORONE), then takes what is there.
        this.recvBatchOp = stream ? null : Operation.on(handle, "recvmmsg",
                        (w, how) -> Socket.recvmmsg(w.target, w.data, (int) w.length,
                                w.flags | (how == Attempt.NOW ? Socket.MSG_DONTWAIT : Socket.MSG_WAITFORONE),
                                MemorySegment.NULL))
                .readiness(Poll.POLLIN).build();
    }

    /** The call's flags for the form {@code how}: MSG_DONTWAIT added for the one that never sleeps. */
    static int flags(Waiter w, int how) {
        return how == Attempt.NOW ? w.flags | Socket.MSG_DONTWAIT : w.flags;
    }

    private static long sendCall(Waiter w, int how) {
        return Socket.send(w.errnoState, w.target, w.data, w.offset, w.length, flags(w, how));
    }

    private static long recvCall(Waiter w, int how) {
        return Socket.recv(w.errnoState, w.target, w.data, w.offset, w.length, flags(w, how));
    }

    /**
     * A run of {@link #sendOp} ({@code sending}) or {@link #recvOp}, the call made here, where the
     * JIT compiles it in place ({@link Operation#begin} says why).
     */
    private static long run(Operation op, boolean sending, Waiter w, long deadline, boolean mayTry)
            throws IpcException {
        int how = op.begin(w, deadline, mayTry);
        if (how == Operation.LOOP) {
            return op.run(w, deadline, mayTry);
        }
        long r = Operation.NO_RESULT;
        try {
            r = sending ? sendCall(w, how) : recvCall(w, how);
        } finally {
            r = op.end(w, how, r);
        }
        return r;
    }

    // =================================================================== send

    /**
     * Sends the buffer's remaining bytes, advancing its position by the bytes sent.
     *
     * @return the bytes sent (one whole message, or on a stream what the deadline allowed), or
     *         {@link Transfer#NOTHING}
     */
    long send(ByteBuffer src, UnixAddress to, long deadline) throws IpcException {
        int pos = src.position();
        int len = src.remaining();
        long r;
        if (src.isDirect()) {
            r = send(direct(src, true), null, null, pos, len, to, deadline);
        } else if (src.hasArray()) {
            r = send(null, src.array(), null, src.arrayOffset() + pos, len, to, deadline);
        } else {
            // a read-only heap buffer: reachable only through a segment view
            r = send(null, null, MemorySegment.ofBuffer(src), 0, len, to, deadline);
        }
        if (r > 0) {
            src.position(pos + (int) r);
        }
        return r;
    }

    long send(byte[] src, int off, int len, UnixAddress to, long deadline) throws IpcException {
        Objects.checkFromIndexSize(off, len, src.length);
        return send(null, src, null, off, len, to, deadline);
    }

    long send(MemorySegment src, UnixAddress to, long deadline) throws IpcException {
        return src.isNative()
                ? send(src, null, null, 0, src.byteSize(), to, deadline)
                : send(null, null, src, 0, src.byteSize(), to, deadline);
    }

    /** Exactly one of {@code nat} (native memory, sent as it is), {@code array} and {@code heap} is non-null. */
    private long send(MemorySegment nat, byte[] array, MemorySegment heap, long off, long len, UnixAddress to,
            long deadline) throws IpcException {
        Waiter w = Waiter.current();
        if (!stream) {
            return nat != null
                    ? sendMessage(w, nat, off, len, to, deadline)
                    : sendMessage(w, stage(w, array, heap, off, len), 0, len, to, deadline);
        }
        if (!lockStreamSend(deadline)) {
            return Transfer.NOTHING;
        }
        try {
            return sendStream(w, nat, array, heap, off, len, deadline);
        } finally {
            streamSendLock.unlock();
        }
    }

    /** One datagram or record: the kernel takes it whole, or refuses it. */
    private long sendMessage(Waiter w, MemorySegment data, long offset, long len, UnixAddress to, long deadline)
            throws IpcException {
        w.data = data;
        w.offset = offset;
        w.length = len;
        w.flags = Socket.MSG_NOSIGNAL;
        Operation op = sendOp;
        if (to != null) {
            op = sendToOp;
            w.extra = w.header();
            w.value = to.encode(w.extra);
        }
        long r = op == sendOp ? run(op, true, w, deadline, len <= SMALL_SEND) : op.run(w, deadline, len <= SMALL_SEND);
        if (r < 0 && r != Operation.NOTHING) {
            throw IpcException.of(op.call(), to == null ? label : to.toString(), (int) -r);
        }
        return r == Operation.NOTHING ? Transfer.NOTHING : r;
    }

    /**
     * Sends on a stream, the send lock held: every byte, or those that went before the deadline.
     * Heap bytes go through the thread's scratch a {@link #CHUNK} at a time.
     *
     * @return the bytes sent, or {@link Transfer#NOTHING} when none went
     */
    long sendStream(Waiter w, MemorySegment nat, byte[] array, MemorySegment heap, long off, long len, long deadline)
            throws IpcException {
        long sent = 0;
        while (sent < len) {
            long n = nat != null ? len - sent : Math.min(CHUNK, len - sent);
            MemorySegment piece = nat != null ? nat : stage(w, array, heap, off + sent, n);
            long at = nat != null ? off + sent : 0;
            long done = 0;
            while (done < n) {
                // A blocking send takes everything unless a signal ends it part way: send the rest.
                w.data = piece;
                w.offset = at + done;
                w.length = n - done;
                w.flags = Socket.MSG_NOSIGNAL;
                long r = run(sendOp, true, w, deadline, n - done <= SMALL_SEND);
                if (r == Operation.NOTHING) {
                    return sent + done > 0 ? sent + done : Transfer.NOTHING;
                }
                if (r < 0) {
                    throw sendOp.failure(r);
                }
                done += r;
            }
            sent += n;
        }
        return sent;
    }

    /**
     * Takes the stream send lock as the deadline allows: at once if it is free (a thread with an
     * interrupt pending still sends when nothing makes it wait), else waiting as the form says.
     *
     * @return false when the deadline came first
     */
    boolean lockStreamSend(long deadline) throws IpcException {
        if (streamSendLock.tryLock()) {
            return true;
        }
        if (deadline == Deadline.NOW) {
            return false; // the form that never waits, which leaves a pending interrupt alone
        }
        try {
            if (deadline == Deadline.FOREVER) {
                streamSendLock.lockInterruptibly();
                return true;
            }
            return streamSendLock.tryLock(Deadline.remainingNanos(deadline), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IpcInterruptedException("send", label);
        }
    }

    void unlockStreamSend() {
        streamSendLock.unlock();
    }

    /**
     * All of direct buffer {@code bb} as a segment, without allocating for the buffer used last in
     * that direction; the call takes the buffer's position as an offset.
     */
    private MemorySegment direct(ByteBuffer bb, boolean sending) {
        Mapped m = sending ? sendMapped : receiveMapped;
        if (m == null || m.buffer != bb) {
            m = new Mapped(bb, MemorySegment.ofBuffer(bb.duplicate().clear()));
            if (sending) {
                sendMapped = m;
            } else {
                receiveMapped = m;
            }
        }
        return m.whole;
    }

    /** Copies {@code len} heap bytes to the start of the thread's scratch. */
    private static MemorySegment stage(Waiter w, byte[] array, MemorySegment heap, long off, long len) {
        MemorySegment s = w.scratch(Math.max(1, len));
        if (array != null) {
            MemorySegment.copy(array, (int) off, s, ValueLayout.JAVA_BYTE, 0, (int) len);
        } else {
            MemorySegment.copy(heap, off, s, 0, len);
        }
        return s;
    }

    // =================================================================== receive

    /**
     * Receives into a buffer, advancing its position by the bytes stored.
     *
     * @return the bytes received (for datagrams and records the message's real length, more than
     *         was stored when the buffer was too small), {@link Transfer#EOF} or {@link
     *         Transfer#NOTHING}
     */
    int receive(ByteBuffer dst, int flags, long deadline) throws IpcException {
        if (dst.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        int pos = dst.position();
        int len = dst.remaining();
        long r = dst.isDirect()
                ? receive(direct(dst, false), null, null, pos, len, flags, deadline)
                : receive(null, dst.array(), null, dst.arrayOffset() + pos, len, flags, deadline);
        if (r > 0) {
            dst.position(pos + (int) Math.min(r, dst.isDirect() ? len : stored(len)));
        }
        return (int) Math.min(r, Integer.MAX_VALUE);
    }

    int receive(byte[] dst, int off, int len, int flags, long deadline) throws IpcException {
        Objects.checkFromIndexSize(off, len, dst.length);
        return (int) Math.min(receive(null, dst, null, off, len, flags, deadline), Integer.MAX_VALUE);
    }

    long receive(MemorySegment dst, int flags, long deadline) throws IpcException {
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("cannot receive into a read-only segment");
        }
        return dst.isNative()
                ? receive(dst, null, null, 0, dst.byteSize(), flags, deadline)
                : receive(null, null, dst, 0, dst.byteSize(), flags, deadline);
    }

    /** How many bytes a receive into {@code len} bytes of heap memory can store: a stream takes a CHUNK at most. */
    private long stored(long len) {
        return stream ? Math.min(len, CHUNK) : len;
    }

    /** Exactly one of {@code nat} (filled by the kernel directly), {@code array} and {@code heap} is non-null. */
    private long receive(MemorySegment nat, byte[] array, MemorySegment heap, long off, long len, int flags,
            long deadline) throws IpcException {
        if (stream && len == 0) {
            return 0;
        }
        Waiter w = Waiter.current();
        long size = nat != null ? len : stored(len);
        MemorySegment into = nat != null ? nat : w.scratch(Math.max(1, size));
        w.data = into;
        w.offset = nat != null ? off : 0;
        w.length = size;
        w.flags = flags | (stream ? 0 : Socket.MSG_TRUNC);
        long r = run(recvOp, false, w, deadline, true);
        if (r == Operation.NOTHING) {
            return Transfer.NOTHING;
        }
        if (r < 0) {
            throw recvOp.failure(r);
        }
        if (r == 0 && (stream || (seqpacket && endOfStream(w)))) {
            return Transfer.EOF;
        }
        if (nat == null && r > 0) {
            long n = Math.min(r, size);
            if (array != null) {
                MemorySegment.copy(into, ValueLayout.JAVA_BYTE, 0, array, (int) off, (int) n);
            } else {
                MemorySegment.copy(into, 0, heap, off, n);
            }
        }
        return r;
    }

    // =================================================================== batches

    /**
     * sendmmsg of the batch's messages from its position on, advancing the position past those
     * that went: all of them for {@link Deadline#FOREVER}, what goes now for {@link Deadline#NOW},
     * what went by the deadline otherwise. A kernel sendmmsg that a signal (close, interrupt, the
     * timer) ends part way returns the count it sent; the next run sends the rest or answers why.
     *
     * @return the messages sent (0 for a batch with none to send), or {@link Transfer#NOTHING}
     */
    int sendBatch(MessageBatch batch, long deadline) throws IpcException {
        Objects.requireNonNull(batch, "batch");
        int todo = batch.remaining();
        if (todo == 0) {
            handle.checkOpen("sendmmsg");
            return 0;
        }
        Waiter w = Waiter.current();
        batch.acquire("sendmmsg");
        try {
            int sent = 0;
            while (sent < todo) {
                w.data = batch.vectorFrom(batch.position());
                w.length = todo - sent;
                w.flags = Socket.MSG_NOSIGNAL;
                long r = sendBatchOp.run(w, deadline, false);
                if (r == Operation.NOTHING) {
                    break;
                }
                if (r < 0) {
                    throw sendBatchOp.failure(r);
                }
                batch.sent((int) r);
                sent += (int) r;
                if (deadline == Deadline.NOW) {
                    break; // what fitted: another try would find the queue full
                }
            }
            return sent > 0 ? sent : Transfer.NOTHING;
        } finally {
            batch.release();
        }
    }

    /**
     * recvmmsg into the whole batch: waits (as the deadline allows) for one message, then takes
     * those already there, up to the batch's capacity.
     *
     * @return the messages received (the batch's new count), {@link Transfer#EOF} on a SEQPACKET
     *         socket whose peer has shut down, or {@link Transfer#NOTHING}
     */
    int receiveBatch(MessageBatch batch, long deadline) throws IpcException {
        Objects.requireNonNull(batch, "batch");
        Waiter w = Waiter.current();
        batch.acquire("recvmmsg");
        try {
            batch.prepareReceive();
            w.data = batch.vectorFrom(0);
            w.length = batch.capacity();
            w.flags = Socket.MSG_TRUNC;
            long r = recvBatchOp.run(w, deadline, false);
            if (r == Operation.NOTHING) {
                return Transfer.NOTHING;
            }
            if (r < 0) {
                throw recvBatchOp.failure(r);
            }
            int n = (int) r;
            // At the end of a SEQPACKET stream every read returns 0, so recvmmsg fills the rest of
            // the vector with "empty records": those after the last real one are the end.
            if (seqpacket && n > 0 && batch.rawLength(n - 1) == 0 && endOfStream(w)) {
                while (n > 0 && batch.rawLength(n - 1) == 0) {
                    n--;
                }
                if (n == 0) {
                    return Transfer.EOF;
                }
            }
            batch.received(n);
            return n;
        } finally {
            batch.release();
        }
    }

    // =================================================================== gathering sends

    /**
     * Sends the buffers' remaining bytes in order, as one record on a SEQPACKET or DGRAM socket,
     * as one stream on a STREAM socket (staged through the thread's scratch a {@link #CHUNK} at a
     * time, one send each, under the stream send lock); advances the positions past what went.
     *
     * @return the bytes sent (all of them for {@link Deadline#FOREVER}), or {@link Transfer#NOTHING}
     */
    long send(ByteBuffer[] srcs, int offset, int length, long deadline) throws IpcException {
        long total = Gather.remaining(srcs, offset, length);
        Waiter w = Waiter.current();
        if (!stream) {
            if (total > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("a record of " + total + " bytes is more than a socket can send");
            }
            MemorySegment s = w.scratch(Math.max(1, total));
            Gather.stage(srcs, offset, length, 0, w.scratchView(), (int) total);
            long r = sendMessage(w, s, 0, total, null, deadline);
            if (r >= 0) {
                Gather.consume(srcs, offset, length, r);
            }
            return r;
        }
        if (total == 0) {
            handle.checkOpen("send");
            return 0;
        }
        if (!lockStreamSend(deadline)) {
            return Transfer.NOTHING;
        }
        try {
            long sent = 0;
            while (sent < total) {
                MemorySegment s = w.scratch(CHUNK);
                int n = Gather.stage(srcs, offset, length, sent, w.scratchView(), CHUNK);
                long r = sendStream(w, s, null, null, 0, n, deadline);
                if (r == Transfer.NOTHING) {
                    break;
                }
                sent += r;
                if (r < n) {
                    break; // the deadline came part way
                }
            }
            Gather.consume(srcs, offset, length, sent);
            return sent > 0 ? sent : Transfer.NOTHING;
        } finally {
            streamSendLock.unlock();
        }
    }

    /**
     * Whether a zero-length SEQPACKET read was the end of the stream rather than an empty record.
     * The kernel returns 0 for both, with the same flags; this calls it the end only when the peer
     * has shut down (POLLRDHUP) and nothing more is queued (FIONREAD 0). An empty record sent
     * last, just before the peer closed, stays indistinguishable from the end, as it is in C.
     */
    boolean endOfStream(Waiter w) throws IpcException {
        int n = fd.acquire("recv");
        try {
            if (!w.readyNow(n, Poll.POLLRDHUP)) {
                return false;
            }
            MemorySegment queued = w.intOut();
            return Ioctl.ioctl(n, Ioctl.FIONREAD, queued) == 0 && queued.get(ValueLayout.JAVA_INT, 0) == 0;
        } finally {
            fd.release();
        }
    }
}
