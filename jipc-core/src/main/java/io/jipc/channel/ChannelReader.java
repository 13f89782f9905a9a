package io.jipc.channel;

import static io.jipc.channel.ChannelLayout.LONG;

import io.jipc.Errno;
import io.jipc.IpcException;
import io.jipc.Transfer;
import io.jipc.internal.wait.Deadline;
import io.jipc.internal.wait.Operation;
import io.jipc.internal.wait.Waiter;
import io.jipc.shm.MemFd;
import io.jipc.shm.Mapping;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.Objects;

/**
 * The reading end of a channel: hands each record, in order, to a {@link RecordHandler} as a
 * read-only region of the shared memory — no copy — in batches ({@link #drain(RecordHandler, int)}).
 *
 * <pre>{@code
 * try (ChannelReader in = ChannelReader.openExisting("/ticks")) {
 *     int n;
 *     while ((n = in.drain((type, ring, at, length) -> handle(type, ring.asSlice(at, length)), 100)) != Transfer.EOF) {
 *         // n records handled
 *     }
 * }
 * }</pre>
 *
 * <p>Waiting: an empty channel is looked at again a few times ({@link Channel.Options#withIdle
 * spins, then yields}), then the reader sleeps in {@code futex(FUTEX_WAIT)} on a word of the
 * channel, which the writer wakes only because the word says the reader sleeps: a busy channel
 * costs no system call, an idle one no CPU. {@code close()} from another thread and {@link
 * Thread#interrupt()} end the sleep.
 *
 * <p>One thread reads at a time (one consumer); {@link #close()} and {@link #peer()} may be called
 * from any thread. Draining allocates nothing.
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/futex.2.html">futex(2)</a>
 * @see <a href="https://man7.org/linux/man-pages/man3/shm_open.3.html">shm_open(3)</a>
 */
public final class ChannelReader extends ChannelEnd {
    private long head;
    private long tailSeen;
    /** The ring as handlers see it. */
    private final MemorySegment readOnly;
    /** A many-producer channel's producer slots, as {@link #skipDeadClaims} last saw them. */
    private final long[] slotWords;
    private final long[] slotClaims;

    private ChannelReader(String label, Mapping mapping, Channel.Options options) throws IpcException {
        super(label, mapping, options, false);
        this.head = (long) LONG.getVolatile(memory, ChannelLayout.HEAD);
        this.tailSeen = head;
        this.readOnly = data.asReadOnly();
        this.slotWords = new long[many ? producers : 0];
        this.slotClaims = new long[many ? producers : 0];
    }

    // ---------------------------------------------------------------- factories

    /**
     * Creates a channel in a new POSIX shared-memory object ({@code shm_open} with {@code O_EXCL},
     * so nobody slips an object of their own in first) and opens its reading end.
     *
     * @throws io.jipc.AlreadyExistsException if the name exists
     */
    public static ChannelReader createExclusively(String name, Channel.Options options) throws IpcException {
        Mapping m = createObject(name, options);
        try {
            return new ChannelReader(name, m, options);
        } catch (IpcException | RuntimeException e) {
            m.close();
            Channel.unlink(name);
            throw e;
        }
    }

    /** Opens the reading end of an existing channel, with the default idle strategy. */
    public static ChannelReader openExisting(String name) throws IpcException {
        return openExisting(name, Channel.Options.defaults());
    }

    /**
     * Opens the reading end of an existing channel (the options' idle strategy applies; its
     * capacity is the channel's own).
     *
     * @throws io.jipc.NotFoundException if there is no object of that name
     * @throws IpcException EBADMSG for an object that is not a complete channel (not yet
     *         initialised, another format, a corrupt header), EBUSY if a running process has the
     *         reading end
     */
    public static ChannelReader openExisting(String name, Channel.Options options) throws IpcException {
        Objects.requireNonNull(options, "options");
        Mapping m = openObject(name);
        return closingOnFailure(m, () -> new ChannelReader(name, m, options));
    }

    /** Makes a new channel in {@code memfd} (grown to its size; it must hold no channel yet) and opens its reading end. */
    public static ChannelReader format(MemFd memfd, Channel.Options options) throws IpcException {
        Mapping m = formatMemFd(memfd, options);
        return closingOnFailure(m, () -> new ChannelReader("memfd:" + memfd.name(), m, options));
    }

    /** Opens the reading end of the channel in {@code memfd} (received from its creator). */
    public static ChannelReader open(MemFd memfd, Channel.Options options) throws IpcException {
        Mapping m = memfd.map(io.jipc.shm.Access.READ_WRITE);
        return closingOnFailure(m, () -> new ChannelReader("memfd:" + memfd.name(), m, options));
    }

    // ---------------------------------------------------------------- draining

    /**
     * Hands up to {@code limit} records to {@code handler}, waiting until there is at least one.
     *
     * @return how many records were handled (at least 1), or {@link Transfer#EOF} once the writer
     *         has closed its end and every record it wrote has been read
     * @throws PeerDiedException when the channel is empty and its writer died without closing
     * @throws io.jipc.ObjectClosedException if this end is closed, before or during the wait
     * @throws io.jipc.IpcInterruptedException if the thread is interrupted while it waits
     * @throws IpcException EBADMSG for a record header that breaks the layout (nothing past it is read)
     */
    public int drain(RecordHandler handler, int limit) throws IpcException {
        return drain(handler, limit, Deadline.FOREVER);
    }

    /**
     * Hands up to {@code limit} records to {@code handler} if there are any, never waiting.
     *
     * @return how many, {@link Transfer#NOTHING} if there were none, or {@link Transfer#EOF}
     *         (the writer closed its end and everything has been read)
     */
    public int tryDrain(RecordHandler handler, int limit) throws IpcException {
        return drain(handler, limit, Deadline.NOW);
    }

    /**
     * Hands up to {@code limit} records to {@code handler}, waiting at most {@code timeout} for
     * the first.
     *
     * @return how many, {@link Transfer#NOTHING} if none came in time, or {@link Transfer#EOF}
     * @throws PeerDiedException when the channel is empty and its writer died without closing
     */
    public int tryDrain(RecordHandler handler, int limit, Duration timeout) throws IpcException {
        return drain(handler, limit, Deadline.after(timeout));
    }

    private int drain(RecordHandler handler, int limit, long deadline) throws IpcException {
        Objects.requireNonNull(handler, "handler");
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1 record, got " + limit);
        }
        checkOpen("drain");
        try {
            int n = drainOnce(handler, limit);
            if (n > 0) {
                return n;
            }
            if (many && skipDeadClaims()) {
                n = drainOnce(handler, limit);
                if (n > 0) {
                    return n;
                }
            }
            if (deadline == Deadline.NOW) {
                return writerClosedAndEmpty() ? Transfer.EOF : Transfer.NOTHING;
            }
            Waiter w = Waiter.current();
            if (spinThenYield(w)) {
                n = drainOnce(handler, limit);
                if (n > 0) {
                    return n;
                }
            }
            while (true) {
                if (writerClosedAndEmpty()) {
                    return Transfer.EOF;
                }
                long r = park.run(w, deadline, false);
                n = drainOnce(handler, limit);
                if (n > 0) {
                    return n;
                }
                if (r == Operation.NOTHING) {
                    return writerClosedAndEmpty() ? Transfer.EOF : Transfer.NOTHING;
                }
                if (r < 0) {
                    throw park.failure(r);
                }
                long word = otherWord();
                if (ChannelLayout.state(word) == ChannelLayout.ATTACHED
                        && peerState(word) == Channel.PeerState.DIED && !available()) {
                    throw new PeerDiedException("drain", label, otherSide, ChannelLayout.pid(word));
                }
            }
        } catch (IllegalStateException e) {
            throw closedDuring("drain", e);
        }
    }

    /** Whether records are waiting (acquire load of tail; in a many-producer channel, claimed ones too). */
    private boolean available() {
        if (many) {
            return head != (long) LONG.getAcquire(memory, ChannelLayout.TAIL);
        }
        if (head != tailSeen) {
            return true;
        }
        tailSeen = (long) LONG.getAcquire(memory, ChannelLayout.TAIL);
        return head != tailSeen;
    }

    @Override
    boolean ready(Waiter w) {
        if (many) {
            return (int) ChannelLayout.INT.getVolatile(data, head & mask) > 0;
        }
        return head != (long) LONG.getVolatile(memory, ChannelLayout.TAIL);
    }

    @Override
    boolean recover() {
        try {
            return many && skipDeadClaims();
        } catch (IpcException corrupt) {
            return true; // the caller looks, and drainOnce says what is wrong
        }
    }

    /**
     * End of stream: the writer detached (every producer that came, in a many-producer channel),
     * and tail (loaded after its state) has been read up to.
     */
    private boolean writerClosedAndEmpty() {
        if (many) {
            boolean closed = false;
            for (int i = 0; i < producers; i++) {
                long state = ChannelLayout.state((long) LONG.getAcquire(memory, ChannelLayout.slot(i) + ChannelLayout.SLOT_ATTACH));
                if (state == ChannelLayout.ATTACHED) {
                    return false;
                }
                closed |= state == ChannelLayout.DETACHED;
            }
            return closed && !available();
        }
        if (ChannelLayout.state(otherWord()) != ChannelLayout.DETACHED) {
            return false;
        }
        return !available();
    }

    /** Reads what is there, up to {@code limit} records, and publishes the new head once. */
    private int drainOnce(RecordHandler handler, int limit) throws IpcException {
        if (many) {
            return drainMany(handler, limit);
        }
        if (!available()) {
            return 0;
        }
        long h = head;
        long t = tailSeen;
        int n = 0;
        try {
            while (h != t && n < limit) {
                int offset = (int) (h & mask);
                long header = data.get(ValueLayout.JAVA_LONG, offset);
                int length = (int) header;
                int type = (int) (header >>> 32);
                if (type == ChannelLayout.PADDING) {
                    if (length != capacity - offset - ChannelLayout.RECORD_HEADER || t - h < capacity - offset) {
                        throw corruptRecord(h, length, type);
                    }
                    h += capacity - offset;
                    continue;
                }
                if (type < 0 || length < 0 || length > maxPayload) {
                    throw corruptRecord(h, length, type);
                }
                int framed = ChannelLayout.framed(length);
                if (framed > capacity - offset || framed > t - h) {
                    throw corruptRecord(h, length, type);
                }
                h += framed;
                n++;
                handler.onRecord(type, readOnly, offset + ChannelLayout.RECORD_HEADER, length);
            }
        } catch (IpcException | RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new HandlerException(e);
        } finally {
            if (h != head) {
                head = h;
                publish(memory, ChannelLayout.HEAD, h);
                wakeOther();
            }
        }
        return n;
    }

    /**
     * A many-producer channel's drain: each record's header tells whether it is committed (its size
     * positive, an acquire load); the bytes consumed are zeroed before head moves past them, so a
     * header not yet written reads 0 the next time round.
     */
    private int drainMany(RecordHandler handler, int limit) throws IpcException {
        long h = head;
        int n = 0;
        try {
            // Stop a lap after head: what lies there is this batch's own records, not zeroed yet.
            while (n < limit && h - head < capacity) {
                int offset = (int) (h & mask);
                long header = (long) LONG.getAcquire(data, (long) offset);
                int size = (int) header;
                if (size <= 0) {
                    break; // nothing there yet, or a record claimed and not committed
                }
                int type = (int) (header >>> 32);
                int framed = ChannelLayout.framedSize(size);
                if (size < ChannelLayout.RECORD_HEADER || framed > capacity - offset
                        || (type < 0 && type != ChannelLayout.PADDING)
                        || (type >= 0 && size - ChannelLayout.RECORD_HEADER > maxPayload)) {
                    throw corruptRecord(h, size, type);
                }
                h += framed;
                if (type != ChannelLayout.PADDING) {
                    n++;
                    handler.onRecord(type, readOnly, offset + ChannelLayout.RECORD_HEADER, size - ChannelLayout.RECORD_HEADER);
                }
            }
        } catch (IpcException | RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new HandlerException(e);
        } finally {
            if (h != head) {
                consumed(h);
            }
        }
        return n;
    }

    /** A many-producer channel: zeroes the bytes from head to {@code h}, then publishes head = h. */
    private void consumed(long h) {
        int offset = (int) (head & mask);
        long n = h - head;
        long first = Math.min(n, capacity - offset);
        data.asSlice(offset, first).fill((byte) 0);
        if (n > first) {
            data.asSlice(0, n - first).fill((byte) 0);
        }
        head = h;
        publish(memory, ChannelLayout.HEAD, h);
        wakeOther();
    }

    /**
     * A many-producer channel: gets past records at head that were claimed but will never be
     * committed because their producer died ("Recovery" under "Many producers" in the layout
     * document). A record in progress names its producer's pid in its header; a claim whose header
     * was not written yet is its producer's slot's claim, and runs to the next position anything
     * marks as a start. True if head moved.
     */
    private boolean skipDeadClaims() throws IpcException {
        long start = head;
        long h = start;
        while (true) {
            long t = (long) LONG.getAcquire(memory, ChannelLayout.TAIL);
            if (t == h) {
                break;
            }
            for (int i = 0; i < producers; i++) {
                long at = ChannelLayout.slot(i);
                slotWords[i] = (long) LONG.getAcquire(memory, at + ChannelLayout.SLOT_ATTACH);
                slotClaims[i] = (long) LONG.getAcquire(memory, at + ChannelLayout.SLOT_CLAIM);
            }
            int offset = (int) (h & mask);
            long header = (long) LONG.getAcquire(data, (long) offset);
            int size = (int) header;
            long end;
            if (size > 0) {
                break; // committed: drainMany reads it
            } else if (size < 0) {
                int framed = ChannelLayout.framedSize(-size);
                if (-size < ChannelLayout.RECORD_HEADER || -size - ChannelLayout.RECORD_HEADER > maxPayload
                        || framed > capacity - offset) {
                    throw corruptRecord(h, size, (int) (header >>> 32));
                }
                if (alive((int) (header >>> 32))) {
                    break; // its producer is writing it
                }
                end = h + framed;
            } else {
                for (int i = 0; i < producers; i++) {
                    if (slotClaims[i] == h && ChannelLayout.state(slotWords[i]) == ChannelLayout.ATTACHED
                            && alive(ChannelLayout.pid(slotWords[i]))) {
                        return moved(start, h); // claimed a moment ago by a running producer
                    }
                }
                if ((long) LONG.getAcquire(data, (long) offset) != 0) {
                    continue; // its header came meanwhile: look again
                }
                // Claimed by a producer that died before it wrote a byte: its room is zeroes up to
                // the next claim's start — a header, a slot's claim, the tail, or the ring's end.
                end = h + ChannelLayout.RECORD_HEADER;
                while (end != t && (end & mask) != 0 && (int) ChannelLayout.INT.getAcquire(data, end & mask) == 0
                        && !claimedAt(end)) {
                    end += ChannelLayout.RECORD_HEADER;
                }
            }
            h = end;
        }
        return moved(start, h);
    }

    private boolean claimedAt(long position) {
        for (long c : slotClaims) {
            if (c == position) {
                return true;
            }
        }
        return false;
    }

    private boolean moved(long start, long h) {
        if (h == start) {
            return false;
        }
        consumed(h);
        return true;
    }

    private IpcException corruptRecord(long position, int length, int type) {
        return IpcException.withDetail("drain", label, Errno.EBADMSG.number(), "corrupt record header at position "
                + Long.toUnsignedString(position) + " (length " + length + ", type " + type + "; capacity " + capacity
                + ", tail " + Long.toUnsignedString(tailSeen) + ")");
    }

    /** A checked exception a {@link RecordHandler} threw, carried out of {@link #drain(RecordHandler, int)} unchanged as the cause. */
    public static final class HandlerException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        HandlerException(Exception cause) {
            super("a record handler threw " + cause, cause);
        }
    }

    /** How many bytes of records are waiting to be read now. */
    public long pending() throws IpcException {
        checkOpen("pending");
        try {
            return (long) LONG.getAcquire(memory, ChannelLayout.TAIL) - head;
        } catch (IllegalStateException e) {
            throw closedDuring("pending", e);
        }
    }
}
