package io.jipc.socket;

import io.jipc.Fd;
import io.jipc.FdBacked;
import io.jipc.IpcException;
import io.jipc.Transfer;
import io.jipc.internal.libc.Libc;
import io.jipc.internal.libc.Poll;
import io.jipc.internal.libc.Socket;
import io.jipc.internal.libc.Un;
import io.jipc.internal.libc.Unistd;
import io.jipc.internal.wait.Handle;
import io.jipc.internal.wait.Handles;
import io.jipc.internal.wait.Operation;
import io.jipc.internal.wait.Waiter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.ArrayList;
import java.util.List;

/**
 * What travels beside a socket's bytes: descriptors (SCM_RIGHTS) sent with sendmsg and received
 * with recvmsg, the sender's credentials (SCM_CREDENTIALS), a datagram's sender address. sendmsg
 * and recvmsg are operations of the wait engine, waiting as {@link MessageIo}'s calls do.
 *
 * <p>The {@code msghdr}, its iovec, the address and the control messages live in the calling
 * thread's {@link Waiter#header()}, the {@code msghdr} first so that it is the memory the call
 * takes; heap data is staged in the thread's scratch. No lock: each call is one message, except a
 * stream's sendmsg, which holds {@link MessageIo}'s send lock as every stream send does.
 */
final class ControlMessages {
    private static final long INT = ValueLayout.JAVA_INT.byteSize();

    // Offsets in Waiter.header(); the msghdr's pointers to the others are written as addresses.
    private static final long IOV = align8(Socket.MSGHDR_SIZE);
    private static final long NAME = IOV + Socket.IOVEC_SIZE;
    private static final long CONTROL = align8(NAME + Un.SOCKADDR_UN_SIZE);

    static {
        long most = CONTROL + Socket.CMSG_SPACE(Socket.UCRED_SIZE) + Socket.CMSG_SPACE(Socket.SCM_MAX_FD * INT);
        if (most > Waiter.HEADER_SIZE) {
            throw new ExceptionInInitializerError("a msghdr with SCM_MAX_FD descriptors and credentials needs " + most
                    + " bytes, more than Waiter.HEADER_SIZE");
        }
    }

    private final MessageIo io;
    /** Whether SO_PASSCRED is set: a receive then makes room for the credentials first. */
    volatile boolean passCredentials;

    // w.data: the msghdr; w.flags: the call's flags without MSG_DONTWAIT.
    private final Operation sendmsgOp;
    private final Operation recvmsgOp;
    /** sendmsg to an address: no readiness to poll for (see {@link MessageIo}). */
    private final Operation sendmsgToOp;

    ControlMessages(MessageIo io, SocketType type, boolean passCredentials) {
        this.io = io;
        this.passCredentials = passCredentials;
        Handle handle = Handles.of(io.fd);
        this.sendmsgOp = Operation.on(handle, "sendmsg",
                        (w, how) -> Socket.sendmsg(w.target, w.data, MessageIo.flags(w, how)))
                .readiness(Poll.POLLOUT).tryFirst().build();
        this.recvmsgOp = Operation.on(handle, "recvmsg",
                        (w, how) -> Socket.recvmsg(w.target, w.data, MessageIo.flags(w, how)))
                .readiness(Poll.POLLIN).tryFirst().build();
        this.sendmsgToOp = type != SocketType.DGRAM ? null : Operation.on(handle, "sendmsg",
                        (w, how) -> Socket.sendmsg(w.target, w.data, MessageIo.flags(w, how)))
                .tryFirst().build();
    }

    private static long align8(long n) {
        return (n + 7) & ~7L;
    }

    /** Writes a pointer into the msghdr (LP64: an address is a long). */
    private static void pointer(MemorySegment hdr, long at, long address) {
        hdr.set(ValueLayout.JAVA_LONG, at, address);
    }

    // =================================================================== send

    /**
     * sendmsg with one SCM_RIGHTS message carrying {@code fds}, advancing the buffer's position by
     * the bytes sent. On a stream the descriptors travel with the first byte, and what that
     * sendmsg did not take follows without them.
     *
     * @return the bytes sent, or {@link Transfer#NOTHING}
     */
    long sendFds(ByteBuffer src, List<? extends FdBacked> fds, UnixAddress to, long deadline) throws IpcException {
        int count = fds.size();
        if (count == 0) {
            return io.send(src, to, deadline);
        }
        if (count > Socket.SCM_MAX_FD) {
            throw new IllegalArgumentException("at most " + Socket.SCM_MAX_FD
                    + " descriptors go in one message (SCM_MAX_FD); got " + count);
        }
        Fd[] pinned = new Fd[count];
        for (int i = 0; i < count; i++) {
            FdBacked f = fds.get(i);
            if (f == null) {
                throw new IllegalArgumentException("a descriptor to pass is null");
            }
            pinned[i] = f.fd();
        }
        int pos = src.position();
        int len = src.remaining();
        if (io.stream && len == 0) {
            throw new IllegalArgumentException(
                    "a stream socket passes descriptors with at least one data byte; the buffer is empty");
        }
        if (io.stream && !io.lockStreamSend(deadline)) {
            return Transfer.NOTHING;
        }
        try {
            Waiter w = Waiter.current();
            // Staged even from a direct buffer: the msghdr holds the data's address as a number,
            // which keeps nothing alive, and a buffer over a shared arena's memory could be freed
            // by another thread while the kernel reads it. The thread's own scratch cannot.
            MemorySegment data = w.scratch(Math.max(1, len));
            w.scratchView().put(0, src, pos, len);
            long r = sendmsg(w, data, len, pinned, to, deadline);
            if (r == Transfer.NOTHING) {
                return Transfer.NOTHING;
            }
            if (io.stream && r < len) {
                long rest = io.sendStream(w, data.asSlice(r), null, null, 0, len - r, deadline);
                if (rest > 0) {
                    r += rest;
                }
            }
            src.position(pos + (int) r);
            return r;
        } finally {
            if (io.stream) {
                io.unlockStreamSend();
            }
        }
    }

    /**
     * One sendmsg of {@code data} with the descriptors, each pinned for the call: one closed
     * meanwhile by another thread is still passed, one closed before fails the call.
     */
    private long sendmsg(Waiter w, MemorySegment data, long len, Fd[] fds, UnixAddress to, long deadline)
            throws IpcException {
        MemorySegment hdr = w.header();
        long base = hdr.address();
        int count = fds.length;
        long controlLen = Socket.CMSG_SPACE(count * INT);
        hdr.asSlice(CONTROL, controlLen).fill((byte) 0);
        hdr.set(Libc.C_SIZE_T, CONTROL + Socket.CMSG_LEN_OFFSET, Socket.CMSG_LEN(count * INT));
        hdr.set(ValueLayout.JAVA_INT, CONTROL + Socket.CMSG_LEVEL, Socket.SOL_SOCKET);
        hdr.set(ValueLayout.JAVA_INT, CONTROL + Socket.CMSG_TYPE, Socket.SCM_RIGHTS);
        long numbers = CONTROL + Socket.CMSG_DATA_OFFSET();
        int acquired = 0;
        try {
            for (; acquired < count; acquired++) {
                hdr.set(ValueLayout.JAVA_INT, numbers + acquired * INT, fds[acquired].acquire("sendmsg"));
            }
            pointer(hdr, Socket.MSG_NAME, to == null ? 0 : base + NAME);
            hdr.set(ValueLayout.JAVA_INT, Socket.MSG_NAMELEN, to == null ? 0 : to.encode(hdr, NAME));
            hdr.set(ValueLayout.ADDRESS, IOV + Socket.IOV_BASE, data);
            hdr.set(Libc.C_SIZE_T, IOV + Socket.IOV_LEN, len);
            pointer(hdr, Socket.MSG_IOV, base + IOV);
            hdr.set(Libc.C_SIZE_T, Socket.MSG_IOVLEN, 1L);
            pointer(hdr, Socket.MSG_CONTROL, base + CONTROL);
            hdr.set(Libc.C_SIZE_T, Socket.MSG_CONTROLLEN, controlLen);
            hdr.set(ValueLayout.JAVA_INT, Socket.MSG_FLAGS, 0);
            w.data = hdr;
            w.flags = Socket.MSG_NOSIGNAL;
            Operation op = to == null ? sendmsgOp : sendmsgToOp;
            long r = op.run(w, deadline, len <= MessageIo.SMALL_SEND);
            if (r == Operation.NOTHING) {
                return Transfer.NOTHING;
            }
            if (r < 0) {
                throw IpcException.of("sendmsg", to == null ? io.label : to.toString(), (int) -r);
            }
            return r;
        } finally {
            for (int i = 0; i < acquired; i++) {
                fds[i].release();
            }
        }
    }

    // =================================================================== receive

    /**
     * recvmsg with room for {@code maxFds} descriptors (and the credentials when SO_PASSCRED is
     * set), advancing the buffer's position by the bytes stored.
     *
     * @return what came, or null when the deadline passed first
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
        if (io.stream && len == 0) {
            throw new IllegalArgumentException("a stream socket receives a message into at least one byte; the buffer is full");
        }
        Waiter w = Waiter.current();
        // Into the thread's scratch even for a direct buffer (see sendFds): the msghdr keeps
        // nothing alive.
        MemorySegment data = w.scratch(Math.max(1, len));
        MemorySegment hdr = w.header();
        long base = hdr.address();
        // Exactly maxFds descriptors fit: the kernel counts (controllen - sizeof(cmsghdr)) / 4,
        // so the last message gets CMSG_LEN, not the padded CMSG_SPACE.
        long controlLen = (passCredentials ? Socket.CMSG_SPACE(Socket.UCRED_SIZE) : 0)
                + (maxFds > 0 ? Socket.CMSG_LEN(maxFds * INT) : 0);
        // The kernel writes the header back only when the call succeeds, so one set-up serves
        // every attempt.
        pointer(hdr, Socket.MSG_NAME, wantSender ? base + NAME : 0);
        hdr.set(ValueLayout.JAVA_INT, Socket.MSG_NAMELEN, wantSender ? (int) Un.SOCKADDR_UN_SIZE : 0);
        hdr.set(ValueLayout.ADDRESS, IOV + Socket.IOV_BASE, data);
        hdr.set(Libc.C_SIZE_T, IOV + Socket.IOV_LEN, (long) len);
        pointer(hdr, Socket.MSG_IOV, base + IOV);
        hdr.set(Libc.C_SIZE_T, Socket.MSG_IOVLEN, 1L);
        pointer(hdr, Socket.MSG_CONTROL, controlLen == 0 ? 0 : base + CONTROL);
        hdr.set(Libc.C_SIZE_T, Socket.MSG_CONTROLLEN, controlLen);
        hdr.set(ValueLayout.JAVA_INT, Socket.MSG_FLAGS, 0);
        w.data = hdr;
        w.flags = Socket.MSG_CMSG_CLOEXEC | (io.stream ? 0 : Socket.MSG_TRUNC);
        long r = recvmsgOp.run(w, deadline, true);
        if (r == Operation.NOTHING) {
            return null;
        }
        if (r < 0) {
            throw recvmsgOp.failure(r);
        }
        // From here on descriptors may be installed in this process: adopt them before anything can throw.
        int msgFlags = hdr.get(ValueLayout.JAVA_INT, Socket.MSG_FLAGS);
        long usedControl = Math.min(hdr.get(Libc.C_SIZE_T, Socket.MSG_CONTROLLEN), controlLen);
        List<Fd> fds = new ArrayList<>();
        PeerCredentials credentials = adoptControl(hdr, usedControl, fds);
        try {
            int stored = (int) Math.min(r, len);
            if (stored > 0) {
                dst.put(pos, w.scratchView(), 0, stored);
            }
            dst.position(pos + stored);
            UnixAddress sender = wantSender
                    ? UnixAddress.decode(hdr.asSlice(NAME, Un.SOCKADDR_UN_SIZE), hdr.get(ValueLayout.JAVA_INT, Socket.MSG_NAMELEN))
                    : UnixAddress.unnamed();
            boolean eof = r == 0 && len > 0 && (io.stream || (io.seqpacket && io.endOfStream(w)));
            return new ReceivedMessage(stored, r, eof, (msgFlags & Socket.MSG_TRUNC) != 0,
                    (msgFlags & Socket.MSG_CTRUNC) != 0, credentials, sender, fds);
        } catch (IpcException | RuntimeException | Error e) {
            for (Fd f : fds) {
                f.close();
            }
            throw e;
        }
    }

    /**
     * Walks the control messages the kernel wrote at CONTROL in {@code hdr}: adopts every
     * descriptor of SCM_RIGHTS (and closes a SCM_PIDFD nobody asked for), returns the
     * SCM_CREDENTIALS if present. Never throws before every installed descriptor has an owner.
     */
    private PeerCredentials adoptControl(MemorySegment hdr, long controlLen, List<Fd> fds) {
        if (controlLen == 0) {
            return null;
        }
        MemorySegment control = hdr.asSlice(CONTROL, controlLen);
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
                        fds.add(Fd.adopt(number, "fd from " + io.label));
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
