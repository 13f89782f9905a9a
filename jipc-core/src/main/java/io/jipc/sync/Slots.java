package io.jipc.sync;

/**
 * Where synchronisation objects go in a shared-memory mapping, so that Java and C agree on the
 * offsets: reserves aligned slots one after the other, from a starting offset.
 *
 * <pre>{@code
 * Slots slots = Slots.from(0);
 * long lock = slots.reserve(SlotKind.MUTEX);          // 0
 * long ready = slots.reserve(SlotKind.CONDITION);     // 48
 * long frame = slots.bytes(4096, 64);                 // 128: the data the mutex guards
 * long size = slots.size();                           // how big the segment must be
 * }</pre>
 *
 * <p><b>A slot</b> is an 8-byte header followed by the glibc object ({@code pthread_mutex_t},
 * {@code pthread_cond_t}, {@code pthread_rwlock_t}, {@code sem_t}) at offset {@link
 * #HEADER_SIZE}, 8-byte aligned (the alignment of every one of these objects on x86_64 and
 * aarch64; sizes and alignments are glibc's, checked against the C headers by the test suite).
 * The header says what the slot holds, so a slot initialised twice, or used before anyone
 * initialised it, or holding another kind of object, is refused instead of being undefined
 * behaviour:
 * <pre>
 *   offset 0: uint32 magic    0 = empty; SlotKind.magic() once an initialiser claimed the slot
 *   offset 4: uint32 version  0 while the object is being initialised, 1 once it is ready
 *   offset 8: the glibc object
 * </pre>
 * A C program sharing the segment initialises an object the same way: claim the slot with a
 * compare-and-swap of the magic from 0, initialise the object at {@code slot + 8}
 * ({@code PTHREAD_PROCESS_SHARED}; a mutex also robust and error-checking), then store version
 * 1 with release ordering. jipc's test peers ({@code sync_peer.c}) show it.
 *
 * <p>Not thread-safe: one thread plans a layout, usually once, before creating the segment.
 *
 * @see <a href="https://man7.org/linux/man-pages/man3/pthread_mutexattr_setpshared.3.html">pthread_mutexattr_setpshared(3)</a>
 */
public final class Slots {
    /** The header's size: the object starts this many bytes into its slot. */
    public static final long HEADER_SIZE = 8;
    /** Every slot starts at a multiple of this, relative to the mapping (whose base is page-aligned). */
    public static final long ALIGNMENT = 8;
    /** The header's version word once the object is ready. */
    public static final int VERSION = 1;

    private long next;

    private Slots(long start) {
        this.next = start;
    }

    /**
     * Reserves slots from {@code offset} on (rounded up to {@link #ALIGNMENT}).
     *
     * @throws IllegalArgumentException if the offset is negative, or so large that aligning it passes Long.MAX_VALUE
     */
    public static Slots from(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("a slot offset is 0 or more, got " + offset);
        }
        return new Slots(align(offset, ALIGNMENT));
    }

    /** Reserves one slot for an object of {@code kind} and returns its offset (the header's). */
    public long reserve(SlotKind kind) {
        long at = next;
        next = end(at, kind.slotSize());
        return at;
    }

    /**
     * Reserves {@code size} bytes of data aligned to {@code alignment} (a power of two) and returns
     * their offset.
     *
     * @throws IllegalArgumentException if the size is negative, the alignment not a power of two, or
     *         the reservation would end past Long.MAX_VALUE (nothing is reserved then)
     */
    public long bytes(long size, long alignment) {
        if (size < 0) {
            throw new IllegalArgumentException("a size is 0 or more, got " + size);
        }
        if (alignment <= 0 || Long.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("an alignment is a power of two, got " + alignment);
        }
        long at = align(next, alignment);
        next = end(at, size);
        return at;
    }

    /** The end of the last reservation: the least size of a segment that holds them all. */
    public long size() {
        return next;
    }

    static long align(long value, long alignment) {
        return end(value, alignment - 1) & -alignment;
    }

    /** {@code at + size}, refused when it passes the largest offset a segment can have. */
    private static long end(long at, long size) {
        long end = at + size;
        if (end < at) {
            throw new IllegalArgumentException("a reservation of " + size + " bytes at offset " + at
                    + " would end past the largest offset, " + Long.MAX_VALUE);
        }
        return end;
    }

    @Override
    public String toString() {
        return "Slots[next " + next + "]";
    }
}
