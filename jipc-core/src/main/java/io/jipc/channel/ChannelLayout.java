package io.jipc.channel;

import io.jipc.Errno;
import io.jipc.IpcException;
import io.jipc.internal.libc.Libc;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * Where everything is in a channel's shared memory: {@code docs/channel-layout.md} as offset
 * constants, and the checks an opener makes before it trusts the header.
 */
final class ChannelLayout {
    private ChannelLayout() {}

    /** The bytes "JIPCCHN1", little-endian. */
    static final long MAGIC_VALUE = 0x314E48434350494AL;
    static final int VERSION_VALUE = 1;
    /** The many-producer layout: producer slots after the 512 bytes of version 1's header, records framed by size. */
    static final int VERSION_MANY = 2;
    static final int HEADER_SIZE = 512;

    static final long MAGIC = 0;
    static final long VERSION = 8;
    static final long HEADER_SIZE_FIELD = 12;
    static final long CAPACITY = 16;
    static final long MAX_RECORD = 24;
    /** Version 2: how many producer slots follow the first 512 bytes. */
    static final long SLOTS = 28;
    /** The layout features the channel's ends follow (a bit set; an opener refuses bits it does not know). */
    static final long FEATURES = 32;
    /** Feature 1: an end barriers the others before it sleeps, so positions and commits are published with release stores. */
    static final int FEATURE_SLEEP_BARRIER = 1;
    static final int KNOWN_FEATURES = FEATURE_SLEEP_BARRIER;
    static final long TAIL = 128;
    static final long WRITER = 136;
    static final long HEAD = 256;
    static final long READER = 264;
    static final long READER_SLEEPING = 384;
    static final long WRITER_SLEEPING = 388;

    /** Version 2's producer slots: one 64-byte line each, from offset 512. */
    static final int SLOT_BASE = 512;
    static final int SLOT_SIZE = 64;
    /** In a slot: the producer's attach word, then the position its claim starts at (or {@link #NO_CLAIM}). */
    static final int SLOT_ATTACH = 0;
    static final int SLOT_CLAIM = 8;
    static final long NO_CLAIM = -1L;

    /** A record's header: payload length, then type. */
    static final int RECORD_HEADER = 8;
    static final int LENGTH = 0;
    static final int TYPE = 4;
    static final int PADDING = -1;

    /** Attach word states (high 32 bits; the pid is the low 32). */
    static final long NEVER = 0;
    static final long ATTACHED = 1;
    static final long DETACHED = 2;

    static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    /** Whether {@link #publish} stores with an exchange (x86-64) or a volatile store (aarch64). */
    private static final boolean EXCHANGE = !Libc.AARCH64;

    /**
     * Stores a position or a record header sequentially consistently — with the store-load fence
     * the wake check after it needs — the way C's {@code __atomic_store_n(…, __ATOMIC_SEQ_CST)}
     * compiles: one locked exchange on x86-64, where the JIT's volatile store is a plain store
     * followed by a locked add (the exchange streamed 64-byte records 3 % faster against C, five
     * interleaved runs out of five); {@code stlr} on aarch64, which the volatile store already is.
     */
    static void publish(MemorySegment memory, long offset, long value) {
        if (EXCHANGE) {
            long previous = (long) LONG.getAndSet(memory, offset, value); // the cast keeps the call exact: no boxing
        } else {
            LONG.setVolatile(memory, offset, value);
        }
    }

    /** The one error for memory that does not follow the layout: {@code open(NAME): DETAIL (EBADMSG)}. */
    static IpcException corrupt(String label, String detail) {
        return IpcException.withDetail("open", label, Errno.EBADMSG.number(), detail);
    }

    /** Bytes before the data area: 512, and 64 per producer slot in a many-producer channel. */
    static int headerSize(int producers) {
        return producers == 1 ? HEADER_SIZE : HEADER_SIZE + SLOT_SIZE * producers;
    }

    static long slot(int index) {
        return SLOT_BASE + (long) SLOT_SIZE * index;
    }

    /** Version 2's record header as one little-endian long: size (bytes of header and payload, or negative) then type. */
    static long header(int size, int type) {
        return (size & 0xFFFF_FFFFL) | (long) type << 32;
    }

    /** Version 2: a record's framed size from its header's size field (header and payload), rounded up to 8. */
    static int framedSize(int size) {
        return (size + 7) & ~7;
    }

    static int maxRecord(int capacity) {
        return capacity / 2;
    }

    static int maxPayload(int capacity) {
        return maxRecord(capacity) - RECORD_HEADER;
    }

    /** A record's framed size: header and payload, rounded up to 8. */
    static int framed(int payload) {
        return (RECORD_HEADER + payload + 7) & ~7;
    }

    static long attachWord(long state, int pid) {
        return state << 32 | (pid & 0xFFFF_FFFFL);
    }

    static long state(long word) {
        return word >>> 32;
    }

    static int pid(long word) {
        return (int) word;
    }

    /** The features a channel made with {@code ordering} has. */
    static int features(Channel.Ordering ordering) {
        return ordering == Channel.Ordering.SLEEP_BARRIER ? FEATURE_SLEEP_BARRIER : 0;
    }

    /** Writes a fresh header into zeroed memory; {@code magic} last, with release ordering. */
    static void format(MemorySegment s, int capacity, int producers, int features) {
        s.set(ValueLayout.JAVA_INT, VERSION, producers == 1 ? VERSION_VALUE : VERSION_MANY);
        s.set(ValueLayout.JAVA_INT, FEATURES, features);
        s.set(ValueLayout.JAVA_INT, HEADER_SIZE_FIELD, headerSize(producers));
        s.set(ValueLayout.JAVA_LONG, CAPACITY, capacity);
        s.set(ValueLayout.JAVA_INT, MAX_RECORD, maxRecord(capacity));
        if (producers > 1) {
            s.set(ValueLayout.JAVA_INT, SLOTS, producers);
            for (int i = 0; i < producers; i++) {
                s.set(ValueLayout.JAVA_LONG, slot(i) + SLOT_CLAIM, NO_CLAIM);
            }
        }
        LONG.setRelease(s, MAGIC, MAGIC_VALUE);
    }

    /** The producer slots of a checked header: 1 for version 1. */
    static int producers(MemorySegment s) {
        return s.get(ValueLayout.JAVA_INT, VERSION) == VERSION_VALUE ? 1 : s.get(ValueLayout.JAVA_INT, SLOTS);
    }

    /**
     * Checks a header before it is trusted (see "Creation" in the layout document) and returns the
     * capacity; the text of the exception says what is wrong.
     *
     * @throws IpcException EBADMSG for memory that is not a complete channel of a version and
     *         features this jipc knows
     */
    static int check(MemorySegment s, String label) throws IpcException {
        if (s.byteSize() < HEADER_SIZE + Channel.MIN_CAPACITY) {
            throw corrupt(label, "too small to be a channel (" + s.byteSize() + " bytes)");
        }
        long magic = (long) LONG.getAcquire(s, MAGIC);
        if (magic == 0) {
            throw corrupt(label, "not an initialised channel: its creator has not finished"
                    + " (or died before it did)");
        }
        if (magic != MAGIC_VALUE) {
            throw corrupt(label, "not a jipc channel (magic 0x" + Long.toHexString(magic) + ")");
        }
        int version = s.get(ValueLayout.JAVA_INT, VERSION);
        int slots = version == VERSION_MANY ? s.get(ValueLayout.JAVA_INT, SLOTS) : 1;
        if (version != VERSION_VALUE && version != VERSION_MANY) {
            throw corrupt(label, "a channel of layout version " + version + " (header "
                    + s.get(ValueLayout.JAVA_INT, HEADER_SIZE_FIELD) + " bytes); this jipc reads versions "
                    + VERSION_VALUE + " and " + VERSION_MANY);
        }
        if (slots < 1 || slots > Channel.MAX_PRODUCERS || (version == VERSION_MANY && slots < 2)
                || s.get(ValueLayout.JAVA_INT, HEADER_SIZE_FIELD) != headerSize(slots)) {
            throw corrupt(label, "corrupt header: version " + version + ", " + slots + " producer slots, header "
                    + s.get(ValueLayout.JAVA_INT, HEADER_SIZE_FIELD) + " bytes");
        }
        int features = s.get(ValueLayout.JAVA_INT, FEATURES);
        if ((features & ~KNOWN_FEATURES) != 0) {
            throw corrupt(label, "a channel with layout features 0x" + Integer.toHexString(features)
                    + "; this jipc knows 0x" + Integer.toHexString(KNOWN_FEATURES) + " (sleep barrier)");
        }
        int headerSize = headerSize(slots);
        long capacity = s.get(ValueLayout.JAVA_LONG, CAPACITY);
        if (capacity < Channel.MIN_CAPACITY || capacity > Channel.MAX_CAPACITY || Long.bitCount(capacity) != 1
                || s.get(ValueLayout.JAVA_INT, MAX_RECORD) != maxRecord((int) capacity)
                || headerSize + capacity > s.byteSize()) {
            throw corrupt(label, "corrupt header: capacity " + capacity + ", max record "
                    + s.get(ValueLayout.JAVA_INT, MAX_RECORD) + ", object " + s.byteSize() + " bytes");
        }
        long head = (long) LONG.getAcquire(s, HEAD);
        long tail = (long) LONG.getAcquire(s, TAIL);
        if (((head | tail) & 7) != 0 || Long.compareUnsigned(head, tail) > 0 || tail - head > capacity) {
            throw corrupt(label, "corrupt positions: head " + Long.toUnsignedString(head)
                    + ", tail " + Long.toUnsignedString(tail) + ", capacity " + capacity);
        }
        return (int) capacity;
    }
}
