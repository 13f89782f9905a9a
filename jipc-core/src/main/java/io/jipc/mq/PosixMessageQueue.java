package io.jipc.mq;

import static io.jipc.internal.libc.Errnos.EAGAIN;
import static io.jipc.internal.libc.Errnos.EBADF;
import static io.jipc.internal.libc.Errnos.EEXIST;
import static io.jipc.internal.libc.Errnos.EMSGSIZE;
import static io.jipc.internal.libc.Errnos.ENOENT;
import static io.jipc.internal.libc.Errnos.ETIMEDOUT;

import io.jipc.Fd;
import io.jipc.FdBacked;
import io.jipc.IpcException;
import io.jipc.MessageTooLargeException;
import io.jipc.Perms;
import io.jipc.Transfer;
import io.jipc.internal.PosixNames;
import io.jipc.internal.libc.Fcntl;
import io.jipc.internal.libc.Mqueue;
import io.jipc.internal.libc.Poll;
import io.jipc.internal.ExactMode;
import io.jipc.internal.libc.Time;
import io.jipc.internal.wait.Attempt;
import io.jipc.internal.wait.Deadline;
import io.jipc.internal.wait.Handle;
import io.jipc.internal.wait.Handles;
import io.jipc.internal.wait.Operation;
import io.jipc.internal.wait.Waiter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A POSIX message queue ({@code mq_open}): discrete messages with priorities, named {@code
 * /name}, shared by any process that opens the same name — C programs included.
 *
 * <pre>{@code
 * try (var q = PosixMessageQueue.createOrOpen("/jobs", PosixMessageQueue.Options.defaults()
 *         .withMaxMessages(10).withMessageSize(256))) {
 *     q.send("resize 42".getBytes(UTF_8), 5);          // priority 5: before every priority < 5
 *     PosixMessage m = q.receive();                     // highest priority first, FIFO within one
 * }
 * }</pre>
 *
 * <p><b>Sending and receiving.</b> Each operation comes in the three forms of every jipc wait:
 * {@code send}/{@code receive} wait until done, {@code trySend}/{@code tryReceive} never wait,
 * and {@code trySend}/{@code tryReceive} with a {@link Duration} wait at most that long; a try
 * form that did nothing answers {@code false} (sends), {@link Transfer#NOTHING} (receives into a
 * buffer) or an empty {@link Optional}. The forms taking a {@code byte[]}, {@link ByteBuffer} or
 * {@link MemorySegment} and an {@link Envelope} allocate nothing: a native segment goes to the
 * kernel as is, heap memory is copied through a native buffer of the calling thread (its own, so
 * no lock is held while a call sleeps). The forms returning {@link PosixMessage} allocate the
 * payload.
 * A receive buffer must hold at least {@link #messageSize()} bytes (mq_receive refuses smaller
 * ones even for a short message, and jipc says so before the call).
 *
 * <p><b>Blocking.</b> jipc opens the descriptor blocking, as C does, so a blocking send or receive
 * is one {@code mq_timedsend}/{@code mq_timedreceive} asleep in the kernel (no failed call and
 * poll(2) around it), and a child handed the descriptor gets it as C expects. The timed forms pass
 * the deadline as the call's own {@code CLOCK_REALTIME} timeout; the try forms pass one already
 * past, which the kernel answers at once. {@link #close()} from another thread and {@link
 * Thread#interrupt()} end a wait (see the README's "How a blocked call waits"); a message (or
 * room) already there is still received (or sent) by an interrupted thread. On a description
 * someone made {@code O_NONBLOCK}, every form keeps its meaning and waits in poll(2).
 *
 * <p><b>Being told when a message arrives.</b> The queue is {@link FdBacked}: a {@link
 * io.jipc.poll.Poller} reports it readable when a message is waiting and writable when there is
 * room, alongside sockets, pipes and anything else with a descriptor.
 * <pre>{@code
 * try (Poller poller = Poller.create()) {
 *     poller.register(jobs, Set.of(Readiness.READ), jobs);
 *     poller.register(control, Set.of(Readiness.READ), control);
 *     while (poller.poll() > 0) {
 *         for (int i = 0; i < poller.readyCount(); i++) {
 *             if (poller.ready(i).attachment() == jobs) {
 *                 while (jobs.tryReceive(buffer, envelope) != Transfer.NOTHING) { handle(buffer, envelope); }
 *             }
 *         }
 *     }
 * }
 * }</pre> {@code mq_notify} is not wrapped: it serves one process per queue, fires only on an
 * empty-to-non-empty transition nobody is blocked for, must be re-armed after each firing, and
 * arrives as a process-wide signal or on a thread outside the JVM; readiness composes with every
 * other descriptor and serves any number of waiters.
 *
 * <p><b>Attributes.</b> Capacity and message size are fixed at creation ({@link #info()}); {@code
 * mq_setattr} could only change {@code O_NONBLOCK}, which jipc's per-call forms do not need. A
 * creation refused for a limit ({@code /proc/sys/fs/mqueue/*}, {@code RLIMIT_MSGQUEUE}) names
 * the limit and its value.
 *
 * <p>Instances are thread-safe. {@link #close()} closes this process's descriptor; the queue and
 * its messages stay until {@link #unlink()} and the last close.
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/mq_overview.7.html">mq_overview(7)</a>
 */
public final class PosixMessageQueue implements FdBacked {
    /**
     * How the queue is opened: which of send and receive this descriptor may do.
     *
     * @see <a href="https://man7.org/linux/man-pages/man3/mq_open.3.html">mq_open(3)</a>
     */
    public enum Access {
        READ_ONLY(Fcntl.O_RDONLY, "read-only"),
        WRITE_ONLY(Fcntl.O_WRONLY, "write-only"),
        READ_WRITE(Fcntl.O_RDWR, "read-write");

        final int flag;
        final String text;

        Access(int flag, String text) {
            this.flag = flag;
            this.text = text;
        }
    }

    /**
     * How to create (or open) a queue: capacity, message size, permissions and access. {@code 0}
     * for a size means the system default ({@code /proc/sys/fs/mqueue/msg_default},
     * {@code msgsize_default}). Defaults: system sizes, mode {@code 0600}, read-write.
     *
     * @see <a href="https://man7.org/linux/man-pages/man3/mq_open.3.html">mq_open(3)</a>
     * @see <a href="https://man7.org/linux/man-pages/man7/mq_overview.7.html">mq_overview(7)</a>
     */
    public record Options(int maxMessages, int messageSize, Set<PosixFilePermission> mode, Access access) {
        public Options {
            if (maxMessages < 0) {
                throw new IllegalArgumentException("maxMessages must be positive (or 0 for the system default), got "
                        + maxMessages);
            }
            if (messageSize < 0) {
                throw new IllegalArgumentException("messageSize must be positive (or 0 for the system default), got "
                        + messageSize);
            }
            mode = Set.copyOf(Objects.requireNonNull(mode, "mode"));
            Objects.requireNonNull(access, "access");
        }

        /** System default sizes, mode 0600, read-write. */
        public static Options defaults() {
            return new Options(0, 0, Perms.DEFAULT, Access.READ_WRITE);
        }

        /** At most {@code n} messages queued at once (mq_maxmsg). */
        public Options withMaxMessages(int n) {
            return new Options(n, messageSize, mode, access);
        }

        /** Messages of at most {@code bytes} bytes (mq_msgsize). */
        public Options withMessageSize(int bytes) {
            return new Options(maxMessages, bytes, mode, access);
        }

        /** Permissions for a queue this call creates, set exactly (fchmod after mq_open: the umask does not apply). */
        public Options withMode(Set<PosixFilePermission> perms) {
            return new Options(maxMessages, messageSize, perms, access);
        }

        /** Whether this descriptor sends, receives or both. */
        public Options withAccess(Access a) {
            return new Options(maxMessages, messageSize, mode, a);
        }
    }

    /**
     * A queue's kernel state ({@code mq_getattr}, {@code struct mq_attr}). Its {@code mq_flags}
     * ({@code O_NONBLOCK} or 0) belongs to the descriptor, not the queue: {@link
     * Fd#isNonBlocking()} reports it.
     *
     * @param maxMessages     capacity (mq_maxmsg)
     * @param messageSize     largest message in bytes (mq_msgsize)
     * @param currentMessages messages queued now (mq_curmsgs)
     * @see <a href="https://man7.org/linux/man-pages/man3/mq_getattr.3.html">mq_getattr(3)</a>
     */
    public record Info(long maxMessages, long messageSize, long currentMessages) {}


    private final Fd fd;
    private final String name;
    private final Access access;
    private final int maxMessages;
    private final int messageSize;

    /**
     * {@code {0, 0}}: an absolute timeout long past, for the non-blocking forms. The kernel
     * checks it only when the call would sleep, and then fails at once with ETIMEDOUT (its
     * sleep timer has already expired); with a message or room there, the call just works.
     */
    private static final MemorySegment PAST = Arena.global().allocate(Time.TIMESPEC_SIZE, 8);
    private final Operation sendOp;
    private final Operation receiveOp;

    private PosixMessageQueue(Fd fd, String name, Access access, long maxMessages, long messageSize) {
        this.fd = fd;
        this.name = name;
        this.access = access;
        this.maxMessages = (int) maxMessages;
        this.messageSize = (int) messageSize;
        // Blocking descriptions: both calls sleep in the kernel, with the deadline as their own
        // CLOCK_REALTIME timeout; the form that never sleeps passes a timeout long past. No try
        // first (measured, issue 12): even a try that succeeds costs 37-72 ns more per send and
        // receive than the call with no timeout (the kernel arms its timer for a past {0, 0}), a
        // failed receive try 310-350 ns, and a failed send try copies and charges the whole
        // message before the kernel sees the queue is full (1.6 us at 8 KiB); what the try saves
        // is the kernel wait's set-up, about 50 ns.
        // w.data, w.length: the message; w.value: a send's priority.
        Handle handle = Handles.of(fd);
        this.sendOp = Operation.on(handle, "mq_send", PosixMessageQueue::sendCall)
                .readiness(Poll.POLLOUT).timeout(Operation.Timeout.REALTIME).build();
        this.receiveOp = Operation.on(handle, "mq_receive", PosixMessageQueue::receiveCall)
                .readiness(Poll.POLLIN).timeout(Operation.Timeout.REALTIME).build();
    }

    private static long sendCall(Waiter w, int how) {
        return nowOrLater(how, Mqueue.mq_timedsend(w.errnoState, w.target, w.data, w.length, (int) w.value,
                how == Attempt.NOW ? PAST : w.timeoutArg));
    }

    private static long receiveCall(Waiter w, int how) {
        return nowOrLater(how, Mqueue.mq_timedreceive(w.errnoState, w.target, w.data, w.length, w.intOut(),
                how == Attempt.NOW ? PAST : w.timeoutArg));
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

    /** In the form that never sleeps, the past timeout's ETIMEDOUT means "not now". */
    private static long nowOrLater(int how, long r) {
        return how == Attempt.NOW && r == -ETIMEDOUT ? -EAGAIN : r;
    }

    // ---------------------------------------------------------------- factories

    /**
     * Creates a new queue, failing if the name exists ({@code O_CREAT | O_EXCL}, so no other
     * process can slip a queue of its own in first).
     *
     * @throws IllegalArgumentException if the name is not a valid queue name (see {@link #checkName})
     * @throws io.jipc.AlreadyExistsException if a queue of that name exists
     * @throws IpcException for other refusals; those due to a limit name it and its value
     * @see <a href="https://man7.org/linux/man-pages/man3/mq_open.3.html">mq_open(3)</a>
     */
    public static PosixMessageQueue createExclusively(String name, Options options) throws IpcException {
        return open(name, options, Fcntl.O_CREAT | Fcntl.O_EXCL);
    }

    /** Creates a new queue with the default options (system sizes, 0600), failing if it exists. */
    public static PosixMessageQueue createExclusively(String name) throws IpcException {
        return createExclusively(name, Options.defaults());
    }

    /**
     * Opens the queue of that name, creating it with {@code options} if there is none ({@code
     * O_CREAT}). An existing queue keeps its own sizes and mode.
     */
    public static PosixMessageQueue createOrOpen(String name, Options options) throws IpcException {
        return open(name, options, Fcntl.O_CREAT);
    }

    /** Opens an existing queue for reading and writing. */
    public static PosixMessageQueue openExisting(String name) throws IpcException {
        return openExisting(name, Options.defaults());
    }

    /**
     * Opens an existing queue with the options' {@link Options#access() access} (its sizes and
     * mode are the queue's own).
     *
     * @throws io.jipc.NotFoundException if there is no queue of that name
     * @throws io.jipc.PermissionDeniedException if its mode does not allow the access
     */
    public static PosixMessageQueue openExisting(String name, Options options) throws IpcException {
        return open(name, options, 0);
    }

    private static PosixMessageQueue open(String name, Options o, int createFlags) throws IpcException {
        checkName(name);
        boolean creating = (createFlags & Fcntl.O_CREAT) != 0;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = MemorySegment.NULL;
            long maxmsg = o.maxMessages();
            long msgsize = o.messageSize();
            if (creating && (maxmsg != 0 || msgsize != 0)) {
                // The kernel takes both or neither: fill in the system default for the one not given.
                attr = a.allocate(Mqueue.MQ_ATTR.layout());
                attr.set(ValueLayout.JAVA_LONG, Mqueue.MQ_MAXMSG, maxmsg != 0 ? maxmsg : MqueueLimits.defaultMaxMessages());
                attr.set(ValueLayout.JAVA_LONG, Mqueue.MQ_MSGSIZE, msgsize != 0 ? msgsize : MqueueLimits.defaultMessageSize());
            }
            // Blocking, as in C: the untimed calls sleep in the kernel; see the class comment.
            int flags = o.access().flag | Fcntl.O_CLOEXEC;
            int mode = Perms.toMode(o.mode());
            MemorySegment cName = a.allocateFrom(name);
            int mqd;
            boolean created = false;
            if (!creating) {
                mqd = Mqueue.mq_open(cName, flags, 0, MemorySegment.NULL);
            } else {
                // O_EXCL first, even for createOrOpen: only a call that knows it created the
                // queue may set its mode, and mq_open filters the mode through the umask.
                while (true) {
                    mqd = Mqueue.mq_open(cName, flags | Fcntl.O_CREAT | Fcntl.O_EXCL, mode, attr);
                    if (mqd >= 0) {
                        created = true;
                        break;
                    }
                    if (mqd != -EEXIST || (createFlags & Fcntl.O_EXCL) != 0) {
                        break;
                    }
                    mqd = Mqueue.mq_open(cName, flags, 0, MemorySegment.NULL);
                    if (mqd != -ENOENT) {
                        break; // opened, or refused; ENOENT: unlinked meanwhile, create again
                    }
                }
            }
            if (mqd < 0) {
                throw MqueueLimits.openError(name, -mqd, creating, maxmsg, msgsize, o.access().text);
            }
            Fd fd = Fd.adopt(mqd, name);
            if (created) {
                try {
                    ExactMode.set(mqd, mode, name);
                } catch (IpcException e) {
                    fd.close();
                    Mqueue.mq_unlink(cName);
                    throw e;
                }
            }
            MemorySegment got = a.allocate(Mqueue.MQ_ATTR.layout());
            int r = Mqueue.mq_getattr(mqd, got);
            if (r < 0) {
                fd.close();
                throw IpcException.of("mq_getattr", name, -r);
            }
            return new PosixMessageQueue(fd, name, o.access(),
                    got.get(ValueLayout.JAVA_LONG, Mqueue.MQ_MAXMSG), got.get(ValueLayout.JAVA_LONG, Mqueue.MQ_MSGSIZE));
        }
    }

    /**
     * Removes the queue's name ({@code mq_unlink}): nobody can open it any more; processes that
     * have it open keep using it until they close it.
     *
     * @throws io.jipc.NotFoundException if there is no queue of that name
     * @see <a href="https://man7.org/linux/man-pages/man3/mq_unlink.3.html">mq_unlink(3)</a>
     */
    public static void unlink(String name) throws IpcException {
        checkName(name);
        try (Arena a = Arena.ofConfined()) {
            int r = Mqueue.mq_unlink(a.allocateFrom(name));
            if (r < 0) {
                throw IpcException.of("mq_unlink", name, -r);
            }
        }
    }

    /** Removes this queue's name ({@link #unlink(String)}); this object stays usable until closed. */
    public void unlink() throws IpcException {
        unlink(name);
    }

    /**
     * Checks a queue name by the rules every POSIX IPC name follows: a leading slash, then 1 to
     * 255 bytes (NAME_MAX, in UTF-8) with no further slash and no NUL, and neither {@code .} nor
     * {@code ..}.
     *
     * @throws IllegalArgumentException saying what is wrong and what is allowed
     */
    public static void checkName(String name) {
        PosixNames.check(name, "queue", "/jobs");
    }

    static void checkPriority(int priority) {
        if (priority < 0 || priority >= Mqueue.MQ_PRIO_MAX) {
            throw new IllegalArgumentException("priority must be 0.." + (Mqueue.MQ_PRIO_MAX - 1) + " (MQ_PRIO_MAX "
                    + Mqueue.MQ_PRIO_MAX + "), got " + priority);
        }
    }

    // ---------------------------------------------------------------- properties

    /** The queue's name, e.g. {@code /jobs}. */
    public String name() {
        return name;
    }

    /** How this descriptor was opened. */
    public Access access() {
        return access;
    }

    /** The capacity fixed at creation (mq_maxmsg). */
    public int maxMessages() {
        return maxMessages;
    }

    /** The largest message, fixed at creation (mq_msgsize); receive buffers must be at least this large. */
    public int messageSize() {
        return messageSize;
    }

    /**
     * The queue's state now ({@code mq_getattr}); {@code currentMessages} changes as processes
     * send and receive.
     *
     * @see <a href="https://man7.org/linux/man-pages/man3/mq_getattr.3.html">mq_getattr(3)</a>
     */
    public Info info() throws IpcException {
        int n = fd.acquire("mq_getattr");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(Mqueue.MQ_ATTR.layout());
            int r = Mqueue.mq_getattr(n, attr);
            if (r < 0) {
                throw IpcException.of("mq_getattr", name, -r);
            }
            return new Info(attr.get(ValueLayout.JAVA_LONG, Mqueue.MQ_MAXMSG),
                    attr.get(ValueLayout.JAVA_LONG, Mqueue.MQ_MSGSIZE), attr.get(ValueLayout.JAVA_LONG, Mqueue.MQ_CURMSGS));
        } finally {
            fd.release();
        }
    }

    @Override
    public Fd fd() {
        return fd;
    }

    /** Closes this descriptor (mq_close); waiting threads wake with ObjectClosedException. Idempotent. */
    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        return "PosixMessageQueue[" + name + ", " + maxMessages + " x " + messageSize + " bytes"
                + (fd.isOpen() ? "" : ", closed") + "]";
    }

    // ---------------------------------------------------------------- send

    /**
     * Sends a message, waiting while the queue is full ({@code mq_send}).
     *
     * @param priority 0 to 32767; higher priorities are received first, FIFO within one priority
     * @throws MessageTooLargeException if the message is longer than {@link #messageSize()} (EMSGSIZE)
     * @throws io.jipc.ObjectClosedException if the queue is closed, before or during the wait
     * @throws io.jipc.IpcInterruptedException if the thread is interrupted while it waits
     * @see <a href="https://man7.org/linux/man-pages/man3/mq_send.3.html">mq_send(3)</a>
     */
    public void send(byte[] message, int priority) throws IpcException {
        send0(message, null, null, message.length, priority, Deadline.FOREVER);
    }

    /** Sends the buffer's remaining bytes as one message, waiting while full; advances its position. */
    public void send(ByteBuffer message, int priority) throws IpcException {
        send0(null, message, null, message.remaining(), priority, Deadline.FOREVER);
    }

    /** Sends the whole segment as one message, waiting while full. */
    public void send(MemorySegment message, int priority) throws IpcException {
        send0(null, null, message, message.byteSize(), priority, Deadline.FOREVER);
    }

    /** Sends a {@link PosixMessage}, waiting while full. */
    public void send(PosixMessage message) throws IpcException {
        send(message.data(), message.priority());
    }

    /** Sends if the queue has room now; false (nothing sent) if it is full. */
    public boolean trySend(byte[] message, int priority) throws IpcException {
        return send0(message, null, null, message.length, priority, Deadline.NOW);
    }

    /** Sends the buffer's remaining bytes if there is room now; false if full. */
    public boolean trySend(ByteBuffer message, int priority) throws IpcException {
        return send0(null, message, null, message.remaining(), priority, Deadline.NOW);
    }

    /** Sends the segment if there is room now; false if full. */
    public boolean trySend(MemorySegment message, int priority) throws IpcException {
        return send0(null, null, message, message.byteSize(), priority, Deadline.NOW);
    }

    /** Sends a {@link PosixMessage} if there is room now; false if full. */
    public boolean trySend(PosixMessage message) throws IpcException {
        return trySend(message.data(), message.priority());
    }

    /** Sends, waiting at most {@code timeout} for room; false if the queue stayed full. */
    public boolean trySend(byte[] message, int priority, Duration timeout) throws IpcException {
        return send0(message, null, null, message.length, priority, Deadline.after(timeout));
    }

    /** Sends the buffer's remaining bytes, waiting at most {@code timeout} for room; false if still full. */
    public boolean trySend(ByteBuffer message, int priority, Duration timeout) throws IpcException {
        return send0(null, message, null, message.remaining(), priority, Deadline.after(timeout));
    }

    /** Sends the segment, waiting at most {@code timeout} for room; false if still full. */
    public boolean trySend(MemorySegment message, int priority, Duration timeout) throws IpcException {
        return send0(null, null, message, message.byteSize(), priority, Deadline.after(timeout));
    }

    /** Sends a {@link PosixMessage}, waiting at most {@code timeout} for room; false if still full. */
    public boolean trySend(PosixMessage message, Duration timeout) throws IpcException {
        return trySend(message.data(), message.priority(), timeout);
    }

    /** Exactly one of array, buffer, segment is non-null. */
    private boolean send0(byte[] array, ByteBuffer buffer, MemorySegment segment, long length, int priority,
                          long deadline) throws IpcException {
        checkPriority(priority);
        if (length > messageSize) {
            throw new MessageTooLargeException("mq_send", name,
                    "message of " + length + " bytes exceeds the queue's message size " + messageSize);
        }
        Waiter w = Waiter.current();
        MemorySegment msg;
        if (segment != null && segment.isNative()) {
            msg = segment;
        } else {
            msg = w.scratch(Math.max(1, length));
            int len = (int) length;
            if (array != null) {
                MemorySegment.copy(array, 0, msg, ValueLayout.JAVA_BYTE, 0, len);
            } else if (buffer != null) {
                w.scratchView().put(0, buffer, buffer.position(), len);
            } else {
                MemorySegment.copy(segment, 0, msg, 0, len);
            }
        }
        w.data = msg;
        w.length = length;
        w.value = priority;
        long r = run(sendOp, true, w, deadline);
        if (r == Operation.NOTHING) {
            return false;
        }
        if (r < 0) {
            throw sendError((int) -r, length);
        }
        if (buffer != null) {
            buffer.position(buffer.position() + (int) length);
        }
        return true;
    }

    private IpcException sendError(int errno, long length) {
        if (errno == EBADF) {
            return IpcException.withDetail("mq_send", name, errno, "queue opened " + access.text + ", not for sending");
        }
        if (errno == EMSGSIZE) {
            return new MessageTooLargeException("mq_send", name,
                    "message of " + length + " bytes exceeds the queue's message size " + messageSize);
        }
        return IpcException.of("mq_send", name, errno);
    }

    // ---------------------------------------------------------------- receive

    /**
     * Receives the oldest message of the highest priority into {@code buffer} (from index 0),
     * waiting while the queue is empty ({@code mq_receive}); its size and priority go to {@code
     * envelope}.
     *
     * @param buffer at least {@link #messageSize()} bytes
     * @return the message's size
     * @throws IllegalArgumentException if the buffer is smaller than {@link #messageSize()}
     * @throws io.jipc.ObjectClosedException if the queue is closed, before or during the wait
     * @throws io.jipc.IpcInterruptedException if the thread is interrupted while it waits
     * @see <a href="https://man7.org/linux/man-pages/man3/mq_receive.3.html">mq_receive(3)</a>
     */
    public int receive(byte[] buffer, Envelope envelope) throws IpcException {
        return receive0(buffer, null, null, envelope, Deadline.FOREVER);
    }

    /**
     * Receives into the buffer's remaining space (at least {@link #messageSize()} bytes), waiting
     * while empty; advances its position by the message's size.
     */
    public int receive(ByteBuffer buffer, Envelope envelope) throws IpcException {
        return receive0(null, buffer, null, envelope, Deadline.FOREVER);
    }

    /** Receives into the segment (from offset 0; at least {@link #messageSize()} bytes), waiting while empty. */
    public int receive(MemorySegment buffer, Envelope envelope) throws IpcException {
        return receive0(null, null, buffer, envelope, Deadline.FOREVER);
    }

    /**
     * Receives if a message is there now.
     *
     * @return the message's size, or {@link Transfer#NOTHING} if the queue is empty
     */
    public int tryReceive(byte[] buffer, Envelope envelope) throws IpcException {
        return receive0(buffer, null, null, envelope, Deadline.NOW);
    }

    /** Receives into the buffer's remaining space if a message is there now; {@link Transfer#NOTHING} if empty. */
    public int tryReceive(ByteBuffer buffer, Envelope envelope) throws IpcException {
        return receive0(null, buffer, null, envelope, Deadline.NOW);
    }

    /** Receives into the segment if a message is there now; {@link Transfer#NOTHING} if empty. */
    public int tryReceive(MemorySegment buffer, Envelope envelope) throws IpcException {
        return receive0(null, null, buffer, envelope, Deadline.NOW);
    }

    /** Receives, waiting at most {@code timeout} for a message; {@link Transfer#NOTHING} if none came. */
    public int tryReceive(byte[] buffer, Envelope envelope, Duration timeout) throws IpcException {
        return receive0(buffer, null, null, envelope, Deadline.after(timeout));
    }

    /** Receives into the buffer's remaining space, waiting at most {@code timeout}; {@link Transfer#NOTHING} if none came. */
    public int tryReceive(ByteBuffer buffer, Envelope envelope, Duration timeout) throws IpcException {
        return receive0(null, buffer, null, envelope, Deadline.after(timeout));
    }

    /** Receives into the segment, waiting at most {@code timeout}; {@link Transfer#NOTHING} if none came. */
    public int tryReceive(MemorySegment buffer, Envelope envelope, Duration timeout) throws IpcException {
        return receive0(null, null, buffer, envelope, Deadline.after(timeout));
    }

    /** Receives the next message as a {@link PosixMessage}, waiting while the queue is empty (allocates). */
    public PosixMessage receive() throws IpcException {
        return receiveMessage(Deadline.FOREVER).orElseThrow();
    }

    /** The next message if there is one now (allocates). */
    public Optional<PosixMessage> tryReceive() throws IpcException {
        return receiveMessage(Deadline.NOW);
    }

    /** The next message, waiting at most {@code timeout}; empty if none came (allocates). */
    public Optional<PosixMessage> tryReceive(Duration timeout) throws IpcException {
        return receiveMessage(Deadline.after(timeout));
    }

    private Optional<PosixMessage> receiveMessage(long deadline) throws IpcException {
        byte[] buf = new byte[messageSize];
        Envelope envelope = new Envelope();
        if (receive0(buf, null, null, envelope, deadline) == Transfer.NOTHING) {
            return Optional.empty();
        }
        return Optional.of(new PosixMessage(envelope.priority(), Arrays.copyOf(buf, envelope.size())));
    }

    /** Exactly one of array, buffer, segment is non-null. */
    private int receive0(byte[] array, ByteBuffer buffer, MemorySegment segment, Envelope envelope, long deadline)
            throws IpcException {
        Objects.requireNonNull(envelope, "envelope");
        long room = array != null ? array.length : buffer != null ? buffer.remaining() : segment.byteSize();
        if (room < messageSize) {
            throw new IllegalArgumentException("receive buffer has room for " + room + " bytes, less than the queue's"
                    + " message size " + messageSize + " (mq_receive needs room for the largest message)");
        }
        if (buffer != null && buffer.isReadOnly()) {
            throw new IllegalArgumentException("receive buffer is read-only");
        }
        Waiter w = Waiter.current();
        boolean direct = segment != null && segment.isNative();
        MemorySegment msg = direct ? segment : w.scratch(Math.max(1, messageSize));
        w.data = msg;
        w.length = direct ? segment.byteSize() : messageSize;
        long r = run(receiveOp, false, w, deadline);
        if (r == Operation.NOTHING) {
            return Transfer.NOTHING;
        }
        if (r < 0) {
            int errno = (int) -r;
            if (errno == EBADF) {
                throw IpcException.withDetail("mq_receive", name, errno,
                        "queue opened " + access.text + ", not for receiving");
            }
            throw IpcException.of("mq_receive", name, errno);
        }
        int len = (int) r;
        if (array != null) {
            MemorySegment.copy(msg, ValueLayout.JAVA_BYTE, 0, array, 0, len);
        } else if (buffer != null) {
            buffer.put(buffer.position(), w.scratchView(), 0, len);
            buffer.position(buffer.position() + len);
        } else if (!direct) {
            MemorySegment.copy(msg, 0, segment, 0, len);
        }
        envelope.setPosix(len, w.intOut().get(ValueLayout.JAVA_INT, 0));
        return len;
    }
}
