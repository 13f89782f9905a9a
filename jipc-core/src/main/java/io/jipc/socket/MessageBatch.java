package io.jipc.socket;

import io.jipc.ObjectClosedException;
import io.jipc.internal.libc.Socket;
import io.jipc.internal.wait.Handle;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.Objects;

/**
 * Up to {@link #capacity()} datagrams or records of up to {@link #maxMessageSize()} bytes each,
 * in native memory, to send or receive many in one system call ({@code sendmmsg(2)}, {@code
 * recvmmsg(2)}): {@link UnixDatagramSocket#sendBatch}, {@link UnixDatagramSocket#receiveBatch},
 * and the same on a SEQPACKET {@link UnixSocket}. For small messages the system call, more than
 * the bytes, is what a message costs; a batch pays it once for many.
 *
 * <pre>{@code
 * try (MessageBatch batch = MessageBatch.allocate(64, 256)) {
 *     for (Event e : events) {
 *         int i = batch.add(e.size());            // or batch.add(buffer), which copies it in
 *         e.writeTo(batch.slot(i));
 *     }
 *     socket.sendBatch(batch);                    // all of them, in as few calls as the kernel allows
 *
 *     int n = socket.receiveBatch(batch);         // waits for one, then takes what else is there
 *     for (int i = 0; i < n; i++) {
 *         handle(batch.slot(i), batch.length(i)); // batch.truncated(i): it was longer than a slot
 *     }
 * }
 * }</pre>
 *
 * <p><b>Count and position.</b> A batch holds {@link #count()} messages. A send takes them from
 * {@link #position()} on and advances the position past those that went, as a channel's write
 * advances a buffer's: a try form that sent some leaves the rest for the next call, and a blocking
 * send ended part way by close or interrupt leaves the position at the first message that did
 * not go. A receive fills the batch from its first slot and sets the count to the messages
 * received (position 0), so a received batch can be sent on as it is.
 *
 * <p><b>No allocation.</b> The slots and the {@code mmsghdr} and {@code iovec} arrays are one
 * native allocation made by {@link #allocate}; {@link #slot(int)} returns a view made then. A
 * batch is not thread-safe: one thread fills or reads it at a time, as with a {@link ByteBuffer}.
 * Closing it is: its memory is freed when no call is using it any more.
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/sendmmsg.2.html">sendmmsg(2)</a>
 * @see <a href="https://man7.org/linux/man-pages/man2/recvmmsg.2.html">recvmmsg(2)</a>
 */
public final class MessageBatch implements AutoCloseable {
    /** The most messages one batch holds: what one sendmmsg or recvmmsg takes ({@code UIO_MAXIOV}). */
    public static final int MAX_CAPACITY = 1024;

    /** The batch's native memory, freed once closed and no call uses it (the engine's close protocol). */
    private static final class Memory extends Handle {
        private final Arena arena;

        Memory(Arena arena) {
            super("message batch", -1);
            this.arena = arena;
        }

        @Override
        protected void free() {
            arena.close();
        }
    }

    private final Memory memory;
    private final int capacity;
    private final int maxSize;
    /** {@code struct mmsghdr[capacity]}, each with one iovec of its own, no name, no control. */
    private final MemorySegment vector;
    /** {@code struct iovec[capacity]}: message i's slot and the length to send. */
    private final MemorySegment iovecs;
    /** {@link #vector} from message i on: what a call starting at i takes (made once, not per call). */
    private final MemorySegment[] from;
    private final MemorySegment[] slots;
    /** The slots as buffers, for absolute bulk copies that allocate nothing. */
    private final ByteBuffer[] slotBuffers;
    private int count;
    private int position;
    /** Messages 0..shortened-1 may have an iovec length other than maxSize (set for a send). */
    private int shortened;

    private MessageBatch(Arena arena, int capacity, int maxSize) {
        this.capacity = capacity;
        this.maxSize = maxSize;
        long stride = (maxSize + 7L) & ~7L;
        long vectorBytes = capacity * Socket.MMSGHDR_SIZE;
        long iovBytes = capacity * Socket.IOVEC_SIZE;
        MemorySegment all = arena.allocate(vectorBytes + iovBytes + capacity * stride, 64);
        this.vector = all.asSlice(0, vectorBytes);
        this.iovecs = all.asSlice(vectorBytes, iovBytes);
        MemorySegment data = all.asSlice(vectorBytes + iovBytes);
        this.from = new MemorySegment[capacity];
        this.slots = new MemorySegment[capacity];
        this.slotBuffers = new ByteBuffer[capacity];
        for (int i = 0; i < capacity; i++) {
            MemorySegment slot = data.asSlice(i * stride, maxSize);
            long iov = i * Socket.IOVEC_SIZE;
            iovecs.set(ValueLayout.ADDRESS, iov + Socket.IOV_BASE, slot);
            iovecs.set(ValueLayout.JAVA_LONG, iov + Socket.IOV_LEN, maxSize);
            long hdr = i * Socket.MMSGHDR_SIZE + Socket.MMSG_HDR;
            vector.set(ValueLayout.ADDRESS, hdr + Socket.MSG_IOV, iovecs.asSlice(iov, Socket.IOVEC_SIZE));
            vector.set(ValueLayout.JAVA_LONG, hdr + Socket.MSG_IOVLEN, 1L);
            slots[i] = slot;
            slotBuffers[i] = slot.asByteBuffer();
            from[i] = vector.asSlice(i * Socket.MMSGHDR_SIZE);
        }
        this.memory = new Memory(arena);
    }

    /**
     * A batch of {@code capacity} slots of {@code maxMessageSize} bytes each.
     *
     * @param capacity       1 to {@value #MAX_CAPACITY} messages
     * @param maxMessageSize the largest message a slot holds, at least 1 byte: a longer one
     *                       received is cut ({@link #truncated(int)}), a longer one added refused
     * @throws IllegalArgumentException for a capacity or size out of range, or more than 2^31
     *                                  bytes in all
     */
    public static MessageBatch allocate(int capacity, int maxMessageSize) {
        if (capacity < 1 || capacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("a batch holds 1 to " + MAX_CAPACITY + " messages (UIO_MAXIOV), not " + capacity);
        }
        if (maxMessageSize < 1) {
            throw new IllegalArgumentException("a batch's slots hold at least 1 byte, not " + maxMessageSize);
        }
        if (capacity * (((maxMessageSize + 7L) & ~7L) + Socket.MMSGHDR_SIZE + Socket.IOVEC_SIZE) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a batch of " + capacity + " messages of " + maxMessageSize
                    + " bytes needs more than 2 GiB");
        }
        Arena arena = Arena.ofShared();
        try {
            return new MessageBatch(arena, capacity, maxMessageSize);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** How many messages the batch can hold. */
    public int capacity() {
        return capacity;
    }

    /** The size of each slot: the longest message the batch holds whole. */
    public int maxMessageSize() {
        return maxSize;
    }

    /** The messages the batch holds: added for a send, or received. */
    public int count() {
        return count;
    }

    /** The first message a send has not sent yet (0 after {@link #clear()} and after a receive). */
    public int position() {
        return position;
    }

    /** The messages still to send: {@link #count()} - {@link #position()}. */
    public int remaining() {
        return count - position;
    }

    /** Whether the batch is full: {@link #count()} == {@link #capacity()}. */
    public boolean isFull() {
        return count == capacity;
    }

    /** Empties the batch (count and position 0), to fill it again; the slots' bytes stay. */
    public MessageBatch clear() {
        count = 0;
        position = 0;
        return this;
    }

    // ------------------------------------------------------------------ filling

    /**
     * Appends a message of {@code length} bytes whose contents the caller writes into {@link
     * #slot(int) slot(i)} (its first {@code length} bytes) before sending.
     *
     * @return the message's index i
     * @throws BufferOverflowException  when the batch is full
     * @throws IllegalArgumentException when {@code length} is negative or more than {@link #maxMessageSize()}
     */
    public int add(int length) {
        checkOpen();
        if (count == capacity) {
            throw new BufferOverflowException();
        }
        if (length < 0 || length > maxSize) {
            throw new IllegalArgumentException("a message in this batch is 0 to " + maxSize + " bytes, not " + length);
        }
        int i = count;
        iovecs.set(ValueLayout.JAVA_LONG, i * Socket.IOVEC_SIZE + Socket.IOV_LEN, length);
        vector.set(ValueLayout.JAVA_INT, i * Socket.MMSGHDR_SIZE + Socket.MMSG_LEN, length);
        if (length != maxSize && shortened <= i) {
            shortened = i + 1;
        }
        count = i + 1;
        return i;
    }

    /** Appends a copy of the segment's bytes as one message; returns its index (see {@link #add(int)}). */
    public int add(MemorySegment message) {
        int i = add(checkedSize(message.byteSize()));
        MemorySegment.copy(message, 0, slots[i], 0, message.byteSize());
        return i;
    }

    /**
     * Appends a copy of the buffer's remaining bytes as one message, advancing its position to its
     * limit; returns its index (see {@link #add(int)}).
     */
    public int add(ByteBuffer message) {
        int len = message.remaining();
        int i = add(checkedSize(len));
        int pos = message.position();
        slotBuffers[i].put(0, message, pos, len);
        message.position(pos + len);
        return i;
    }

    /** Appends a copy of {@code length} bytes of the array from {@code offset} as one message; returns its index. */
    public int add(byte[] message, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, message.length);
        int i = add(length);
        MemorySegment.copy(message, offset, slots[i], ValueLayout.JAVA_BYTE, 0, length);
        return i;
    }

    /** Appends a copy of the array as one message; returns its index. */
    public int add(byte[] message) {
        return add(message, 0, message.length);
    }

    private int checkedSize(long length) {
        if (length > maxSize) {
            throw new IllegalArgumentException("a message in this batch is 0 to " + maxSize + " bytes, not " + length);
        }
        return (int) length;
    }

    // ------------------------------------------------------------------ reading

    /**
     * Message {@code i}'s slot: {@link #maxMessageSize()} bytes of native memory, of which the
     * message is the first {@code min(length(i), maxMessageSize())}. The same view every time:
     * it allocates nothing. Valid until the batch is closed.
     *
     * @throws IndexOutOfBoundsException unless {@code 0 <= i < capacity()}
     */
    public MemorySegment slot(int i) {
        return slots[Objects.checkIndex(i, capacity)];
    }

    /**
     * Message {@code i}'s length: as added; after a receive its real length, which is more than
     * {@link #maxMessageSize()} when it was cut (the rest is lost), as a single receive answers.
     *
     * @throws IndexOutOfBoundsException unless {@code 0 <= i < count()}
     */
    public int length(int i) {
        checkOpen();
        return vector.get(ValueLayout.JAVA_INT, Objects.checkIndex(i, count) * Socket.MMSGHDR_SIZE + Socket.MMSG_LEN);
    }

    /** Whether received message {@code i} was longer than a slot, so that its end was lost (MSG_TRUNC). */
    public boolean truncated(int i) {
        return Integer.compareUnsigned(length(i), maxSize) > 0;
    }

    /**
     * Message {@code i}'s bytes that the batch holds, as a new view of its slot.
     *
     * @throws IndexOutOfBoundsException unless {@code 0 <= i < count()}
     */
    public MemorySegment message(int i) {
        int stored = stored(i); // checks open and index before the slot is touched
        return slots[i].asSlice(0, stored);
    }

    /**
     * Copies message {@code i}'s bytes that the batch holds into {@code dst}, advancing its position.
     *
     * @return the bytes copied
     * @throws BufferOverflowException when they do not fit (nothing is copied)
     */
    public int get(int i, ByteBuffer dst) {
        if (dst.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        int n = stored(i);
        if (dst.remaining() < n) {
            throw new BufferOverflowException();
        }
        int pos = dst.position();
        dst.put(pos, slotBuffers[i], 0, n);
        dst.position(pos + n);
        return n;
    }

    private int stored(int i) {
        int len = length(i);
        return Integer.compareUnsigned(len, maxSize) > 0 ? maxSize : len;
    }

    // ------------------------------------------------------------------ for the calls

    /** Pins the memory for one call; pair with {@link #release()}. */
    void acquire(String call) throws ObjectClosedException {
        memory.acquire(call);
    }

    void release() {
        memory.release();
    }

    /** The mmsghdr array from message {@code i} on. */
    MemorySegment vectorFrom(int i) {
        return from[i];
    }

    /** Records that a send took {@code n} more messages. */
    void sent(int n) {
        position += n;
    }

    /** Makes every slot whole again for a receive, and empties the batch. */
    void prepareReceive() {
        for (int i = 0; i < shortened; i++) {
            iovecs.set(ValueLayout.JAVA_LONG, i * Socket.IOVEC_SIZE + Socket.IOV_LEN, maxSize);
        }
        shortened = 0;
        count = 0;
        position = 0;
    }

    /** Takes in {@code n} received messages: each ready to be sent on with the bytes it holds. */
    void received(int n) {
        for (int i = 0; i < n; i++) {
            long len = Integer.toUnsignedLong(vector.get(ValueLayout.JAVA_INT, i * Socket.MMSGHDR_SIZE + Socket.MMSG_LEN));
            if (len < maxSize) {
                iovecs.set(ValueLayout.JAVA_LONG, i * Socket.IOVEC_SIZE + Socket.IOV_LEN, len);
                shortened = i + 1;
            }
        }
        count = n;
        position = 0;
    }

    /** The length the kernel reported for message {@code i} of the last call, whatever the count. */
    int rawLength(int i) {
        return vector.get(ValueLayout.JAVA_INT, i * Socket.MMSGHDR_SIZE + Socket.MMSG_LEN);
    }

    private void checkOpen() {
        if (!memory.isOpen()) {
            throw new IllegalStateException("the message batch is closed");
        }
    }

    /** Whether {@link #close()} has not been called. */
    public boolean isOpen() {
        return memory.isOpen();
    }

    /**
     * Frees the batch's native memory: at once, or when the call using it returns (that call then
     * completes; later ones throw {@link io.jipc.ObjectClosedException}). Idempotent, thread-safe.
     */
    @Override
    public void close() {
        memory.close();
    }

    @Override
    public String toString() {
        return "MessageBatch[" + count + "/" + capacity + " of up to " + maxSize + " B, position " + position
                + (memory.isOpen() ? "" : ", closed") + "]";
    }
}
