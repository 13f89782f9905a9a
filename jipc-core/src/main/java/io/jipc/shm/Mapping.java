package io.jipc.shm;

import io.jipc.ObjectClosedException;
import io.jipc.internal.libc.Mman;
import io.jipc.internal.libc.Shm;
import io.jipc.internal.wait.Handle;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.Objects;

/**
 * Shared memory mapped into this process — a range of a {@link SharedMemory} or {@link MemFd}
 * ({@code mmap} with {@code MAP_SHARED}), or a {@link SysVSharedMemory} segment attached ({@code
 * shmat}) — with two ways in: bulk copies ({@code read} and {@code write} of a {@code byte[]},
 * {@link ByteBuffer} or {@link MemorySegment}) and the memory itself as a bounds-checked {@link
 * #segment() MemorySegment}, for structured access, atomics and objects placed at offsets.
 *
 * <pre>{@code
 * try (SharedMemory shm = SharedMemory.createExclusively("/frames", 1 << 20);
 *      Mapping m = shm.map()) {
 *     m.write(0, header);                                    // a bulk copy in
 *     m.segment().set(ValueLayout.JAVA_INT, 64, frameCount);  // or the memory itself
 * }
 * }</pre>
 *
 * <p><b>Closing is safe from any thread.</b> {@link #close()} ends the mapping; the pages are
 * given back ({@code munmap}, {@code shmdt}) only when nothing can touch them any more:
 * <ul>
 *   <li>a bulk copy already running when another thread closes finishes first (the pages go when
 *       it returns); one started after the close is refused;
 *   <li>the {@link #segment()} lives in a shared {@link Arena} that close closes before the pages
 *       go: an access through it, or through any slice or {@code ByteBuffer} view of it, from any
 *       thread, during or after the close, is refused, never a fault;
 *   <li>a system call the segment was passed to (a {@code write} from it, a {@code pthread_mutex_lock}
 *       on it) holds the arena open until it returns: close does not wait for it; the pages stay
 *       mapped, and the segment usable, until the call returns, and a jipc thread then closes the
 *       arena and unmaps them;
 *   <li>an io.jipc.sync object placed in the mapping (a {@code SharedMutex}...) holds the pages
 *       while it is open (and a mutex while a thread of this process holds it): its calls pass
 *       the bare address to glibc, and close does not wait for it.
 * </ul>
 * A closed mapping answers with {@link IllegalStateException} — the exception the JDK's shared
 * arenas throw — however it is touched, and never reaches unmapped memory. (The JDK refuses an
 * access through the segment that races the close with an asynchronous exception, and that may
 * also set the accessing thread's interrupt status: a thread that catches it there should clear
 * it with {@link Thread#interrupted()} unless it expects an interrupt. The copies are not refused
 * that way.)
 *
 * <p><b>Bounds.</b> Every copy checks its range against the mapping before it touches memory
 * ({@link IndexOutOfBoundsException}), and so does every access through the segment. A read-only
 * mapping refuses writes with {@link IllegalArgumentException}, as a read-only segment does: the
 * read-only page is never written to.
 *
 * <p><b>The object's size.</b> A mapping keeps the size it was made with: growing the object does
 * not grow it (map again to see the new bytes), and jipc refuses to shrink an object below a
 * mapping this process has of it ({@link SharedMemory#resize}). Another process can still shrink
 * a {@link SharedMemory} object (a {@link MemFd} sealed with {@link Seal#SHRINK} cannot be);
 * touching a page past its new end then makes the JVM throw {@link InternalError} ("a fault
 * occurred in an unsafe memory access operation") instead of crashing — as it does for any
 * mapped file.
 *
 * <p><b>Costs.</b> The copies allocate nothing. {@link #segment()} makes the shared arena on its
 * first call; closing a mapping that has one costs a JVM handshake with every thread (tens of
 * microseconds); closing one used only through copies is a bare {@code munmap}.
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/mmap.2.html">mmap(2)</a>
 * @see <a href="https://man7.org/linux/man-pages/man2/shmat.2.html">shmat(2)</a>
 */
public final class Mapping implements AutoCloseable {
    /** How the pages are given back: {@code munmap} for a mapped file, {@code shmdt} for a System V attach. */
    enum Kind {
        MMAP,
        SHMAT
    }

    /**
     * The mapping's life: the one close protocol of jipc ({@link Handle}), with freeing = closing
     * the segment's arena (if one was made), then unmapping.
     */
    static final class Life extends Handle {
        final Kind kind;
        final long base;
        final long length;
        final LiveMappings.FileKey file;
        final long fileEnd;
        final boolean writable;
        volatile Arena arena;

        Life(String label, Kind kind, long base, long length, LiveMappings.FileKey file, long fileEnd,
             boolean writable) {
            super(label, -1);
            this.kind = kind;
            this.base = base;
            this.length = length;
            this.file = file;
            this.fileEnd = fileEnd;
            this.writable = writable;
        }

        @Override
        protected void free() {
            Arena a = arena;
            if (a != null && !Unmapper.tryClose(a)) {
                Unmapper.later(this); // a system call still holds the segment: unmap once it returns
                return;
            }
            unmap();
        }

        void unmap() {
            if (kind == Kind.MMAP) {
                Mman.munmap(base, length);
            } else {
                Shm.shmdt(base);
            }
            LiveMappings.remove(this);
        }
    }

    static {
        io.jipc.internal.MappingLives.register(m -> m.life);
    }

    private final Life life;
    private final String object;
    /** The mapped bytes, with no scope: touched only between {@code pin} and {@code unpin}. */
    private final MemorySegment memory;
    private final long size;
    private final long objectOffset;
    private final boolean readOnly;
    private volatile MemorySegment view;
    /** {@link #memory} as a buffer (its first 2 GiB), for copies to and from direct buffers; made on first use. */
    private volatile ByteBuffer buffer;

    Mapping(String object, Kind kind, long base, long mappedLength, long lead, long size, long objectOffset,
            boolean readOnly, LiveMappings.FileKey file) {
        this.object = object;
        this.size = size;
        this.objectOffset = objectOffset;
        this.readOnly = readOnly;
        this.life = new Life("mapping of " + object, kind, base, mappedLength, file, objectOffset + size, !readOnly);
        this.memory = MemorySegment.ofAddress(base + lead).reinterpret(size);
    }

    Life life() {
        return life;
    }

    // ---------------------------------------------------------------- properties

    /** How many bytes are mapped. */
    public long size() {
        return size;
    }

    /** Where in the object the mapping starts (0 for a whole object or a System V segment). */
    public long offset() {
        return objectOffset;
    }

    /** Whether the mapping may be written. */
    public Access access() {
        return readOnly ? Access.READ_ONLY : Access.READ_WRITE;
    }

    /**
     * The mapped object as messages name it: {@code /frames}, {@code memfd:frames}, {@code shmid 7}
     * (objects placed in the mapping, such as io.jipc.sync's, name it in theirs).
     */
    public String objectName() {
        return object;
    }

    /** Whether {@link #close()} has not been called. */
    public boolean isOpen() {
        return life.isOpen();
    }

    /**
     * The mapped memory as a segment of {@link #size()} bytes, read-only for a read-only mapping:
     * every access is bounds-checked, and refused with {@link IllegalStateException} once the
     * mapping is closed (it lives in a shared arena that {@link #close()} closes). The same
     * segment on every call. Its address is the object's offset {@link #offset()} plus a
     * page-aligned base, so an offset aligned within the object is aligned in memory too (up to
     * the page size).
     *
     * @throws IllegalStateException if the mapping is closed
     */
    public MemorySegment segment() {
        MemorySegment v = view;
        if (v != null && life.isOpen()) {
            return v;
        }
        pin("segment");
        try {
            synchronized (this) {
                if (view == null) {
                    Arena arena = Arena.ofShared();
                    MemorySegment s = MemorySegment.ofAddress(memory.address()).reinterpret(size, arena, null);
                    life.arena = arena; // before release: free(), which only runs after it, closes it
                    view = readOnly ? s.asReadOnly() : s;
                }
                return view;
            }
        } finally {
            life.release();
        }
    }

    // ---------------------------------------------------------------- copies out

    /** Copies {@code dst.length} bytes from {@code offset} into {@code dst}. */
    public void read(long offset, byte[] dst) {
        read(offset, dst, 0, dst.length);
    }

    /**
     * Copies {@code length} bytes from {@code offset} of the mapping into {@code dst} from {@code
     * dstIndex}. Allocates nothing.
     *
     * @throws IndexOutOfBoundsException if either range is outside its array or mapping
     * @throws IllegalStateException if the mapping is closed
     */
    public void read(long offset, byte[] dst, int dstIndex, int length) {
        Objects.checkFromIndexSize(dstIndex, length, dst.length);
        checkRange(offset, length);
        pin("read");
        try {
            MemorySegment.copy(memory, ValueLayout.JAVA_BYTE, offset, dst, dstIndex, length);
        } finally {
            life.release();
        }
    }

    /**
     * Fills {@code dst}'s remaining space with the bytes from {@code offset} and advances its
     * position past them. Allocates nothing.
     *
     * @throws ReadOnlyBufferException if {@code dst} is read-only
     */
    public void read(long offset, ByteBuffer dst) {
        if (dst.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        int n = dst.remaining();
        checkRange(offset, n);
        pin("read");
        try {
            int at = dst.position();
            if (dst.hasArray()) {
                MemorySegment.copy(memory, ValueLayout.JAVA_BYTE, offset, dst.array(), dst.arrayOffset() + at, n);
            } else if (offset + n <= Integer.MAX_VALUE) {
                dst.put(at, buffer(), (int) offset, n);
            } else {
                MemorySegment.copy(memory, offset, MemorySegment.ofBuffer(dst), 0, n);
            }
            dst.position(at + n);
        } finally {
            life.release();
        }
    }

    /** Copies {@code dst.byteSize()} bytes from {@code offset} into {@code dst}. Allocates nothing. */
    public void read(long offset, MemorySegment dst) {
        long n = dst.byteSize();
        checkRange(offset, n);
        pin("read");
        try {
            MemorySegment.copy(memory, offset, dst, 0, n);
        } finally {
            life.release();
        }
    }

    // ---------------------------------------------------------------- copies in

    /** Copies all of {@code src} to {@code offset}. */
    public void write(long offset, byte[] src) {
        write(offset, src, 0, src.length);
    }

    /**
     * Copies {@code length} bytes of {@code src} from {@code srcIndex} to {@code offset} of the
     * mapping. Allocates nothing.
     *
     * @throws IndexOutOfBoundsException if either range is outside its array or mapping
     * @throws IllegalArgumentException if the mapping is read-only
     * @throws IllegalStateException if the mapping is closed
     */
    public void write(long offset, byte[] src, int srcIndex, int length) {
        Objects.checkFromIndexSize(srcIndex, length, src.length);
        checkWritable();
        checkRange(offset, length);
        pin("write");
        try {
            MemorySegment.copy(src, srcIndex, memory, ValueLayout.JAVA_BYTE, offset, length);
        } finally {
            life.release();
        }
    }

    /** Copies {@code src}'s remaining bytes to {@code offset} and advances its position past them. Allocates nothing. */
    public void write(long offset, ByteBuffer src) {
        checkWritable();
        int n = src.remaining();
        checkRange(offset, n);
        pin("write");
        try {
            int at = src.position();
            if (src.hasArray()) {
                MemorySegment.copy(src.array(), src.arrayOffset() + at, memory, ValueLayout.JAVA_BYTE, offset, n);
            } else if (offset + n <= Integer.MAX_VALUE) {
                buffer().put((int) offset, src, at, n);
            } else {
                MemorySegment.copy(MemorySegment.ofBuffer(src), 0, memory, offset, n);
            }
            src.position(at + n);
        } finally {
            life.release();
        }
    }

    /** Copies all of {@code src} to {@code offset}. Allocates nothing. */
    public void write(long offset, MemorySegment src) {
        checkWritable();
        long n = src.byteSize();
        checkRange(offset, n);
        pin("write");
        try {
            MemorySegment.copy(src, 0, memory, offset, n);
        } finally {
            life.release();
        }
    }

    // ---------------------------------------------------------------- life

    /**
     * Ends the mapping: later copies and accesses through {@link #segment()} are refused; the
     * pages are given back once no copy and no system call uses them (see the class comment).
     * Idempotent and thread-safe; never blocks.
     */
    @Override
    public void close() {
        life.close();
    }

    @Override
    public String toString() {
        return "Mapping[" + object + ", bytes " + objectOffset + ".." + (objectOffset + size - 1) + ", "
                + access().text + (isOpen() ? "" : ", closed") + "]";
    }

    /**
     * The mapped bytes as a direct buffer, for the copies with direct (and read-only) buffers:
     * {@code ByteBuffer}'s absolute bulk put copies between two buffers without the segment
     * {@link MemorySegment#ofBuffer} would allocate per call. Absolute puts leave its position
     * alone, so threads share it. Used only while pinned, as {@link #memory} is.
     */
    private ByteBuffer buffer() {
        ByteBuffer b = buffer;
        if (b == null) {
            buffer = b = memory.asSlice(0, Math.min(size, Integer.MAX_VALUE)).asByteBuffer();
        }
        return b;
    }

    private void pin(String op) {
        try {
            life.acquire(op);
        } catch (ObjectClosedException e) {
            throw new IllegalStateException(life.label() + " is closed", e);
        }
    }

    private void checkRange(long offset, long length) {
        if (offset < 0 || length < 0 || offset > size - length) {
            throw new IndexOutOfBoundsException("bytes " + offset + " to " + offset + "+" + length
                    + " are outside this " + size + "-byte " + life.label());
        }
    }

    private void checkWritable() {
        if (readOnly) {
            throw new IllegalArgumentException(life.label() + " is read-only: map it " + Access.READ_WRITE
                    + " to write");
        }
    }
}
