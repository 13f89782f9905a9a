package io.jipc.shm;

import static io.jipc.internal.libc.Errnos.EBUSY;
import static io.jipc.internal.libc.Errnos.EINVAL;
import static io.jipc.internal.libc.Errnos.EPERM;

import io.jipc.Fd;
import io.jipc.FdBacked;
import io.jipc.IpcException;
import io.jipc.Perms;
import io.jipc.internal.libc.Fcntl;
import io.jipc.internal.libc.Mman;
import io.jipc.internal.libc.Stat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Anonymous shared memory with a descriptor ({@code memfd_create}): no name any other process can
 * open — it is shared by passing the descriptor, over a UNIX socket ({@link
 * io.jipc.socket.UnixSocket#sendFds}) or to a child ({@link io.jipc.process.ChildProcess}) — and
 * it can be <em>sealed</em>: once {@link Seal#WRITE}, {@link Seal#SHRINK} and {@link Seal#GROW}
 * are added, the kernel itself guarantees every process that the contents and size never change,
 * so a receiver can check the {@link #seals()} and trust what it maps without copying it.
 *
 * <pre>{@code
 * // sender
 * try (MemFd table = MemFd.create("lookup-table", bytes.length);
 *      Mapping m = table.map()) {
 *     m.write(0, bytes);
 * }   // (the mapping is closed here, so the WRITE seal can be added)
 * table.addSeals(Seal.SHRINK, Seal.GROW, Seal.WRITE, Seal.SEAL);
 * socket.sendFds(ByteBuffer.wrap(new byte[] {1}), List.of(table));
 *
 * // receiver
 * MemFd table = MemFd.adopt(received.takeFds().get(0));
 * if (!table.seals().containsAll(Set.of(Seal.WRITE, Seal.SHRINK))) throw new SecurityException("unsealed");
 * Mapping m = table.map(Access.READ_ONLY);
 * }</pre>
 *
 * <p>Sizes, mapping and resizing behave as for {@link SharedMemory} (pages on first touch unless
 * {@link Options#withReserve}; shrinking below a mapping of this process refused). A memfd's memory
 * goes when its last descriptor and mapping are gone: nothing is left on the system to remove.
 * With {@link Options#withHugePages(long)} the memory comes from the kernel's pool of huge pages
 * of that size (see {@link #hugePageSizes()}), when it has free ones. Thread-safe.
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/memfd_create.2.html">memfd_create(2)</a>
 */
public final class MemFd implements FdBacked {
    /** The longest name memfd_create takes: NAME_MAX less the {@code memfd:} it puts in front. */
    public static final int NAME_MAX = 249;

    private static final String LINK_PREFIX = "/memfd:";

    /**
     * How a memfd is created. Defaults: sealable, normal pages, allocated on first touch.
     *
     * @param sealing      {@code MFD_ALLOW_SEALING}: whether seals may be added (without it the
     *                     memfd is born with {@link Seal#SEAL})
     * @param hugePageSize 0 for normal pages, else {@code MFD_HUGETLB} with pages of this many bytes
     * @param reserve      allocate the pages when creating or growing ({@code fallocate}); a growth larger
     *                     than the memory available now fails with ENOMEM instead of waking the OOM killer
     * @see <a href="https://man7.org/linux/man-pages/man2/memfd_create.2.html">memfd_create(2)</a>
     */
    public record Options(boolean sealing, long hugePageSize, boolean reserve) {
        public Options {
            if (hugePageSize < 0 || (hugePageSize != 0 && Long.bitCount(hugePageSize) != 1)) {
                throw new IllegalArgumentException("huge page size must be 0 (normal pages) or a power of two, got "
                        + hugePageSize);
            }
        }

        /** Sealable, normal pages, pages on first touch. */
        public static Options defaults() {
            return new Options(true, 0, false);
        }

        /** Whether seals may be added ({@code MFD_ALLOW_SEALING}). */
        public Options withSealing(boolean allowed) {
            return new Options(allowed, hugePageSize, reserve);
        }

        /**
         * Huge pages of {@code pageSize} bytes ({@code MFD_HUGETLB}; one of {@link
         * MemFd#hugePageSizes()}), or 0 for normal pages. Sizes are then multiples of it.
         */
        public Options withHugePages(long pageSize) {
            return new Options(sealing, pageSize, reserve);
        }

        /** Whether creating and growing allocate every page at once ({@code fallocate}). */
        public Options withReserve(boolean allocateNow) {
            return new Options(sealing, hugePageSize, allocateNow);
        }
    }

    /**
     * A memfd's state.
     *
     * @param name  the name it was created with (shown in {@code /proc/PID/fd} as {@code /memfd:NAME})
     * @param size  its size in bytes now
     * @param seals the seals it carries ({@code F_GET_SEALS})
     * @see <a href="https://man7.org/linux/man-pages/man2/memfd_create.2.html">memfd_create(2)</a>
     * @see <a href="https://man7.org/linux/man-pages/man2/fcntl.2.html">fcntl(2)</a>
     */
    public record Info(String name, long size, Set<Seal> seals) {
        public Info {
            seals = Set.copyOf(seals);
        }
    }

    private final Fd fd;
    private final String name;
    private final String label;
    private final Access access;
    private final boolean reserve;

    private MemFd(Fd fd, String name, Access access, boolean reserve) {
        this.fd = fd;
        this.name = name;
        this.label = "memfd:" + name;
        this.access = access;
        this.reserve = reserve;
    }

    /** Creates a sealable memfd of {@code size} bytes. */
    public static MemFd create(String name, long size) throws IpcException {
        return create(name, size, Options.defaults());
    }

    /**
     * Creates a memfd of {@code size} bytes ({@code memfd_create} with {@code MFD_CLOEXEC}, then
     * {@code ftruncate}), mode 0600 (memfd_create's own is 0777; see {@code /proc/PID/fd}).
     *
     * @param name for diagnostics only (several memfds may have the same): up to 249 bytes of
     *             UTF-8, no NUL
     * @throws IllegalArgumentException for a bad name, a size below 1, a huge page size the kernel
     *         does not offer or a size that is not a multiple of it
     */
    public static MemFd create(String name, long size, Options options) throws IpcException {
        checkName(name);
        MemoryFile.checkSize("size", size);
        Objects.requireNonNull(options, "options");
        int flags = Mman.MFD_CLOEXEC | (options.sealing() ? Mman.MFD_ALLOW_SEALING : 0);
        long huge = options.hugePageSize();
        if (huge != 0) {
            List<Long> offered = hugePageSizes();
            if (!offered.contains(huge)) {
                throw new IllegalArgumentException("this kernel offers no huge pages of " + huge + " bytes (it offers "
                        + (offered.isEmpty() ? "none: no hugetlbfs" : offered.toString()) + ", from " + HugePages.ROOT + ")");
            }
            if (size % huge != 0) {
                throw new IllegalArgumentException("a memfd of " + huge + "-byte huge pages has a size that is a multiple"
                        + " of " + huge + ", got " + size);
            }
            flags |= Mman.MFD_HUGETLB | (Long.numberOfTrailingZeros(huge) << Mman.MFD_HUGE_SHIFT);
        }
        int r = Mman.memfd_create(MemoryFile.cString(name), flags);
        String label = "memfd:" + name;
        if (r < 0) {
            throw IpcException.of("memfd_create", label, -r);
        }
        Fd fd = Fd.adopt(r, label);
        try {
            // memfd_create makes the inode 0777, and /proc/PID/fd/N reopens it by that mode: a
            // process of another user handed a read-only descriptor could reopen it read-write.
            // 0600, jipc's default for every object, keeps that to the creator's user.
            int c = Stat.fchmod(r, Perms.toMode(Perms.DEFAULT));
            if (c < 0) {
                throw IpcException.of("fchmod", label, -c);
            }
            MemoryFile.setSize(r, label, 0, size, options.reserve(), 0, null);
        } catch (IpcException | RuntimeException e) {
            fd.close();
            throw e;
        }
        return new MemFd(fd, name, Access.READ_WRITE, options.reserve());
    }

    /**
     * Wraps a memfd descriptor received from another process (over a UNIX socket, or inherited),
     * taking ownership of it. Check its {@link #seals()} before trusting its contents.
     *
     * @throws IllegalArgumentException if the descriptor is not a memfd
     */
    public static MemFd adopt(Fd fd) throws IpcException {
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
        if (!target.startsWith(LINK_PREFIX)) {
            throw new IllegalArgumentException(fd + " is not a memfd (it is " + target + ")");
        }
        String deleted = " (deleted)";
        String name = target.substring(LINK_PREFIX.length(),
                target.endsWith(deleted) ? target.length() - deleted.length() : target.length());
        Access access = (flags & Fcntl.O_ACCMODE) == Fcntl.O_RDWR ? Access.READ_WRITE : Access.READ_ONLY;
        return new MemFd(fd, name, access, false);
    }

    /** The huge page sizes this kernel offers ({@code /sys/kernel/mm/hugepages}), smallest first; empty if none. */
    public static List<Long> hugePageSizes() {
        return HugePages.sizes();
    }

    static void checkName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a memfd name contains no NUL character");
        }
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > NAME_MAX) {
            throw new IllegalArgumentException("a memfd name is at most " + NAME_MAX + " bytes of UTF-8, got " + bytes);
        }
    }

    // ---------------------------------------------------------------- properties

    /** The name it was created with. */
    public String name() {
        return name;
    }

    /** How the descriptor is open (a memfd is created read-write; a received one may be read-only). */
    public Access access() {
        return access;
    }

    @Override
    public Fd fd() {
        return fd;
    }

    /** The size now ({@code fstat}). */
    public long size() throws IpcException {
        return MemoryFile.stat(fd).size();
    }

    /** Name, size and seals now. */
    public Info info() throws IpcException {
        int n = fd.acquire("fstat");
        try {
            return new Info(name, MemoryFile.stat(n, label).size(), MemoryFile.seals(n, label));
        } finally {
            fd.release();
        }
    }

    /**
     * Sets the size ({@code ftruncate}); see {@link SharedMemory#resize(long)}.
     *
     * @throws io.jipc.PermissionDeniedException EPERM if sealed against it ({@link Seal#SHRINK}, {@link Seal#GROW}; the text says which)
     * @throws IllegalStateException if a mapping in this process reaches past {@code size}
     */
    public void resize(long size) throws IpcException {
        MemoryFile.resize(fd, label, size, reserve, 0, null);
    }

    /**
     * The seals it carries ({@code F_GET_SEALS}): {@link Seal#SEAL} alone on a memfd created
     * without sealing.
     */
    public Set<Seal> seals() throws IpcException {
        int n = fd.acquire("fcntl");
        try {
            return MemoryFile.seals(n, label);
        } finally {
            fd.release();
        }
    }

    /** Adds seals; see {@link #addSeals(Set)}. */
    public void addSeals(Seal first, Seal... more) throws IpcException {
        Set<Seal> all = EnumSet.of(first, more);
        addSeals(all);
    }

    /**
     * Adds seals ({@code F_ADD_SEALS}): from now on the kernel refuses, to every process, what
     * they forbid. Adding one it has already is no error.
     *
     * @throws IllegalArgumentException if {@code seals} is empty
     * @throws io.jipc.PermissionDeniedException EPERM: sealed with {@link Seal#SEAL} (or created
     *         without sealing), or the descriptor is read-only
     * @throws IpcException EBUSY for {@link Seal#WRITE} while a writable shared mapping exists (the
     *         text says how many this process has)
     * @see <a href="https://man7.org/linux/man-pages/man2/fcntl.2.html">fcntl(2)</a>
     */
    public void addSeals(Set<Seal> seals) throws IpcException {
        if (seals.isEmpty()) {
            throw new IllegalArgumentException("no seal to add: name at least one of " + EnumSet.allOf(Seal.class));
        }
        String call = "fcntl(F_ADD_SEALS)";
        int n = fd.acquire(call);
        try {
            int r = Fcntl.fcntl(n, Fcntl.F_ADD_SEALS, Seal.bits(seals));
            if (r < 0) {
                throw sealError(n, call, -r, seals);
            }
        } finally {
            fd.release();
        }
    }

    private IpcException sealError(int n, String call, int errno, Set<Seal> seals) throws IpcException {
        if (errno == EPERM) {
            if (access == Access.READ_ONLY) {
                return IpcException.withDetail(call, label, errno, "the descriptor is read-only; adding seals needs"
                        + " one open for writing");
            }
            if (MemoryFile.seals(n, label).contains(Seal.SEAL)) {
                return IpcException.withDetail(call, label, errno, "no seal can be added: it carries F_SEAL_SEAL"
                        + " (added, or it was created without sealing)");
            }
        }
        if (errno == EBUSY && seals.contains(Seal.WRITE)) {
            int mine;
            synchronized (LiveMappings.LOCK) {
                mine = LiveMappings.writable(MemoryFile.stat(n, label).key());
            }
            return IpcException.withDetail(call, label, errno, "it has a writable shared mapping (" + mine
                    + " in this process), which F_SEAL_WRITE cannot be added over: close them first, or use"
                    + " F_SEAL_FUTURE_WRITE to keep them");
        }
        if (errno == EINVAL) {
            return IpcException.withDetail(call, label, errno, "this kernel does not know one of " + seals
                    + " (F_SEAL_FUTURE_WRITE needs Linux 5.1)");
        }
        return IpcException.of(call, label, errno);
    }

    // ---------------------------------------------------------------- mapping

    /** Maps the whole memfd with the descriptor's access. */
    public Mapping map() throws IpcException {
        return map(access);
    }

    /** Maps the whole memfd with {@code access} (a memfd sealed {@link Seal#WRITE} maps only {@link Access#READ_ONLY}). */
    public Mapping map(Access access) throws IpcException {
        return MemoryFile.mapAll(fd, label, this.access, access);
    }

    /** Maps {@code length} bytes from {@code offset}; see {@link SharedMemory#map(Access, long, long)}. */
    public Mapping map(Access access, long offset, long length) throws IpcException {
        return MemoryFile.mapRange(fd, label, this.access, access, offset, length);
    }

    /** Closes this descriptor; the memory stays while another descriptor or a mapping has it. Idempotent. */
    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        return "MemFd[" + name + (fd.isOpen() ? "" : ", closed") + "]";
    }
}
