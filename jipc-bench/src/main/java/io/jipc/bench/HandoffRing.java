package io.jipc.bench;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The shared memory of a semaphore handoff ({@code sem}, {@code sysv-sem}): per direction, a ring
 * of {@value #SLOTS} slots of {@value #SLOT} bytes, guarded by two counting semaphores — items
 * (slots written and not yet read) and spaces (slots free) — the bounded buffer of the textbooks.
 * A semaphore carries no bytes; what travels in a slot is the message's first {@value #SLOT}
 * bytes (its sequence number and whatever else the exchange stamps in front), so the receiver
 * checks every handoff as it checks every message, and the rest of a larger message is ignored:
 * a handoff is not a data transfer. {@code c/sem.c} and {@code c/sysv-sem.c} lay it out the same.
 *
 * <p>Both JVMs map the same file; the slots are plain memory, ordered by the semaphore operations
 * around them (a post is a release, a wait an acquire; the fences here say so to the JIT too).
 */
final class HandoffRing {
    static final int SLOTS = 256;
    static final int SLOT = 64;
    static final long BYTES = 2L * SLOTS * SLOT;

    /** Direction 0 goes from the harness's side to the peer, direction 1 back. */
    static final int TO_PEER = 0;
    static final int TO_US = 1;

    private final MemorySegment out;
    private final MemorySegment in;
    private long sent;
    private long received;

    private HandoffRing(MemorySegment rings, boolean harnessSide) {
        MemorySegment toPeer = rings.asSlice((long) TO_PEER * SLOTS * SLOT, (long) SLOTS * SLOT);
        MemorySegment toUs = rings.asSlice((long) TO_US * SLOTS * SLOT, (long) SLOTS * SLOT);
        this.out = harnessSide ? toPeer : toUs;
        this.in = harnessSide ? toUs : toPeer;
    }

    /** Creates the ring file (the harness's side) and maps it; mapping it grows it to its size. */
    static HandoffRing create(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            return new HandoffRing(ch.map(FileChannel.MapMode.READ_WRITE, 0, BYTES, Arena.ofAuto()), true);
        }
    }

    /** Maps the ring file the harness's side made (the peer's side). */
    static HandoffRing open(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            return new HandoffRing(ch.map(FileChannel.MapMode.READ_WRITE, 0, BYTES, Arena.ofAuto()), false);
        }
    }

    /** Writes the next outgoing slot from {@code message}; call with the slot's space held, before posting the item. */
    void put(MemorySegment message) {
        long at = (sent++ % SLOTS) * SLOT;
        MemorySegment.copy(message, 0, out, at, Math.min(SLOT, message.byteSize()));
        VarHandle.releaseFence();
    }

    /** Reads the next incoming slot into {@code message}; call after waiting for its item. */
    void take(MemorySegment message) {
        VarHandle.acquireFence();
        long at = (received++ % SLOTS) * SLOT;
        MemorySegment.copy(in, at, message, 0, Math.min(SLOT, message.byteSize()));
    }

    /** How many messages this side has read. */
    long received() {
        return received;
    }
}
