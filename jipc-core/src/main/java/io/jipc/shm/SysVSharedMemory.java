package io.jipc.shm;

import static io.jipc.internal.libc.Errnos.EIDRM;
import static io.jipc.internal.libc.Errnos.EINVAL;
import static io.jipc.internal.libc.Errnos.ENOMEM;
import static io.jipc.internal.libc.Errnos.ENOSPC;

import io.jipc.IpcException;
import io.jipc.IpcKey;
import io.jipc.IpcPerm;
import io.jipc.Perms;
import io.jipc.internal.ProcFiles;
import io.jipc.internal.libc.Ipc;
import io.jipc.internal.libc.Shm;
import io.jipc.internal.sysv.SysVObject;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A System V shared-memory segment ({@code shmget}): memory found by a numeric {@link IpcKey} (or
 * handed around by id), attached by any process that may ({@code shmat}) — C programs included.
 *
 * <pre>{@code
 * IpcKey key = IpcKey.ftok(Path.of("/var/run/myapp"), 1);
 * try (SysVSharedMemory seg = SysVSharedMemory.createOrOpen(key, 4096);
 *      Mapping m = seg.attach()) {
 *     m.write(0, "hello".getBytes(UTF_8));
 * }
 * }</pre>
 *
 * <p><b>Removal.</b> A segment lives until {@link #remove()} ({@code IPC_RMID}) — and even then
 * until the last process detaches: removing a segment that is attached only <em>marks</em> it
 * ({@link Info#markedForRemoval()}); its key is free at once (a {@code shmget} with it finds
 * nothing, or makes a new segment), the processes attached keep their memory, and it is destroyed
 * when the last one detaches. jipc refuses to attach a marked segment ({@link
 * io.jipc.ObjectRemovedException}), as System V specifies; Linux alone would let a process attach
 * it by id.
 *
 * <p>A {@link Mapping} from {@link #attach()} is closed on its own ({@code shmdt}); closing this
 * object only ends its use of the id. A segment's size is fixed when it is created. Thread-safe.
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/sysvipc.7.html">sysvipc(7)</a>
 * @see <a href="https://man7.org/linux/man-pages/man2/shmget.2.html">shmget(2)</a>
 */
public final class SysVSharedMemory implements AutoCloseable {
    /**
     * How a segment is created: its permissions (default 0600).
     *
     * @param mode permissions of a segment this call creates (shmget takes them exactly: no umask)
     * @see <a href="https://man7.org/linux/man-pages/man2/shmget.2.html">shmget(2)</a>
     */
    public record Options(Set<PosixFilePermission> mode) {
        public Options {
            mode = Set.copyOf(Objects.requireNonNull(mode, "mode"));
        }

        /** Mode 0600. */
        public static Options defaults() {
            return new Options(Perms.DEFAULT);
        }

        /** Permissions of a segment this call creates. */
        public Options withMode(Set<PosixFilePermission> permissions) {
            return new Options(permissions);
        }
    }

    /**
     * A segment's kernel state ({@code shmctl(IPC_STAT)}, {@code struct shmid_ds}).
     *
     * @param perm             owner, creator, mode and key (shm_perm; the key of a segment marked
     *                         for removal reads IPC_PRIVATE)
     * @param size             its size in bytes (shm_segsz)
     * @param attachCount      how many attachments it has, in all processes (shm_nattch)
     * @param creatorPid       the process that created it (shm_cpid)
     * @param lastPid          the process that attached or detached last (shm_lpid)
     * @param lastAttach       when it was last attached (shm_atime)
     * @param lastDetach       when it was last detached (shm_dtime)
     * @param lastChange       when it was created or last changed by IPC_SET (shm_ctime)
     * @param markedForRemoval removed while attached: destroyed when the last process detaches (SHM_DEST)
     * @param locked           locked in memory by SHM_LOCK (SHM_LOCKED)
     * @see <a href="https://man7.org/linux/man-pages/man2/shmctl.2.html">shmctl(2)</a>
     */
    public record Info(IpcPerm perm, long size, long attachCount, int creatorPid, int lastPid,
                       Optional<Instant> lastAttach, Optional<Instant> lastDetach, Instant lastChange,
                       boolean markedForRemoval, boolean locked) {}

    static final Path SHMMAX = Path.of("/proc/sys/kernel/shmmax");
    static final Path SHMALL = Path.of("/proc/sys/kernel/shmall");
    static final Path SHMMNI = Path.of("/proc/sys/kernel/shmmni");

    private final SysVObject ipc;

    private SysVSharedMemory(int id, IpcKey key) {
        this.ipc = new SysVObject(SysVObject.Kind.SHARED_MEMORY, id, key, Shm::shmctl, Shm.SHMID_DS_SIZE, Shm.SHM_PERM);
    }

    // ---------------------------------------------------------------- factories

    /**
     * Creates a new segment of {@code size} bytes for {@code key} with mode 0600, failing if one
     * exists ({@code IPC_CREAT | IPC_EXCL}); with {@link IpcKey#PRIVATE}, a new private segment.
     *
     * @throws IllegalArgumentException if {@code size} is below 1
     * @throws io.jipc.AlreadyExistsException if a segment with this key exists
     * @throws IpcException EINVAL above shmmax, ENOSPC past shmmni or shmall (the text names the limit and its value)
     */
    public static SysVSharedMemory createExclusively(IpcKey key, long size) throws IpcException {
        return createExclusively(key, size, Options.defaults());
    }

    /** Creates a new segment with the given options, failing if one exists for {@code key}. */
    public static SysVSharedMemory createExclusively(IpcKey key, long size, Options options) throws IpcException {
        return get(key, size, Ipc.IPC_CREAT | Ipc.IPC_EXCL | Perms.toMode(options.mode()));
    }

    /**
     * Opens the segment for {@code key}, creating it with {@code size} bytes and mode 0600 if there
     * is none ({@code IPC_CREAT}). An existing segment must have at least {@code size} bytes
     * (segments cannot grow: EINVAL otherwise, and the text says how large it is).
     */
    public static SysVSharedMemory createOrOpen(IpcKey key, long size) throws IpcException {
        return createOrOpen(key, size, Options.defaults());
    }

    /** Opens or creates the segment for {@code key}; see {@link #createOrOpen(IpcKey, long)}. */
    public static SysVSharedMemory createOrOpen(IpcKey key, long size, Options options) throws IpcException {
        return get(key, size, Ipc.IPC_CREAT | Perms.toMode(options.mode()));
    }

    /**
     * Opens the existing segment for {@code key}.
     *
     * @throws IllegalArgumentException for {@link IpcKey#PRIVATE}: a private segment is reached by id ({@link #openId})
     * @throws io.jipc.NotFoundException if no segment has this key (a removed one's key is free at once)
     */
    public static SysVSharedMemory openExisting(IpcKey key) throws IpcException {
        Objects.requireNonNull(key, "key");
        if (key.isPrivate()) {
            throw new IllegalArgumentException("IPC_PRIVATE names no existing segment: open a private segment by its id");
        }
        int id = Shm.shmget(key.value(), 0, 0);
        if (id < 0) {
            throw SysVObject.getError(SysVObject.Kind.SHARED_MEMORY, "shmget", key, -id);
        }
        return new SysVSharedMemory(id, key);
    }

    /**
     * Uses the segment with this id (as {@code ipcs -m} lists it, or another process printed),
     * after checking it exists ({@code shmctl(IPC_STAT)}).
     *
     * @throws IllegalArgumentException for a negative id
     * @throws IpcException EINVAL if no segment has this id; EACCES if it may not be read
     */
    public static SysVSharedMemory openId(int id) throws IpcException {
        if (id < 0) {
            throw new IllegalArgumentException("a shmid is >= 0, got " + id);
        }
        SysVSharedMemory s = new SysVSharedMemory(id, IpcKey.PRIVATE);
        try (Arena a = Arena.ofConfined()) {
            IpcKey key = s.ipc.perm(s.ipc.stat(a)).key();
            return key.isPrivate() ? s : new SysVSharedMemory(id, key);
        }
    }

    private static SysVSharedMemory get(IpcKey key, long size, int flags) throws IpcException {
        Objects.requireNonNull(key, "key");
        MemoryFile.checkSize("segment size", size);
        int id = Shm.shmget(key.value(), size, flags);
        if (id < 0) {
            throw getError(key, size, -id);
        }
        return new SysVSharedMemory(id, key);
    }

    /** Why shmget said no: EINVAL and ENOSPC each have two causes, told apart by the limits. */
    private static IpcException getError(IpcKey key, long size, int errno) {
        String object = "key " + key;
        if (errno == EINVAL) {
            long max = ProcFiles.readLong(SHMMAX, Long.MAX_VALUE);
            if (max >= 0 && Long.compareUnsigned(size, max) > 0) {
                return IpcException.withDetail("shmget", object, errno, "size " + size + " is more than shmmax = "
                        + Long.toUnsignedString(max) + " (" + SHMMAX + ")");
            }
            long existing = existingSize(key);
            if (existing > 0) {
                return IpcException.withDetail("shmget", object, errno, "the segment for this key exists with "
                        + existing + " bytes, fewer than the " + size + " asked for (a segment cannot grow)");
            }
        }
        if (errno == ENOSPC) {
            return IpcException.withDetail("shmget", object, errno, "the system has the most segments it allows ("
                    + SHMMNI + " = " + ProcFiles.readText(SHMMNI) + "), or " + size + " more bytes would pass the total"
                    + " it allows (" + SHMALL + " = " + ProcFiles.readText(SHMALL) + " pages)");
        }
        if (errno == ENOMEM) {
            return IpcException.withDetail("shmget", object, errno, "not enough memory for " + size + " bytes");
        }
        return SysVObject.getError(SysVObject.Kind.SHARED_MEMORY, "shmget", key, errno);
    }

    /** The size of the segment {@code key} names, or -1 if none can be seen. */
    private static long existingSize(IpcKey key) {
        if (key.isPrivate()) {
            return -1;
        }
        int id = Shm.shmget(key.value(), 0, 0);
        if (id < 0) {
            return -1;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ds = a.allocate(Shm.SHMID_DS_SIZE, 8);
            return Shm.shmctl(id, Ipc.IPC_STAT, ds) < 0 ? -1 : ds.get(ValueLayout.JAVA_LONG, Shm.SHM_SEGSZ);
        }
    }

    // ---------------------------------------------------------------- properties

    /** The segment's id (shmid), as {@code ipcs -m} shows it. */
    public int id() {
        return ipc.id();
    }

    /** The key this object was opened with ({@link IpcKey#PRIVATE} for a private segment). */
    public IpcKey key() {
        return ipc.key();
    }

    /** The segment's size in bytes, fixed at creation. */
    public long size() throws IpcException {
        return info().size();
    }

    /**
     * The segment's kernel state ({@code shmctl(IPC_STAT)}): size, attach count, creator and last
     * pid, times, owner and mode, and whether it is marked for removal.
     *
     * @see <a href="https://man7.org/linux/man-pages/man2/shmctl.2.html">shmctl(2)</a>
     */
    public Info info() throws IpcException {
        try (Arena a = Arena.ofConfined()) {
            return info(ipc.stat(a));
        }
    }

    private Info info(MemorySegment ds) {
        long atime = ds.get(ValueLayout.JAVA_LONG, Shm.SHM_ATIME);
        long dtime = ds.get(ValueLayout.JAVA_LONG, Shm.SHM_DTIME);
        int mode = ds.get(ValueLayout.JAVA_INT, Shm.SHM_PERM + Ipc.PERM_MODE);
        return new Info(ipc.perm(ds), ds.get(ValueLayout.JAVA_LONG, Shm.SHM_SEGSZ),
                ds.get(ValueLayout.JAVA_LONG, Shm.SHM_NATTCH),
                ds.get(ValueLayout.JAVA_INT, Shm.SHM_CPID), ds.get(ValueLayout.JAVA_INT, Shm.SHM_LPID),
                atime == 0 ? Optional.empty() : Optional.of(Instant.ofEpochSecond(atime)),
                dtime == 0 ? Optional.empty() : Optional.of(Instant.ofEpochSecond(dtime)),
                Instant.ofEpochSecond(ds.get(ValueLayout.JAVA_LONG, Shm.SHM_CTIME)),
                (mode & Shm.SHM_DEST) != 0, (mode & Shm.SHM_LOCKED) != 0);
    }

    /** Sets the segment's permissions ({@code shm_perm.mode} by {@code shmctl(IPC_SET)}); owner or creator only. */
    public void setMode(Set<PosixFilePermission> mode) throws IpcException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ds = ipc.stat(a);
            ipc.setMode(ds, Perms.toMode(mode));
            ipc.set(ds, null);
        }
    }

    // ---------------------------------------------------------------- attaching

    /** Attaches the segment read-write; see {@link #attach(Access)}. */
    public Mapping attach() throws IpcException {
        return attach(Access.READ_WRITE);
    }

    /**
     * Attaches the whole segment ({@code shmat}, with {@code SHM_RDONLY} for {@link
     * Access#READ_ONLY}) at an address the kernel picks.
     *
     * @throws io.jipc.ObjectRemovedException if the segment is marked for removal (see the class comment)
     * @throws io.jipc.PermissionDeniedException if its mode does not allow the access
     * @throws IpcException EINVAL if the segment is gone
     * @see <a href="https://man7.org/linux/man-pages/man2/shmat.2.html">shmat(2)</a>
     */
    public Mapping attach(Access access) throws IpcException {
        Objects.requireNonNull(access, "access");
        boolean readOnly = access == Access.READ_ONLY;
        int id = ipc.handle().acquire("shmat");
        try {
            long address = Shm.shmat(id, readOnly ? Shm.SHM_RDONLY : 0);
            if (address < 0) {
                throw ipc.error("shmat", (int) -address);
            }
            Info now;
            try (Arena a = Arena.ofConfined()) {
                MemorySegment ds = a.allocate(Shm.SHMID_DS_SIZE, 8);
                int r = Shm.shmctl(id, Ipc.IPC_STAT, ds);
                if (r < 0) {
                    Shm.shmdt(address);
                    throw ipc.error("shmctl(IPC_STAT)", -r);
                }
                now = info(ds);
            }
            // Checked after the attach, so that a marking that came first can never slip in between.
            if (now.markedForRemoval()) {
                Shm.shmdt(address);
                throw IpcException.withDetail("shmat", ipc.label(), EIDRM, "the segment is marked for removal"
                        + " (IPC_RMID): it is destroyed when its last process detaches, and takes no new attachment");
            }
            long size = now.size();
            return new Mapping(ipc.label(), Mapping.Kind.SHMAT, address, roundUp(size), 0, size, 0, readOnly, null);
        } finally {
            ipc.handle().release();
        }
    }

    private static long roundUp(long size) {
        long page = MemoryFile.PAGE_SIZE;
        return (size + page - 1) / page * page;
    }

    // ---------------------------------------------------------------- removal

    /**
     * Removes the segment ({@code shmctl(IPC_RMID)}): at once if nobody is attached; otherwise it
     * is marked for removal (its key freed, no new attachment) and destroyed when the last process
     * detaches. Owner, creator or privileged only.
     */
    public void remove() throws IpcException {
        ipc.remove();
    }

    /** Ends this object's use of the id; the segment and its attachments stay. Idempotent. */
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
        return "SysVSharedMemory[" + ipc + "]";
    }
}
