package io.jipc.sem;

import static io.jipc.internal.libc.Errnos.EEXIST;
import static io.jipc.internal.libc.Errnos.EINVAL;
import static io.jipc.internal.libc.Errnos.ENOENT;

import io.jipc.IpcException;
import io.jipc.IpcKey;
import io.jipc.IpcPerm;
import io.jipc.Perms;
import io.jipc.internal.libc.Sem;
import io.jipc.internal.sysv.SysVObject;
import io.jipc.internal.wait.Deadline;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A System V semaphore set ({@code semget}): {@link #count()} counters under one key, changed by
 * {@link #op} calls that apply several operations to several semaphores atomically — all of them,
 * or, while any one of them cannot proceed, none. Usable by any process (C programs included) that
 * knows the key or the id.
 *
 * <pre>{@code
 * IpcKey key = IpcKey.ftok(Path.of("/var/run/myapp"), 1);
 * try (var set = SysVSemaphoreSet.createOrOpen(key, 2,
 *         SysVSemaphoreSet.Options.defaults().withInitialValues(1, 0))) {
 *     set.op(SemOp.of(0, -1), SemOp.of(1, +1));   // both at once, or wait
 * }
 * }</pre>
 *
 * <p><b>Created initialised.</b> {@code semget} creates a set with every value 0, and a C program
 * must then set the values it wants: a second process that opens the set in between sees zeros
 * (the classic create-then-initialise race). jipc sets the initial values with one {@code semop}
 * right after creating the set — adding them to the zeros, so an operation another process slipped
 * in between is not lost as it would be under SETALL — and that first operation sets the set's
 * {@code sem_otime}. An open that finds {@code sem_otime} still 0 waits for it (sem_overview's
 * idiom), for at most a second or two after the set's creation: a set whose creator never made an
 * operation (as {@code ipcmk} and C programs that initialise with SETALL leave it) is taken as
 * initialised once it is that old.
 *
 * <p><b>Blocking.</b> {@link #op(SemOp...)} waits until all its operations can proceed, {@link
 * #tryOp(SemOp...)} never waits ({@code IPC_NOWAIT} on every operation), {@link #tryOp(List,
 * Duration)} waits at most that long ({@code semtimedop}); the try forms answer false when they
 * did nothing. A waiting thread sleeps in {@code semop} using no CPU; {@link #close()} from
 * another thread and {@link Thread#interrupt()} end the wait, and the set's removal by any process
 * ends it with {@link io.jipc.ObjectRemovedException}. Operations marked {@link SemOp#withUndo()}
 * are reversed by the kernel when this process exits, which is what makes {@link PermitPool}
 * survive its users' crashes.
 *
 * <p>This object holds no kernel resource of its own: {@link #close()} only ends its use (and
 * wakes its waiting threads); the set lives until {@link #remove()}. Thread-safe.
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/sysvipc.7.html">sysvipc(7)</a>
 * @see <a href="https://man7.org/linux/man-pages/man7/sem_overview.7.html">sem_overview(7)</a>
 */
public final class SysVSemaphoreSet implements AutoCloseable {
    /** The largest value a System V semaphore holds (SEMVMX, 32767). */
    public static final int MAX_VALUE = Sem.SEMVMX;

    /**
     * How a set is created: its initial values and permissions (defaults: every value 0, mode
     * 0600). They apply only to a set the call creates; an existing set keeps its own.
     *
     * @param initialValue  every semaphore's value, unless {@code initialValues} is given
     * @param initialValues one value per semaphore (as many as the set has), or empty
     * @param mode          permissions of a set this call creates
     * @see <a href="https://man7.org/linux/man-pages/man2/semget.2.html">semget(2)</a>
     * @see <a href="https://man7.org/linux/man-pages/man2/semctl.2.html">semctl(2)</a>
     */
    public record Options(int initialValue, List<Integer> initialValues, Set<PosixFilePermission> mode) {
        public Options {
            checkValue(initialValue);
            initialValues = List.copyOf(Objects.requireNonNull(initialValues, "initialValues"));
            for (int v : initialValues) {
                checkValue(v);
            }
            mode = Set.copyOf(Objects.requireNonNull(mode, "mode"));
        }

        /** Every value 0, mode 0600. */
        public static Options defaults() {
            return new Options(0, List.of(), Perms.DEFAULT);
        }

        /** Every semaphore of a set this call creates starts at {@code value} (0..32767). */
        public Options withInitialValue(int value) {
            return new Options(value, List.of(), mode);
        }

        /** One starting value per semaphore (0..32767 each; as many as the set is created with). */
        public Options withInitialValues(int... values) {
            return new Options(0, java.util.Arrays.stream(values).boxed().toList(), mode);
        }

        /** Permissions for a set this call creates. */
        public Options withMode(Set<PosixFilePermission> permissions) {
            return new Options(initialValue, initialValues, permissions);
        }

        int valueOf(int index) {
            return initialValues.isEmpty() ? initialValue : initialValues.get(index);
        }
    }

    /**
     * A set's kernel state ({@code semctl(IPC_STAT)}, {@code struct semid_ds}).
     *
     * @param perm       owner, creator, mode and key (sem_perm)
     * @param count      the number of semaphores (sem_nsems)
     * @param lastOp     when an operation last changed or waited successfully (sem_otime), if ever
     * @param lastChange when the set was created or last changed by semctl (sem_ctime)
     * @see <a href="https://man7.org/linux/man-pages/man2/semctl.2.html">semctl(2)</a>
     */
    public record Info(IpcPerm perm, int count, Optional<Instant> lastOp, Instant lastChange) {}

    static int checkValue(long value) {
        if (value < 0 || value > MAX_VALUE) {
            throw new IllegalArgumentException("a System V semaphore's value is 0.." + MAX_VALUE + " (SEMVMX), got "
                    + value);
        }
        return (int) value;
    }

    private final SysVObject ipc;
    private final int count;
    private final SemOps ops;

    private SysVSemaphoreSet(int id, IpcKey key, int count) {
        this.ipc = SetCreation.object(id, key);
        this.count = count;
        this.ops = new SemOps(ipc, count);
    }

    // ---------------------------------------------------------------- factories

    /**
     * Creates a new set of {@code count} semaphores for {@code key}, all 0, mode 0600, failing if
     * one exists ({@code IPC_CREAT | IPC_EXCL}); with {@link IpcKey#PRIVATE}, a new private set.
     *
     * @throws IllegalArgumentException if {@code count} is less than 1
     * @throws io.jipc.AlreadyExistsException if a set with this key exists
     * @see <a href="https://man7.org/linux/man-pages/man2/semget.2.html">semget(2)</a>
     */
    public static SysVSemaphoreSet createExclusively(IpcKey key, int count) throws IpcException {
        return createExclusively(key, count, Options.defaults());
    }

    /**
     * Creates a new set of {@code count} semaphores with the options' values and mode, failing if
     * one exists for {@code key}.
     *
     * @throws IllegalArgumentException if {@code count} is less than 1, or the options give a
     *                                  number of values other than {@code count}
     */
    public static SysVSemaphoreSet createExclusively(IpcKey key, int count, Options options) throws IpcException {
        Objects.requireNonNull(key, "key");
        checkCreate(count, options);
        int id = SetCreation.create(key, count, options);
        if (id < 0) {
            throw SysVObject.getError(SysVObject.Kind.SEMAPHORE_SET, "semget", key, EEXIST);
        }
        return new SysVSemaphoreSet(id, key, count);
    }

    /** Opens the set for {@code key}, creating it with {@code count} semaphores at 0, mode 0600, if there is none. */
    public static SysVSemaphoreSet createOrOpen(IpcKey key, int count) throws IpcException {
        return createOrOpen(key, count, Options.defaults());
    }

    /**
     * Opens the set for {@code key}, creating it with {@code count} semaphores and the options'
     * values and mode if there is none. An existing set must have at least {@code count}
     * semaphores; it keeps its values and mode, and this call waits for its creator to have
     * initialised it (see the class comment).
     *
     * @throws IpcException EINVAL if the existing set has fewer than {@code count} semaphores (the text says so)
     */
    public static SysVSemaphoreSet createOrOpen(IpcKey key, int count, Options options) throws IpcException {
        Objects.requireNonNull(key, "key");
        checkCreate(count, options);
        while (true) {
            int created = SetCreation.create(key, count, options);
            if (created >= 0) {
                return new SysVSemaphoreSet(created, key, count);
            }
            int id = Sem.semget(key.value(), count, 0);
            if (id == -ENOENT) {
                continue; // removed since: create it after all
            }
            if (id == -EINVAL) {
                throw SetCreation.fewerThan(key, count);
            }
            if (id < 0) {
                throw SysVObject.getError(SysVObject.Kind.SEMAPHORE_SET, "semget", key, -id);
            }
            return opened(id, key);
        }
    }

    /** An existing set by id: its key and size, once its creator has initialised it. */
    private static SysVSemaphoreSet opened(int id, IpcKey key) throws IpcException {
        SetCreation.Found found = SetCreation.awaitInitialised(SetCreation.object(id, key == null ? IpcKey.PRIVATE : key));
        return new SysVSemaphoreSet(id, key != null ? key : found.key(), found.count());
    }

    /**
     * Opens the existing set for {@code key}, after its creator has initialised it (see the class
     * comment).
     *
     * @throws IllegalArgumentException for {@link IpcKey#PRIVATE}: a private set is reached by id ({@link #openId})
     * @throws io.jipc.NotFoundException if no set has this key
     */
    public static SysVSemaphoreSet openExisting(IpcKey key) throws IpcException {
        Objects.requireNonNull(key, "key");
        if (key.isPrivate()) {
            throw new IllegalArgumentException("IPC_PRIVATE names no existing semaphore set: open a private set by its id");
        }
        int id = Sem.semget(key.value(), 0, 0);
        if (id < 0) {
            throw SysVObject.getError(SysVObject.Kind.SEMAPHORE_SET, "semget", key, -id);
        }
        return opened(id, key);
    }

    /**
     * Uses the set with this id (as {@code ipcs -s} lists, or another process printed), after
     * checking it exists ({@code semctl(IPC_STAT)}, or {@code /proc/sysvipc/sem} for a set this
     * process may operate on but not read) and waiting for its creator to have initialised it.
     *
     * @throws IllegalArgumentException for a negative id
     * @throws IpcException EINVAL if no set has this id, EACCES if it may not be read
     */
    public static SysVSemaphoreSet openId(int id) throws IpcException {
        if (id < 0) {
            throw new IllegalArgumentException("a semid is >= 0, got " + id);
        }
        return opened(id, null);
    }

    private static void checkCreate(int count, Options options) {
        Objects.requireNonNull(options, "options");
        if (count < 1) {
            throw new IllegalArgumentException("a semaphore set has at least 1 semaphore, got " + count);
        }
        if (!options.initialValues().isEmpty() && options.initialValues().size() != count) {
            throw new IllegalArgumentException(options.initialValues().size() + " initial values for a set of " + count
                    + " semaphores: give one per semaphore, or one for all (withInitialValue)");
        }
    }

    // ---------------------------------------------------------------- properties

    /** The set's id (semid), as {@code ipcs -s} shows it. */
    public int id() {
        return ipc.id();
    }

    /** The key this object was opened with ({@link IpcKey#PRIVATE} for a private set). */
    public IpcKey key() {
        return ipc.key();
    }

    /** The number of semaphores in the set (sem_nsems, fixed at creation). */
    public int count() {
        return count;
    }

    /**
     * The set's kernel state ({@code semctl(IPC_STAT)}): size, times, owner and mode.
     *
     * @see <a href="https://man7.org/linux/man-pages/man2/semctl.2.html">semctl(2)</a>
     */
    public Info info() throws IpcException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ds = ipc.stat(a);
            long otime = ds.get(ValueLayout.JAVA_LONG, Sem.SEM_OTIME);
            return new Info(ipc.perm(ds), (int) ds.get(ValueLayout.JAVA_LONG, Sem.SEM_NSEMS),
                    otime == 0 ? Optional.empty() : Optional.of(Instant.ofEpochSecond(otime)),
                    Instant.ofEpochSecond(ds.get(ValueLayout.JAVA_LONG, Sem.SEM_CTIME)));
        }
    }

    /** Semaphore {@code index}'s value ({@code semctl(GETVAL)}). */
    public int value(int index) throws IpcException {
        checkIndex(index);
        return ipc.ctl("GETVAL", id -> Sem.semctl(id, index, Sem.GETVAL));
    }

    /** Every semaphore's value, in index order, read at one instant ({@code semctl(GETALL)}). */
    public int[] values() throws IpcException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment array = a.allocate(2L * count, 2);
            ipc.ctl("GETALL", id -> Sem.semctl(id, 0, Sem.GETALL, array));
            int[] values = new int[count];
            for (int i = 0; i < count; i++) {
                values[i] = Short.toUnsignedInt(array.getAtIndex(ValueLayout.JAVA_SHORT, i));
            }
            return values;
        }
    }

    /**
     * Sets semaphore {@code index}'s value ({@code semctl(SETVAL)}), waking the waiters this lets
     * proceed. Every process's SEM_UNDO adjustment for that semaphore is cleared (the kernel's rule).
     *
     * @throws IllegalArgumentException for an index outside the set or a value outside 0..32767
     */
    public void setValue(int index, int value) throws IpcException {
        checkIndex(index);
        checkValue(value);
        ipc.ctl("SETVAL", id -> Sem.semctl(id, index, Sem.SETVAL, value));
    }

    /**
     * Sets every semaphore's value at once ({@code semctl(SETALL)}); every SEM_UNDO adjustment on
     * the set is cleared.
     *
     * @throws IllegalArgumentException unless there is one value per semaphore, each 0..32767
     */
    public void setValues(int... values) throws IpcException {
        if (values.length != count) {
            throw new IllegalArgumentException(values.length + " values for a set of " + count + " semaphores");
        }
        for (int v : values) {
            checkValue(v);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment array = a.allocate(2L * count, 2);
            for (int i = 0; i < count; i++) {
                array.setAtIndex(ValueLayout.JAVA_SHORT, i, (short) values[i]);
            }
            ipc.ctl("SETALL", id -> Sem.semctl(id, 0, Sem.SETALL, array));
        }
    }

    /** How many processes wait for semaphore {@code index} to increase ({@code semctl(GETNCNT)}). */
    public int waitingForIncrease(int index) throws IpcException {
        checkIndex(index);
        return ipc.ctl("GETNCNT", id -> Sem.semctl(id, index, Sem.GETNCNT));
    }

    /** How many processes wait for semaphore {@code index} to become 0 ({@code semctl(GETZCNT)}). */
    public int waitingForZero(int index) throws IpcException {
        checkIndex(index);
        return ipc.ctl("GETZCNT", id -> Sem.semctl(id, index, Sem.GETZCNT));
    }

    /** The process that last operated on semaphore {@code index} ({@code semctl(GETPID)}); 0 if none. */
    public int lastPid(int index) throws IpcException {
        checkIndex(index);
        return ipc.ctl("GETPID", id -> Sem.semctl(id, index, Sem.GETPID));
    }

    /** Sets the set's permissions ({@code sem_perm.mode} by {@code semctl(IPC_SET)}); owner or creator only. */
    public void setMode(Set<PosixFilePermission> mode) throws IpcException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ds = ipc.stat(a);
            ipc.setMode(ds, Perms.toMode(mode));
            ipc.set(ds, null);
        }
    }

    /**
     * Removes the set from the system at once ({@code semctl(IPC_RMID)}): every process waiting on
     * it wakes with EIDRM. Owner, creator or privileged only.
     */
    public void remove() throws IpcException {
        ipc.remove();
    }

    /**
     * Ends this object's use of the set and wakes its threads waiting in {@code op} (they throw
     * {@link io.jipc.ObjectClosedException}). The set itself stays; see {@link #remove()}.
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
        return "SysVSemaphoreSet[" + ipc + ", " + count + " semaphores]";
    }

    private void checkIndex(int index) {
        SemOps.checkIndex(index, count);
    }

    // ---------------------------------------------------------------- operations

    /**
     * Applies {@code ops} atomically, waiting until all of them can proceed ({@code semop}).
     * Operations are applied in order, so several on one semaphore add up.
     *
     * @return true once applied; false only if an operation marked {@link SemOp#withNoWait()}
     *         could not proceed (then nothing was applied)
     * @throws IllegalArgumentException for no operations or an index outside the set
     * @throws IpcException ERANGE if a value would exceed {@link #MAX_VALUE} or an undo adjustment
     *                      its range (nothing is applied); E2BIG for more operations than SEMOPM
     * @throws io.jipc.ObjectRemovedException if the set is removed while waiting
     * @throws io.jipc.ObjectClosedException if this object is closed, before or during the wait
     * @throws io.jipc.IpcInterruptedException if the thread is interrupted while waiting
     * @see <a href="https://man7.org/linux/man-pages/man2/semop.2.html">semop(2)</a>
     */
    public boolean op(SemOp... ops) throws IpcException {
        return this.ops.run(ops, null, Deadline.FOREVER);
    }

    /** {@link #op(SemOp...)} for one operation (no varargs array to allocate). */
    public boolean op(SemOp op) throws IpcException {
        return ops.one(op.index(), op.delta(), SemOps.flags(op), Deadline.FOREVER);
    }

    /** {@link #op(SemOp...)} with the operations in a list. */
    public boolean op(List<SemOp> ops) throws IpcException {
        return this.ops.run(null, ops, Deadline.FOREVER);
    }

    /** Applies {@code ops} if all can proceed now ({@code IPC_NOWAIT}); false (nothing applied) otherwise. */
    public boolean tryOp(SemOp... ops) throws IpcException {
        return this.ops.run(ops, null, Deadline.NOW);
    }

    /** {@link #tryOp(SemOp...)} for one operation (no varargs array to allocate). */
    public boolean tryOp(SemOp op) throws IpcException {
        return ops.one(op.index(), op.delta(), SemOps.flags(op), Deadline.NOW);
    }

    /** {@link #tryOp(SemOp...)} with the operations in a list. */
    public boolean tryOp(List<SemOp> ops) throws IpcException {
        return this.ops.run(null, ops, Deadline.NOW);
    }

    /**
     * Applies {@code ops}, waiting at most {@code timeout} until all can proceed ({@code
     * semtimedop}); false (nothing applied) if they could not by then.
     *
     * @throws IllegalArgumentException if the timeout is negative
     */
    public boolean tryOp(List<SemOp> ops, Duration timeout) throws IpcException {
        return this.ops.run(null, ops, Deadline.after(timeout));
    }

    /** {@link #tryOp(List, Duration)} for one operation. */
    public boolean tryOp(SemOp op, Duration timeout) throws IpcException {
        return ops.one(op.index(), op.delta(), SemOps.flags(op), Deadline.after(timeout));
    }

    /** One operation without a SemOp (PermitPool's hot path): {@code flags} as {@code sem_flg}. */
    boolean op(int index, int delta, int flags, long deadline) throws IpcException {
        return ops.one(index, delta, flags, deadline);
    }
}
