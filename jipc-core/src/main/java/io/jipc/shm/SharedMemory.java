package io.jipc.shm;

import static io.jipc.internal.libc.Errnos.EEXIST;
import static io.jipc.internal.libc.Errnos.ENOENT;

import io.jipc.Fd;
import io.jipc.FdBacked;
import io.jipc.IpcException;
import io.jipc.Perms;
import io.jipc.internal.PosixNames;
import io.jipc.internal.libc.Fcntl;
import io.jipc.internal.libc.Mman;
import io.jipc.internal.ExactMode;
import io.jipc.internal.libc.Stat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Objects;
import java.util.Set;

/**
 * A POSIX shared-memory object ({@code shm_open}): memory with a name, {@code /name}, that any
 * process — C and Python programs included — opens and maps to share the same pages. It lives
 * in {@code /dev/shm} until {@link #unlink()}ed.
 *
 * <pre>{@code
 * try (SharedMemory shm = SharedMemory.createExclusively("/frames", 1 << 20);
 *      Mapping m = shm.map()) {
 *     m.write(0, "hello".getBytes(UTF_8));
 * }
 * // elsewhere, in Java:  SharedMemory.openExisting("/frames").map()
 * //             in C:    fd = shm_open("/frames", O_RDWR, 0); mmap(NULL, 1 << 20, ..., MAP_SHARED, fd, 0)
 * //             Python:  multiprocessing.shared_memory.SharedMemory("frames")
 * }</pre>
 *
 * <p><b>Creating.</b> A new object gets the mode asked for exactly, whatever the umask ({@code
 * fchmod} after {@code shm_open} wherever the umask narrowed it) and its size with {@code ftruncate}: its pages are allocated
 * when first touched, as in C, so a size more than {@code /dev/shm} can ever hold is refused
 * (naming that limit), and one that fits only while {@code /dev/shm} has room is too; {@link
 * Options#withReserve(boolean)} allocates every page at once ({@code fallocate}), so that a full
 * {@code /dev/shm} is an error then and not a fault on first touch. {@link #createOrOpen} never
 * shrinks an object that exists: it grows one smaller than the size asked for.
 *
 * <p><b>Mapping.</b> {@link #map()} maps the whole object with the descriptor's access, {@link
 * #map(Access, long, long)} a range; each {@link Mapping} is closed on its own (closing this
 * object closes only the descriptor, as {@code close(2)} leaves C's mappings in place). A
 * descriptor opened {@link Access#READ_ONLY} cannot be mapped writable.
 *
 * <p><b>Resizing.</b> {@link #resize(long)} sets the size ({@code ftruncate}). Mappings keep the
 * size they were made with: after growing, map again to reach the new bytes. Shrinking below a
 * mapping this process has of the object is refused ({@link IllegalStateException}): touching a
 * page past the end of the object faults. Other processes' mappings jipc cannot see: shrink only
 * what they no longer map (a {@link MemFd} can be sealed against shrinking).
 *
 * <p>The object is {@link FdBacked}: its descriptor passes to another process over a UNIX socket
 * or to a child; the receiver wraps it with {@link #adopt(Fd)}. Thread-safe.
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/shm_overview.7.html">shm_overview(7)</a>
 * @see <a href="https://man7.org/linux/man-pages/man3/shm_open.3.html">shm_open(3)</a>
 */
public final class SharedMemory implements FdBacked {
    /** Where glibc's shm_open keeps objects: a tmpfs whose size= option bounds them all. */
    static final Path SHM_DIR = Path.of("/dev/shm");

    /**
     * How an object is created or opened. Defaults: mode 0600, read-write, pages allocated on
     * first touch.
     *
     * @param mode    permissions of an object this call creates, set exactly (the umask does not apply)
     * @param access  how the descriptor is opened; creating needs {@link Access#READ_WRITE}
     * @param reserve allocate the pages when creating or growing ({@code fallocate}) instead of on first touch;
     *                a growth larger than the memory available now fails with ENOMEM instead of waking the OOM killer
     * @see <a href="https://man7.org/linux/man-pages/man3/shm_open.3.html">shm_open(3)</a>
     */
    public record Options(Set<PosixFilePermission> mode, Access access, boolean reserve) {
        public Options {
            mode = Set.copyOf(Objects.requireNonNull(mode, "mode"));
            Objects.requireNonNull(access, "access");
        }

        /** Mode 0600, read-write, pages on first touch. */
        public static Options defaults() {
            return new Options(Perms.DEFAULT, Access.READ_WRITE, false);
        }

        /** Permissions of an object this call creates. */
        public Options withMode(Set<PosixFilePermission> permissions) {
            return new Options(permissions, access, reserve);
        }

        /** How the descriptor is opened (for {@link #openExisting(String, Options)}). */
        public Options withAccess(Access a) {
            return new Options(mode, a, reserve);
        }

        /**
         * Whether creating and growing allocate every page at once ({@code fallocate}): a {@code
         * /dev/shm} without room is then an ENOSPC error now, never a fault when a page is first
         * touched. Costs the time to clear the pages up front.
         */
        public Options withReserve(boolean allocateNow) {
            return new Options(mode, access, allocateNow);
        }
    }

    /**
     * An object's state ({@code fstat} of its descriptor).
     *
     * @param name     its name, {@code /frames}
     * @param size     its size in bytes now
     * @param mode     its permissions
     * @param ownerUid its owner
     * @param ownerGid its group
     * @see <a href="https://man7.org/linux/man-pages/man2/fstat.2.html">fstat(2)</a>
     */
    public record Info(String name, long size, Set<PosixFilePermission> mode, int ownerUid, int ownerGid) {
        public Info {
            mode = Set.copyOf(mode);
        }
    }

    private final Fd fd;
    private final String name;
    private final Access access;
    private final boolean reserve;

    private SharedMemory(Fd fd, String name, Access access, boolean reserve) {
        this.fd = fd;
        this.name = name;
        this.access = access;
        this.reserve = reserve;
    }

    // ---------------------------------------------------------------- factories

    /**
     * Creates a new object of {@code size} bytes with mode 0600, failing if the name exists
     * ({@code O_CREAT | O_EXCL}, so no other process can slip an object of its own in first).
     *
     * @throws IllegalArgumentException for a bad name (see {@link #checkName}) or a size below 1
     * @throws io.jipc.AlreadyExistsException if an object of that name exists
     * @throws IpcException ENOSPC for a size {@code /dev/shm} cannot hold (the text names its limit)
     */
    public static SharedMemory createExclusively(String name, long size) throws IpcException {
        return createExclusively(name, size, Options.defaults());
    }

    /** Creates a new object of {@code size} bytes with the given options, failing if the name exists. */
    public static SharedMemory createExclusively(String name, long size, Options options) throws IpcException {
        return open(name, size, options, true);
    }

    /**
     * Opens the object of that name, creating it with {@code size} bytes and mode 0600 if there is
     * none; an existing object smaller than {@code size} is grown to it, never shrunk.
     */
    public static SharedMemory createOrOpen(String name, long size) throws IpcException {
        return createOrOpen(name, size, Options.defaults());
    }

    /** Opens or creates the object with the given options; see {@link #createOrOpen(String, long)}. */
    public static SharedMemory createOrOpen(String name, long size, Options options) throws IpcException {
        return open(name, size, options, false);
    }

    /** Opens an existing object read-write. */
    public static SharedMemory openExisting(String name) throws IpcException {
        return openExisting(name, Options.defaults());
    }

    /**
     * Opens an existing object with the options' {@link Options#access() access}.
     *
     * @throws io.jipc.NotFoundException if there is no object of that name
     * @throws io.jipc.PermissionDeniedException if its mode does not allow the access
     */
    public static SharedMemory openExisting(String name, Options options) throws IpcException {
        checkName(name);
        Objects.requireNonNull(options, "options");
        int r = Mman.shm_open(MemoryFile.cString(name), openFlags(options.access()), 0);
        if (r < 0) {
            throw IpcException.of("shm_open", name, -r);
        }
        return new SharedMemory(Fd.adopt(r, name), name, options.access(), options.reserve());
    }

    /**
     * Wraps a descriptor of a POSIX shared-memory object received from another process (over a
     * UNIX socket, or inherited), taking ownership of it. Its name and access are read from the
     * kernel ({@code /proc/self/fd}, {@code F_GETFL}).
     *
     * @throws IllegalArgumentException if the descriptor is not a file in {@code /dev/shm}
     */
    public static SharedMemory adopt(Fd fd) throws IpcException {
        int n = fd.acquire("fcntl");
        String target;
        int flags;
        try {
            flags = Fcntl.fcntl(n, Fcntl.F_GETFL, 0);
            if (flags < 0) {
                throw IpcException.of("fcntl(F_GETFL)", fd.label(), -flags);
            }
            target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + n)).toString();
        } catch (IOException e) {
            throw new IllegalArgumentException(fd + " cannot be examined: " + e.getMessage(), e);
        } finally {
            fd.release();
        }
        String deleted = " (deleted)";
        String path = target.endsWith(deleted) ? target.substring(0, target.length() - deleted.length()) : target;
        if (!path.startsWith(SHM_DIR + "/") || path.indexOf('/', SHM_DIR.toString().length() + 1) >= 0) {
            throw new IllegalArgumentException(fd + " is not a POSIX shared-memory object (it is " + target
                    + "); a memfd is adopted by MemFd.adopt");
        }
        Access access = (flags & Fcntl.O_ACCMODE) == Fcntl.O_RDWR ? Access.READ_WRITE : Access.READ_ONLY;
        return new SharedMemory(fd, path.substring(SHM_DIR.toString().length()), access, false);
    }

    private static int openFlags(Access access) {
        return access == Access.READ_WRITE ? Fcntl.O_RDWR : Fcntl.O_RDONLY;
    }

    private static SharedMemory open(String name, long size, Options o, boolean exclusive) throws IpcException {
        checkName(name);
        MemoryFile.checkSize("size", size);
        Objects.requireNonNull(o, "options");
        if (o.access() != Access.READ_WRITE) {
            throw new IllegalArgumentException("creating a shared-memory object needs Access.READ_WRITE (its size is set"
                    + " through the descriptor); open it READ_ONLY with openExisting");
        }
        long limit = TmpfsLimit.check(size);
        int mode = Perms.toMode(o.mode());
        int r;
        boolean created;
        while (true) {
            // O_EXCL first even for createOrOpen: only the call that created the object sets its
            // mode and size, and shm_open filters the mode through the umask.
            r = Mman.shm_open(MemoryFile.cString(name), Fcntl.O_RDWR | Fcntl.O_CREAT | Fcntl.O_EXCL, mode);
            if (r >= 0 || r != -EEXIST || exclusive) {
                created = r >= 0;
                break;
            }
            r = Mman.shm_open(MemoryFile.cString(name), Fcntl.O_RDWR, 0);
            if (r != -ENOENT) {
                created = false;
                break; // opened, or refused; ENOENT: unlinked meanwhile, create again
            }
        }
        if (r < 0) {
            throw IpcException.of("shm_open", name, -r);
        }
        Fd fd = Fd.adopt(r, name);
        try {
            if (created) {
                ExactMode.set(r, mode, name);
                MemoryFile.setSize(r, name, 0, size, o.reserve(), limit, TmpfsLimit.NAME);
            } else {
                long now = MemoryFile.stat(r, name).size();
                if (now < size) {
                    MemoryFile.setSize(r, name, now, size, o.reserve(), limit, TmpfsLimit.NAME);
                }
            }
        } catch (IpcException | RuntimeException e) {
            fd.close();
            if (created) {
                Mman.shm_unlink(MemoryFile.cString(name)); // nothing half-made is left behind
            }
            throw e;
        }
        return new SharedMemory(fd, name, Access.READ_WRITE, o.reserve());
    }

    /**
     * Removes the name ({@code shm_unlink}): nobody can open the object any more; its memory goes
     * once the last descriptor and mapping of it are gone.
     *
     * @throws io.jipc.NotFoundException if there is no object of that name
     * @see <a href="https://man7.org/linux/man-pages/man3/shm_unlink.3.html">shm_unlink(3)</a>
     */
    public static void unlink(String name) throws IpcException {
        checkName(name);
        int r = Mman.shm_unlink(MemoryFile.cString(name));
        if (r < 0) {
            throw IpcException.of("shm_unlink", name, -r);
        }
    }

    /** Removes this object's name ({@link #unlink(String)}); this object and its mappings stay usable. */
    public void unlink() throws IpcException {
        int r = Mman.shm_unlink(MemoryFile.cString(name)); // the name was checked when this object was made
        if (r < 0) {
            throw IpcException.of("shm_unlink", name, -r);
        }
    }

    /**
     * Checks a name by the rules of every POSIX IPC name: one leading slash, then 1 to 255 bytes
     * (NAME_MAX, in UTF-8) with no further slash and no NUL, and neither {@code .} nor {@code ..}.
     *
     * @throws IllegalArgumentException saying what is wrong and what is allowed
     */
    public static void checkName(String name) {
        PosixNames.check(name, "shared-memory object", "/frames");
    }

    // ---------------------------------------------------------------- properties

    /** The object's name, e.g. {@code /frames}. */
    public String name() {
        return name;
    }

    /** How the descriptor was opened. */
    public Access access() {
        return access;
    }

    @Override
    public Fd fd() {
        return fd;
    }

    /** The object's size now ({@code fstat}): another process may have resized it. */
    public long size() throws IpcException {
        return MemoryFile.stat(fd).size();
    }

    /**
     * The object's size, mode and owner now ({@code fstat}).
     *
     * @see <a href="https://man7.org/linux/man-pages/man2/fstat.2.html">fstat(2)</a>
     */
    public Info info() throws IpcException {
        MemoryFile.Status st = MemoryFile.stat(fd);
        return new Info(name, st.size(), Perms.fromMode(st.mode()), st.uid(), st.gid());
    }

    /**
     * Sets the object's size ({@code ftruncate}; with {@link Options#withReserve} growing
     * allocates the pages, {@code fallocate}). Existing mappings keep their size.
     *
     * @throws IllegalArgumentException if {@code size} is below 1
     * @throws IllegalStateException if a mapping in this process reaches past {@code size}
     * @throws IpcException ENOSPC for a size {@code /dev/shm} cannot hold; EINVAL on a read-only descriptor
     */
    public void resize(long size) throws IpcException {
        MemoryFile.checkSize("size", size);
        long limit = TmpfsLimit.check(size);
        MemoryFile.resize(fd, name, size, reserve, limit, TmpfsLimit.NAME);
    }

    /** Sets the object's permissions ({@code fchmod}); owner only. */
    public void setMode(Set<PosixFilePermission> mode) throws IpcException {
        int n = fd.acquire("fchmod");
        try {
            int r = Stat.fchmod(n, Perms.toMode(mode));
            if (r < 0) {
                throw IpcException.of("fchmod", name, -r);
            }
        } finally {
            fd.release();
        }
    }

    // ---------------------------------------------------------------- mapping

    /** Maps the whole object, with the descriptor's access ({@code mmap}, {@code MAP_SHARED}). */
    public Mapping map() throws IpcException {
        return map(access);
    }

    /** Maps the whole object with {@code access}. */
    public Mapping map(Access access) throws IpcException {
        return MemoryFile.mapAll(fd, name, this.access, access);
    }

    /**
     * Maps {@code length} bytes from {@code offset} ({@code mmap}, {@code MAP_SHARED}); any offset,
     * page-aligned or not.
     *
     * @throws IllegalArgumentException if the range is not inside the object as it is now (a
     *         negative offset, a length below 1, an end past the object's size)
     * @throws io.jipc.PermissionDeniedException for {@link Access#READ_WRITE} on a read-only descriptor
     * @see <a href="https://man7.org/linux/man-pages/man2/mmap.2.html">mmap(2)</a>
     */
    public Mapping map(Access access, long offset, long length) throws IpcException {
        return MemoryFile.mapRange(fd, name, this.access, access, offset, length);
    }

    /** Closes the descriptor; the object and this process's mappings of it stay. Idempotent. */
    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        return "SharedMemory[" + name + ", " + access.text + (fd.isOpen() ? "" : ", closed") + "]";
    }

    /** The size of the tmpfs behind {@code /dev/shm}: no object there can be larger. */
    static final class TmpfsLimit {
        static final String NAME = "the tmpfs at /dev/shm (its size= mount option)";
        private static volatile long known = read();

        private static long read() {
            try {
                return Files.getFileStore(SHM_DIR).getTotalSpace();
            } catch (IOException e) {
                return 0;
            }
        }

        /** The limit for {@code size}: 0 (none known), or the tmpfs size, read again when {@code size} exceeds it. */
        static long check(long size) {
            long limit = known;
            if (limit > 0 && size > limit) {
                limit = known = read(); // mounts can be resized: believe a refusal only when fresh
            }
            return limit;
        }
    }
}
