package io.jipc.lock;

import static io.jipc.internal.libc.Errnos.EACCES;
import static io.jipc.internal.libc.Errnos.EAGAIN;
import static io.jipc.internal.libc.Errnos.EBADF;
import static io.jipc.internal.libc.Errnos.EDEADLK;
import static io.jipc.internal.libc.Errnos.EINVAL;
import static io.jipc.internal.libc.Errnos.ENOLCK;
import static io.jipc.internal.libc.Errnos.UNCAPTURED;

import io.jipc.Fd;
import io.jipc.IpcException;
import io.jipc.ObjectClosedException;
import io.jipc.Perms;
import io.jipc.internal.libc.Fcntl;
import io.jipc.internal.libc.SysFile;
import io.jipc.internal.libc.Unistd;
import io.jipc.internal.wait.Attempt;
import io.jipc.internal.wait.Deadline;
import io.jipc.internal.wait.Handle;
import io.jipc.internal.wait.Operation;
import io.jipc.internal.wait.Waiter;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A lock on a file — {@code flock(2)}, a POSIX record lock or an open file description (OFD) lock
 * ({@code fcntl(2)}) — usable by C programs, scripts with {@code flock(1)} and other JVMs alike.
 *
 * <pre>{@code
 * var options = FileLock.Options.defaults().withCreate(true);       // OFD, exclusive, whole file
 * try (FileLock lock = FileLock.lock(Path.of("/var/lib/app/state.lock"), options)) {
 *     // ... only one process (or thread with its own FileLock) at a time gets here
 * }                                                                   // released
 *
 * try (FileLock record = FileLock.open(path, options.withRange(4096, 512))) {
 *     if (!record.tryLock(Duration.ofSeconds(2))) {
 *         System.err.println("busy: " + record.holder().orElseThrow());   // who, which bytes
 *     }
 * }
 * }</pre>
 *
 * <p>A {@code FileLock} is one lock of one {@linkplain LockKind kind} on one {@linkplain
 * LockRange range} of one file, taken and released as often as needed: {@link #lock()} waits
 * until it has it, {@link #tryLock()} never waits, {@link #tryLock(Duration)} waits at most that
 * long, and the last two answer {@code false} when another lock is in the way; {@link #unlock()}
 * releases it and {@link #close()} releases it for good. The factories {@link #lock(Path,
 * Options)} and {@link #tryLock(Path, Options)} open the file and take the lock in one step.
 * {@link #lock(LockType)} and its siblings take it shared or exclusive, converting a held lock.
 * Taking a held lock again with the same type does nothing.
 *
 * <p><b>The kinds, and their traps.</b> The default, {@link LockKind#OFD}, is what most programs
 * want: byte ranges, owned by the open file description, so that threads that each open their
 * own {@code FileLock} exclude each other, and closing some other descriptor of the file changes
 * nothing. {@link LockKind#POSIX} locks belong to the process: threads never exclude each other,
 * and <em>every</em> POSIX lock of the process on a file vanishes as soon as the process closes
 * <em>any</em> descriptor of that file — another {@code FileLock}'s, or one some library opened
 * for a moment to read it. Use them only to cooperate with programs that use them ({@code
 * lockf(3)}, SQLite, Java's {@code FileChannel.lock}; OFD locks conflict with those too, so OFD
 * suits that as well, unless you need {@link DeadlockException}). {@link LockKind#FLOCK} locks the
 * whole file, and is what {@code flock(1)} and shell scripts use; flock and fcntl locks do not see
 * each other. Every kind is advisory: it stops other lockers, not readers and writers.
 *
 * <p><b>Waiting.</b> A blocked {@link #lock()} sleeps inside {@code F_SETLKW}, {@code
 * F_OFD_SETLKW} or {@code flock} as C's does, using no CPU; {@link #close()} from another thread
 * ends it with {@link ObjectClosedException}, {@link Thread#interrupt()} with {@link
 * io.jipc.IpcInterruptedException}, and a timed wait ends at its deadline (jipc's per-thread
 * wake-up signal, see the README's "How a blocked call waits"). The uncontended path makes one
 * system call and allocates nothing.
 *
 * <p><b>Who holds it.</b> {@link #holder()} names the lock in the way — its kind, type, bytes
 * and the process holding it ({@code F_GETLK}, {@code F_OFD_GETLK}, {@code /proc/locks}) — and
 * {@link #holders()} every lock on the file ({@link LockTable}).
 *
 * <p><b>Lifetime.</b> A {@code FileLock} opened by path owns its descriptor: {@link #close()}
 * closes it, which releases a flock or OFD lock once no other descriptor shares the open file
 * description (a child process given {@link #fd()} keeps holding it, as {@code flock(1)}'s
 * command does), and a POSIX lock at once. One made {@link #on(Fd, Options) on} a caller's
 * descriptor unlocks on close and leaves the descriptor open. Every kind is released by the
 * kernel when its holders exit or are killed.
 *
 * <p>Thread-safe; but one {@code FileLock} is one owner: threads that must exclude each other
 * each need their own (an OFD lock each opened by path).
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/fcntl.2.html">fcntl(2)</a>
 * @see <a href="https://man7.org/linux/man-pages/man2/flock.2.html">flock(2)</a>
 */
public final class FileLock implements AutoCloseable {
    /**
     * What to lock and how to open the file. Defaults: an {@linkplain LockKind#OFD OFD} lock,
     * {@linkplain LockType#EXCLUSIVE exclusive}, on the {@linkplain LockRange#WHOLE_FILE whole
     * file}; the file must exist (no {@code create}); a file created gets mode 0600, exactly (the
     * umask does not narrow it).
     *
     * @param kind   flock, POSIX or OFD
     * @param type   what {@link #lock()}, {@link #tryLock()} and {@link #tryLock(Duration)} take
     * @param range  the bytes locked; flock locks always cover the whole file
     * @param create whether opening by path creates a missing file ({@code O_CREAT})
     * @param mode   the permissions of a file created, set exactly (fchmod after an exclusive open)
     * @see <a href="https://man7.org/linux/man-pages/man2/fcntl.2.html">fcntl(2)</a>
     * @see <a href="https://man7.org/linux/man-pages/man2/flock.2.html">flock(2)</a>
     */
    public record Options(LockKind kind, LockType type, LockRange range, boolean create, Set<PosixFilePermission> mode) {
        /**
         * @throws IllegalArgumentException for a flock lock on less than the whole file
         */
        public Options {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(range, "range");
            mode = Set.copyOf(Objects.requireNonNull(mode, "mode"));
            if (!kind.ranges() && !range.isWholeFile()) {
                throw new IllegalArgumentException("flock locks the whole file, not " + range
                        + ": use LockKind.OFD (or POSIX) for byte ranges");
            }
        }

        /** OFD, exclusive, whole file, no creation, mode 0600. */
        public static Options defaults() {
            return new Options(LockKind.OFD, LockType.EXCLUSIVE, LockRange.WHOLE_FILE, false, Perms.DEFAULT);
        }

        /** The kind of lock. */
        public Options withKind(LockKind k) {
            return new Options(k, type, range, create, mode);
        }

        /** Shared or exclusive, for the forms that take no type. */
        public Options withType(LockType t) {
            return new Options(kind, t, range, create, mode);
        }

        /** The bytes to lock (POSIX and OFD). */
        public Options withRange(LockRange r) {
            return new Options(kind, type, r, create, mode);
        }

        /** {@code length} bytes from {@code start}; length 0 locks to the end of the file. */
        public Options withRange(long start, long length) {
            return withRange(new LockRange(start, length));
        }

        /** Whether opening by path creates the file if it is missing. */
        public Options withCreate(boolean c) {
            return new Options(kind, type, range, c, mode);
        }

        /** Permissions of a file this creates. */
        public Options withMode(Set<PosixFilePermission> permissions) {
            return new Options(kind, type, range, create, permissions);
        }
    }

    private final Fd fd;
    private final boolean ownsFd;
    private final Path path;
    private final String label;
    private final LockKind kind;
    private final LockType type;
    private final LockRange range;
    private final Handle life;
    private final Operation lockOp;
    private final int setNow;
    private final int setWait;
    private final String waitCall;
    private final String nowCall;
    /**
     * The {@code struct flock} arguments of F_SETLK/F_SETLKW for this range: write, read and
     * unlock. Filled once and never written again (the kernel only reads them for SETLK), so
     * every thread may pass them at once and a lock stages nothing per call.
     */
    private final MemorySegment writeLock;
    private final MemorySegment readLock;
    private final MemorySegment unlockArg;
    /**
     * The type held, as far as this object knows; null when not held. Written with release and
     * read with acquire semantics ({@link #HELD}): no other state is published through it with
     * a store-load order to keep, and a volatile store's fence cost 10-15 ns of an uncontended
     * lock+unlock (measured with a CPU-time loop beside the raw fcntl and flock calls).
     */
    @SuppressWarnings("unused")
    private LockType held;

    private static final VarHandle HELD;

    static {
        try {
            HELD = MethodHandles.lookup().findVarHandle(FileLock.class, "held", LockType.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private LockType heldType() {
        return (LockType) HELD.getAcquire(this);
    }

    private void setHeld(LockType type) {
        HELD.setRelease(this, type);
    }

    private FileLock(Fd fd, boolean ownsFd, Path path, Options o, int number) {
        this.fd = fd;
        this.ownsFd = ownsFd;
        this.path = path;
        this.label = path != null ? path.toString() : fd.label();
        this.kind = o.kind();
        this.type = o.type();
        this.range = o.range();
        this.setNow = kind == LockKind.OFD ? Fcntl.F_OFD_SETLK : Fcntl.F_SETLK;
        this.setWait = kind == LockKind.OFD ? Fcntl.F_OFD_SETLKW : Fcntl.F_SETLKW;
        this.waitCall = switch (kind) {
            case FLOCK -> "flock";
            case POSIX -> "fcntl(F_SETLKW)";
            case OFD -> "fcntl(F_OFD_SETLKW)";
        };
        this.nowCall = switch (kind) {
            case FLOCK -> "flock";
            case POSIX -> "fcntl(F_SETLK)";
            case OFD -> "fcntl(F_OFD_SETLK)";
        };
        if (kind.ranges()) {
            Arena arena = Arena.ofAuto();
            this.writeLock = fill(arena.allocate(Fcntl.FLOCK.layout()), Fcntl.F_WRLCK, range);
            this.readLock = fill(arena.allocate(Fcntl.FLOCK.layout()), Fcntl.F_RDLCK, range);
            this.unlockArg = fill(arena.allocate(Fcntl.FLOCK.layout()), Fcntl.F_UNLCK, range);
        } else {
            this.writeLock = this.readLock = this.unlockArg = MemorySegment.NULL;
        }
        this.life = new Handle(label, number) {
            @Override
            protected void free() {
                releaseForGood();
            }
        };
        // Nothing to poll for a lock: timed waits sleep in the call under the thread's timer. An
        // uncontended lock is the common case, so the call that never waits is tried first
        // (one system call, as C's F_SETLKW or flock makes) while such tries keep succeeding.
        // w.flags: flock's LOCK_SH or LOCK_EX; w.data: the struct flock argument; w.length: set once a
        // call was made (a flock conversion drops the held lock as it starts).
        // Both forms usually succeed, so both go without the errno capture (Errnos.UNCAPTURED):
        // a try that fails is made again with it, by the engine.
        Attempt attempt = kind == LockKind.FLOCK
                ? (w, how) -> {
                    w.length = 1;
                    return SysFile.flock(w.errnoState, w.target, how == Attempt.NOW ? w.flags | SysFile.LOCK_NB : w.flags);
                }
                : (w, how) -> {
                    w.length = 1;
                    int r = Fcntl.fcntl(w.errnoState, w.target, how == Attempt.NOW ? setNow : setWait, w.data);
                    return how == Attempt.NOW && r == -EACCES ? -EAGAIN : r; // POSIX allows either for "held"
                };
        this.lockOp = Operation.on(life, waitCall, attempt).tryFirst().build();
    }

    // ---------------------------------------------------------------- factories

    /**
     * Opens the file at {@code path} for locking, without locking it yet: read-write for POSIX
     * and OFD locks (a write lock needs a descriptor open for writing; a file this process may
     * only read is opened read-only when the options ask for shared locks), read-only for flock,
     * which needs no access. Creates the file if the options say so. The descriptor is
     * close-on-exec.
     *
     * @throws io.jipc.NotFoundException if the file does not exist and the options do not create it
     * @throws io.jipc.PermissionDeniedException if it may not be opened so
     * @throws IpcException EISDIR for a directory, EINVAL for a FIFO or socket: only files (and
     *                      devices) are locked
     * @throws IllegalArgumentException for an empty path or one containing NUL
     */
    public static FileLock open(Path path, Options options) throws IpcException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(options, "options");
        String p = path.toString();
        if (p.isEmpty() || p.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a path to lock is non-empty and has no NUL character: \""
                    + p.replace('\0', '?') + "\"");
        }
        int number = LockFiles.open(p, options);
        Fd fd = Fd.adopt(number, p);
        try {
            fd.setNonBlocking(false); // as C expects, should the descriptor reach a child
            return new FileLock(fd, true, path, options, number);
        } catch (IpcException | RuntimeException e) {
            fd.close();
            throw e;
        }
    }

    /**
     * A lock on a descriptor the caller opened and keeps: {@link #close()} unlocks and leaves
     * {@code fd} open. The options' {@code create} and {@code mode} do not apply. An OFD or flock
     * lock is then shared with every descriptor duplicated from {@code fd}; a POSIX lock is lost
     * when any descriptor of the file is closed.
     *
     * @throws ObjectClosedException if {@code fd} is closed
     * @throws IpcException EISDIR, EINVAL if it is a directory, FIFO or socket
     */
    public static FileLock on(Fd fd, Options options) throws IpcException {
        Objects.requireNonNull(fd, "fd");
        Objects.requireNonNull(options, "options");
        int number = fd.acquire("fstat");
        try {
            LockFiles.checkLockable(number, fd.label());
            return new FileLock(fd, false, null, options, number);
        } finally {
            fd.release();
        }
    }

    /** Opens the file ({@link #open}) and waits until the lock is taken ({@link #lock()}). */
    public static FileLock lock(Path path, Options options) throws IpcException {
        FileLock l = open(path, options);
        try {
            l.lock();
            return l;
        } catch (IpcException | RuntimeException e) {
            l.close();
            throw e;
        }
    }

    /** Opens the file and takes the lock if nothing is in the way now; empty (file closed) otherwise. */
    public static Optional<FileLock> tryLock(Path path, Options options) throws IpcException {
        return tryOpenAndLock(path, options, Deadline.NOW);
    }

    /** Opens the file and waits at most {@code timeout} for the lock; empty (file closed) if it stayed in use. */
    public static Optional<FileLock> tryLock(Path path, Options options, Duration timeout) throws IpcException {
        return tryOpenAndLock(path, options, Deadline.after(timeout));
    }

    private static Optional<FileLock> tryOpenAndLock(Path path, Options options, long deadline) throws IpcException {
        FileLock l = open(path, options);
        try {
            if (l.acquire(l.type, deadline)) {
                return Optional.of(l);
            }
            l.close();
            return Optional.empty();
        } catch (IpcException | RuntimeException e) {
            l.close();
            throw e;
        }
    }

    // ---------------------------------------------------------------- properties

    /** The kind of lock. */
    public LockKind kind() {
        return kind;
    }

    /** The type {@link #lock()}, {@link #tryLock()} and {@link #tryLock(Duration)} take. */
    public LockType type() {
        return type;
    }

    /** The bytes locked. */
    public LockRange range() {
        return range;
    }

    /** The path the file was opened by; empty for a lock {@link #on(Fd, Options) on} a descriptor. */
    public Optional<Path> path() {
        return Optional.ofNullable(path);
    }

    /**
     * The file's descriptor: this object's own when opened by path (closed by {@link #close()}),
     * else the caller's. Hand it to a child process to share a flock or OFD lock with it.
     */
    public Fd fd() {
        return fd;
    }

    /** Whether this object holds its lock, as far as it knows (see the class comment for what else releases one). */
    public boolean isHeld() {
        return heldType() != null;
    }

    /** The type held, empty when not held. */
    public Optional<LockType> held() {
        return Optional.ofNullable(heldType());
    }

    /** Whether {@link #close()} has not been called. */
    public boolean isOpen() {
        return life.isOpen();
    }

    @Override
    public String toString() {
        LockType h = heldType();
        return "FileLock[" + kind + " " + range + " of " + label + (h != null ? ", held " + h : ", not held")
                + (life.isOpen() ? "" : ", closed") + "]";
    }

    // ---------------------------------------------------------------- locking

    /**
     * Takes the lock with the options' type, waiting as long as another lock is in the way.
     *
     * @throws DeadlockException for a POSIX lock whose wait could never end
     * @throws ObjectClosedException if this object is closed, before or during the wait
     * @throws io.jipc.IpcInterruptedException if the thread is interrupted while waiting
     * @throws IpcException EBADF if the descriptor's access mode does not allow the type (an
     *                      exclusive fcntl lock needs it open for writing)
     */
    public void lock() throws IpcException {
        acquire(type, Deadline.FOREVER);
    }

    /**
     * Takes (or converts to) a lock of {@code type}, waiting as long as another lock is in the
     * way. A POSIX or OFD conversion is atomic: while it waits, the held lock stays. A flock
     * conversion is not: the kernel drops the held lock first, so while it waits, or once it
     * fails, nothing is held.
     */
    public void lock(LockType type) throws IpcException {
        acquire(type, Deadline.FOREVER);
    }

    /**
     * Takes the lock with the options' type if nothing is in the way now; never waits.
     *
     * @return false if another lock is in the way (see {@link #holder()})
     */
    public boolean tryLock() throws IpcException {
        return acquire(type, Deadline.NOW);
    }

    /** Takes (or converts to) {@code type} if nothing is in the way now; false otherwise (a failed flock conversion holds nothing). */
    public boolean tryLock(LockType type) throws IpcException {
        return acquire(type, Deadline.NOW);
    }

    /** Takes the lock with the options' type, waiting at most {@code timeout}; false if it stayed in use. */
    public boolean tryLock(Duration timeout) throws IpcException {
        return acquire(type, Deadline.after(timeout));
    }

    /** Takes (or converts to) {@code type}, waiting at most {@code timeout}; false if it stayed in use. */
    public boolean tryLock(LockType type, Duration timeout) throws IpcException {
        return acquire(type, Deadline.after(timeout));
    }

    /**
     * Releases the lock ({@code F_UNLCK} on the range, or {@code LOCK_UN}). For a POSIX or OFD
     * lock this releases the range for its owner: bytes another {@code FileLock} of the same owner
     * holds in the range are released too, as the kernel merges them.
     *
     * @throws IllegalStateException if this object does not hold its lock
     * @throws ObjectClosedException if this object is closed
     */
    public void unlock() throws IpcException {
        String call = kind == LockKind.FLOCK ? "flock(LOCK_UN)" : nowCall;
        life.checkOpen(call);
        if (heldType() == null) {
            throw new IllegalStateException("nothing to unlock: " + this);
        }
        boolean borrowed = !ownsFd;
        if (borrowed) {
            fd.acquire(call);
        }
        try {
            int n = life.acquire(call);
            try {
                int r = rawUnlock(n);
                if (r < 0) {
                    throw IpcException.of(call, label, -r);
                }
                setHeld(null);
            } finally {
                life.release();
            }
        } finally {
            if (borrowed) {
                fd.release();
            }
        }
    }

    /**
     * Ends this object: releases the lock (see the class comment) and closes the descriptor it
     * opened; a thread waiting in {@link #lock()} wakes with {@link ObjectClosedException}.
     * Idempotent and thread-safe; never throws.
     */
    @Override
    public void close() {
        life.close();
    }

    private boolean acquire(LockType wanted, long deadline) throws IpcException {
        Objects.requireNonNull(wanted, "type");
        if (ownsFd) {
            // This object's handle keeps the descriptor open while a call is in flight.
            return acquirePinned(wanted, deadline);
        }
        // The caller's descriptor must stay open while its number is used, and this object must
        // not be freed (unlocking) between a successful call and the record that it succeeded.
        fd.acquire(waitCall);
        try {
            life.acquire(waitCall);
            try {
                return acquirePinned(wanted, deadline);
            } finally {
                life.release();
            }
        } finally {
            fd.release();
        }
    }

    private boolean acquirePinned(LockType wanted, long deadline) throws IpcException {
        LockType before = heldType();
        boolean converting = kind == LockKind.FLOCK && before != null && before != wanted;
        Waiter w = Waiter.current();
        w.length = 0;
        if (kind == LockKind.FLOCK) {
            w.flags = wanted == LockType.SHARED ? SysFile.LOCK_SH : SysFile.LOCK_EX;
        } else {
            w.data = wanted == LockType.SHARED ? readLock : writeLock;
        }
        long r;
        try {
            r = lockOp.run(w, deadline, true);
        } catch (IpcException e) {
            if (converting && w.length != 0) {
                setHeld(null); // flock dropped the held lock before it waited
            }
            throw e;
        }
        if (r >= 0) {
            setHeld(wanted);
            return true;
        }
        if (converting && w.length != 0) {
            setHeld(null);
        }
        if (r == Operation.NOTHING) {
            return false;
        }
        throw failure((int) -r, wanted, deadline == Deadline.NOW ? nowCall : waitCall);
    }

    /** This thread's {@code struct flock} for {@code range}, of {@code lType}, for F_GETLK to answer in. */
    static MemorySegment stage(Waiter w, short lType, LockRange range) {
        return fill(w.scratch(Fcntl.FLOCK_SIZE), lType, range);
    }

    private static MemorySegment fill(MemorySegment s, short lType, LockRange range) {
        s.set(ValueLayout.JAVA_SHORT, Fcntl.L_TYPE, lType);
        s.set(ValueLayout.JAVA_SHORT, Fcntl.L_WHENCE, (short) Unistd.SEEK_SET);
        s.set(ValueLayout.JAVA_LONG, Fcntl.L_START, range.start());
        s.set(ValueLayout.JAVA_LONG, Fcntl.L_LEN, range.length());
        s.set(ValueLayout.JAVA_INT, Fcntl.L_PID, 0);
        return s;
    }

    private int rawUnlock(int number) {
        // Without the errno capture first (Errnos.UNCAPTURED); an unlock that failed changed
        // nothing, so it is made again with the capture to learn why.
        int r = kind == LockKind.FLOCK
                ? SysFile.flock(null, number, SysFile.LOCK_UN)
                : Fcntl.fcntl(null, number, setNow, unlockArg);
        if (r != -UNCAPTURED) {
            return r;
        }
        return kind == LockKind.FLOCK ? SysFile.flock(number, SysFile.LOCK_UN) : Fcntl.fcntl(number, setNow, unlockArg);
    }

    /** Runs once, after close, when no call is in flight. */
    private void releaseForGood() {
        LockType h = (LockType) HELD.getAndSet(this, (LockType) null);
        if (ownsFd) {
            fd.close();
            return;
        }
        if (h == null) {
            return;
        }
        try {
            int n = fd.acquire("unlock");
            try {
                rawUnlock(n);
            } finally {
                fd.release();
            }
        } catch (ObjectClosedException e) {
            // The caller closed the descriptor: what it held went with it (or stays with its duplicates).
        }
    }

    private IpcException failure(int errno, LockType wanted, String call) {
        if (errno == EDEADLK) {
            return deadlock(call, wanted);
        }
        if (errno == EBADF) {
            return IpcException.withDetail(call, label, errno, wanted == LockType.EXCLUSIVE
                    ? "an exclusive " + kind + " lock needs a descriptor open for writing"
                    : "a shared " + kind + " lock needs a descriptor open for reading");
        }
        if (errno == ENOLCK) {
            return IpcException.withDetail(call, label, errno,
                    "no lock available: the system's lock table is full, or this file system cannot lock");
        }
        if (errno == EINVAL && kind == LockKind.OFD) {
            return IpcException.withDetail(call, label, errno, "Invalid argument (OFD locks need Linux 3.15 or later)");
        }
        return IpcException.of(call, label, errno);
    }

    /** EDEADLK, with the lock in the way and what its holder waits for, as the kernel shows them now. */
    private DeadlockException deadlock(String call, LockType wanted) {
        LockHolder holder = null;
        try {
            holder = holder(wanted).orElse(null);
        } catch (IOException | RuntimeException e) {
            // what could not be read stays unnamed
        }
        return Conflicts.deadlock(call, label, range, holder);
    }

    // ---------------------------------------------------------------- who holds it

    /**
     * The lock that would stop {@link #tryLock()} now, and a process holding it; empty if the
     * lock could be taken now. POSIX and OFD locks ask the kernel ({@code F_GETLK}, {@code
     * F_OFD_GETLK}), which names the first conflicting lock; flock has no such call, so jipc
     * reads {@code /proc/locks}. A snapshot: the holder may have gone by the time it is read.
     */
    public Optional<LockHolder> holder() throws IOException {
        return holder(type);
    }

    /** The lock that would stop a lock of {@code type} now, and a process holding it; empty if none. */
    public Optional<LockHolder> holder(LockType wanted) throws IOException {
        Objects.requireNonNull(wanted, "type");
        String call = switch (kind) {
            case FLOCK -> "fstat";
            case POSIX -> "fcntl(F_GETLK)";
            case OFD -> "fcntl(F_OFD_GETLK)";
        };
        boolean borrowed = !ownsFd;
        if (borrowed) {
            fd.acquire(call);
        }
        try {
            int n = life.acquire(call);
            try {
                FileKey key = FileKey.ofDescriptor(n, label);
                if (kind == LockKind.FLOCK) {
                    return Conflicts.flock(n, key, wanted, path);
                }
                int r = Conflicts.record(n, kind, wanted, range);
                if (r < 0) {
                    throw failure(-r, wanted, call);
                }
                return Conflicts.recordHolder(n, key, path);
            } finally {
                life.release();
            }
        } finally {
            if (borrowed) {
                fd.release();
            }
        }
    }

    /** Every lock held on this file, by anyone ({@link LockTable#on(Path)}). */
    public List<LockHolder> holders() throws IOException {
        boolean borrowed = !ownsFd;
        if (borrowed) {
            fd.acquire("fstat");
        }
        try {
            int n = life.acquire("fstat");
            FileKey key;
            try {
                key = FileKey.ofDescriptor(n, label);
            } finally {
                life.release();
            }
            return LockTable.on(key, path);
        } finally {
            if (borrowed) {
                fd.release();
            }
        }
    }
}
