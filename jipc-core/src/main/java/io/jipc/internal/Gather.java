package io.jipc.internal;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * The gathering writes' bookkeeping ({@code write(ByteBuffer[])} on pipes, {@code
 * send(ByteBuffer[])} on sockets): the buffers' bytes are copied, in order, into the calling
 * thread's native scratch and leave in one system call per piece.
 *
 * <p>Why a copy rather than an iovec per buffer (writev, sendmsg): an iovec holds an address as a
 * number, which keeps nothing alive, and a direct buffer over a shared arena's memory could be
 * freed by another thread while the kernel reads it — the rule {@code ControlMessages} follows
 * for sendmsg. The thread's scratch cannot be. For the small buffers a gathering write is for,
 * the copy costs a few nanoseconds per buffer against the system call per buffer it saves, and
 * heap buffers need it in any case.
 *
 * <p>Nothing here allocates: the copies are absolute bulk puts, the positions move only for the
 * bytes that went.
 */
public final class Gather {
    private Gather() {}

    /**
     * The bytes remaining in {@code srcs[offset .. offset+length-1]}, after checking the range and
     * that no buffer is null.
     *
     * @throws IndexOutOfBoundsException if the range is outside the array
     * @throws NullPointerException if a buffer in it is null
     */
    public static long remaining(ByteBuffer[] srcs, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, srcs.length);
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            total += Objects.requireNonNull(srcs[i], "a buffer to write is null").remaining();
        }
        return total;
    }

    /**
     * Copies up to {@code max} of the buffers' remaining bytes, in order, to the start of {@code
     * into} (absolute: {@code into}'s position and the buffers' stay), skipping the first {@code
     * skip} bytes.
     *
     * @return the bytes copied
     */
    public static int stage(ByteBuffer[] srcs, int offset, int length, long skip, ByteBuffer into, int max) {
        int staged = 0;
        for (int i = offset; i < offset + length && staged < max; i++) {
            ByteBuffer b = srcs[i];
            int rem = b.remaining();
            if (skip >= rem) {
                skip -= rem;
                continue;
            }
            int from = b.position() + (int) skip;
            int n = (int) Math.min(rem - skip, max - staged);
            into.put(staged, b, from, n);
            staged += n;
            skip = 0;
        }
        return staged;
    }

    /** Advances the buffers' positions past {@code written} bytes, in order. */
    public static void consume(ByteBuffer[] srcs, int offset, int length, long written) {
        for (int i = offset; i < offset + length && written > 0; i++) {
            ByteBuffer b = srcs[i];
            int n = (int) Math.min(b.remaining(), written);
            b.position(b.position() + n);
            written -= n;
        }
    }
}
