package io.jipc.mq;

import io.jipc.Errno;
import io.jipc.Fd;
import io.jipc.FdBacked;
import io.jipc.IpcException;
import io.jipc.MessageTooLargeException;
import io.jipc.internal.Deadline;
import io.jipc.Perms;
import io.jipc.internal.SignalWaker;
import io.jipc.internal.TryFirst;
import io.jipc.internal.libc.Fcntl;
import io.jipc.internal.libc.Mqueue;
import io.jipc.internal.libc.Poll;
import io.jipc.internal.libc.Stat;
import io.jipc.internal.libc.Time;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
 *     Message m = q.receive();                          // highest priority first, FIFO within one
 * }
 * }</pre>
 *
 * <p><b>Sending and receiving.</b> Each operation comes blocking ({@code send}, {@code
 * receive}), timed (with a {@link Duration}: false when it expires) and non-blocking ({@code
 * trySend}, {@code tryReceive}: false at once when the queue is full/empty). The forms taking a
 * {@code byte[]}, {@link ByteBuffer} or {@link MemorySegment} and a {@link Received} holder
 * allocate nothing: a native segment goes to the kernel as is, heap memory is copied through a
 * native buffer of the calling thread (its own, so no lock is held while a call sleeps). The
 * forms returning {@link Message} allocate the payload.
 * A receive buffer must hold at least {@link #messageSize()} bytes (mq_receive refuses smaller
 * ones even for a short message, and jipc says so before the call).
 *
 * <p><b>Blocking model.</b> On Linux a queue descriptor is a file descriptor, and jipc opens it
 * blocking, as C does. A blocking send or receive is then one system call, as in C: {@code
 * mq_timedsend}/{@code mq_timedreceive} without a timeout (which is what glibc's {@code
 * mq_send}/{@code mq_receive} make), sleeping in the kernel while the queue is full or empty.
 * (Waiting in poll(2) on an {@code O_NONBLOCK} descriptor instead costs a failed call, the poll
 * and the call again: three system calls per wait.) A child process handed the descriptor gets
 * it blocking, as C programs expect. A waiting thread uses no CPU and returns when
 * another thread {@link #close() closes} the queue ({@link io.jipc.ObjectClosedException}) or
 * {@link Thread#interrupt() interrupts} it ({@link io.jipc.IpcInterruptedException}; the queue
 * stays open): a thread-directed signal makes its call fail with EINTR (see {@link Fd}). An
 * interrupt already pending ends a blocking or timed call the same way once it would wait; a
 * message (or room) already there is still received (or sent), as with jipc's other mechanisms.
 *
 * <p>The timed forms hand the deadline to the kernel as the absolute {@code CLOCK_REALTIME}
 * timeout of {@code mq_timedsend}/{@code mq_timedreceive} (close and interrupt wake them too;
 * a step of the system clock moves their end). The non-blocking forms pass a timeout already
 * past, which the kernel answers at once with ETIMEDOUT instead of sleeping, so they need no
 * {@code O_NONBLOCK}. Should {@code O_NONBLOCK} be set on the open file description all the
 * same ({@code fd().setNonBlocking(true)}, or another process sharing the description), every
 * form keeps its meaning: the blocking and timed forms then wait in poll(2) ({@link Fd#await}),
 * as they do on a thread that cannot have the per-thread wake-up timer.
 *
 * <p><b>Being told when a message arrives.</b> The queue is {@link FdBacked}: a {@link
 * io.jipc.poll.Poller} reports it readable when a message is waiting and writable when there is
 * room, alongside sockets, pipes and anything else with a descriptor; {@link
 * #awaitMessage(Duration)} is the one-queue form.
 * <pre>{@code
 * try (Poller poller = Poller.create()) {
 *     poller.register(jobs, Set.of(Readiness.READ), jobs);
 *     poller.register(control, Set.of(Readiness.READ), control);
 *     while (poller.poll() > 0) {
 *         for (int i = 0; i < poller.readyCount(); i++) {
 *             if (poller.ready(i).attachment() == jobs) {
 *                 while (jobs.tryReceive(buffer, got)) { handle(buffer, got); }
 *             }
 *         }
 *     }
 * }
 * }</pre> jipc deliberately
 * does not wrap {@code mq_notify}: its notification goes to at most one process per queue, fires
 * only on an empty-to-non-empty transition while nobody is blocked in {@code mq_receive}, must be
 * re-registered after every firing (messages arriving in between are missed), and arrives either
 * as a signal (a process-wide handler, hard to route to one queue) or on a thread glibc creates
 * outside the JVM (a callback that would have to attach to the JVM in C). Readiness is
 * level-triggered, needs no registration, serves any number of waiters and composes with every
 * other descriptor.
 *
 * <p><b>Attributes.</b> A queue's capacity and message size are fixed at creation; {@code
 * mq_setattr} can only change {@code O_NONBLOCK}, a flag of the open file description that
 * {@code mq_getattr} reports as {@code mq_flags}. jipc needs it for nothing (its non-blocking
 * forms are non-blocking per call), hence {@link #attributes()} and no setter; {@link
 * Fd#isNonBlocking() fd().isNonBlocking()} reads the flag (false as jipc opens queues, unless
 * somebody set it). When the kernel refuses a creation because of a limit
 * ({@code /proc/sys/fs/mqueue/*}, {@code RLIMIT_MSGQUEUE}), the exception names the limit and its
 * current value.
 *
 * <p>Instances are thread-safe. {@link #close()} closes this process's descriptor; the queue and
 * its messages stay until {@link #unlink()} and the last close.
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/mq_overview.7.html">mq_overview(7)</a>
 */
public final class PosixMessageQueue implements FdBacked {
    /** How the queue is opened: which of send and receive this descriptor may do. */
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
     * A queue's {@code struct mq_attr}. Its {@code mq_flags} ({@code O_NONBLOCK} or 0) belongs
     * to the descriptor, not the queue: {@link Fd#isNonBlocking()} reports it.
     *
     * @param maxMessages     capacity (mq_maxmsg)
     * @param messageSize     largest message in bytes (mq_msgsize)
     * @param currentMessages messages queued now (mq_curmsgs)
     */
    public record Attributes(long maxMessages, long messageSize, long currentMessages) {}

    private static final int EAGAIN = Errno.EAGAIN.number();
    private static final int EINTR = Errno.EINTR.number();
    private static final int ETIMEDOUT = Errno.ETIMEDOUT.number();
    private static final int EBADF = Errno.EBADF.number();
    private static final int EEXIST = Errno.EEXIST.number();
    private static final int ENOENT = Errno.ENOENT.number();

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
    /** Whether a send or receive tries without waiting before its kernel wait. */
    private final TryFirst sendTries = new TryFirst();
    private final TryFirst receiveTries = new TryFirst();

    private PosixMessageQueue(Fd fd, String name, Access access, long maxMessages, long messageSize) {
        this.fd = fd;
        this.name = name;
        this.access = access;
        this.maxMessages = (int) maxMessages;
        this.messageSize = (int) messageSize;
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
        return openExisting(name, Access.READ_WRITE);
    }

    /**
     * Opens an existing queue.
     *
     * @throws io.jipc.NotFoundException if there is no queue of that name
     * @throws io.jipc.PermissionDeniedException if its mode does not allow {@code access}
     */
    public static PosixMessageQueue openExisting(String name, Access access) throws IpcException {
        return open(name, Options.defaults().withAccess(access), 0);
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
                // The mode asked for, exactly (the umask narrowed it; it was never wider).
                int r = Stat.fchmod(mqd, mode);
                if (r < 0) {
                    fd.close();
                    Mqueue.mq_unlink(cName);
                    throw IpcException.of("fchmod", name, -r);
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
     * Checks a queue name: a leading slash, then 1 to 255 bytes (NAME_MAX, in UTF-8) with no
     * further slash and no NUL, and neither {@code .} nor {@code ..}.
     *
     * @throws IllegalArgumentException saying what is wrong and what is allowed
     */
    public static void checkName(String name) {
        Objects.requireNonNull(name, "name");
        String rule = " (a POSIX queue name is one leading slash followed by 1 to 255 bytes with no other slash"
                + " and no NUL, e.g. /jobs)";
        if (!name.startsWith("/")) {
            throw new IllegalArgumentException("queue name \"" + name + "\" does not start with a slash" + rule);
        }
        String rest = name.substring(1);
        if (rest.isEmpty()) {
            throw new IllegalArgumentException("queue name \"/\" is empty after the slash" + rule);
        }
        if (rest.indexOf('/') >= 0) {
            throw new IllegalArgumentException("queue name \"" + name + "\" has a slash after the first" + rule);
        }
        if (rest.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("queue name contains a NUL character" + rule);
        }
        if (rest.equals(".") || rest.equals("..")) {
            throw new IllegalArgumentException("queue name \"" + name + "\" is reserved" + rule);
        }
        int bytes = rest.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > 255) {
            throw new IllegalArgumentException("queue name is " + bytes + " bytes after the slash, more than NAME_MAX 255"
                    + rule);
        }
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
     * The queue's attributes now ({@code mq_getattr}); {@code currentMessages} changes as
     * processes send and receive.
     *
     * @see <a href="https://man7.org/linux/man-pages/man3/mq_getattr.3.html">mq_getattr(3)</a>
     */
    public Attributes attributes() throws IpcException {
        int n = fd.acquire("mq_getattr");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = a.allocate(Mqueue.MQ_ATTR.layout());
            int r = Mqueue.mq_getattr(n, attr);
            if (r < 0) {
                throw IpcException.of("mq_getattr", name, -r);
            }
            return new Attributes(attr.get(ValueLayout.JAVA_LONG, Mqueue.MQ_MAXMSG),
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
     * @throws io.jipc.IpcInterruptedException if the thread is interrupted, before or during the wait
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

    /** Sends a {@link Message}, waiting while full. */
    public void send(Message message) throws IpcException {
        send(message.data(), message.priority());
    }

    /** Sends if the queue has room now; false (nothing sent) if it is full. */
    public boolean trySend(byte[] message, int priority) throws IpcException {
        return send0(message, null, null, message.length, priority, Deadline.NOW);
    }

    /** Sends the buffer's remaining bytes if the queue has room now (advancing its position); false if full. */
    public boolean trySend(ByteBuffer message, int priority) throws IpcException {
        return send0(null, message, null, message.remaining(), priority, Deadline.NOW);
    }

    /** Sends the segment if the queue has room now; false if full. */
    public boolean trySend(MemorySegment message, int priority) throws IpcException {
        return send0(null, null, message, message.byteSize(), priority, Deadline.NOW);
    }

    /** Sends, waiting at most {@code timeout} for room; false if the queue stayed full. */
    public boolean send(byte[] message, int priority, Duration timeout) throws IpcException {
        return send0(message, null, null, message.length, priority, Deadline.after(timeout));
    }

    /** Sends the buffer's remaining bytes, waiting at most {@code timeout} for room; false if still full. */
    public boolean send(ByteBuffer message, int priority, Duration timeout) throws IpcException {
        return send0(null, message, null, message.remaining(), priority, Deadline.after(timeout));
    }

    /** Sends the segment, waiting at most {@code timeout} for room; false if still full. */
    public boolean send(MemorySegment message, int priority, Duration timeout) throws IpcException {
        return send0(null, null, message, message.byteSize(), priority, Deadline.after(timeout));
    }

    /** Exactly one of array, buffer, segment is non-null. */
    private boolean send0(byte[] array, ByteBuffer buffer, MemorySegment segment, long length, int priority,
                          long deadline) throws IpcException {
        checkPriority(priority);
        if (length > messageSize) {
            throw new MessageTooLargeException("mq_send", name,
                    "message of " + length + " bytes exceeds the queue's message size " + messageSize);
        }
        SignalWaker w = SignalWaker.current();
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
        int n = fd.acquire("mq_send");
        try {
            long r = transfer(n, msg, length, priority, null, w, deadline, "mq_send");
            if (r >= 0) {
                if (buffer != null) {
                    buffer.position(buffer.position() + (int) length);
                }
                return true;
            }
            if (r == -ETIMEDOUT) {
                return false;
            }
            throw sendError((int) -r, length);
        } finally {
            fd.release();
        }
    }

    private IpcException sendError(int errno, long length) {
        if (errno == EBADF) {
            return IpcException.withDetail("mq_send", name, errno, "queue opened " + access.text + ", not for sending");
        }
        if (errno == Errno.EMSGSIZE.number()) {
            return new MessageTooLargeException("mq_send", name,
                    "message of " + length + " bytes exceeds the queue's message size " + messageSize);
        }
        return IpcException.of("mq_send", name, errno);
    }

    /**
     * One send ({@code prioOut} null) or receive of {@code msg} as the deadline asks, on the
     * acquired descriptor {@code n}: the call's result (0 or the size received), {@code
     * -ETIMEDOUT} if the deadline came first (at once for a deadline already past), or another
     * {@code -errno}.
     *
     * <p>An untimed or timed call sleeps inside the kernel, in a kernel wait of the descriptor
     * so that close and interrupt get it out. A send tries with a past timeout first: a queue
     * nearly always has room, and then the kernel wait's set-up is saved; a receive, which
     * usually does wait, goes to the kernel wait at once. The poll model remains for a thread
     * that cannot have its wake-up timer and for a description somebody made {@code O_NONBLOCK}
     * (the kernel then says EAGAIN instead of sleeping): each attempt gets a past timeout, and
     * the wait is {@link Fd#await}.
     */
    private long transfer(int n, MemorySegment msg, long length, int priority, MemorySegment prioOut, SignalWaker w,
                          long deadline, String call) throws IpcException {
        boolean expired = deadline != Deadline.FOREVER && Deadline.expired(deadline);
        // Try without waiting while such tries succeed (TryFirst): no wait set-up then.
        TryFirst tries = prioOut == null ? sendTries : receiveTries;
        boolean trying = !expired && tries.now();
        if (expired || trying) {
            long r;
            do {
                r = mqCall(n, msg, length, priority, prioOut, PAST);
            } while (r == -EINTR);
            boolean none = r == -ETIMEDOUT || r == -EAGAIN;
            if (trying) {
                tries.found(!none);
            }
            if (!none) {
                return r;
            }
            if (expired) {
                return -ETIMEDOUT;
            }
        }
        if (fd.beginKernelWait()) {
            long r;
            try {
                MemorySegment timeout = deadline == Deadline.FOREVER ? MemorySegment.NULL
                        : Deadline.toRealtime(deadline, w.timeout());
                fd.checkOpen(call);
                while (true) {
                    r = mqCall(n, msg, length, priority, prioOut, timeout);
                    if (r == -EINTR) {
                        fd.checkWake(call);
                        continue;
                    }
                    if (r == -ETIMEDOUT && !Deadline.expired(deadline)) {
                        // The realtime clock was set forward: the deadline (monotonic) is still ahead.
                        Deadline.toRealtime(deadline, timeout);
                        continue;
                    }
                    break;
                }
            } finally {
                fd.endKernelWait();
            }
            if (r != -EAGAIN) {
                return r;
            }
        }
        short events = prioOut == null ? Poll.POLLOUT : Poll.POLLIN;
        while (true) {
            long r = mqCall(n, msg, length, priority, prioOut, PAST);
            if (r == -EAGAIN || r == -ETIMEDOUT) {
                if (!fd.await(events, deadline, call)) {
                    return -ETIMEDOUT;
                }
            } else if (r != -EINTR) {
                return r;
            }
        }
    }

    /** mq_timedsend when {@code prioOut} is null, else mq_timedreceive; {@code NULL} timeout: none. */
    private static long mqCall(int n, MemorySegment msg, long length, int priority, MemorySegment prioOut,
                               MemorySegment timeout) {
        return prioOut == null ? Mqueue.mq_timedsend(n, msg, length, priority, timeout)
                : Mqueue.mq_timedreceive(n, msg, length, prioOut, timeout);
    }

    // ---------------------------------------------------------------- receive

    /**
     * Receives the oldest message of the highest priority into {@code buffer} (from index 0),
     * waiting while the queue is empty ({@code mq_receive}); size and priority go to {@code into}.
     *
     * @param buffer at least {@link #messageSize()} bytes
     * @return the message's size
     * @throws IllegalArgumentException if the buffer is smaller than {@link #messageSize()}
     * @throws io.jipc.ObjectClosedException if the queue is closed, before or during the wait
     * @throws io.jipc.IpcInterruptedException if the thread is interrupted, before or during the wait
     * @see <a href="https://man7.org/linux/man-pages/man3/mq_receive.3.html">mq_receive(3)</a>
     */
    public int receive(byte[] buffer, Received into) throws IpcException {
        receive0(buffer, null, null, into, Deadline.FOREVER);
        return into.size();
    }

    /**
     * Receives into the buffer's remaining space (at least {@link #messageSize()} bytes), waiting
     * while empty; advances its position by the message's size.
     */
    public int receive(ByteBuffer buffer, Received into) throws IpcException {
        receive0(null, buffer, null, into, Deadline.FOREVER);
        return into.size();
    }

    /** Receives into the segment (from offset 0; at least {@link #messageSize()} bytes), waiting while empty. */
    public int receive(MemorySegment buffer, Received into) throws IpcException {
        receive0(null, null, buffer, into, Deadline.FOREVER);
        return into.size();
    }

    /** Receives if a message is there now; false (nothing received) if the queue is empty. */
    public boolean tryReceive(byte[] buffer, Received into) throws IpcException {
        return receive0(buffer, null, null, into, Deadline.NOW);
    }

    /** Receives into the buffer's remaining space if a message is there now; false if empty. */
    public boolean tryReceive(ByteBuffer buffer, Received into) throws IpcException {
        return receive0(null, buffer, null, into, Deadline.NOW);
    }

    /** Receives into the segment if a message is there now; false if empty. */
    public boolean tryReceive(MemorySegment buffer, Received into) throws IpcException {
        return receive0(null, null, buffer, into, Deadline.NOW);
    }

    /** Receives, waiting at most {@code timeout} for a message; false if none came. */
    public boolean receive(byte[] buffer, Received into, Duration timeout) throws IpcException {
        return receive0(buffer, null, null, into, Deadline.after(timeout));
    }

    /** Receives into the buffer's remaining space, waiting at most {@code timeout}; false if none came. */
    public boolean receive(ByteBuffer buffer, Received into, Duration timeout) throws IpcException {
        return receive0(null, buffer, null, into, Deadline.after(timeout));
    }

    /** Receives into the segment, waiting at most {@code timeout}; false if none came. */
    public boolean receive(MemorySegment buffer, Received into, Duration timeout) throws IpcException {
        return receive0(null, null, buffer, into, Deadline.after(timeout));
    }

    /** Receives the next message as a {@link Message}, waiting while the queue is empty (allocates). */
    public Message receive() throws IpcException {
        return receiveMessage(Deadline.FOREVER).orElseThrow();
    }

    /** The next message if there is one now (allocates). */
    public Optional<Message> tryReceive() throws IpcException {
        return receiveMessage(Deadline.NOW);
    }

    /** The next message, waiting at most {@code timeout}; empty if none came (allocates). */
    public Optional<Message> receive(Duration timeout) throws IpcException {
        return receiveMessage(Deadline.after(timeout));
    }

    private Optional<Message> receiveMessage(long deadline) throws IpcException {
        byte[] buf = new byte[messageSize];
        Received got = new Received();
        if (!receive0(buf, null, null, got, deadline)) {
            return Optional.empty();
        }
        return Optional.of(new Message(got.priority(), Arrays.copyOf(buf, got.size())));
    }

    /** Exactly one of array, buffer, segment is non-null. */
    private boolean receive0(byte[] array, ByteBuffer buffer, MemorySegment segment, Received into, long deadline)
            throws IpcException {
        Objects.requireNonNull(into, "into");
        long room = array != null ? array.length : buffer != null ? buffer.remaining() : segment.byteSize();
        if (room < messageSize) {
            throw new IllegalArgumentException("receive buffer has room for " + room + " bytes, less than the queue's"
                    + " message size " + messageSize + " (mq_receive needs room for the largest message)");
        }
        if (buffer != null && buffer.isReadOnly()) {
            throw new IllegalArgumentException("receive buffer is read-only");
        }
        int n = fd.acquire("mq_receive");
        try {
            SignalWaker w = SignalWaker.current();
            MemorySegment priority = w.intOut();
            boolean direct = segment != null && segment.isNative();
            MemorySegment msg = direct ? segment : w.scratch(Math.max(1, messageSize));
            long r = transfer(n, msg, direct ? segment.byteSize() : messageSize, 0, priority, w, deadline,
                    "mq_receive");
            if (r >= 0) {
                int len = (int) r;
                if (array != null) {
                    MemorySegment.copy(msg, ValueLayout.JAVA_BYTE, 0, array, 0, len);
                } else if (buffer != null) {
                    buffer.put(buffer.position(), w.scratchView(), 0, len);
                    buffer.position(buffer.position() + len);
                } else if (!direct) {
                    MemorySegment.copy(msg, 0, segment, 0, len);
                }
                into.setPosix(len, priority.get(ValueLayout.JAVA_INT, 0));
                return true;
            }
            if (r == -ETIMEDOUT) {
                return false;
            }
            int errno = (int) -r;
            if (errno == EBADF) {
                throw IpcException.withDetail("mq_receive", name, errno,
                        "queue opened " + access.text + ", not for receiving");
            }
            throw IpcException.of("mq_receive", name, errno);
        } finally {
            fd.release();
        }
    }

    // ---------------------------------------------------------------- readiness

    /**
     * Waits until a message is waiting, without receiving it: the one-queue form of watching the
     * descriptor with a poller. Another receiver may take the message first.
     *
     * @return true when a message is waiting, false if {@code timeout} passed first
     */
    public boolean awaitMessage(Duration timeout) throws IpcException {
        return awaitReady(Poll.POLLIN, Deadline.after(timeout), "poll");
    }

    /** Waits until the queue has room for a message, without sending; false if {@code timeout} passed first. */
    public boolean awaitSpace(Duration timeout) throws IpcException {
        return awaitReady(Poll.POLLOUT, Deadline.after(timeout), "poll");
    }

    private boolean awaitReady(short events, long deadline, String call) throws IpcException {
        int n = fd.acquire(call);
        try (Arena a = Arena.ofConfined()) {
            // Fd.await does not poll once the deadline is due: look first, so a zero timeout still sees a message.
            MemorySegment pfd = a.allocate(Poll.POLLFD.layout());
            pfd.set(ValueLayout.JAVA_INT, Poll.POLLFD_FD, n);
            pfd.set(ValueLayout.JAVA_SHORT, Poll.POLLFD_EVENTS, events);
            int r = Poll.poll(pfd, 1, 0);
            if (r > 0 && (pfd.get(ValueLayout.JAVA_SHORT, Poll.POLLFD_REVENTS) & events) != 0) {
                return true;
            }
            return fd.await(events, deadline, call);
        } finally {
            fd.release();
        }
    }
}
