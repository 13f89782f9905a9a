package io.jipc.bench;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The {@code ffm} rows ({@link JavaImpl#FFM}): each message's system calls as bare FFM downcalls,
 * made the way the C program makes them, with no library between the exchange loop and the
 * kernel. That is the least any Java program pays for the exchange: ffm/c is the JVM's share
 * (its downcalls, and being a multi-threaded process) and jipc/ffm is jipc's own. The objects
 * are made, handed to the peer and closed by jipc, as for the jipc rows; only the calls per
 * message differ.
 *
 * <p>Like the C programs, the loops go on over short transfers. Any failure ends the run with
 * the errno-less message the C programs give: the harness sends no signal, so there is no EINTR
 * to retry, and a bare loop has no errno capture to read.
 */
final class FfmLinks {
    private FfmLinks() {}

    private static final Linker LINKER = Linker.nativeLinker();
    private static final ValueLayout.OfLong SIZE_T = ValueLayout.JAVA_LONG;
    private static final MethodHandle READ = downcall("read", FunctionDescriptor.of(SIZE_T, ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, SIZE_T));
    private static final MethodHandle WRITE = downcall("write", FunctionDescriptor.of(SIZE_T, ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, SIZE_T));
    private static final MethodHandle SEND = downcall("send", FunctionDescriptor.of(SIZE_T, ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, SIZE_T, ValueLayout.JAVA_INT));
    private static final MethodHandle RECV = downcall("recv", FunctionDescriptor.of(SIZE_T, ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, SIZE_T, ValueLayout.JAVA_INT));
    private static final MethodHandle SEMOP = downcall("semop", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, SIZE_T));
    private static final MethodHandle MQ_SEND = downcall("mq_send", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, SIZE_T, ValueLayout.JAVA_INT));
    private static final MethodHandle MQ_RECEIVE = downcall("mq_receive", FunctionDescriptor.of(SIZE_T,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, SIZE_T, ValueLayout.ADDRESS));
    private static final MethodHandle MSGSND = downcall("msgsnd", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, SIZE_T, ValueLayout.JAVA_INT));
    private static final MethodHandle MSGRCV = downcall("msgrcv", FunctionDescriptor.of(SIZE_T, ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, SIZE_T, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));

    // Linux's values, as in <sys/socket.h>.
    private static final int MSG_TRUNC = 0x20;
    private static final int MSG_NOSIGNAL = 0x4000;

    private static MethodHandle downcall(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor);
    }

    /** Pipes and FIFOs: write(2) and read(2), each looped over short transfers (C's write_fully, read_fully). */
    static Link pipe(int in, int out, Closeable owner) {
        return new Stream(in, out, false, owner);
    }

    /** A stream socket: send(2) with MSG_NOSIGNAL and recv(2), looped (C's send_fully, recv_fully). */
    static Link streamSocket(int fd, Closeable owner) {
        return new Stream(fd, fd, true, owner);
    }

    /** A datagram or seqpacket socket: one send(2) with MSG_NOSIGNAL, one recv(2) with MSG_TRUNC per message. */
    static Link messageSocket(int fd, Closeable owner) {
        return new Messages(fd, owner);
    }

    /** System V queues: msgsnd(2) of type 1 and msgrcv(2) of any type, one per piece, through one staging buffer. */
    static Link sysvQueues(int in, int out, int piece, Closeable owner) {
        return new SysVQueues(in, out, piece, owner);
    }

    /** The descriptor number behind {@code object}, which stays open until the link closes it. */
    static int number(io.jipc.FdBacked object) throws io.jipc.IpcException {
        io.jipc.Fd fd = object.fd();
        int n = fd.acquire("ffm link");
        fd.release();
        return n;
    }

    /** Pipes and FIFOs, over jipc's ends (which the link closes). */
    static Link pipe(io.jipc.pipe.Pipe.ReadEnd in, io.jipc.pipe.Pipe.WriteEnd out) throws io.jipc.IpcException {
        return pipe(number(in), number(out), () -> {
            in.close();
            out.close();
        });
    }

    /**
     * POSIX queues of {@code messageSize}-byte messages: mq_send(3) at priority 0 and mq_receive(3),
     * one per piece; a shorter piece is received through a spare buffer, as c/mq.c does.
     */
    static Link posixQueues(int in, int out, int messageSize, Closeable owner) {
        return new PosixQueues(in, out, messageSize, owner);
    }

    /** {@code struct sembuf} {index, delta, 0} for each of {@code ops}, in memory the link keeps. */
    static MemorySegment sembufs(io.jipc.sem.SemOp[] ops) {
        long sembuf = 6; // unsigned short sem_num; short sem_op; short sem_flg
        MemorySegment s = Arena.ofAuto().allocate(sembuf * ops.length, 2);
        for (int i = 0; i < ops.length; i++) {
            s.set(ValueLayout.JAVA_SHORT, i * sembuf, (short) ops[i].index());
            s.set(ValueLayout.JAVA_SHORT, i * sembuf + 2, (short) ops[i].delta());
        }
        return s;
    }

    /** semop(2) of the first {@code n} of {@code sembufs} on set {@code id} (sysv-sem's bare link). */
    static void semop(int id, MemorySegment sembufs, long n) throws IOException {
        int r;
        try {
            r = (int) SEMOP.invokeExact(id, sembufs, n);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (r != 0) {
            throw failed("semop", r);
        }
    }

    private static final MethodHandle SEM_OPEN = downcall("sem_open", FunctionDescriptor.of(ValueLayout.ADDRESS,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle SEM_CLOSE = downcall("sem_close", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS));
    private static final MethodHandle SEM_WAIT = downcall("sem_wait", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS));
    private static final MethodHandle SEM_POST = downcall("sem_post", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS));

    /**
     * sem_open(3) of an existing POSIX semaphore (sem's bare link): glibc's mapping of it, which
     * this process's other opens of the name share; {@link #semClose} undoes this open only.
     */
    static MemorySegment semOpen(String name) throws IOException {
        MemorySegment sem;
        try (Arena a = Arena.ofConfined()) {
            sem = (MemorySegment) SEM_OPEN.invokeExact(a.allocateFrom(name), 0);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (sem.address() == 0) { // SEM_FAILED, (sem_t *) 0 in glibc
            throw new IOException("sem_open " + name + " failed");
        }
        return sem;
    }

    static void semClose(MemorySegment sem) {
        try {
            int ignored = (int) SEM_CLOSE.invokeExact(sem); // fails only for a sem_t it did not open
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** sem_wait(3); any failure ends the run (EINTR included: the harness sends no signal). */
    static void semWait(MemorySegment sem) throws IOException {
        semCall(SEM_WAIT, "sem_wait", sem);
    }

    static void semPost(MemorySegment sem) throws IOException {
        semCall(SEM_POST, "sem_post", sem);
    }

    /** {@code call(sem)}, compiled with its constant handle into semWait and semPost. */
    private static void semCall(MethodHandle call, String name, MemorySegment sem) throws IOException {
        int r;
        try {
            r = (int) call.invokeExact(sem);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (r != 0) {
            throw failed(name, r);
        }
    }

    private static IOException failed(String call, long r) {
        return new IOException(call + " returned " + r);
    }

    private static final class Stream implements Link {
        private final int in;
        private final int out;
        private final boolean socket;
        private final Closeable owner;

        Stream(int in, int out, boolean socket, Closeable owner) {
            this.in = in;
            this.out = out;
            this.socket = socket;
            this.owner = owner;
        }

        @Override
        public void send(MemorySegment message) throws IOException {
            long size = message.byteSize();
            long done = 0;
            while (done < size) {
                MemorySegment rest = done == 0 ? message : message.asSlice(done);
                long w;
                try {
                    w = socket ? (long) SEND.invokeExact(out, rest, size - done, MSG_NOSIGNAL)
                            : (long) WRITE.invokeExact(out, rest, size - done);
                } catch (Throwable t) {
                    throw new AssertionError(t);
                }
                if (w < 0) {
                    throw failed(socket ? "send" : "write", w);
                }
                done += w;
            }
        }

        @Override
        public void receive(MemorySegment message) throws IOException {
            long size = message.byteSize();
            long done = 0;
            while (done < size) {
                MemorySegment rest = done == 0 ? message : message.asSlice(done);
                long r;
                try {
                    r = socket ? (long) RECV.invokeExact(in, rest, size - done, 0)
                            : (long) READ.invokeExact(in, rest, size - done);
                } catch (Throwable t) {
                    throw new AssertionError(t);
                }
                if (r <= 0) {
                    throw r == 0 ? new EOFException("end of stream inside a " + size + "-byte message")
                            : failed(socket ? "recv" : "read", r);
                }
                done += r;
            }
        }

        @Override
        public void close() throws IOException {
            owner.close();
        }
    }

    private static final class Messages implements Link {
        private final int fd;
        private final Closeable owner;

        Messages(int fd, Closeable owner) {
            this.fd = fd;
            this.owner = owner;
        }

        @Override
        public void send(MemorySegment message) throws IOException {
            long w;
            try {
                w = (long) SEND.invokeExact(fd, message, message.byteSize(), MSG_NOSIGNAL);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
            if (w != message.byteSize()) {
                throw failed("send", w);
            }
        }

        @Override
        public void receive(MemorySegment message) throws IOException {
            long r;
            try {
                r = (long) RECV.invokeExact(fd, message, message.byteSize(), MSG_TRUNC);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
            if (r != message.byteSize()) {
                throw failed("recv", r);
            }
        }

        @Override
        public void close() throws IOException {
            owner.close();
        }
    }

    private static final class PosixQueues extends QueueLink {
        private final int in;
        private final int out;
        private final int messageSize;
        private final Closeable owner;
        private final MemorySegment spare;

        PosixQueues(int in, int out, int messageSize, Closeable owner) {
            super(messageSize);
            this.in = in;
            this.out = out;
            this.messageSize = messageSize;
            this.owner = owner;
            this.spare = Arena.ofAuto().allocate(messageSize, 64);
        }

        @Override
        void sendPiece(MemorySegment piece) throws IOException {
            int r;
            try {
                r = (int) MQ_SEND.invokeExact(out, piece, piece.byteSize(), 0);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
            if (r != 0) {
                throw failed("mq_send", r);
            }
        }

        @Override
        int receivePiece(MemorySegment piece) throws IOException {
            boolean whole = piece.byteSize() == messageSize;
            MemorySegment into = whole ? piece : spare; // a local: invokeExact would see a conditional as Object
            long r;
            try {
                r = (long) MQ_RECEIVE.invokeExact(in, into, (long) messageSize, MemorySegment.NULL);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
            if (r < 0) {
                throw failed("mq_receive", r);
            }
            if (!whole) {
                MemorySegment.copy(spare, 0, piece, 0, Math.min(r, piece.byteSize()));
            }
            return (int) r;
        }

        @Override
        public void close() throws IOException {
            owner.close();
        }
    }

    private static final class SysVQueues extends QueueLink {
        private static final long TYPE = 1;
        private final int in;
        private final int out;
        private final Closeable owner;
        /** struct msgbuf: the long mtype, then the bytes. */
        private final MemorySegment msg;

        SysVQueues(int in, int out, int piece, Closeable owner) {
            super(piece);
            this.in = in;
            this.out = out;
            this.owner = owner;
            this.msg = Arena.ofAuto().allocate(Long.BYTES + piece, Long.BYTES);
        }

        @Override
        void sendPiece(MemorySegment piece) throws IOException {
            msg.set(ValueLayout.JAVA_LONG, 0, TYPE);
            MemorySegment.copy(piece, 0, msg, Long.BYTES, piece.byteSize());
            int r;
            try {
                r = (int) MSGSND.invokeExact(out, msg, piece.byteSize(), 0);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
            if (r != 0) {
                throw failed("msgsnd", r);
            }
        }

        @Override
        int receivePiece(MemorySegment piece) throws IOException {
            long r;
            try {
                r = (long) MSGRCV.invokeExact(in, msg, piece.byteSize(), 0L, 0);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
            if (r < 0) {
                throw failed("msgrcv", r);
            }
            MemorySegment.copy(msg, Long.BYTES, piece, 0, Math.min(r, piece.byteSize()));
            return (int) r;
        }

        @Override
        public void close() throws IOException {
            owner.close();
        }
    }
}
