package io.jipc.mq;

import static io.jipc.internal.libc.Errnos.E2BIG;
import static io.jipc.internal.libc.Errnos.EACCES;
import static io.jipc.internal.libc.Errnos.EAGAIN;
import static io.jipc.internal.libc.Errnos.EINVAL;
import static io.jipc.internal.libc.Errnos.ENOMSG;

import io.jipc.IpcException;
import io.jipc.IpcKey;
import io.jipc.IpcPerm;
import io.jipc.ObjectClosedException;
import io.jipc.ObjectRemovedException;
import io.jipc.Perms;
import io.jipc.Transfer;
import io.jipc.internal.ProcFiles;
import io.jipc.internal.libc.Ipc;
import io.jipc.internal.libc.Msg;
import io.jipc.internal.sysv.SysVObject;
import io.jipc.internal.wait.Attempt;
import io.jipc.internal.wait.Deadline;
import io.jipc.internal.wait.Operation;
import io.jipc.internal.wait.Waiter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A System V message queue ({@code msgget}): typed messages in one FIFO, from which each receiver
 * picks by type — the first message, the first of a type, the lowest type up to a bound, or
 * anything but one type ({@link TypeSelector}). Found by a numeric {@link IpcKey}, usable by any
 * process (C programs included) that knows the key or the id.
 *
 * <pre>{@code
 * IpcKey key = IpcKey.ftok(Path.of("/var/run/myapp"), 1);
 * try (var q = SysVMessageQueue.createOrOpen(key)) {
 *     q.send("thumbnail 42".getBytes(UTF_8), 2);              // type 2
 *     SysVMessage m = q.receive(TypeSelector.exactly(2));    // only type 2
 * }
 * }</pre>
 *
 * <p><b>Blocking.</b> Every send and receive comes in the three forms of every jipc wait: {@code
 * send}/{@code receive} wait until done, {@code trySend}/{@code tryReceive} never wait ({@code
 * IPC_NOWAIT}), and {@code trySend}/{@code tryReceive} with a {@link Duration} wait at most that
 * long; a try form that did nothing answers {@code false} (sends), {@link Transfer#NOTHING}
 * (receives into a buffer) or an empty {@link Optional}. msgsnd and msgrcv have no descriptor to
 * poll and no timeout of their own: jipc sleeps in the real blocking call, as C does, and the
 * thread's wake-up signal gets it out for the deadline, for {@link #close()} from another thread
 * and for {@link Thread#interrupt()}, so a waiting thread uses no CPU. If the queue is {@linkplain
 * #remove() removed} — by any process — while a thread waits, the wait ends with {@link
 * ObjectRemovedException}.
 *
 * <p><b>Buffers.</b> The forms taking a {@code byte[]}, {@link ByteBuffer} or {@link
 * MemorySegment} and an {@link Envelope} allocate nothing (the message goes through a per-thread
 * native buffer, since the kernel wants the type in front of the text). A message longer than
 * the buffer fails with E2BIG and stays queued, unless the selector is {@link
 * TypeSelector#truncating()}.
 *
 * <p>This object holds no kernel resource of its own: {@link #close()} only ends its use (and
 * wakes its waiting threads); the queue lives until {@link #remove()}. Thread-safe.
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/sysvipc.7.html">sysvipc(7)</a>
 */
public final class SysVMessageQueue implements AutoCloseable {
    /**
     * How a queue is created: its permissions (default 0600).
     *
     * @param mode permissions of a queue this call creates
     * @see <a href="https://man7.org/linux/man-pages/man2/msgget.2.html">msgget(2)</a>
     */
    public record Options(Set<PosixFilePermission> mode) {
        public Options {
            mode = Set.copyOf(Objects.requireNonNull(mode, "mode"));
        }

        /** Mode 0600. */
        public static Options defaults() {
            return new Options(Perms.DEFAULT);
        }

        /** Permissions for a queue this call creates. */
        public Options withMode(Set<PosixFilePermission> permissions) {
            return new Options(permissions);
        }
    }

    /**
     * A queue's kernel state ({@code msgctl(IPC_STAT)}, {@code struct msqid_ds}).
     *
     * @param perm           owner, creator, mode and key (msg_perm)
     * @param messages       messages queued (msg_qnum)
     * @param bytes          bytes of text queued (msg_cbytes)
     * @param maxBytes       most bytes the queue holds (msg_qbytes); a full queue blocks senders
     * @param lastSendPid    the process that sent last (msg_lspid), 0 if none
     * @param lastReceivePid the process that received last (msg_lrpid), 0 if none
     * @param lastSend       when the last message was sent (msg_stime)
     * @param lastReceive    when the last message was received (msg_rtime)
     * @param lastChange     when the queue was created or last changed by IPC_SET (msg_ctime)
     * @see <a href="https://man7.org/linux/man-pages/man2/msgctl.2.html">msgctl(2)</a>
     */
    public record Info(IpcPerm perm, long messages, long bytes, long maxBytes, int lastSendPid, int lastReceivePid,
                       Optional<Instant> lastSend, Optional<Instant> lastReceive, Instant lastChange) {}


    static final Path MSGMAX = Path.of("/proc/sys/kernel/msgmax");
    static final Path MSGMNB = Path.of("/proc/sys/kernel/msgmnb");
    static final Path SYSVIPC_MSG = Path.of("/proc/sysvipc/msg");

    private final SysVObject ipc;
    private final Operation sendOp;
    private final Operation receiveOp;
    /** The system's largest message (msgmax), re-read when a message turns out larger. */
    private volatile long msgmax;

    private SysVMessageQueue(int id, IpcKey key) {
        this.ipc = new SysVObject(SysVObject.Kind.MESSAGE_QUEUE, id, key, Msg::msgctl, Msg.MSQID_DS_SIZE, Msg.MSG_PERM);
        // w.data: the message (type, then text); w.length: the text's size.
        this.sendOp = Operation.on(ipc.handle(), "msgsnd", SysVMessageQueue::sendCall).tryFirst().build();
        // w.value: msgtyp; w.flags: the selector's flags.
        this.receiveOp = Operation.on(ipc.handle(), "msgrcv", SysVMessageQueue::receiveCall).tryFirst().build();
        this.msgmax = ProcFiles.readLong(MSGMAX, 8192);
    }

    private static long sendCall(Waiter w, int how) {
        return SysVObject.sleptOn(w, how,
                Msg.msgsnd(w.errnoState, w.target, w.data, w.length, how == Attempt.NOW ? Ipc.IPC_NOWAIT : 0));
    }

    private static long receiveCall(Waiter w, int how) {
        long r = Msg.msgrcv(w.errnoState, w.target, w.data, w.length, w.value, how == Attempt.NOW ? w.flags | Ipc.IPC_NOWAIT : w.flags);
        return r == -ENOMSG ? -EAGAIN : SysVObject.sleptOn(w, how, r);
    }

    /**
     * A run of {@link #sendOp} ({@code sending}) or {@link #receiveOp}, the call made here, where
     * the JIT compiles it in place ({@link Operation#begin} says why).
     */
    private static long run(Operation op, boolean sending, Waiter w, long deadline) throws IpcException {
        int how = op.begin(w, deadline, true);
        if (how == Operation.LOOP) {
            return op.run(w, deadline, true);
        }
        long r = Operation.NO_RESULT;
        try {
            r = sending ? sendCall(w, how) : receiveCall(w, how);
        } finally {
            r = op.end(w, how, r);
        }
        return r;
    }

    // ---------------------------------------------------------------- factories

    /**
     * Creates a new queue for {@code key} with mode 0600, failing if one exists ({@code
     * IPC_CREAT | IPC_EXCL}); with {@link IpcKey#PRIVATE}, a new private queue.
     *
     * @throws io.jipc.AlreadyExistsException if a queue with this key exists
     * @throws IpcException ENOSPC when the system has msgmni queues already (the text says so)
     * @see <a href="https://man7.org/linux/man-pages/man2/msgget.2.html">msgget(2)</a>
     */
    public static SysVMessageQueue createExclusively(IpcKey key) throws IpcException {
        return createExclusively(key, Options.defaults());
    }

    /** Creates a new queue with the given options, failing if one exists for {@code key}. */
    public static SysVMessageQueue createExclusively(IpcKey key, Options options) throws IpcException {
        return get(key, Ipc.IPC_CREAT | Ipc.IPC_EXCL | Perms.toMode(options.mode()));
    }

    /** Opens the queue for {@code key}, creating it with mode 0600 if there is none ({@code IPC_CREAT}). */
    public static SysVMessageQueue createOrOpen(IpcKey key) throws IpcException {
        return createOrOpen(key, Options.defaults());
    }

    /** Opens the queue for {@code key}, creating it with the given options if there is none. */
    public static SysVMessageQueue createOrOpen(IpcKey key, Options options) throws IpcException {
        return get(key, Ipc.IPC_CREAT | Perms.toMode(options.mode()));
    }

    /**
     * Opens the existing queue for {@code key}.
     *
     * @throws IllegalArgumentException for {@link IpcKey#PRIVATE}: a private queue is reached by id ({@link #openId})
     * @throws io.jipc.NotFoundException if no queue has this key
     */
    public static SysVMessageQueue openExisting(IpcKey key) throws IpcException {
        if (key.isPrivate()) {
            throw new IllegalArgumentException("IPC_PRIVATE names no existing queue: open a private queue by its id");
        }
        return get(key, 0);
    }

    /**
     * Uses the queue with this id (as {@code ipcs -q} lists, or another process printed), after
     * checking it exists ({@code msgctl(IPC_STAT)}). A queue this process may write but not read
     * (mode 0622 for a stranger) is found in {@code /proc/sysvipc/msg} instead, as ipcs does, so
     * that a send needs only the permission msgsnd needs.
     *
     * @throws IllegalArgumentException for a negative id
     * @throws IpcException EINVAL if no queue has this id; EACCES if it may not be read and
     *                      /proc/sysvipc/msg does not list it
     */
    public static SysVMessageQueue openId(int id) throws IpcException {
        if (id < 0) {
            throw new IllegalArgumentException("a msqid is >= 0, got " + id);
        }
        SysVMessageQueue q = new SysVMessageQueue(id, IpcKey.PRIVATE);
        try (Arena a = Arena.ofConfined()) {
            IpcKey key;
            try {
                key = q.ipc.perm(q.ipc.stat(a)).key();
            } catch (IpcException e) {
                Integer listed = e.errno() == EACCES ? listedKey(id) : null;
                if (listed == null) {
                    throw e;
                }
                key = SysVObject.keyOf(listed);
            }
            return key.isPrivate() ? q : new SysVMessageQueue(id, key);
        }
    }

    /** The key of queue {@code id} as /proc/sysvipc/msg lists it (readable by all), null if absent. */
    private static Integer listedKey(int id) {
        try {
            for (String line : java.nio.file.Files.readAllLines(SYSVIPC_MSG)) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 1 && f[1].equals(Integer.toString(id))) {
                    return (int) Long.parseLong(f[0]);
                }
            }
        } catch (java.io.IOException | RuntimeException unreadable) {
            return null;
        }
        return null;
    }

    private static SysVMessageQueue get(IpcKey key, int flags) throws IpcException {
        Objects.requireNonNull(key, "key");
        int id = Msg.msgget(key.value(), flags);
        if (id < 0) {
            throw SysVObject.getError(SysVObject.Kind.MESSAGE_QUEUE, "msgget", key, -id);
        }
        return new SysVMessageQueue(id, key);
    }

    /**
     * The longest message the system accepts now, msgmax ({@code /proc/sys/kernel/msgmax}; 8192,
     * its default, if unreadable): msgsnd refuses longer ones, so a receive buffer this large
     * holds any message. Lets a caller bound a buffer before allocating it.
     */
    public static long maxMessageSize() {
        return ProcFiles.readLong(MSGMAX, 8192);
    }

    static void checkType(long type) {
        if (type <= 0) {
            throw new IllegalArgumentException("message type must be positive (1.." + Long.MAX_VALUE + "), got " + type);
        }
    }

    // ---------------------------------------------------------------- properties

    /** The queue's id (msqid), as {@code ipcs -q} shows it. */
    public int id() {
        return ipc.id();
    }

    /** The key this object was opened with ({@link IpcKey#PRIVATE} for a private queue). */
    public IpcKey key() {
        return ipc.key();
    }

    /**
     * The queue's kernel state ({@code msgctl(IPC_STAT)}): counts, limits, last sender and
     * receiver, times, owner and mode.
     *
     * @see <a href="https://man7.org/linux/man-pages/man2/msgctl.2.html">msgctl(2)</a>
     */
    public Info info() throws IpcException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ds = ipc.stat(a);
            long stime = ds.get(ValueLayout.JAVA_LONG, Msg.MSG_STIME);
            long rtime = ds.get(ValueLayout.JAVA_LONG, Msg.MSG_RTIME);
            return new Info(ipc.perm(ds),
                    ds.get(ValueLayout.JAVA_LONG, Msg.MSG_QNUM), ds.get(ValueLayout.JAVA_LONG, Msg.MSG_CBYTES),
                    ds.get(ValueLayout.JAVA_LONG, Msg.MSG_QBYTES),
                    ds.get(ValueLayout.JAVA_INT, Msg.MSG_LSPID), ds.get(ValueLayout.JAVA_INT, Msg.MSG_LRPID),
                    stime == 0 ? Optional.empty() : Optional.of(Instant.ofEpochSecond(stime)),
                    rtime == 0 ? Optional.empty() : Optional.of(Instant.ofEpochSecond(rtime)),
                    Instant.ofEpochSecond(ds.get(ValueLayout.JAVA_LONG, Msg.MSG_CTIME)));
        }
    }

    /**
     * Sets how many bytes of text the queue may hold ({@code msg_qbytes} by {@code
     * msgctl(IPC_SET)}). Raising it above {@code /proc/sys/kernel/msgmnb} needs CAP_SYS_RESOURCE.
     *
     * @throws IllegalArgumentException if {@code maxBytes} is negative
     * @throws io.jipc.PermissionDeniedException EPERM, with the reason (not the owner, or above msgmnb)
     */
    public void setMaxBytes(long maxBytes) throws IpcException {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("max bytes must be >= 0, got " + maxBytes);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ds = ipc.stat(a);
            ds.set(ValueLayout.JAVA_LONG, Msg.MSG_QBYTES, maxBytes);
            long mnb = ProcFiles.readLong(MSGMNB, -1);
            ipc.set(ds, maxBytes > mnb && mnb >= 0
                    ? "max bytes " + maxBytes + " exceeds msgmnb = " + mnb + " (" + MSGMNB
                      + "), which only a process with CAP_SYS_RESOURCE may do"
                    : null);
        }
    }

    /** Sets the queue's permissions ({@code msg_perm.mode} by {@code msgctl(IPC_SET)}); owner or creator only. */
    public void setMode(Set<PosixFilePermission> mode) throws IpcException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ds = ipc.stat(a);
            ipc.setMode(ds, Perms.toMode(mode));
            ipc.set(ds, null);
        }
    }

    /**
     * Removes the queue from the system at once ({@code msgctl(IPC_RMID)}): its messages are
     * lost and every process waiting on it wakes with EIDRM. Owner, creator or privileged only.
     */
    public void remove() throws IpcException {
        ipc.remove();
    }

    /**
     * Ends this object's use of the queue and wakes its threads waiting in send or receive (they
     * throw {@link ObjectClosedException}). The queue itself stays; see {@link #remove()}.
     * Idempotent and thread-safe.
     */
    @Override
    public void close() {
        ipc.handle().close();
    }

    /** Whether {@link #close()} has not been called. */
    public boolean isOpen() {
        return ipc.handle().isOpen();
    }

    @Override
    public String toString() {
        return "SysVMessageQueue[" + ipc + "]";
    }

    // ---------------------------------------------------------------- send

    /**
     * Sends a message of {@code type}, waiting while the queue is full ({@code msgsnd}).
     *
     * @param type positive; receivers select on it
     * @throws IllegalArgumentException if the type is not positive
     * @throws IpcException EINVAL if the message exceeds msgmax (the text says so)
     * @throws ObjectRemovedException if the queue is removed while waiting
     * @throws ObjectClosedException if this object is closed, before or during the wait
     * @throws io.jipc.IpcInterruptedException if the thread is interrupted while waiting
     * @see <a href="https://man7.org/linux/man-pages/man2/msgsnd.2.html">msgsnd(2)</a>
     */
    public void send(byte[] message, long type) throws IpcException {
        send0(message, null, null, message.length, type, Deadline.FOREVER);
    }

    /** Sends the buffer's remaining bytes, waiting while full; advances its position. */
    public void send(ByteBuffer message, long type) throws IpcException {
        send0(null, message, null, message.remaining(), type, Deadline.FOREVER);
    }

    /** Sends the whole segment, waiting while full. */
    public void send(MemorySegment message, long type) throws IpcException {
        send0(null, null, message, message.byteSize(), type, Deadline.FOREVER);
    }

    /** Sends a {@link SysVMessage}, waiting while full. */
    public void send(SysVMessage message) throws IpcException {
        send(message.data(), message.type());
    }

    /** Sends if the queue has room now ({@code IPC_NOWAIT}); false if it is full. */
    public boolean trySend(byte[] message, long type) throws IpcException {
        return send0(message, null, null, message.length, type, Deadline.NOW);
    }

    /** Sends the buffer's remaining bytes if there is room now; false if full. */
    public boolean trySend(ByteBuffer message, long type) throws IpcException {
        return send0(null, message, null, message.remaining(), type, Deadline.NOW);
    }

    /** Sends the segment if there is room now; false if full. */
    public boolean trySend(MemorySegment message, long type) throws IpcException {
        return send0(null, null, message, message.byteSize(), type, Deadline.NOW);
    }

    /** Sends a {@link SysVMessage} if there is room now; false if full. */
    public boolean trySend(SysVMessage message) throws IpcException {
        return trySend(message.data(), message.type());
    }

    /** Sends, waiting at most {@code timeout} for room; false if the queue stayed full. */
    public boolean trySend(byte[] message, long type, Duration timeout) throws IpcException {
        return send0(message, null, null, message.length, type, Deadline.after(timeout));
    }

    /** Sends the buffer's remaining bytes, waiting at most {@code timeout}; false if still full. */
    public boolean trySend(ByteBuffer message, long type, Duration timeout) throws IpcException {
        return send0(null, message, null, message.remaining(), type, Deadline.after(timeout));
    }

    /** Sends the segment, waiting at most {@code timeout}; false if still full. */
    public boolean trySend(MemorySegment message, long type, Duration timeout) throws IpcException {
        return send0(null, null, message, message.byteSize(), type, Deadline.after(timeout));
    }

    /** Sends a {@link SysVMessage}, waiting at most {@code timeout}; false if still full. */
    public boolean trySend(SysVMessage message, Duration timeout) throws IpcException {
        return trySend(message.data(), message.type(), timeout);
    }

    /** Exactly one of array, buffer, segment is non-null. */
    private boolean send0(byte[] array, ByteBuffer buffer, MemorySegment segment, long length, long type,
                          long deadline) throws IpcException {
        checkType(type);
        Waiter w = Waiter.current();
        MemorySegment msg = w.scratch(Msg.MTEXT + length);
        msg.set(ValueLayout.JAVA_LONG, 0, type);
        int len = (int) length;
        if (array != null) {
            MemorySegment.copy(array, 0, msg, ValueLayout.JAVA_BYTE, Msg.MTEXT, len);
        } else if (buffer != null) {
            w.scratchView().put((int) Msg.MTEXT, buffer, buffer.position(), len);
        } else {
            MemorySegment.copy(segment, 0, msg, Msg.MTEXT, len);
        }
        w.data = msg;
        w.length = length;
        long r = run(sendOp, true, w, deadline);
        if (r == Operation.NOTHING) {
            return false;
        }
        if (r < 0) {
            throw sendError((int) -r, length);
        }
        if (buffer != null) {
            buffer.position(buffer.position() + len);
        }
        return true;
    }

    private IpcException sendError(int errno, long length) {
        if (errno == EINVAL) {
            long max = ProcFiles.readLong(MSGMAX, msgmax);
            if (length > max) {
                return IpcException.withDetail("msgsnd", ipc.label(), errno,
                        "message of " + length + " bytes exceeds msgmax = " + max + " (" + MSGMAX + ")");
            }
        }
        return ipc.error("msgsnd", errno);
    }

    // ---------------------------------------------------------------- receive

    /**
     * Receives the message {@code selector} picks into {@code buffer} (from index 0), waiting
     * until there is one ({@code msgrcv}); its size and type go to {@code envelope}.
     *
     * @return the message's size
     * @throws IpcException E2BIG if the message is longer than the buffer (it stays queued) and
     *                      the selector is not {@link TypeSelector#truncating()}
     * @throws ObjectRemovedException if the queue is removed while waiting
     * @throws ObjectClosedException if this object is closed, before or during the wait
     * @throws io.jipc.IpcInterruptedException if the thread is interrupted while waiting
     * @see <a href="https://man7.org/linux/man-pages/man2/msgrcv.2.html">msgrcv(2)</a>
     */
    public int receive(byte[] buffer, Envelope envelope, TypeSelector selector) throws IpcException {
        return receive0(buffer, null, null, envelope, selector, Deadline.FOREVER);
    }

    /** Receives into the buffer's remaining space, waiting; advances its position by the size. */
    public int receive(ByteBuffer buffer, Envelope envelope, TypeSelector selector) throws IpcException {
        return receive0(null, buffer, null, envelope, selector, Deadline.FOREVER);
    }

    /** Receives into the segment (from offset 0), waiting. */
    public int receive(MemorySegment buffer, Envelope envelope, TypeSelector selector) throws IpcException {
        return receive0(null, null, buffer, envelope, selector, Deadline.FOREVER);
    }

    /**
     * Receives if a matching message is there now ({@code IPC_NOWAIT}).
     *
     * @return the message's size, or {@link Transfer#NOTHING} if there is none
     */
    public int tryReceive(byte[] buffer, Envelope envelope, TypeSelector selector) throws IpcException {
        return receive0(buffer, null, null, envelope, selector, Deadline.NOW);
    }

    /** Receives into the buffer's remaining space if a matching message is there now; {@link Transfer#NOTHING} if none. */
    public int tryReceive(ByteBuffer buffer, Envelope envelope, TypeSelector selector) throws IpcException {
        return receive0(null, buffer, null, envelope, selector, Deadline.NOW);
    }

    /** Receives into the segment if a matching message is there now; {@link Transfer#NOTHING} if none. */
    public int tryReceive(MemorySegment buffer, Envelope envelope, TypeSelector selector) throws IpcException {
        return receive0(null, null, buffer, envelope, selector, Deadline.NOW);
    }

    /** Receives, waiting at most {@code timeout} for a matching message; {@link Transfer#NOTHING} if none came. */
    public int tryReceive(byte[] buffer, Envelope envelope, TypeSelector selector, Duration timeout)
            throws IpcException {
        return receive0(buffer, null, null, envelope, selector, Deadline.after(timeout));
    }

    /** Receives into the buffer's remaining space, waiting at most {@code timeout}; {@link Transfer#NOTHING} if none came. */
    public int tryReceive(ByteBuffer buffer, Envelope envelope, TypeSelector selector, Duration timeout)
            throws IpcException {
        return receive0(null, buffer, null, envelope, selector, Deadline.after(timeout));
    }

    /** Receives into the segment, waiting at most {@code timeout}; {@link Transfer#NOTHING} if none came. */
    public int tryReceive(MemorySegment buffer, Envelope envelope, TypeSelector selector, Duration timeout)
            throws IpcException {
        return receive0(null, null, buffer, envelope, selector, Deadline.after(timeout));
    }

    /** Receives the message {@code selector} picks as a {@link SysVMessage}, waiting (allocates). */
    public SysVMessage receive(TypeSelector selector) throws IpcException {
        return receiveMessage(selector, Deadline.FOREVER).orElseThrow();
    }

    /** The matching message if there is one now (allocates). */
    public Optional<SysVMessage> tryReceive(TypeSelector selector) throws IpcException {
        return receiveMessage(selector, Deadline.NOW);
    }

    /** The matching message, waiting at most {@code timeout}; empty if none came (allocates). */
    public Optional<SysVMessage> tryReceive(TypeSelector selector, Duration timeout) throws IpcException {
        return receiveMessage(selector, Deadline.after(timeout));
    }

    private Optional<SysVMessage> receiveMessage(TypeSelector selector, long deadline) throws IpcException {
        while (true) {
            long room = msgmax;
            long r = receiveRaw(room, selector, deadline, true);
            if (r == GREW) {
                continue; // msgmax grew: a larger message came, retry with the new size
            }
            if (r == Operation.NOTHING) {
                return Optional.empty();
            }
            MemorySegment msg = Waiter.current().scratch(Msg.MTEXT + room);
            byte[] data = msg.asSlice(Msg.MTEXT, r).toArray(ValueLayout.JAVA_BYTE);
            return Optional.of(new SysVMessage(msg.get(ValueLayout.JAVA_LONG, 0), data));
        }
    }

    private int receive0(byte[] array, ByteBuffer buffer, MemorySegment segment, Envelope envelope,
                         TypeSelector selector, long deadline) throws IpcException {
        Objects.requireNonNull(envelope, "envelope");
        if (buffer != null && buffer.isReadOnly()) {
            throw new IllegalArgumentException("receive buffer is read-only");
        }
        long room = array != null ? array.length : buffer != null ? buffer.remaining() : segment.byteSize();
        long r = receiveRaw(room, selector, deadline, false);
        if (r == Operation.NOTHING) {
            return Transfer.NOTHING;
        }
        Waiter w = Waiter.current();
        MemorySegment msg = w.scratch(Msg.MTEXT + room);
        int len = (int) r;
        if (array != null) {
            MemorySegment.copy(msg, ValueLayout.JAVA_BYTE, Msg.MTEXT, array, 0, len);
        } else if (buffer != null) {
            buffer.put(buffer.position(), w.scratchView(), (int) Msg.MTEXT, len);
            buffer.position(buffer.position() + len);
        } else {
            MemorySegment.copy(msg, Msg.MTEXT, segment, 0, len);
        }
        envelope.setSysV(len, msg.get(ValueLayout.JAVA_LONG, 0));
        return len;
    }

    /** From {@link #receiveRaw} when msgmax has grown past the room given: retry. */
    private static final long GREW = -1;

    /**
     * msgrcv into this thread's scratch buffer: the text size, {@link Operation#NOTHING} if
     * nothing came before the deadline, {@link #GREW} (only when {@code growing}) if the message
     * was larger than {@code room} but msgmax has grown since this object read it.
     */
    private long receiveRaw(long room, TypeSelector selector, long deadline, boolean growing) throws IpcException {
        Objects.requireNonNull(selector, "selector");
        Waiter w = Waiter.current();
        w.data = w.scratch(Msg.MTEXT + room);
        w.length = room;
        w.value = selector.msgtyp();
        w.flags = selector.flags();
        long r = run(receiveOp, false, w, deadline);
        if (r >= 0 || r == Operation.NOTHING) {
            return r;
        }
        int errno = (int) -r;
        if (errno == E2BIG) {
            if (growing) {
                long max = ProcFiles.readLong(MSGMAX, msgmax);
                if (max > room) {
                    msgmax = max;
                    return GREW;
                }
            }
            throw IpcException.withDetail("msgrcv", ipc.label(), errno, "the message is longer than the " + room
                    + "-byte buffer and stays queued (use a larger buffer, or TypeSelector.truncating() for MSG_NOERROR)");
        }
        throw ipc.error("msgrcv", errno);
    }
}
