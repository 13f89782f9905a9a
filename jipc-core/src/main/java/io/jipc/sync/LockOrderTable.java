package io.jipc.sync;

import io.jipc.shm.Access;
import io.jipc.shm.Mapping;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The lock-order checker's edges in shared memory, so that processes checking their lock orders
 * see each other's (see {@link LockOrder#shareEdges(Mapping)}). Every field is little-endian
 * (the machine's order); strings are UTF-8, cut to their field.
 * <pre>
 *   header, 64 bytes:
 *     0: uint32 magic "JPLO" (0x4A504C4F)     4: uint32 version 1     8: uint32 edge slot size 512
 *   edge slots from offset 64, 512 bytes each, as many as the mapping holds:
 *     0: uint32 state  0 empty, 1 being written (claimed by CAS from 0), 2 ready (stored with release)
 *     4: uint32 pid of the process that saw the edge
 *     8: uint16 lengths of: held name, taken name, thread name, site (at 8, 10, 12, 14)
 *    16: int64 identity of the held lock   24: int64 identity of the taken lock (FNV-1a 64 of the whole name)
 *    32: held name (104 bytes)  136: taken name (104)  240: thread name (32)  272: site (240)
 * </pre>
 * Slots are only ever added; a full table keeps its edges and new ones stay in their process.
 */
final class LockOrderTable {
    static final int MAGIC = 0x4A50_4C4F;
    static final int VERSION = 1;
    static final long HEADER = 64;
    static final long EDGE = 512;
    private static final int EMPTY = 0;
    private static final int WRITING = 1;
    private static final int READY = 2;
    private static final long NAME_SIZE = 104;
    private static final long THREAD_SIZE = 32;
    private static final long SITE_SIZE = 240;
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final MemorySegment memory;
    private final int capacity;
    /** Slots below this were ready when last read: never read again. */
    private int readUpTo;

    LockOrderTable(Mapping mapping) {
        Objects.requireNonNull(mapping, "mapping");
        if (mapping.access() != Access.READ_WRITE) {
            throw new IllegalArgumentException("the lock-order edge table needs a read-write mapping; " + mapping + " is not");
        }
        if (mapping.size() < HEADER + EDGE) {
            throw new IllegalArgumentException("a lock-order edge table needs at least " + (HEADER + EDGE)
                    + " bytes (LockOrder.edgeTableSize(n) for n edges); " + mapping + " has " + mapping.size());
        }
        this.memory = mapping.segment();
        this.capacity = (int) Math.min(Integer.MAX_VALUE, (mapping.size() - HEADER) / EDGE);
        int was = (int) INT.compareAndExchange(memory, 0L, 0, MAGIC);
        if (was == 0) {
            memory.set(ValueLayout.JAVA_INT, 8, (int) EDGE);
            INT.setRelease(memory, 4L, VERSION);
        } else if (was != MAGIC) {
            throw new IllegalArgumentException(String.format(
                    "%s does not hold a lock-order edge table (its first word is 0x%08x, not \"JPLO\")", mapping, was));
        }
    }

    static long size(int edges) {
        if (edges < 1) {
            throw new IllegalArgumentException("an edge table holds 1 edge or more, got " + edges);
        }
        return HEADER + edges * EDGE;
    }

    static long identity(String name) {
        long h = 0xcbf29ce484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    /** Adds an edge; false if the table is full. */
    boolean add(LockInversionException.Edge e) {
        for (int i = 0; i < capacity; i++) {
            long at = HEADER + i * EDGE;
            if ((int) INT.getAcquire(memory, at) == EMPTY && INT.compareAndSet(memory, at, EMPTY, WRITING)) {
                memory.set(ValueLayout.JAVA_INT, at + 4, (int) e.pid());
                memory.set(ValueLayout.JAVA_LONG, at + 16, identity(e.held()));
                memory.set(ValueLayout.JAVA_LONG, at + 24, identity(e.taken()));
                put(at + 8, at + 32, NAME_SIZE, e.held());
                put(at + 10, at + 136, NAME_SIZE, e.taken());
                put(at + 12, at + 240, THREAD_SIZE, e.thread());
                put(at + 14, at + 272, SITE_SIZE, e.site());
                INT.setRelease(memory, at, READY);
                return true;
            }
        }
        return false;
    }

    /** The ready edges not read before, as {held identity, taken identity, edge}. */
    List<Object[]> readNew() {
        List<Object[]> edges = new ArrayList<>();
        for (int i = readUpTo; i < capacity; i++) {
            long at = HEADER + i * EDGE;
            int state = (int) INT.getAcquire(memory, at);
            if (state != READY) {
                if (state == EMPTY) {
                    break; // slots fill in order: nothing further yet
                }
                continue; // one being written: its writer is still at it; read it next time
            }
            if (i == readUpTo) {
                readUpTo++;
            }
            edges.add(new Object[] {memory.get(ValueLayout.JAVA_LONG, at + 16), memory.get(ValueLayout.JAVA_LONG, at + 24),
                    new LockInversionException.Edge(get(at + 8, at + 32), get(at + 10, at + 136),
                            Integer.toUnsignedLong(memory.get(ValueLayout.JAVA_INT, at + 4)),
                            get(at + 12, at + 240), get(at + 14, at + 272))});
        }
        return edges;
    }

    private void put(long lengthAt, long at, long room, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        int n = (int) Math.min(b.length, room);
        MemorySegment.copy(b, 0, memory, ValueLayout.JAVA_BYTE, at, n);
        memory.set(ValueLayout.JAVA_SHORT, lengthAt, (short) n);
    }

    private String get(long lengthAt, long at) {
        int n = Math.min(Short.toUnsignedInt(memory.get(ValueLayout.JAVA_SHORT, lengthAt)), 240);
        byte[] b = new byte[n];
        MemorySegment.copy(memory, ValueLayout.JAVA_BYTE, at, b, 0, n);
        return new String(b, StandardCharsets.UTF_8);
    }
}
