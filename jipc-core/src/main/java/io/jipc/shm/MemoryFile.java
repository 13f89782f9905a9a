package io.jipc.shm;

import static io.jipc.internal.libc.Errnos.EACCES;
import static io.jipc.internal.libc.Errnos.EFBIG;
import static io.jipc.internal.libc.Errnos.EINVAL;
import static io.jipc.internal.libc.Errnos.ENOMEM;
import static io.jipc.internal.libc.Errnos.ENOSPC;
import static io.jipc.internal.libc.Errnos.EPERM;

import io.jipc.Fd;
import io.jipc.IpcException;
import io.jipc.internal.ProcFiles;
import io.jipc.internal.libc.Fcntl;
import io.jipc.internal.libc.Mman;
import io.jipc.internal.libc.Stat;
import io.jipc.internal.libc.Unistd;
import io.jipc.internal.wait.Waiter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;

/**
 * What a POSIX shared-memory object and a memfd have in common — both are files of a memory file
 * system (tmpfs, or hugetlbfs for huge pages) reached through a descriptor: their size and owner
 * ({@code fstat}), resizing ({@code ftruncate}, {@code fallocate}) and mapping ({@code mmap}), with
 * the checks before each call and the errors after it.
 */
final class MemoryFile {
    private MemoryFile() {}

    /** The base page size: mappings start on a multiple of it (of the huge page size on hugetlbfs). */
    static final long PAGE_SIZE = Unistd.sysconf(Unistd._SC_PAGESIZE);
    static final Path MAX_MAP_COUNT = Path.of("/proc/sys/vm/max_map_count");

    /** What {@code fstat} says about the file. */
    record Status(long size, int mode, int uid, int gid, long blockSize, LiveMappings.FileKey key) {
        /** The unit mappings are made in: the huge page size on hugetlbfs (its st_blksize), else the page size. */
        long granularity() {
            return blockSize > PAGE_SIZE && Long.bitCount(blockSize) == 1 ? blockSize : PAGE_SIZE;
        }
    }

    /** Refuses a size that is not at least one byte. */
    static void checkSize(String what, long size) {
        if (size < 1) {
            throw new IllegalArgumentException(what + " must be at least 1 byte, got " + size);
        }
    }

    /**
     * A C string of {@code name} in this thread's scratch memory (no arena per call): valid until
     * the thread's next use of its scratch.
     */
    static MemorySegment cString(String name) {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        MemorySegment s = Waiter.current().scratch(bytes.length + 1L);
        MemorySegment.copy(bytes, 0, s, ValueLayout.JAVA_BYTE, 0, bytes.length);
        s.set(ValueLayout.JAVA_BYTE, bytes.length, (byte) 0);
        return s;
    }

    /** {@code fstat} of the descriptor {@code n} (acquired by the caller), into this thread's scratch memory. */
    static Status stat(int n, String label) throws IpcException {
        MemorySegment st = Waiter.current().scratch(Stat.STAT.layout().byteSize());
        int r = Stat.fstat(n, st);
        if (r < 0) {
            throw IpcException.of("fstat", label, -r);
        }
        return new Status(st.get(ValueLayout.JAVA_LONG, Stat.ST_SIZE), st.get(ValueLayout.JAVA_INT, Stat.ST_MODE),
                st.get(ValueLayout.JAVA_INT, Stat.ST_UID), st.get(ValueLayout.JAVA_INT, Stat.ST_GID),
                Stat.blksize(st),
                new LiveMappings.FileKey(st.get(ValueLayout.JAVA_LONG, Stat.ST_DEV), st.get(ValueLayout.JAVA_LONG, Stat.ST_INO)));
    }

    static Status stat(Fd fd) throws IpcException {
        int n = fd.acquire("fstat");
        try {
            return stat(n, fd.label());
        } finally {
            fd.release();
        }
    }

    /** The seals of descriptor {@code n} ({@code F_GET_SEALS}); empty where the kernel has none for it. */
    static Set<Seal> seals(int n, String label) throws IpcException {
        int r = Fcntl.fcntl(n, Fcntl.F_GET_SEALS, 0);
        if (r < 0) {
            if (-r == EINVAL) {
                return Set.of(); // not a file that can be sealed
            }
            throw IpcException.of("fcntl(F_GET_SEALS)", label, -r);
        }
        return Seal.of(r);
    }

    /** The whole file, mapped with {@code access}: the {@code map(Access)} of every kind of file. */
    static Mapping mapAll(Fd fd, String label, Access descriptor, Access access) throws IpcException {
        return map(fd, label, descriptor, java.util.Objects.requireNonNull(access, "access"), 0, -1);
    }

    /** A range the caller gave ({@code -1} is no length there): the {@code map(Access, long, long)} of every kind of file. */
    static Mapping mapRange(Fd fd, String label, Access descriptor, Access access, long offset, long length)
            throws IpcException {
        if (length == -1) {
            throw new IllegalArgumentException("mapping length must be at least 1 byte, got -1");
        }
        return map(fd, label, descriptor, java.util.Objects.requireNonNull(access, "access"), offset, length);
    }

    /**
     * Maps {@code length} bytes from {@code offset} ({@code length} -1: to the end), checked
     * against the file's size now. A range that does not start on a page boundary is mapped from
     * the page it starts in; the mapping shows exactly the range asked for.
     *
     * @param descriptor what the descriptor allows (a read-only one cannot give a writable mapping)
     */
    static Mapping map(Fd fd, String label, Access descriptor, Access access, long offset, long length)
            throws IpcException {
        if (offset < 0) {
            throw new IllegalArgumentException("mapping offset must be >= 0, got " + offset);
        }
        if (length != -1 && length < 1) {
            throw new IllegalArgumentException("mapping length must be at least 1 byte, got " + length);
        }
        if (access == Access.READ_WRITE && descriptor == Access.READ_ONLY) {
            throw IpcException.withDetail("mmap", label, EACCES, "the descriptor was opened read-only, so it cannot be"
                    + " mapped read-write (open it with Access.READ_WRITE, or map it READ_ONLY)");
        }
        int n = fd.acquire("mmap");
        try {
            synchronized (LiveMappings.LOCK) {
                Status st = stat(n, label);
                if (offset >= st.size()) {
                    throw new IllegalArgumentException("mapping offset " + offset + " is past the end of " + label
                            + ", which has " + st.size() + " bytes");
                }
                long len = length == -1 ? st.size() - offset : length;
                if (len > st.size() - offset) {
                    throw new IllegalArgumentException("mapping " + len + " bytes from offset " + offset + " passes the end"
                            + " of " + label + ", which has " + st.size() + " bytes");
                }
                long unit = st.granularity();
                long lead = offset % unit;
                long total = roundUp(len + lead, unit);
                int prot = access == Access.READ_ONLY ? Mman.PROT_READ : Mman.PROT_READ | Mman.PROT_WRITE;
                long address = Mman.mmap(total, prot, Mman.MAP_SHARED, n, offset - lead);
                if (address < 0) {
                    throw mmapError(n, label, (int) -address, st);
                }
                Mapping m = new Mapping(label, Mapping.Kind.MMAP, address, total, lead, len, offset,
                        access == Access.READ_ONLY, st.key());
                LiveMappings.add(m.life());
                return m;
            }
        } finally {
            fd.release();
        }
    }

    private static long roundUp(long n, long unit) {
        long r = n % unit;
        return r == 0 ? n : Math.addExact(n, unit - r);
    }

    private static IpcException mmapError(int n, String label, int errno, Status st) throws IpcException {
        if (errno == EPERM) {
            Set<Seal> seals = seals(n, label);
            if (seals.contains(Seal.WRITE) || seals.contains(Seal.FUTURE_WRITE)) {
                Seal s = seals.contains(Seal.WRITE) ? Seal.WRITE : Seal.FUTURE_WRITE;
                return IpcException.withDetail("mmap", label, errno, "sealed against writing (" + s.cName()
                        + "): it can only be mapped READ_ONLY");
            }
        }
        if (errno == ENOMEM && st.granularity() > PAGE_SIZE) {
            Path pool = HugePages.pool(st.granularity());
            return IpcException.withDetail("mmap", label, errno, "not enough free huge pages of " + st.granularity()
                    + " bytes (" + pool.resolve("free_hugepages") + " = " + ProcFiles.readText(pool.resolve("free_hugepages"))
                    + ", nr_hugepages = " + ProcFiles.readText(pool.resolve("nr_hugepages")) + ")");
        }
        if (errno == ENOMEM) {
            return IpcException.withDetail("mmap", label, errno, "no room in the address space, or this process has"
                    + " the most mappings it may have (" + MAX_MAP_COUNT + " = " + ProcFiles.readText(MAX_MAP_COUNT) + ")");
        }
        return IpcException.of("mmap", label, errno);
    }

    /**
     * Sets the file's size. Growing with {@code reserve} allocates the new pages now ({@code
     * fallocate}), so that a full file system is an error here rather than a fault on first
     * touch. Shrinking below a mapping this process has of the file is refused.
     *
     * @param limit the most bytes the file system holds (its size= option), or 0 for no limit known
     * @param limitName how the error names that limit
     */
    static void resize(Fd fd, String label, long size, boolean reserve, long limit, String limitName)
            throws IpcException {
        checkSize("size", size);
        int n = fd.acquire("ftruncate");
        try {
            synchronized (LiveMappings.LOCK) {
                Status st = stat(n, label);
                long reach = LiveMappings.reach(st.key());
                if (size < reach) {
                    throw new IllegalStateException("cannot shrink " + label + " to " + size + " bytes: a mapping in"
                            + " this process reaches byte " + reach + " (close it first; a page past the end of the"
                            + " object faults when touched)");
                }
                setSize(n, label, st.size(), size, reserve, limit, limitName);
            }
        } finally {
            fd.release();
        }
    }

    /** ftruncate, or fallocate when reserving a growth; errors named with the limit they hit. */
    static void setSize(int n, String label, long current, long size, boolean reserve, long limit, String limitName)
            throws IpcException {
        if (limit > 0 && size > limit) {
            throw IpcException.withDetail("ftruncate", label, ENOSPC, "size " + size + " is more than " + limitName
                    + " can ever hold, " + limit + " bytes");
        }
        boolean allocate = reserve && size > current;
        if (allocate) {
            // tmpfs and memfd pages are memory: a reservation larger than what is free would not
            // fail, it would make the kernel's OOM killer end some process (often another one).
            long available = availableMemory();
            if (available >= 0 && size - current > available) {
                throw IpcException.withDetail("fallocate", label, ENOMEM, "reserving " + (size - current)
                        + " more bytes needs more memory than is available, " + available + " bytes (MemAvailable)");
            }
        }
        int r = allocate ? Fcntl.fallocate(n, 0, 0, size) : Unistd.ftruncate(n, size);
        if (r < 0) {
            throw sizeError(n, label, allocate ? "fallocate" : "ftruncate", -r, current, size, limitName);
        }
    }

    /** MemAvailable from /proc/meminfo in bytes, or -1 when it cannot be read. */
    static long availableMemory() {
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.substring("MemAvailable:".length()).trim().split("\\s+")[0]) * 1024;
                }
            }
        } catch (java.io.IOException | RuntimeException unreadable) {
            return -1;
        }
        return -1;
    }

    private static IpcException sizeError(int n, String label, String call, int errno, long current, long size,
                                          String limitName) throws IpcException {
        if (errno == EPERM) {
            Set<Seal> seals = seals(n, label);
            Seal s = size < current ? Seal.SHRINK : Seal.GROW;
            if (seals.contains(s)) {
                return IpcException.withDetail(call, label, errno, "sealed against " + (s == Seal.SHRINK ? "shrinking"
                        : "growing") + " (" + s.cName() + "): its size stays " + current + " bytes");
            }
        }
        if (errno == EINVAL) {
            int flags = Fcntl.fcntl(n, Fcntl.F_GETFL, 0);
            if (flags >= 0 && (flags & Fcntl.O_ACCMODE) == Fcntl.O_RDONLY) {
                return IpcException.withDetail(call, label, errno, "the descriptor was opened read-only; resizing"
                        + " needs Access.READ_WRITE");
            }
        }
        if (errno == ENOSPC && limitName != null) {
            return IpcException.withDetail(call, label, errno, "no room for " + size + " bytes in " + limitName);
        }
        if (errno == EFBIG) {
            return IpcException.withDetail(call, label, errno, "size " + size + " is larger than a file may be");
        }
        return IpcException.of(call, label, errno);
    }
}
