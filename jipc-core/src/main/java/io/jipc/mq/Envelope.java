package io.jipc.mq;

/**
 * What came with a received message besides its bytes: its size, and its priority (POSIX queues)
 * or type (System V queues). A mutable holder the caller creates once and passes to every
 * receive into a buffer, so that receiving in a loop allocates nothing:
 * <pre>{@code
 * Envelope envelope = new Envelope();
 * ByteBuffer buf = ByteBuffer.allocateDirect(queue.messageSize());
 * while (running) {
 *     queue.receive(buf.clear(), envelope);
 *     handle(buf.flip(), envelope.priority());
 * }
 * }</pre>
 * Not thread-safe: give each receiving thread its own.
 *
 * @see <a href="https://man7.org/linux/man-pages/man3/mq_receive.3.html">mq_receive(3)</a>
 * @see <a href="https://man7.org/linux/man-pages/man2/msgrcv.2.html">msgrcv(2)</a>
 */
public final class Envelope {
    private int size;
    private int priority;
    private long type;

    /** A holder with nothing received yet (size 0). */
    public Envelope() {}

    /** The size in bytes of the message last received into this holder. */
    public int size() {
        return size;
    }

    /** The priority of the POSIX message last received into this holder (0 for System V messages). */
    public int priority() {
        return priority;
    }

    /** The type of the System V message last received into this holder (0 for POSIX messages). */
    public long type() {
        return type;
    }

    void setPosix(int size, int priority) {
        this.size = size;
        this.priority = priority;
        this.type = 0;
    }

    void setSysV(int size, long type) {
        this.size = size;
        this.priority = 0;
        this.type = type;
    }

    @Override
    public String toString() {
        return "Envelope[size=" + size + ", priority=" + priority + ", type=" + type + "]";
    }
}
