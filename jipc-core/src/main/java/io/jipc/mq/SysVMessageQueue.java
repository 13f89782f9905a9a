package io.jipc.mq;

import io.jipc.Errno;
import io.jipc.IpcException;
import io.jipc.IpcInterruptedException;
import io.jipc.IpcKey;
import io.jipc.ObjectClosedException;
import io.jipc.ObjectRemovedException;
import io.jipc.internal.Deadline;
import io.jipc.Perms;
import io.jipc.internal.ProcFiles;
import io.jipc.internal.SignalWaker;
import io.jipc.internal.TryFirst;
import io.jipc.internal.libc.Ipc;
import io.jipc.internal.libc.Msg;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
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
 *     q.send("thumbnail 42".getBytes(UTF_8), 2);               // type 2
 *     TypedMessage m = q.receive(TypeSelector.exactly(2));    // only type 2
 * }
 * }</pre>
 *
 * <p><b>Blocking.</b> Every send and receive comes blocking, timed ({@link Duration}: false when
 * it expires) and non-blocking ({@code trySend}/{@code tryReceive} with {@code IPC_NOWAIT}).
 * msgsnd and msgrcv have no descriptor to poll and no timeout of their own; jipc sleeps in the
 * real blocking call and gets the thread out with a signal for the deadline, for {@link #close()}
 * from another thread and for {@link Thread#interrupt()} (see {@code io.jipc.internal.SignalWaker}
 * for how and why), so a waiting thread uses no CPU. If the queue is {@linkplain #remove()
 * removed} — by any process — while a thread waits, the wait ends with {@link
 * ObjectRemovedException}.
 *
 * <p><b>Buffers.</b> The forms taking a {@code byte[]}, {@link ByteBuffer} or {@link
 * MemorySegment} and a {@link Received} allocate nothing (the message goes through a per-thread
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
     * A queue's {@code struct msqid_ds} ({@code msgctl(IPC_STAT)}).
     *
     * @param key            the key it was created with ({@link IpcKey#PRIVATE} for a private queue)
     * @param messages       messages queued (msg_qnum)
     * @param bytes          bytes of text queued (msg_cbytes)
     * @param maxBytes       most bytes the queue holds (msg_qbytes); a full queue blocks senders
     * @param lastSendPid    the process that sent last (msg_lspid), 0 if none
     * @param lastReceivePid the process that received last (msg_lrpid), 0 if none
     * @param lastSend       when the last message was sent (msg_stime)
     * @param lastReceive    when the last message was received (msg_rtime)
     * @param lastChange     when the queue was created or last changed by IPC_SET (msg_ctime)
     * @param ownerUid       owner (msg_perm.uid), who may change and remove it
     * @param ownerGid       owner's group (msg_perm.gid)
     * @param creatorUid     creator (msg_perm.cuid)
     * @param creatorGid     creator's group (msg_perm.cgid)
     * @param mode           permissions (msg_perm.mode, low nine bits)
     */
    public record Status(IpcKey key, long messages, long bytes, long maxBytes, int lastSendPid, int lastReceivePid,
                         Optional<Instant> lastSend, Optional<Instant> lastReceive, Instant lastChange,
                         int ownerUid, int ownerGid, int creatorUid, int creatorGid, Set<PosixFilePermission> mode) {
        /** The permissions as octal bits, e.g. {@code 0600} = 384. */
        public int modeBits() {
            return Perms.toMode(mode);
        }
    }

    private static final int EINTR = Errno.EINTR.number();
    private static final int EAGAIN = Errno.EAGAIN.number();
    private static final int ENOMSG = Errno.ENOMSG.number();
    private static final int EINVAL = Errno.EINVAL.number();
    private static final int EIDRM = Errno.EIDRM.number();
    private static final int E2BIG = Errno.E2BIG.number();
    private static final int EPERM = Errno.EPERM.number();
    private static final VarHandle CLOSED;

    static {
        try {
            CLOSED = MethodHandles.lookup().findVarHandle(SysVMessageQueue.class, "closed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    static final Path MSGMAX = Path.of("/proc/sys/kernel/msgmax");
    static final Path MSGMNB = Path.of("/proc/sys/kernel/msgmnb");
    static final Path MSGMNI = Path.of("/proc/sys/kernel/msgmni");
    static final Path SYSVIPC_MSG = Path.of("/proc/sysvipc/msg");

    private final int id;
    private final IpcKey key;
    private final String label;
    private final SignalWaker.Waiters waiters = new SignalWaker.Waiters();
    /** Whether an untimed send or receive tries IPC_NOWAIT before its wait. */
    private final TryFirst sendTries = new TryFirst();
    private final TryFirst receiveTries = new TryFirst();
    @SuppressWarnings("unused")
    private volatile boolean closed;
    /** The system's largest message (msgmax), re-read when a message turns out larger. */
    private volatile long msgmax;

    private SysVMessageQueue(int id, IpcKey key) {
        this.id = id;
        this.key = key;
        this.label = "msqid " + id;
        this.msgmax = readProc(MSGMAX, 8192);
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
        return createExclusively(key, Perms.DEFAULT);
    }

    /** Creates a new queue with the given permissions, failing if one exists for {@code key}. */
    public static SysVMessageQueue createExclusively(IpcKey key, Set<PosixFilePermission> mode) throws IpcException {
        return get(key, Ipc.IPC_CREAT | Ipc.IPC_EXCL | Perms.toMode(mode));
    }

    /** Opens the queue for {@code key}, creating it with mode 0600 if there is none ({@code IPC_CREAT}). */
    public static SysVMessageQueue createOrOpen(IpcKey key) throws IpcException {
        return createOrOpen(key, Perms.DEFAULT);
    }

    /** Opens the queue for {@code key}, creating it with the given permissions if there is none. */
    public static SysVMessageQueue createOrOpen(IpcKey key, Set<PosixFilePermission> mode) throws IpcException {
        return get(key, Ipc.IPC_CREAT | Perms.toMode(mode));
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
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ds = a.allocate(Msg.MSQID_DS.layout());
            int r = Msg.msgctl(id, Ipc.IPC_STAT, ds);
            if (r == -Errno.EACCES.number()) {
                Integer listed = listedKey(id);
                if (listed != null) {
                    return new SysVMessageQueue(id, listed == 0 ? IpcKey.PRIVATE : IpcKey.of(listed));
                }
            }
            if (r < 0) {
                throw ctlError("msgctl(IPC_STAT)", "msqid " + id, -r, id);
            }
            int k = ds.get(ValueLayout.JAVA_INT, Msg.MSG_PERM + Ipc.PERM_KEY);
            return new SysVMessageQueue(id, k == 0 ? IpcKey.PRIVATE : IpcKey.of(k));
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
            int errno = -id;
            if (errno == Errno.ENOSPC.number()) {
                throw IpcException.withDetail("msgget", "key " + key, errno, "the system already has msgmni = "
                        + readProc(MSGMNI, -1) + " queues (" + MSGMNI + ")");
            }
            throw IpcException.of("msgget", "key " + key, errno);
        }
        return new SysVMessageQueue(id, key);
    }

    /**
     * The longest message the system accepts now, msgmax ({@code /proc/sys/kernel/msgmax}; 8192,
     * its default, if unreadable): msgsnd refuses longer ones, so a receive buffer this large
     * holds any message. Lets a caller bound a buffer before allocating it.
     */
    public static long maxMessageSize() {
        return readProc(MSGMAX, 8192);
    }

    static void checkType(long type) {
        if (type <= 0) {
            throw new IllegalArgumentException("message type must be positive (1.." + Long.MAX_VALUE + "), got " + type);
        }
    }

    // ---------------------------------------------------------------- properties

    /** The queue's id (msqid), as {@code ipcs -q} shows it. */
    public int id() {
        return id;
    }

    /** The key this object was opened with ({@link IpcKey#PRIVATE} for a private queue). */
    public IpcKey key() {
        return key;
    }

    /**
     * The queue's state ({@code msgctl(IPC_STAT)}): counts, limits, last sender and receiver,
     * times, owner and mode.
     *
     * @see <a href="https://man7.org/linux/man-pages/man2/msgctl.2.html">msgctl(2)</a>
     */
    public Status stat() throws IpcException {
        checkOpen("msgctl(IPC_STAT)");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ds = statInto(a);
            long perm = Msg.MSG_PERM;
            int k = ds.get(ValueLayout.JAVA_INT, perm + Ipc.PERM_KEY);
            long stime = ds.get(ValueLayout.JAVA_LONG, Msg.MSG_STIME);
            long rtime = ds.get(ValueLayout.JAVA_LONG, Msg.MSG_RTIME);
            return new Status(k == 0 ? IpcKey.PRIVATE : IpcKey.of(k),
                    ds.get(ValueLayout.JAVA_LONG, Msg.MSG_QNUM), ds.get(ValueLayout.JAVA_LONG, Msg.MSG_CBYTES),
                    ds.get(ValueLayout.JAVA_LONG, Msg.MSG_QBYTES),
                    ds.get(ValueLayout.JAVA_INT, Msg.MSG_LSPID), ds.get(ValueLayout.JAVA_INT, Msg.MSG_LRPID),
                    stime == 0 ? Optional.empty() : Optional.of(Instant.ofEpochSecond(stime)),
                    rtime == 0 ? Optional.empty() : Optional.of(Instant.ofEpochSecond(rtime)),
                    Instant.ofEpochSecond(ds.get(ValueLayout.JAVA_LONG, Msg.MSG_CTIME)),
                    ds.get(ValueLayout.JAVA_INT, perm + Ipc.PERM_UID), ds.get(ValueLayout.JAVA_INT, perm + Ipc.PERM_GID),
                    ds.get(ValueLayout.JAVA_INT, perm + Ipc.PERM_CUID), ds.get(ValueLayout.JAVA_INT, perm + Ipc.PERM_CGID),
                    Perms.fromMode(ds.get(ValueLayout.JAVA_INT, perm + Ipc.PERM_MODE)));
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
        set(maxBytes, -1);
    }

    /** Sets the queue's permissions ({@code msg_perm.mode} by {@code msgctl(IPC_SET)}); owner or creator only. */
    public void setMode(Set<PosixFilePermission> mode) throws IpcException {
        set(-1, Perms.toMode(mode));
    }

    private void set(long maxBytes, int mode) throws IpcException {
        checkOpen("msgctl(IPC_SET)");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ds = statInto(a);
            if (maxBytes >= 0) {
                ds.set(ValueLayout.JAVA_LONG, Msg.MSG_QBYTES, maxBytes);
            }
            if (mode >= 0) {
                int old = ds.get(ValueLayout.JAVA_INT, Msg.MSG_PERM + Ipc.PERM_MODE);
                ds.set(ValueLayout.JAVA_INT, Msg.MSG_PERM + Ipc.PERM_MODE, (old & ~0777) | mode);
            }
            int r = Msg.msgctl(id, Ipc.IPC_SET, ds);
            if (r < 0) {
                if (-r == EPERM) {
                    long mnb = readProc(MSGMNB, -1);
                    String why = maxBytes > mnb && mnb >= 0
                            ? "max bytes " + maxBytes + " exceeds msgmnb = " + mnb + " (" + MSGMNB
                              + "), which only a process with CAP_SYS_RESOURCE may do"
                            : "only the queue's owner or creator (or a privileged process) may change it";
                    throw IpcException.withDetail("msgctl(IPC_SET)", label, EPERM, why);
                }
                throw ctlError("msgctl(IPC_SET)", label, -r, id);
            }
        }
    }

    private MemorySegment statInto(Arena a) throws IpcException {
        MemorySegment ds = a.allocate(Msg.MSQID_DS.layout());
        int r = Msg.msgctl(id, Ipc.IPC_STAT, ds);
        if (r < 0) {
            throw ctlError("msgctl(IPC_STAT)", label, -r, id);
        }
        return ds;
    }

    /**
     * Removes the queue from the system at once ({@code msgctl(IPC_RMID)}): its messages are
     * lost and every process waiting on it wakes with EIDRM. Owner, creator or privileged only.
     */
    public void remove() throws IpcException {
        checkOpen("msgctl(IPC_RMID)");
        int r = Msg.msgctl(id, Ipc.IPC_RMID, MemorySegment.NULL);
        if (r < 0) {
            if (-r == EPERM) {
                throw IpcException.withDetail("msgctl(IPC_RMID)", label, EPERM,
                        "only the queue's owner or creator (or a privileged process) may remove it");
            }
            throw ctlError("msgctl(IPC_RMID)", label, -r, id);
        }
    }

    private static IpcException ctlError(String call, String object, int errno, int id) {
        if (errno == EINVAL || errno == EIDRM) {
            return IpcException.withDetail(call, object, errno, "no queue has msqid " + id + " (removed?)");
        }
        return IpcException.of(call, object, errno);
    }

    /**
     * Ends this object's use of the queue and wakes its threads waiting in send or receive (they
     * throw {@link ObjectClosedException}). The queue itself stays; see {@link #remove()}.
     * Idempotent and thread-safe.
     */
    @Override
    public void close() {
        if (CLOSED.compareAndSet(this, false, true)) {
            waiters.wakeAll();
        }
    }

    /** Whether {@link #close()} has not been called. */
    public boolean isOpen() {
        return !closed;
    }

    private void checkOpen(String call) throws ObjectClosedException {
        if (closed) {
            throw new ObjectClosedException(call, label);
        }
    }

    @Override
    public String toString() {
        return "SysVMessageQueue[" + label + ", key " + key + (closed ? ", closed" : "") + "]";
    }

    // ---------------------------------------------------------------- send

    /**
     * Sends a message of {@code type}, waiting while the queue is full ({@code msgsnd}).
     *
     * @param type positive; receivers select on it
     * @throws IllegalArgumentException if the type is not positive
     * @throws IpcException EINVAL if the message exceeds msgmax (the text says so)
     * @throws ObjectRemovedException if the queue is removed while waiting
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

    /** Sends a {@link TypedMessage}, waiting while full. */
    public void send(TypedMessage message) throws IpcException {
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

    /** Sends, waiting at most {@code timeout} for room; false if the queue stayed full. */
    public boolean send(byte[] message, long type, Duration timeout) throws IpcException {
        return send0(message, null, null, message.length, type, Deadline.after(timeout));
    }

    /** Sends the buffer's remaining bytes, waiting at most {@code timeout}; false if still full. */
    public boolean send(ByteBuffer message, long type, Duration timeout) throws IpcException {
        return send0(null, message, null, message.remaining(), type, Deadline.after(timeout));
    }

    /** Sends the segment, waiting at most {@code timeout}; false if still full. */
    public boolean send(MemorySegment message, long type, Duration timeout) throws IpcException {
        return send0(null, null, message, message.byteSize(), type, Deadline.after(timeout));
    }

    private boolean send0(byte[] array, ByteBuffer buffer, MemorySegment segment, long length, long type,
                          long deadline) throws IpcException {
        checkType(type);
        checkOpen("msgsnd");
        SignalWaker w = SignalWaker.current();
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
        // A non-blocking attempt first: for a timed or non-blocking send always (no timer to arm
        // when there is room), for an untimed one while such tries find room (TryFirst).
        boolean untimedTry = deadline == Deadline.FOREVER && sendTries.now();
        int r;
        if (deadline != Deadline.FOREVER || untimedTry) {
            r = Msg.msgsnd(id, msg, length, Ipc.IPC_NOWAIT);
            if (untimedTry) {
                sendTries.found(r != -EAGAIN);
            }
            if (r == 0 || (r != -EAGAIN && r != -EINTR)) {
                return sent(r, buffer, len);
            }
            if (Deadline.expired(deadline)) {
                return false;
            }
        }
        waiters.add(w);
        try {
            w.enter(deadline);
            try {
                checkOpen("msgsnd");
                while (true) {
                    r = Msg.msgsnd(id, msg, length, 0);
                    if (r != -EINTR) {
                        return sent(r, buffer, len);
                    }
                    checkWait("msgsnd");
                    if (Deadline.expired(deadline)) {
                        return false;
                    }
                }
            } finally {
                w.exit();
            }
        } finally {
            waiters.remove(w);
        }
    }

    private boolean sent(int r, ByteBuffer buffer, int length) throws IpcException {
        if (r == 0) {
            if (buffer != null) {
                buffer.position(buffer.position() + length);
            }
            return true;
        }
        int errno = -r;
        if (errno == EINVAL) {
            long max = readProc(MSGMAX, msgmax);
            if (length > max) {
                throw IpcException.withDetail("msgsnd", label, errno,
                        "message of " + length + " bytes exceeds msgmax = " + max + " (" + MSGMAX + ")");
            }
        }
        throw rwError("msgsnd", errno);
    }

    private IpcException rwError(String call, int errno) {
        if (errno == EIDRM) {
            return new ObjectRemovedException(call, label);
        }
        if (errno == EINVAL) {
            return IpcException.withDetail(call, label, errno, "no queue has msqid " + id + " (removed?)");
        }
        return IpcException.of(call, label, errno);
    }

    /** The checks at the head of every wait loop: closed, interrupted. */
    private void checkWait(String call) throws IpcException {
        if (closed) {
            throw new ObjectClosedException(call, label);
        }
        if (Thread.currentThread().isInterrupted()) {
            throw new IpcInterruptedException(call, label);
        }
    }

    // ---------------------------------------------------------------- receive

    /**
     * Receives the message {@code selector} picks into {@code buffer} (from index 0), waiting
     * until there is one ({@code msgrcv}); size and type go to {@code into}.
     *
     * @return the message's size
     * @throws IpcException E2BIG if the message is longer than the buffer (it stays queued) and
     *                      the selector is not {@link TypeSelector#truncating()}
     * @throws ObjectRemovedException if the queue is removed while waiting
     * @throws ObjectClosedException if this object is closed, before or during the wait
     * @throws io.jipc.IpcInterruptedException if the thread is interrupted while waiting
     * @see <a href="https://man7.org/linux/man-pages/man2/msgrcv.2.html">msgrcv(2)</a>
     */
    public int receive(byte[] buffer, Received into, TypeSelector selector) throws IpcException {
        receive0(buffer, null, null, into, selector, Deadline.FOREVER);
        return into.size();
    }

    /** Receives into the buffer's remaining space, waiting; advances its position by the size. */
    public int receive(ByteBuffer buffer, Received into, TypeSelector selector) throws IpcException {
        receive0(null, buffer, null, into, selector, Deadline.FOREVER);
        return into.size();
    }

    /** Receives into the segment (from offset 0), waiting. */
    public int receive(MemorySegment buffer, Received into, TypeSelector selector) throws IpcException {
        receive0(null, null, buffer, into, selector, Deadline.FOREVER);
        return into.size();
    }

    /** Receives if a matching message is there now ({@code IPC_NOWAIT}); false if none. */
    public boolean tryReceive(byte[] buffer, Received into, TypeSelector selector) throws IpcException {
        return receive0(buffer, null, null, into, selector, Deadline.NOW);
    }

    /** Receives into the buffer's remaining space if a matching message is there now; false if none. */
    public boolean tryReceive(ByteBuffer buffer, Received into, TypeSelector selector) throws IpcException {
        return receive0(null, buffer, null, into, selector, Deadline.NOW);
    }

    /** Receives into the segment if a matching message is there now; false if none. */
    public boolean tryReceive(MemorySegment buffer, Received into, TypeSelector selector) throws IpcException {
        return receive0(null, null, buffer, into, selector, Deadline.NOW);
    }

    /** Receives, waiting at most {@code timeout} for a matching message; false if none came. */
    public boolean receive(byte[] buffer, Received into, TypeSelector selector, Duration timeout) throws IpcException {
        return receive0(buffer, null, null, into, selector, Deadline.after(timeout));
    }

    /** Receives into the buffer's remaining space, waiting at most {@code timeout}; false if none came. */
    public boolean receive(ByteBuffer buffer, Received into, TypeSelector selector, Duration timeout)
            throws IpcException {
        return receive0(null, buffer, null, into, selector, Deadline.after(timeout));
    }

    /** Receives into the segment, waiting at most {@code timeout}; false if none came. */
    public boolean receive(MemorySegment buffer, Received into, TypeSelector selector, Duration timeout)
            throws IpcException {
        return receive0(null, null, buffer, into, selector, Deadline.after(timeout));
    }

    /** Receives the message {@code selector} picks as a {@link TypedMessage}, waiting (allocates). */
    public TypedMessage receive(TypeSelector selector) throws IpcException {
        return receiveMessage(selector, Deadline.FOREVER).orElseThrow();
    }

    /** The matching message if there is one now (allocates). */
    public Optional<TypedMessage> tryReceive(TypeSelector selector) throws IpcException {
        return receiveMessage(selector, Deadline.NOW);
    }

    /** The matching message, waiting at most {@code timeout}; empty if none came (allocates). */
    public Optional<TypedMessage> receive(TypeSelector selector, Duration timeout) throws IpcException {
        return receiveMessage(selector, Deadline.after(timeout));
    }

    private Optional<TypedMessage> receiveMessage(TypeSelector selector, long deadline) throws IpcException {
        while (true) {
            long room = msgmax;
            long r = receiveRaw(room, selector, deadline, true);
            if (r == -2) {
                continue; // msgmax grew: a larger message came, retry with the new size
            }
            if (r < 0) {
                return Optional.empty();
            }
            MemorySegment msg = SignalWaker.current().scratch(Msg.MTEXT + room);
            byte[] data = msg.asSlice(Msg.MTEXT, r).toArray(ValueLayout.JAVA_BYTE);
            return Optional.of(new TypedMessage(msg.get(ValueLayout.JAVA_LONG, 0), data));
        }
    }

    private boolean receive0(byte[] array, ByteBuffer buffer, MemorySegment segment, Received into,
                             TypeSelector selector, long deadline) throws IpcException {
        Objects.requireNonNull(into, "into");
        if (buffer != null && buffer.isReadOnly()) {
            throw new IllegalArgumentException("receive buffer is read-only");
        }
        long room = array != null ? array.length : buffer != null ? buffer.remaining() : segment.byteSize();
        long r = receiveRaw(room, selector, deadline, false);
        if (r < 0) {
            return false;
        }
        MemorySegment msg = SignalWaker.current().scratch(Msg.MTEXT + room);
        int len = (int) r;
        if (array != null) {
            MemorySegment.copy(msg, ValueLayout.JAVA_BYTE, Msg.MTEXT, array, 0, len);
        } else if (buffer != null) {
            buffer.put(buffer.position(), SignalWaker.current().scratchView(), (int) Msg.MTEXT, len);
            buffer.position(buffer.position() + len);
        } else {
            MemorySegment.copy(msg, Msg.MTEXT, segment, 0, len);
        }
        into.setSysV(len, msg.get(ValueLayout.JAVA_LONG, 0));
        return true;
    }

    /**
     * msgrcv into this thread's scratch buffer: the text size, -1 if nothing came before the
     * deadline, -2 (only when {@code growing}) if the message was larger than {@code room} but
     * msgmax has grown since this object read it.
     */
    private long receiveRaw(long room, TypeSelector selector, long deadline, boolean growing) throws IpcException {
        Objects.requireNonNull(selector, "selector");
        checkOpen("msgrcv");
        SignalWaker w = SignalWaker.current();
        MemorySegment msg = w.scratch(Msg.MTEXT + room);
        long type = selector.msgtyp();
        int flags = selector.flags();
        long r;
        boolean untimedTry = deadline == Deadline.FOREVER && receiveTries.now();
        if (deadline != Deadline.FOREVER || untimedTry) {
            // A non-blocking attempt first: a waiting message costs no wait set-up, and NOW needs
            // nothing else. An untimed receive tries while its tries find messages (TryFirst).
            r = Msg.msgrcv(id, msg, room, type, flags | Ipc.IPC_NOWAIT);
            if (untimedTry) {
                receiveTries.found(r != -ENOMSG);
            }
            if (r >= 0) {
                return r;
            }
            if (r != -ENOMSG && r != -EINTR) {
                return received(r, room, growing);
            }
            if (Deadline.expired(deadline)) {
                return -1;
            }
        }
        waiters.add(w);
        try {
            w.enter(deadline);
            try {
                // Closed before the wait began? (A pending interrupt is answered only if the call
                // would sleep: the waker's signal is already on its way.)
                checkOpen("msgrcv");
                while (true) {
                    r = Msg.msgrcv(id, msg, room, type, flags);
                    if (r >= 0) {
                        return r;
                    }
                    if (r != -EINTR) {
                        return received(r, room, growing);
                    }
                    checkWait("msgrcv");
                    if (Deadline.expired(deadline)) {
                        return -1;
                    }
                }
            } finally {
                w.exit();
            }
        } finally {
            waiters.remove(w);
        }
    }

    /** The error for a failed msgrcv, or -2 to retry with a larger buffer. */
    private long received(long r, long room, boolean growing) throws IpcException {
        int errno = (int) -r;
        if (errno == E2BIG) {
            if (growing) {
                long max = readProc(MSGMAX, msgmax);
                if (max > room) {
                    msgmax = max;
                    return -2;
                }
            }
            throw IpcException.withDetail("msgrcv", label, errno, "the message is longer than the " + room
                    + "-byte buffer and stays queued (use a larger buffer, or TypeSelector.truncating() for MSG_NOERROR)");
        }
        throw rwError("msgrcv", errno);
    }

    static long readProc(Path file, long fallback) {
        return ProcFiles.readLong(file, fallback);
    }
}
