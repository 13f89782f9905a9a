package io.jipc.channel;

import io.jipc.Transfer;
import io.jipc.testing.Crash;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The other JVM of the channel tests, and the record pattern every test (and {@code
 * channel_peer.c}) uses: record i has type i, {@link #length} bytes, byte b = i * 31 + b.
 *
 * <pre>
 *   write NAME COUNT SEED MAXLEN         attach as writer, write COUNT records, close
 *   read NAME COUNT SEED MAXLEN          attach as reader, read to end of stream checking COUNT records
 *   crash-write NAME COUNT SEED MAXLEN   write COUNT records, claim one more, write half of it,
 *                                        stop at crash point "mid-record"
 * </pre>
 */
public final class ChannelPeer {
    private ChannelPeer() {}

    static int length(long i, long seed, long maxlen) {
        return (int) Long.remainderUnsigned(i * 2654435761L + seed, maxlen + 1);
    }

    static void fill(MemorySegment payload, long i) {
        for (int b = 0; b < payload.byteSize(); b++) {
            payload.set(ValueLayout.JAVA_BYTE, b, (byte) (i * 31 + b));
        }
    }

    /** Writes records {@code from} to {@code to - 1} of the pattern. */
    static void write(ChannelWriter w, long from, long to, long seed, long maxlen) throws Exception {
        for (long i = from; i < to; i++) {
            MemorySegment room = w.claim((int) (i & 0x7fffffff), length(i, seed, maxlen));
            fill(room, i);
            w.commit();
        }
    }

    /** Checks records in order against the pattern; {@link #next} is the index of the next one. */
    static final class Checker implements RecordHandler {
        final long seed;
        final long maxlen;
        long next;

        Checker(long seed, long maxlen) {
            this.seed = seed;
            this.maxlen = maxlen;
        }

        @Override
        public void onRecord(int type, MemorySegment buffer, long offset, int length) {
            long i = next;
            if (type != (int) (i & 0x7fffffff) || length != length(i, seed, maxlen)) {
                throw new AssertionError("record " + i + ": type " + type + ", length " + length + " (expected "
                        + length(i, seed, maxlen) + ")");
            }
            for (int b = 0; b < length; b++) {
                if (buffer.get(ValueLayout.JAVA_BYTE, offset + b) != (byte) (i * 31 + b)) {
                    throw new AssertionError("record " + i + ": byte " + b + " wrong (a torn record)");
                }
            }
            next++;
        }
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        String name = args[1];
        long count = Long.parseLong(args[2]);
        long seed = Long.parseLong(args[3]);
        long maxlen = Long.parseLong(args[4]);
        switch (mode) {
            case "write", "crash-write" -> {
                try (ChannelWriter w = ChannelWriter.openExisting(name)) {
                    System.out.println("ready");
                    System.out.flush();
                    write(w, 0, count, seed, maxlen);
                    if (mode.equals("crash-write")) {
                        MemorySegment room = w.claim(0, (int) maxlen);
                        room.asSlice(0, maxlen / 2).fill((byte) 0xEE);
                        Crash.point("mid-record");
                        w.commit();
                    }
                }
                System.out.println("wrote " + count);
            }
            case "read" -> {
                try (ChannelReader r = ChannelReader.openExisting(name)) {
                    System.out.println("ready");
                    System.out.flush();
                    Checker c = new Checker(seed, maxlen);
                    while (r.drain(c, 64) != Transfer.EOF) {
                        // more
                    }
                    if (c.next != count) {
                        throw new AssertionError("end of stream after " + c.next + " records, expected " + count);
                    }
                    System.out.println("read " + c.next);
                }
            }
            default -> throw new IllegalArgumentException(mode);
        }
    }
}
