package io.jipc.channel;

import static io.jipc.channel.ChannelLayout.LONG;
import static io.jipc.internal.libc.Errnos.EPIPE;

import io.jipc.IpcException;
import io.jipc.internal.wait.Deadline;
import io.jipc.internal.wait.Operation;
import io.jipc.internal.wait.Waiter;
import io.jipc.shm.Access;
import io.jipc.shm.MemFd;
import io.jipc.shm.Mapping;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The writing end of a channel: records go in by {@link #claim(int, int) claiming} room in the shared
 * memory, writing the payload there (no copy) and {@link #commit committing} it — or by copying
 * one in ({@link #send}).
 *
 * <pre>{@code
 * try (ChannelWriter out = ChannelWriter.createExclusively("/ticks", Channel.Options.defaults())) {
 *     MemorySegment record = out.claim(TICK, 16);      // waits while the channel is full
 *     record.set(ValueLayout.JAVA_LONG, 0, price);
 *     record.set(ValueLayout.JAVA_LONG, 8, quantity);
 *     out.commit();                                    // now the reader sees it, whole
 * }
 * }</pre>
 *
 * <p>Back-pressure: a full channel makes {@code claim} and {@code send} wait (spin, yield, then
 * sleep in {@code futex(FUTEX_WAIT)}, woken by the reader only because it says it sleeps), the
 * {@code try} forms not at all or at most a given time. A reader that closed its end makes a wait
 * for room fail with EPIPE, one that died with {@link PeerDiedException}.
 *
 * <p>One thread writes through a writer at a time, with at most one claim open; {@link #close()}
 * may be called from any thread (an open claim is then dropped). A many-producer channel ({@link
 * Channel.Options#withProducers}) takes several writers at once — one per producing thread, in
 * any processes — each holding a producer slot; they claim room by a CAS of the shared tail and
 * commit each record in its own header, in any order. Claiming, committing and sending allocate
 * nothing.
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/futex.2.html">futex(2)</a>
 * @see <a href="https://man7.org/linux/man-pages/man3/shm_open.3.html">shm_open(3)</a>
 */
public final class ChannelWriter extends ChannelEnd {
    /** At most this many slices kept for {@link #claimed(long, int)}: every payload offset of a ring up to 1 MiB. */
    private static final int MAX_KEPT_SLICES = 1 << 17;
    /** The slices {@link #claimed(long, int)} handed out, by payload offset / 8 (made at the first claim that wants one). */
    private MemorySegment[] slices;
    private long tail;
    private long headSeen;
    /** The open claim: where its record starts (a position), or -1. */
    private long claimedAt = -1;
    private int claimedLength;
    private int claimedType;

    private ChannelWriter(String label, Mapping mapping, Channel.Options options) throws IpcException {
        super(label, mapping, options, true);
        this.tail = (long) LONG.getVolatile(memory, ChannelLayout.TAIL);
        this.headSeen = (long) LONG.getVolatile(memory, ChannelLayout.HEAD);
    }

    // ---------------------------------------------------------------- factories

    /**
     * Creates a channel in a new POSIX shared-memory object ({@code shm_open} with {@code O_EXCL})
     * and opens its writing end.
     *
     * @throws io.jipc.AlreadyExistsException if the name exists
     */
    public static ChannelWriter createExclusively(String name, Channel.Options options) throws IpcException {
        Mapping m = createObject(name, options);
        try {
            return new ChannelWriter(name, m, options);
        } catch (IpcException | RuntimeException e) {
            m.close();
            Channel.unlink(name);
            throw e;
        }
    }

    /** Opens the writing end of an existing channel, with the default idle strategy. */
    public static ChannelWriter openExisting(String name) throws IpcException {
        return openExisting(name, Channel.Options.defaults());
    }

    /**
     * Opens the writing end of an existing channel — also one whose last writer died: it goes on
     * after the last record that writer committed.
     *
     * @throws io.jipc.NotFoundException if there is no object of that name
     * @throws IpcException EBADMSG for an object that is not a complete channel, EBUSY if a
     *         running process has the writing end
     */
    public static ChannelWriter openExisting(String name, Channel.Options options) throws IpcException {
        Objects.requireNonNull(options, "options");
        Mapping m = openObject(name);
        return closingOnFailure(m, () -> new ChannelWriter(name, m, options));
    }

    /** Makes a new channel in {@code memfd} (grown to its size; it must hold no channel yet) and opens its writing end. */
    public static ChannelWriter format(MemFd memfd, Channel.Options options) throws IpcException {
        Mapping m = formatMemFd(memfd, options);
        return closingOnFailure(m, () -> new ChannelWriter("memfd:" + memfd.name(), m, options));
    }

    /** Opens the writing end of the channel in {@code memfd}. */
    public static ChannelWriter open(MemFd memfd, Channel.Options options) throws IpcException {
        Mapping m = memfd.map(Access.READ_WRITE);
        return closingOnFailure(m, () -> new ChannelWriter("memfd:" + memfd.name(), m, options));
    }

    // ---------------------------------------------------------------- claim and commit

    /**
     * Claims room for a record of {@code type} with {@code length} payload bytes, waiting while
     * the channel is full, and returns the room: a slice of the shared memory to write the payload
     * into. Nobody sees it until {@link #commit()}.
     *
     * @throws IllegalArgumentException for a negative type, or a length outside 0..{@link #maxPayload()}
     * @throws IllegalStateException if a claim is open already
     * @throws PeerDiedException if the channel is full and its reader died; IpcException EPIPE if
     *         its reader closed its end
     */
    public MemorySegment claim(int type, int length) throws IpcException {
        return claimed(claim(type, length, Deadline.FOREVER), length); // untimed: never -1
    }

    /**
     * {@link #claim(int, int)} without the slice: returns where the payload goes in {@link
     * #ring()}, for a loop that must allocate nothing whatever the JIT does (the slice {@code
     * claim} returns is one small object, which the JIT removes only where it inlines the call).
     * Write bytes {@code offset} to {@code offset + length} of the ring, then {@link #commit()}.
     */
    public long claimOffset(int type, int length) throws IpcException {
        return claim(type, length, Deadline.FOREVER); // untimed: never -1
    }

    /**
     * The channel's ring, the data area of its shared memory: what {@link #claimOffset} offsets
     * point into. Writing outside a claimed record's bytes corrupts the channel (the reader then
     * refuses it with EBADMSG); it cannot reach memory outside the ring.
     */
    public MemorySegment ring() {
        return data;
    }

    /** Claims room if there is some now, never waiting; empty when the channel is full. */
    public Optional<MemorySegment> tryClaim(int type, int length) throws IpcException {
        long at = claim(type, length, Deadline.NOW);
        return at < 0 ? Optional.empty() : Optional.of(claimed(at, length));
    }

    /** Claims room, waiting at most {@code timeout} for the reader to make some; empty if none came. */
    public Optional<MemorySegment> tryClaim(int type, int length, Duration timeout) throws IpcException {
        long at = claim(type, length, Deadline.after(timeout));
        return at < 0 ? Optional.empty() : Optional.of(claimed(at, length));
    }

    /**
     * Publishes the claimed record: the reader sees it whole, after every record committed
     * before it (a release store of the tail), and is woken if it sleeps.
     *
     * @throws IllegalStateException if no claim is open
     */
    public void commit() throws IpcException {
        long at = claimedAt;
        if (at < 0) {
            checkOpen("commit"); // a close from another thread drops the open claim: say closed
            throw new IllegalStateException("no claim to commit on " + this);
        }
        claimedAt = -1;
        try {
            int offset = (int) (at & mask);
            if (many) {
                // The record's header, size positive, in one store: the commit the reader waits for
                // (published as head and tail are: see publish).
                publish(data, offset, ChannelLayout.header(ChannelLayout.RECORD_HEADER + claimedLength,
                        claimedType));
                wakeOther();
                return;
            }
            data.set(ValueLayout.JAVA_LONG, offset, ChannelLayout.header(claimedLength, claimedType));
            long t = at + ChannelLayout.framed(claimedLength);
            tail = t;
            publish(memory, ChannelLayout.TAIL, t);
            wakeOther();
        } catch (IllegalStateException e) {
            throw closedDuring("commit", e);
        }
    }

    /**
     * Drops the open claim, if any: nothing of it is ever seen. (In a many-producer channel the
     * room is taken already: it becomes a padding record the reader skips.)
     */
    public void abort() {
        long at = claimedAt;
        claimedAt = -1;
        if (many && at >= 0) {
            LONG.setVolatile(data, at & mask, ChannelLayout.header(ChannelLayout.RECORD_HEADER + claimedLength,
                    ChannelLayout.PADDING));
            wakeOther();
        }
    }

    @Override
    void dropClaim() {
        abort();
    }

    // ---------------------------------------------------------------- copying sends

    /** Sends a record of {@code type} with all of {@code payload}, waiting while the channel is full. */
    public void send(int type, MemorySegment payload) throws IpcException {
        long at = claim(type, checkedLength(payload.byteSize()), Deadline.FOREVER);
        MemorySegment.copy(payload, 0, data, at, payload.byteSize());
        commit();
    }

    /** Sends a record of {@code type} with all of {@code payload}. */
    public void send(int type, byte[] payload) throws IpcException {
        MemorySegment room = claim(type, payload.length);
        MemorySegment.copy(payload, 0, room, ValueLayout.JAVA_BYTE, 0, payload.length);
        commit();
    }

    /** Sends a record with {@code payload}'s remaining bytes, and advances its position past them. */
    public void send(int type, ByteBuffer payload) throws IpcException {
        MemorySegment room = claim(type, payload.remaining());
        copy(payload, room);
        commit();
    }

    /** Sends a record if there is room now; {@code false} (nothing sent) when the channel is full. */
    public boolean trySend(int type, MemorySegment payload) throws IpcException {
        long at = claim(type, checkedLength(payload.byteSize()), Deadline.NOW);
        if (at < 0) {
            return false;
        }
        MemorySegment.copy(payload, 0, data, at, payload.byteSize());
        commit();
        return true;
    }

    /** Sends a record, waiting at most {@code timeout} for room; {@code false} (nothing sent) if none came. */
    public boolean trySend(int type, MemorySegment payload, Duration timeout) throws IpcException {
        long at = claim(type, checkedLength(payload.byteSize()), Deadline.after(timeout));
        if (at < 0) {
            return false;
        }
        MemorySegment.copy(payload, 0, data, at, payload.byteSize());
        commit();
        return true;
    }

    /** Sends a record of {@code payload} if there is room now; {@code false} when the channel is full. */
    public boolean trySend(int type, byte[] payload) throws IpcException {
        return trySend(type, MemorySegment.ofArray(payload));
    }

    /** Sends a record of {@code payload}, waiting at most {@code timeout} for room. */
    public boolean trySend(int type, byte[] payload, Duration timeout) throws IpcException {
        return trySend(type, MemorySegment.ofArray(payload), timeout);
    }

    private static void copy(ByteBuffer payload, MemorySegment room) {
        int n = payload.remaining();
        int at = payload.position();
        MemorySegment.copy(MemorySegment.ofBuffer(payload), 0, room, 0, n);
        payload.position(at + n);
    }

    private int checkedLength(long length) {
        if (length > maxPayload) {
            throw new IllegalArgumentException("a record's payload can be at most " + maxPayload + " bytes in this "
                    + capacity + "-byte channel, got " + length);
        }
        return (int) length;
    }

    // ---------------------------------------------------------------- room

    /** Where the payload of a record at position {@code at} starts in {@link #data}. */
    private long payloadOffset(long at) {
        return (at & mask) + ChannelLayout.RECORD_HEADER;
    }

    /**
     * The room of the claim just made, its payload at {@code offset} (from the claim's own result,
     * never from {@link #claimedAt}, which a concurrent close clears): a slice of the ring exactly the record's payload, so a claim cannot
     * write past its record. Slices are kept, one per payload offset, and handed out again when a
     * claim of the same length comes back to the same place (a stream of records of one size
     * visits the same offsets lap after lap): {@code claim} then allocates nothing, even where the
     * JIT cannot remove the slice (a call it does not inline, a slice kept in a field).
     */
    private MemorySegment claimed(long offset, int length) {
        MemorySegment[] kept = slices;
        if (kept == null) {
            kept = slices = new MemorySegment[Math.min(capacity / ChannelLayout.RECORD_HEADER, MAX_KEPT_SLICES)];
        }
        int i = (int) (offset / ChannelLayout.RECORD_HEADER) & (kept.length - 1);
        MemorySegment slice = kept[i];
        if (slice == null || slice.byteSize() != length || slice.address() != data.address() + offset) {
            slice = kept[i] = data.asSlice(offset, length);
        }
        return slice;
    }

    /**
     * Makes room for a record by the deadline: the offset of its payload in {@link #data} with the
     * claim open, or -1 (nothing claimed) if no room came.
     */
    private long claim(int type, int length, long deadline) throws IpcException {
        if (type < 0) {
            throw new IllegalArgumentException("a record's type must be 0 or more (negative types are the layout's), got "
                    + type);
        }
        if (length < 0 || length > maxPayload) {
            throw new IllegalArgumentException("a record's payload must be 0 to " + maxPayload + " bytes in this "
                    + capacity + "-byte channel, got " + length);
        }
        if (claimedAt >= 0) {
            throw new IllegalStateException("a claim is open on " + this + ": commit or abort it first");
        }
        checkOpen("claim");
        if (many) {
            try {
                return claimMany(type, length, deadline);
            } catch (IllegalStateException e) {
                throw closedDuring("claim", e);
            }
        }
        try {
            int framed = ChannelLayout.framed(length);
            int offset = (int) (tail & mask);
            int pad = framed > capacity - offset ? capacity - offset : 0;
            long need = pad + framed;
            if (!roomFor(need)) {
                Waiter w = Waiter.current();
                w.length = need;
                if (deadline == Deadline.NOW || !awaitRoom(w, deadline)) {
                    return -1;
                }
            }
            if (pad != 0) {
                data.set(ValueLayout.JAVA_INT, offset + ChannelLayout.LENGTH, pad - ChannelLayout.RECORD_HEADER);
                data.set(ValueLayout.JAVA_INT, offset + ChannelLayout.TYPE, ChannelLayout.PADDING);
            }
            long at = tail + pad;
            claimedAt = at;
            claimedLength = length;
            claimedType = type;
            return payloadOffset(at);
        } catch (IllegalStateException e) {
            throw closedDuring("claim", e);
        }
    }

    /**
     * A many-producer channel's claim (see "Many producers" in the layout document): say in this
     * producer's slot where the claim starts, take the room by a CAS of the tail, write the record's
     * header as "in progress, by this process" and the padding before it if it wraps, then clear
     * the slot's claim. A producer killed anywhere in between leaves what the reader needs to get past
     * its record.
     */
    private long claimMany(int type, int length, long deadline) throws IpcException {
        int framed = ChannelLayout.framed(length);
        long claimWord = myAttach - ChannelLayout.SLOT_ATTACH + ChannelLayout.SLOT_CLAIM;
        long t;
        int pad;
        while (true) {
            t = (long) LONG.getVolatile(memory, ChannelLayout.TAIL);
            int offset = (int) (t & mask);
            pad = framed > capacity - offset ? capacity - offset : 0;
            long need = pad + framed;
            if (t + need - headSeen > capacity) {
                headSeen = (long) LONG.getAcquire(memory, ChannelLayout.HEAD);
                if (t + need - headSeen > capacity) {
                    // No claim may be announced while this producer waits (the reader would wait for it).
                    LONG.setRelease(memory, claimWord, ChannelLayout.NO_CLAIM);
                    if (deadline == Deadline.NOW) {
                        return -1;
                    }
                    Waiter w = Waiter.current();
                    w.length = framed;
                    if (!awaitRoom(w, deadline)) {
                        return -1;
                    }
                    continue;
                }
            }
            // Ordered before the CAS by the CAS itself (a full barrier): whoever sees the new tail sees this.
            LONG.setRelease(memory, claimWord, t);
            if (LONG.compareAndSet(memory, ChannelLayout.TAIL, t, t + need)) {
                break;
            }
        }
        long at = t + pad;
        int offset = (int) (at & mask);
        LONG.set(data, (long) offset, ChannelLayout.header(-(ChannelLayout.RECORD_HEADER + length), pid));
        VarHandle.storeStoreFence(); // the header before any byte of payload, and before the padding
        if (pad != 0) {
            LONG.setRelease(data, t & mask, ChannelLayout.header(pad, ChannelLayout.PADDING));
        }
        LONG.setRelease(memory, claimWord, ChannelLayout.NO_CLAIM);
        claimedAt = at;
        claimedLength = length;
        claimedType = type;
        return payloadOffset(at);
    }

    /** A many-producer channel: room for a record of {@code framed} bytes at the tail as it is now. */
    private boolean roomNowFor(int framed) {
        long t = (long) LONG.getVolatile(memory, ChannelLayout.TAIL);
        int offset = (int) (t & mask);
        int pad = framed > capacity - offset ? capacity - offset : 0;
        return t + pad + framed - (long) LONG.getVolatile(memory, ChannelLayout.HEAD) <= capacity;
    }

    private boolean roomFor(long need) {
        if (many) {
            return roomNowFor((int) need);
        }
        if (tail + need - headSeen <= capacity) {
            return true;
        }
        headSeen = (long) LONG.getAcquire(memory, ChannelLayout.HEAD);
        return tail + need - headSeen <= capacity;
    }

    @Override
    boolean ready(Waiter w) {
        if (many) {
            return roomNowFor((int) w.length);
        }
        return tail + w.length - (long) LONG.getVolatile(memory, ChannelLayout.HEAD) <= capacity;
    }

    /** Spins, yields, then sleeps until {@code w.length} bytes are free; false at the deadline. */
    private boolean awaitRoom(Waiter w, long deadline) throws IpcException {
        long need = w.length;
        if (spinThenYield(w) && roomFor(need)) {
            return true;
        }
        while (true) {
            if (readerGone()) {
                return false;
            }
            w.length = need;
            long r = park.run(w, deadline, false);
            if (roomFor(need)) {
                return true;
            }
            if (r == Operation.NOTHING) {
                return false;
            }
            if (r < 0) {
                throw park.failure(r);
            }
        }
    }

    /** Throws if the reader closed its end (EPIPE) or died; false while it may still make room. */
    private boolean readerGone() throws IpcException {
        long word = otherWord();
        long state = ChannelLayout.state(word);
        if (state == ChannelLayout.DETACHED) {
            throw IpcException.withDetail("claim", label, EPIPE, "the channel is full and its reader (process "
                    + ChannelLayout.pid(word) + ") has closed its end");
        }
        if (state == ChannelLayout.ATTACHED && peerState(word) == Channel.PeerState.DIED) {
            throw new PeerDiedException("claim", label, otherSide, ChannelLayout.pid(word));
        }
        return false;
    }
}
