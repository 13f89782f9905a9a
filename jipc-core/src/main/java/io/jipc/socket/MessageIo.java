package io.jipc.socket;

import static io.jipc.internal.libc.Errnos.EAGAIN;
import static io.jipc.internal.libc.Errnos.EINTR;

import io.jipc.internal.wait.Legacy;
import io.jipc.Fd;
import io.jipc.IpcException;
import io.jipc.IpcInterruptedException;
import io.jipc.ObjectClosedException;
import io.jipc.internal.wait.Deadline;
import io.jipc.internal.wait.TryFirst;
import io.jipc.internal.libc.Ioctl;
import io.jipc.internal.libc.Libc;
import io.jipc.internal.libc.Poll;
import io.jipc.internal.libc.Socket;
import io.jipc.internal.libc.Un;
import io.jipc.internal.libc.Unistd;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The send and receive loops shared by {@link UnixSocket} and {@link UnixDatagramSocket}: jipc's
 * blocking model, per-socket native scratch so that heap buffers need no allocation per call, and
 * the control-message work of fd passing and credentials.
 *
 * <p><b>Blocking.</b> Connected and datagram sockets jipc creates are in blocking mode. An untimed
 * call sleeps inside send/recv as it does in C, one system call, in a kernel wait that close and
 * interrupt end ({@code Fd.beginKernelWait}). A receive, and a send of up to {@code Fd.SMALL_TRANSFER} bytes, try {@code MSG_DONTWAIT} first while such tries succeed ({@link
 * TryFirst}): a receiver behind a fast sender, or a sender with room, then sets up no wait (tens
 * of nanoseconds saved per call), while one that waits for each message goes to the kernel wait
 * at once instead of paying a failed call each time. Non-blocking and timed calls say {@code
 * MSG_DONTWAIT} and, on EAGAIN, wait in {@code Fd.await}; so does every call once a blocking one
 * has met EAGAIN (an adopted descriptor, or a process sharing the socket, set O_NONBLOCK), or when
 * the thread has no wake-up timer.
 *
 * <p>One lock per direction: one thread may send while another receives; two senders (or two
 * receivers) take turns, so a message is never interleaved with another and the scratch buffers
 * are never shared. Calls on native memory that need neither go without it: a receive into a
 * native segment (one recv(2)), and a native record or datagram sent without an address.
 */
final class MessageIo {
    static final int EOF = -1;
    static final int WOULD_BLOCK = -2;

    /** Heap data goes through native scratch in chunks of this size on stream sockets. */
    private static final int CHUNK = 64 * 1024;
    private static final long INT = ValueLayout.JAVA_INT.byteSize();

    private final Fd fd;
    private final String label;
    private final boolean stream;
    private final boolean seqpacket;
    /** Whether SO_PASSCRED is set: the control buffer then makes room for the credentials first. */
    volatile boolean passCredentials;
    /** Whether untimed calls sleep in the kernel: until the description turns out non-blocking. */
    private volatile boolean kernelWaits = true;
    /** Whether an untimed receive, or a small untimed send, tries MSG_DONTWAIT before its kernel wait. */
    private final TryFirst receiveTries = new TryFirst();
    private final TryFirst sendTries = new TryFirst();

    private final ReentrantLock sendLock = new ReentrantLock();
    /** msghdr, then iovec, then sockaddr_un: the header part of a sendmsg/sendto. */
    private final MemorySegment sendHdr;
    private final MemorySegment sendIov;
    private final MemorySegment sendAddr;
    private MemorySegment sendScratch = MemorySegment.NULL;
    private MemorySegment sendControl = MemorySegment.NULL;

    private final ReentrantLock receiveLock = new ReentrantLock();
    /** msghdr, iovec, sockaddr_un and a struct pollfd for the receive side. */
    private final MemorySegment receiveHdr;
    private final MemorySegment receiveIov;
    private final MemorySegment receiveAddr;
    private final MemorySegment pollFd;
    private MemorySegment receiveScratch = MemorySegment.NULL;
    private MemorySegment receiveControl = MemorySegment.NULL;

    private static final long HDR_IOV = align8(Socket.MSGHDR_SIZE);
    private static final long HDR_ADDR = HDR_IOV + Socket.IOVEC_SIZE;
    private static final long HDR_POLL = align8(HDR_ADDR + Un.SOCKADDR_UN_SIZE);
    private static final long HDR_SIZE = HDR_POLL + Poll.POLLFD_SIZE;

    MessageIo(Fd fd, String label, SocketType type) {
        this.fd = fd;
        this.label = label;
        this.stream = type == SocketType.STREAM;
        this.seqpacket = type == SocketType.SEQPACKET;
        Arena arena = Arena.ofAuto();
        this.sendHdr = arena.allocate(HDR_SIZE, 8);
        this.receiveHdr = arena.allocate(HDR_SIZE, 8);
        this.sendIov = sendHdr.asSlice(HDR_IOV, Socket.IOVEC_SIZE);
        this.sendAddr = sendHdr.asSlice(HDR_ADDR, Un.SOCKADDR_UN_SIZE);
        this.receiveIov = receiveHdr.asSlice(HDR_IOV, Socket.IOVEC_SIZE);
        this.receiveAddr = receiveHdr.asSlice(HDR_ADDR, Un.SOCKADDR_UN_SIZE);
        this.pollFd = receiveHdr.asSlice(HDR_POLL, Poll.POLLFD_SIZE);
    }

    private static long align8(long n) {
        return (n + 7) & ~7L;
    }

    // =================================================================== send

    /** Sends from a buffer, advancing its position by the bytes sent. */
    int send(ByteBuffer src, UnixAddress to, long deadline) throws IpcException {
        int pos = src.position();
        int len = src.remaining();
        sendLock.lock();
        try {
            long r;
            if (src.isDirect()) {
                r = sendSegment(MemorySegment.ofBuffer(src), len, to, deadline);
            } else if (src.hasArray()) {
                r = sendArray(src.array(), src.arrayOffset() + pos, len, to, deadline);
            } else {
                // a read-only heap buffer: reachable only through a segment view
                r = sendHeapSegment(MemorySegment.ofBuffer(src), len, to, deadline);
            }
            if (r > 0) {
                src.position(pos + (int) r);
            }
            return (int) r;
        } finally {
            sendLock.unlock();
        }
    }

    int send(byte[] src, int off, int len, UnixAddress to, long deadline) throws IpcException {
        java.util.Objects.checkFromIndexSize(off, len, src.length);
        sendLock.lock();
        try {
            return (int) sendArray(src, off, len, to, deadline);
        } finally {
            sendLock.unlock();
        }
    }

    long send(MemorySegment src, UnixAddress to, long deadline) throws IpcException {
        if (src.isNative() && to == null && !stream) {
            // One record or datagram from the caller's memory: the kernel keeps it whole, and no
            // scratch is shared, so there is nothing for the lock to guard.
            return sendSegment(src, src.byteSize(), null, deadline);
        }
        sendLock.lock();
        try {
            if (src.isNative()) {
                return sendSegment(src, src.byteSize(), to, deadline);
            }
            return sendHeapSegment(src, src.byteSize(), to, deadline);
        } finally {
            sendLock.unlock();
        }
    }

    private MemorySegment sendScratch(long size) {
        if (sendScratch.byteSize() < size) {
            sendScratch = Arena.ofAuto().allocate(Math.max(size, 256), 16);
        }
        return sendScratch;
    }

    private long sendArray(byte[] array, int off, int len, UnixAddress to, long deadline) throws IpcException {
        return sendHeap(array, null, off, len, to, deadline);
    }

    private long sendHeapSegment(MemorySegment heap, long len, UnixAddress to, long deadline) throws IpcException {
        return sendHeap(null, heap, 0, len, to, deadline);
    }

    /**
     * Sends heap bytes — from {@code array}, or else from {@code heap} — through the native
     * scratch buffer: a message whole, a stream in chunks of at most CHUNK.
     */
    private long sendHeap(byte[] array, MemorySegment heap, long off, long len, UnixAddress to, long deadline)
            throws IpcException {
        if (!stream) {
            MemorySegment s = sendScratch(len);
            copyIn(array, heap, off, s, len);
            return sendSegment(s, len, to, deadline);
        }
        long total = 0;
        do {
            long n = Math.min(CHUNK, len - total);
            MemorySegment s = sendScratch(n);
            copyIn(array, heap, off + total, s, n);
            long r = sendSegment(s, n, to, deadline);
            if (r == WOULD_BLOCK) {
                return total > 0 ? total : WOULD_BLOCK;
            }
            total += r;
            if (r < n) {
                return total;
            }
        } while (total < len);
        return total;
    }

    private static void copyIn(byte[] array, MemorySegment heap, long from, MemorySegment dst, long n) {
        if (array != null) {
            MemorySegment.copy(array, (int) from, dst, ValueLayout.JAVA_BYTE, 0, (int) n);
        } else {
            MemorySegment.copy(heap, from, dst, 0, n);
        }
    }

    /**
     * One message (datagram, record) or, on a stream, as much of {@code len} as goes before the
     * deadline. Returns the bytes sent, or WOULD_BLOCK when nothing could be sent in time.
     */
    private long sendSegment(MemorySegment seg, long len, UnixAddress to, long deadline) throws IpcException {
        String call = to == null ? "send" : "sendto";
        int n = fd.acquire(call);
        try {
            int addrLen = to == null ? 0 : to.encode(sendAddr);
            MemorySegment addr = to == null ? MemorySegment.NULL : sendAddr;
            long sent = 0;
            int attempt = 0;
            // A small send tries MSG_DONTWAIT while such tries find room (TryFirst); a large one
            // would often go out in part first, and sleeps in the kernel at once.
            int state = firstState(deadline, len <= Legacy.SMALL_TRANSFER, sendTries, call);
            try {
                while (true) {
                    int f = Socket.MSG_NOSIGNAL | (state == KERNEL ? 0 : Socket.MSG_DONTWAIT);
                    long r = to == null
                            ? Socket.send(n, sent == 0 ? seg : seg.asSlice(sent), len - sent, f)
                            : Socket.sendto(n, seg, len, f, addr, addrLen);
                    if (state == TRYING) {
                        sendTries.found(r != -EAGAIN);
                    }
                    if (r >= 0) {
                        sent += r;
                        if (!stream || sent >= len) {
                            return sent;
                        }
                        continue;
                    }
                    state = afterFailure(r, state, call, to == null ? label : to);
                    if (state == WAIT) {
                        boolean more = to == null
                                ? Legacy.await(fd, Poll.POLLOUT, deadline, call)
                                : backOff(deadline, attempt++, call);
                        if (!more) {
                            return sent > 0 ? sent : WOULD_BLOCK;
                        }
                        state = NONBLOCKING;
                    }
                }
            } finally {
                if (state == KERNEL) {
                    Legacy.endKernelWait(fd);
                }
            }
        } finally {
            fd.release();
        }
    }

    // How the next call of a send or receive loop is made (see the class comment).
    /** With MSG_DONTWAIT; on EAGAIN the caller waits (poll or back-off), then calls again. */
    private static final int NONBLOCKING = 0;
    /** Blocking, asleep in the kernel if need be, inside a kernel wait. */
    private static final int KERNEL = 1;
    /** Once with MSG_DONTWAIT, then (on EAGAIN) inside a kernel wait: {@link TryFirst}. */
    private static final int TRYING = 2;
    /** From {@link #afterFailure} only: wait for readiness, then call again NONBLOCKING. */
    private static final int WAIT = 3;

    /**
     * A loop's first state: TRYING if {@code mayTry} and {@code tries} say so for an untimed
     * call, else KERNEL if the call is untimed, the description blocking and the kernel wait
     * begins, else NONBLOCKING.
     */
    private int firstState(long deadline, boolean mayTry, TryFirst tries, String call) throws IpcException {
        if (deadline != Deadline.FOREVER || !kernelWaits) {
            return NONBLOCKING;
        }
        if (mayTry && tries.now()) {
            return TRYING;
        }
        return beginKernelWait(call) ? KERNEL : NONBLOCKING;
    }

    /** Begins a kernel wait, checking for a close that came before it (which sends no signal). */
    private boolean beginKernelWait(String call) throws IpcException {
        if (!Legacy.beginKernelWait(fd)) {
            return false;
        }
        try {
            Legacy.checkOpen(fd, call);
        } catch (IpcException e) {
            Legacy.endKernelWait(fd);
            throw e;
        }
        return true;
    }

    /**
     * The next state after a call in {@code state} failed with {@code r} (a negative errno).
     * EINTR calls again (a kernel wait woken by close or interrupt throws here instead). EAGAIN
     * takes a try on to the kernel wait; ends a kernel wait (the description is non-blocking after
     * all: kernel waits stop on this socket) to call again at once; and otherwise says WAIT. Any
     * other errno is thrown, naming {@code object} (the socket's label, or the address sent to).
     */
    private int afterFailure(long r, int state, String call, Object object) throws IpcException {
        if (r == -EINTR) {
            if (state == KERNEL) {
                Legacy.checkWake(fd, call);
            }
            return state;
        }
        if (r != -EAGAIN) {
            throw IpcException.of(call, object.toString(), (int) -r);
        }
        if (state == KERNEL) {
            kernelWaits = false;
            Legacy.endKernelWait(fd);
            return NONBLOCKING;
        }
        if (state == TRYING && beginKernelWait(call)) {
            return KERNEL;
        }
        return WAIT;
    }

    /**
     * Waits a little before retrying a call that poll(2) cannot wait for: a sendto on an
     * unconnected datagram socket whose receiver's queue is full (the sender's own poll says
     * writable), or a connect to a listener whose backlog is full. 50 µs doubling to 10 ms;
     * answers interrupt and close within one pause.
     *
     * @return false when the deadline has passed
     */
    boolean backOff(long deadline, int attempt, String call) throws IpcException {
        return backOff(fd, label, deadline, attempt, call);
    }

    static boolean backOff(Fd fd, String label, long deadline, int attempt, String call) throws IpcException {
        if (Deadline.expired(deadline)) {
            return false;
        }
        long pause = Math.min(10_000_000L, 50_000L << Math.min(attempt, 8));
        if (deadline != Deadline.FOREVER) {
            pause = Math.min(pause, deadline - System.nanoTime());
        }
        if (pause > 0) {
            LockSupport.parkNanos(pause);
        }
        if (!fd.isOpen()) {
            throw new ObjectClosedException(call, label);
        }
        if (Thread.currentThread().isInterrupted()) {
            throw new IpcInterruptedException(call, label);
        }
        return true;
    }

    // =================================================================== send with descriptors

    /**
     * sendmsg with one SCM_RIGHTS message carrying {@code fds[0..count)}. On a stream the
     * descriptors travel with the first byte; what the first sendmsg did not take goes on
     * afterwards without them.
     */
    int sendFds(ByteBuffer src, Fd[] fds, UnixAddress to, long deadline) throws IpcException {
        int count = fds.length;
        if (count == 0) {
            return send(src, to, deadline);
        }
        if (count > Socket.SCM_MAX_FD) {
            throw new IllegalArgumentException("at most " + Socket.SCM_MAX_FD
                    + " descriptors go in one message (SCM_MAX_FD); got " + count);
        }
        for (Fd f : fds) {
            if (f == null) {
                throw new IllegalArgumentException("a descriptor to pass is null");
            }
        }
        int pos = src.position();
        int len = src.remaining();
        if (stream && len == 0) {
            throw new IllegalArgumentException(
                    "a stream socket passes descriptors with at least one data byte; the buffer is empty");
        }
        sendLock.lock();
        try {
            MemorySegment seg;
            if (src.isDirect()) {
                seg = MemorySegment.ofBuffer(src);
            } else {
                seg = sendScratch(len);
                MemorySegment.copy(MemorySegment.ofBuffer(src), 0, seg, 0, len);
            }
            long r = sendmsgWithFds(seg, len, fds, to, deadline);
            if (r == WOULD_BLOCK) {
                return WOULD_BLOCK;
            }
            if (stream && r < len) {
                long rest = sendSegment(seg.asSlice(r), len - r, null, deadline);
                if (rest > 0) {
                    r += rest;
                }
            }
            src.position(pos + (int) r);
            return (int) r;
        } finally {
            sendLock.unlock();
        }
    }

    private long sendmsgWithFds(MemorySegment seg, long len, Fd[] fds, UnixAddress to, long deadline)
            throws IpcException {
        int count = fds.length;
        long controlLen = Socket.CMSG_SPACE(count * INT);
        if (sendControl.byteSize() < controlLen) {
            sendControl = Arena.ofAuto().allocate(Socket.CMSG_SPACE(Socket.SCM_MAX_FD * INT), 8);
        }
        int n = fd.acquire("sendmsg");
        int acquired = 0;
        try {
            MemorySegment c = sendControl;
            c.asSlice(0, controlLen).fill((byte) 0);
            c.set(Libc.C_SIZE_T, Socket.CMSG_LEN_OFFSET, Socket.CMSG_LEN(count * INT));
            c.set(ValueLayout.JAVA_INT, Socket.CMSG_LEVEL, Socket.SOL_SOCKET);
            c.set(ValueLayout.JAVA_INT, Socket.CMSG_TYPE, Socket.SCM_RIGHTS);
            long data = Socket.CMSG_DATA_OFFSET();
            for (; acquired < count; acquired++) {
                int number = fds[acquired].acquire("sendmsg");
                c.set(ValueLayout.JAVA_INT, data + acquired * INT, number);
            }
            MemorySegment hdr = sendHdr;
            MemorySegment addr = sendAddr;
            int addrLen = to == null ? 0 : to.encode(addr);
            hdr.set(ValueLayout.ADDRESS, Socket.MSG_NAME, to == null ? MemorySegment.NULL : addr);
            hdr.set(ValueLayout.JAVA_INT, Socket.MSG_NAMELEN, addrLen);
            hdr.set(ValueLayout.ADDRESS, HDR_IOV + Socket.IOV_BASE, seg);
            hdr.set(Libc.C_SIZE_T, HDR_IOV + Socket.IOV_LEN, len);
            hdr.set(ValueLayout.ADDRESS, Socket.MSG_IOV, sendIov);
            hdr.set(Libc.C_SIZE_T, Socket.MSG_IOVLEN, 1L);
            hdr.set(ValueLayout.ADDRESS, Socket.MSG_CONTROL, c);
            hdr.set(Libc.C_SIZE_T, Socket.MSG_CONTROLLEN, controlLen);
            hdr.set(ValueLayout.JAVA_INT, Socket.MSG_FLAGS, 0);
            int attempt = 0;
            int state = firstState(deadline, len <= Legacy.SMALL_TRANSFER, sendTries, "sendmsg");
            try {
                while (true) {
                    long r = Socket.sendmsg(n, hdr, Socket.MSG_NOSIGNAL | (state == KERNEL ? 0 : Socket.MSG_DONTWAIT));
                    if (state == TRYING) {
                        sendTries.found(r != -EAGAIN);
                    }
                    if (r >= 0) {
                        return r;
                    }
                    state = afterFailure(r, state, "sendmsg", to == null ? label : to);
                    if (state == WAIT) {
                        boolean more = to == null
                                ? Legacy.await(fd, Poll.POLLOUT, deadline, "sendmsg")
                                : backOff(deadline, attempt++, "sendmsg");
                        if (!more) {
                            return WOULD_BLOCK;
                        }
                        state = NONBLOCKING;
                    }
                }
            } finally {
                if (state == KERNEL) {
                    Legacy.endKernelWait(fd);
                }
            }
        } finally {
            for (int i = 0; i < acquired; i++) {
                fds[i].release();
            }
            fd.release();
        }
    }

    // =================================================================== receive

    /**
     * Receives into a buffer, advancing its position by the bytes stored. Returns the bytes
     * received (for datagrams and records: the message's real length, which exceeds what was
     * stored when the buffer was too small), EOF, or WOULD_BLOCK.
     */
    int receive(ByteBuffer dst, int flags, long deadline) throws IpcException {
        if (dst.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        int pos = dst.position();
        int len = dst.remaining();
        receiveLock.lock();
        try {
            long r;
            int stored;
            if (dst.isDirect()) {
                r = receiveSegment(MemorySegment.ofBuffer(dst), len, flags, deadline);
                stored = (int) Math.min(Math.max(r, 0), len);
            } else {
                int size = stream ? Math.min(len, CHUNK) : len;
                MemorySegment s = receiveScratch(size);
                r = receiveSegment(s, size, flags, deadline);
                stored = (int) Math.min(Math.max(r, 0), size);
                if (stored > 0) {
                    MemorySegment.copy(s, ValueLayout.JAVA_BYTE, 0, dst.array(), dst.arrayOffset() + pos, stored);
                }
            }
            if (stored > 0) {
                dst.position(pos + stored);
            }
            return (int) Math.min(r, Integer.MAX_VALUE);
        } finally {
            receiveLock.unlock();
        }
    }

    int receive(byte[] dst, int off, int len, int flags, long deadline) throws IpcException {
        java.util.Objects.checkFromIndexSize(off, len, dst.length);
        receiveLock.lock();
        try {
            int size = stream ? Math.min(len, CHUNK) : len;
            MemorySegment s = receiveScratch(size);
            long r = receiveSegment(s, size, flags, deadline);
            int stored = (int) Math.min(Math.max(r, 0), size);
            if (stored > 0) {
                MemorySegment.copy(s, ValueLayout.JAVA_BYTE, 0, dst, off, stored);
            }
            return (int) Math.min(r, Integer.MAX_VALUE);
        } finally {
            receiveLock.unlock();
        }
    }

    long receive(MemorySegment dst, int flags, long deadline) throws IpcException {
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("cannot receive into a read-only segment");
        }
        if (dst.isNative()) {
            // Straight into the caller's memory: one recv(2), which shares no scratch.
            return receiveSegment(dst, dst.byteSize(), flags, deadline);
        }
        receiveLock.lock();
        try {
            long size = stream ? Math.min(dst.byteSize(), CHUNK) : dst.byteSize();
            MemorySegment s = receiveScratch(size);
            long r = receiveSegment(s, size, flags, deadline);
            long stored = Math.min(Math.max(r, 0), size);
            if (stored > 0) {
                MemorySegment.copy(s, 0, dst, 0, stored);
            }
            return r;
        } finally {
            receiveLock.unlock();
        }
    }

    private MemorySegment receiveScratch(long size) {
        if (receiveScratch.byteSize() < size) {
            receiveScratch = Arena.ofAuto().allocate(Math.max(size, 256), 16);
        }
        return receiveScratch;
    }

    private long receiveSegment(MemorySegment seg, long len, int flags, long deadline) throws IpcException {
        if (stream && len == 0) {
            return 0;
        }
        int n = fd.acquire("recv");
        try {
            int f = flags | (stream ? 0 : Socket.MSG_TRUNC);
            int state = firstState(deadline, true, receiveTries, "recv");
            try {
                while (true) {
                    long r = Socket.recv(n, seg, len, state == KERNEL ? f : f | Socket.MSG_DONTWAIT);
                    if (state == TRYING) {
                        receiveTries.found(r != -EAGAIN);
                    }
                    if (r > 0) {
                        return r;
                    }
                    if (r == 0) {
                        return stream || (seqpacket && endOfStream(n)) ? EOF : 0;
                    }
                    state = afterFailure(r, state, "recv", label);
                    if (state == WAIT) {
                        if (!Legacy.await(fd, Poll.POLLIN, deadline, "recv")) {
                            return WOULD_BLOCK;
                        }
                        state = NONBLOCKING;
                    }
                }
            } finally {
                if (state == KERNEL) {
                    Legacy.endKernelWait(fd);
                }
            }
        } finally {
            fd.release();
        }
    }

    /**
     * Whether a zero-length SEQPACKET read was the end of the stream rather than an empty message.
     * The kernel returns 0 for both, with the same flags; this calls it the end only when the peer
     * has shut down (POLLRDHUP) and nothing more is queued (FIONREAD 0). An empty message sent
     * last, just before the peer closed, stays indistinguishable from the end, as it is in C.
     */
    private boolean endOfStream(int n) {
        // Reached by receives that hold no lock (native memory) as well: the pollfd has its own.
        synchronized (pollFd) {
            return endOfStream(n, pollFd);
        }
    }

    private static boolean endOfStream(int n, MemorySegment p) {
        p.set(ValueLayout.JAVA_INT, Poll.POLLFD_FD, n);
        p.set(ValueLayout.JAVA_SHORT, Poll.POLLFD_EVENTS, (short) (Poll.POLLIN | Poll.POLLRDHUP));
        p.set(ValueLayout.JAVA_SHORT, Poll.POLLFD_REVENTS, (short) 0);
        int r = Poll.poll(p, 1, 0);
        short re = p.get(ValueLayout.JAVA_SHORT, Poll.POLLFD_REVENTS);
        if (r <= 0 || (re & Poll.POLLRDHUP) == 0) {
            return false;
        }
        // The pollfd's memory is free again: it takes FIONREAD's int.
        return Ioctl.ioctl(n, Ioctl.FIONREAD, p) == 0 && p.get(ValueLayout.JAVA_INT, 0) == 0;
    }

    // =================================================================== recvmsg

    /**
     * recvmsg with room for {@code maxFds} descriptors (and the credentials when SO_PASSCRED is
     * set). Returns null when the deadline passed first.
     */
    ReceivedMessage receiveMessage(ByteBuffer dst, int maxFds, long deadline, boolean wantSender) throws IpcException {
        if (maxFds < 0 || maxFds > Socket.SCM_MAX_FD) {
            throw new IllegalArgumentException("maxFds is 0.." + Socket.SCM_MAX_FD + " (SCM_MAX_FD), not " + maxFds);
        }
        if (dst.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        int pos = dst.position();
        int len = dst.remaining();
        if (stream && len == 0) {
            throw new IllegalArgumentException("a stream socket receives a message into at least one byte; the buffer is full");
        }
        receiveLock.lock();
        try {
            MemorySegment seg;
            if (dst.isDirect()) {
                seg = MemorySegment.ofBuffer(dst);
            } else {
                seg = receiveScratch(len);
            }
            boolean creds = passCredentials;
            // Exactly maxFds descriptors fit: the kernel counts (controllen - sizeof(cmsghdr)) / 4,
            // so the last message gets CMSG_LEN, not the padded CMSG_SPACE.
            long controlLen = (creds ? Socket.CMSG_SPACE(Socket.UCRED_SIZE) : 0)
                    + (maxFds > 0 ? Socket.CMSG_LEN(maxFds * INT) : 0);
            if (receiveControl.byteSize() < controlLen) {
                receiveControl = Arena.ofAuto().allocate(
                        Socket.CMSG_SPACE(Socket.UCRED_SIZE) + Socket.CMSG_SPACE(Socket.SCM_MAX_FD * INT), 8);
            }
            MemorySegment hdr = receiveHdr;
            MemorySegment addr = receiveAddr;
            int n = fd.acquire("recvmsg");
            long r;
            try {
                int flags = Socket.MSG_CMSG_CLOEXEC | (stream ? 0 : Socket.MSG_TRUNC);
                int state = firstState(deadline, true, receiveTries, "recvmsg");
                try {
                    while (true) {
                        hdr.set(ValueLayout.ADDRESS, Socket.MSG_NAME, wantSender ? addr : MemorySegment.NULL);
                        hdr.set(ValueLayout.JAVA_INT, Socket.MSG_NAMELEN, wantSender ? (int) Un.SOCKADDR_UN_SIZE : 0);
                        hdr.set(ValueLayout.ADDRESS, HDR_IOV + Socket.IOV_BASE, seg);
                        hdr.set(Libc.C_SIZE_T, HDR_IOV + Socket.IOV_LEN, (long) len);
                        hdr.set(ValueLayout.ADDRESS, Socket.MSG_IOV, receiveIov);
                        hdr.set(Libc.C_SIZE_T, Socket.MSG_IOVLEN, 1L);
                        hdr.set(ValueLayout.ADDRESS, Socket.MSG_CONTROL, controlLen == 0 ? MemorySegment.NULL : receiveControl);
                        hdr.set(Libc.C_SIZE_T, Socket.MSG_CONTROLLEN, controlLen);
                        hdr.set(ValueLayout.JAVA_INT, Socket.MSG_FLAGS, 0);
                        r = Socket.recvmsg(n, hdr, state == KERNEL ? flags : flags | Socket.MSG_DONTWAIT);
                        if (state == TRYING) {
                            receiveTries.found(r != -EAGAIN);
                        }
                        if (r >= 0) {
                            break;
                        }
                        state = afterFailure(r, state, "recvmsg", label);
                        if (state == WAIT) {
                            if (!Legacy.await(fd, Poll.POLLIN, deadline, "recvmsg")) {
                                return null;
                            }
                            state = NONBLOCKING;
                        }
                    }
                } finally {
                    if (state == KERNEL) {
                        Legacy.endKernelWait(fd);
                    }
                }
            } finally {
                fd.release();
            }
            // From here on descriptors may be installed in this process: adopt them before anything can throw.
            int msgFlags = hdr.get(ValueLayout.JAVA_INT, Socket.MSG_FLAGS);
            long usedControl = Math.min(hdr.get(Libc.C_SIZE_T, Socket.MSG_CONTROLLEN), controlLen);
            List<Fd> fds = new ArrayList<>();
            PeerCredentials credentials = adoptControl(receiveControl, usedControl, fds);
            try {
                int stored = (int) Math.min(r, len);
                if (!dst.isDirect() && stored > 0) {
                    MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, 0, dst.array(), dst.arrayOffset() + pos, stored);
                }
                dst.position(pos + stored);
                UnixAddress sender = wantSender
                        ? UnixAddress.decode(addr, hdr.get(ValueLayout.JAVA_INT, Socket.MSG_NAMELEN))
                        : UnixAddress.unnamed();
                boolean eof = r == 0 && len > 0 && (stream || (seqpacket && endOfStreamNow()));
                return new ReceivedMessage(stored, r, eof, (msgFlags & Socket.MSG_TRUNC) != 0,
                        (msgFlags & Socket.MSG_CTRUNC) != 0, credentials, sender, fds);
            } catch (RuntimeException | Error e) {
                for (Fd f : fds) {
                    f.close();
                }
                throw e;
            }
        } finally {
            receiveLock.unlock();
        }
    }

    private boolean endOfStreamNow() throws IpcException {
        int n = fd.acquire("poll");
        try {
            return endOfStream(n);
        } finally {
            fd.release();
        }
    }

    /**
     * Walks the control messages the kernel wrote: adopts every descriptor of SCM_RIGHTS (and
     * closes a SCM_PIDFD nobody asked for), returns the SCM_CREDENTIALS if present. Never throws
     * before every installed descriptor has an owner.
     */
    private PeerCredentials adoptControl(MemorySegment control, long controlLen, List<Fd> fds) {
        PeerCredentials credentials = null;
        long data = Socket.CMSG_DATA_OFFSET();
        for (long h = Socket.nextHeader(control, controlLen, -1); h >= 0; h = Socket.nextHeader(control, controlLen, h)) {
            long cmsgLen = control.get(Libc.C_SIZE_T, h + Socket.CMSG_LEN_OFFSET);
            int level = control.get(ValueLayout.JAVA_INT, h + Socket.CMSG_LEVEL);
            int type = control.get(ValueLayout.JAVA_INT, h + Socket.CMSG_TYPE);
            long payload = cmsgLen - Socket.CMSG_LEN(0);
            if (level != Socket.SOL_SOCKET) {
                continue;
            }
            if (type == Socket.SCM_RIGHTS || type == Socket.SCM_PIDFD) {
                long count = payload / INT;
                for (long i = 0; i < count; i++) {
                    int number = control.get(ValueLayout.JAVA_INT, h + data + i * INT);
                    if (number < 0) {
                        continue;
                    }
                    if (type == Socket.SCM_RIGHTS) {
                        fds.add(Fd.adopt(number, "fd from " + label));
                    } else {
                        Unistd.close(number);
                    }
                }
            } else if (type == Socket.SCM_CREDENTIALS && payload >= Socket.UCRED_SIZE) {
                credentials = new PeerCredentials(
                        control.get(ValueLayout.JAVA_INT, h + data + Socket.UCRED_PID),
                        control.get(ValueLayout.JAVA_INT, h + data + Socket.UCRED_UID),
                        control.get(ValueLayout.JAVA_INT, h + data + Socket.UCRED_GID));
            }
        }
        return credentials;
    }
}
