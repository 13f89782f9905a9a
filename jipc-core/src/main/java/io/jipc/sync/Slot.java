package io.jipc.sync;

import io.jipc.IpcException;
import io.jipc.ObjectClosedException;
import io.jipc.internal.MappingLives;
import io.jipc.internal.wait.BackOff;
import io.jipc.internal.wait.Handle;
import io.jipc.shm.Access;
import io.jipc.shm.Mapping;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;

/**
 * One object's slot in a mapping (see {@link Slots} for the format): the checks every object
 * makes before it touches the memory, and the header's claim/ready protocol.
 */
final class Slot {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    /** How long an open waits for another process's initialisation to finish before it gives up. */
    private static final long INIT_WAIT_NANOS = 1_000_000_000L;

    final SlotKind kind;
    final long offset;
    final String label;
    final MemorySegment header;
    /** The glibc object, in the mapping's shared arena: an access after the mapping closed is refused. */
    final MemorySegment object;
    /**
     * The same bytes by bare address, for the calls: safe only while the object's {@link #life()}
     * is acquired (which keeps the mapping pinned), and no arena to acquire per call.
     */
    final MemorySegment raw;
    private final Mapping mapping;

    private Slot(SlotKind kind, Mapping mapping, long offset) {
        this.kind = kind;
        this.offset = offset;
        this.label = kind.text + " at " + offset + " of " + mapping.objectName();
        MemorySegment all = mapping.segment();
        this.header = all.asSlice(offset, Slots.HEADER_SIZE);
        this.object = all.asSlice(offset + Slots.HEADER_SIZE, kind.objectSize());
        this.raw = MemorySegment.ofAddress(object.address()).reinterpret(kind.objectSize());
        this.mapping = mapping;
    }

    boolean mappingOpen() {
        return mapping.isOpen();
    }

    /**
     * The life of an object opened on this slot: it pins the mapping until the object is closed
     * and no call on it is in flight, so calls made between its acquire and release may use
     * {@link #raw}. A mapping closed meanwhile keeps its pages until then.
     */
    Handle life() {
        Handle pages = MappingLives.lifeOf(mapping);
        try {
            pages.acquire("open " + kind.text);
        } catch (ObjectClosedException e) {
            throw new IllegalStateException(mapping + " is closed", e);
        }
        return new Handle(label, -1) {
            @Override
            protected void free() {
                pages.release();
            }
        };
    }

    private static Slot check(SlotKind kind, Mapping mapping, long offset) {
        Objects.requireNonNull(mapping, "mapping");
        if (mapping.access() != Access.READ_WRITE) {
            throw new IllegalArgumentException("a " + kind.text + " needs a " + Access.READ_WRITE + " mapping; "
                    + mapping + " is read-only");
        }
        long size = mapping.size();
        if (offset < 0 || offset > size - kind.slotSize()) {
            throw new IllegalArgumentException("a " + kind.text + "'s slot is " + kind.slotSize() + " bytes; offset "
                    + offset + " does not leave that much inside the " + size + "-byte mapping (offsets 0.."
                    + Math.max(-1, size - kind.slotSize()) + ")");
        }
        if (offset % Slots.ALIGNMENT != 0) {
            throw new IllegalArgumentException("a " + kind.text + "'s slot starts at a multiple of "
                    + Slots.ALIGNMENT + "; offset " + offset + " is not (use Slots to place objects)");
        }
        Slot s = new Slot(kind, mapping, offset);
        if (s.object.address() % Slots.ALIGNMENT != 0) {
            throw new IllegalArgumentException("slot at " + offset + " of " + mapping + " is at address 0x"
                    + Long.toHexString(s.object.address()) + ", not " + Slots.ALIGNMENT
                    + "-byte aligned: map the object from an aligned offset");
        }
        return s;
    }

    /**
     * Claims an empty slot for a new object: the magic goes from 0 to the kind's, so of two
     * initialisers — threads or processes — exactly one wins. Follow with {@link #ready()} or
     * {@link #release()}.
     */
    static Slot claim(SlotKind kind, Mapping mapping, long offset) {
        Slot s = check(kind, mapping, offset);
        int was = (int) INT.compareAndExchange(s.header, 0L, 0, kind.magic());
        if (was != 0) {
            throw new IllegalStateException(s.label + " is already initialised" + s.holding(was)
                    + ": open it with openExisting, or place the new object in another slot");
        }
        return s;
    }

    /** Writes a new object into a claimed slot ({@code object}), staging what it needs in {@code scratch}: 0, or -errno. */
    @FunctionalInterface
    interface Initialiser {
        int init(MemorySegment object, Arena scratch);
    }

    /**
     * Claims the empty slot, initialises the object with {@code initialiser} (named {@code call} in
     * an error) and marks it ready; a failed initialisation gives the slot back, so no
     * half-made object stays in the mapping.
     */
    static Slot initialise(SlotKind kind, Mapping mapping, long offset, String call, Initialiser initialiser)
            throws IpcException {
        Slot slot = claim(kind, mapping, offset);
        int r;
        try (Arena scratch = Arena.ofConfined()) {
            r = initialiser.init(slot.object, scratch);
        }
        if (r < 0) {
            slot.release();
            throw IpcException.of(call, slot.label, -r);
        }
        slot.ready();
        return slot;
    }

    /** Opens a slot holding a ready object of {@code kind}, waiting briefly for an initialiser to finish. */
    static Slot existing(SlotKind kind, Mapping mapping, long offset) {
        Slot s = check(kind, mapping, offset);
        long start = System.nanoTime();
        int pauses = 0;
        while (true) {
            int magic = (int) INT.getAcquire(s.header, 0L);
            if (magic != kind.magic()) {
                throw new IllegalStateException(magic == 0
                        ? s.label + " was never initialised (its slot header is 0): create it first"
                        : s.label + " does not hold one" + s.holding(magic));
            }
            int version = (int) INT.getAcquire(s.header, 4L);
            if (version == Slots.VERSION) {
                return s;
            }
            if (version != 0) {
                throw new IllegalStateException(s.label + " has slot version " + version + "; this jipc knows version "
                        + Slots.VERSION);
            }
            if (System.nanoTime() - start > INIT_WAIT_NANOS) {
                throw new IllegalStateException(s.label + " is still being initialised after 1 s (an initialiser"
                        + " that died halfway leaves the slot so: clear its 8-byte header to reuse it)");
            }
            // Another process is between claim and ready: pause as the engine's waits do, not spin.
            LockSupport.parkNanos(BackOff.EXPONENTIAL.pauseNanos(pauses++));
        }
    }

    private String holding(int magic) {
        if (magic == kind.magic()) {
            return "";
        }
        SlotKind other = SlotKind.ofMagic(magic);
        return other != null ? " (it holds a " + other.text + ")"
                : String.format(" (its header holds 0x%08x, no jipc object's magic)", magic);
    }

    /** Marks the object initialised: openers may use it from now on. */
    void ready() {
        INT.setRelease(header, 4L, Slots.VERSION);
    }

    /** Gives a claimed slot back after a failed initialisation. */
    void release() {
        INT.setRelease(header, 0L, 0);
    }
}
