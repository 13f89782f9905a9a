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
 *   echo NAME COUNT SEED MAXLEN OUT      attach as reader of NAME, sleeping at once whenever it is
 *                                        empty, and writer of OUT; send each of COUNT records back
 *                                        on OUT as it came
 *   mwrite NAME P COUNT SEED MAXLEN      many producers: attach as producer P, write its COUNT records
 *   crash-mwrite NAME P COUNT SEED MAXLEN  the same, then claim one more, write half of it, stop at
 *                                        crash point "mid-record"
 *   mread NAME PRODUCERS COUNT SEED MAXLEN  many producers: read to end of stream, checking COUNT
 *                                        records of each producer 0..PRODUCERS-1, each in its order
 * </pre>
 *
 * <p>Many producers' pattern (also {@code channel_peer.c}'s): producer P's record i has type P and
 * {@link #manyLength} bytes (8 to MAXLEN): i as a little-endian long, then byte b = i * 31 + b + P.
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

    static int manyLength(long i, int producer, long seed, long maxlen) {
        return 8 + (int) Long.remainderUnsigned(i * 2654435761L + seed + producer, maxlen - 7);
    }

    static void fillMany(MemorySegment payload, long i, int producer) {
        payload.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, i);
        for (int b = 8; b < payload.byteSize(); b++) {
            payload.set(ValueLayout.JAVA_BYTE, b, (byte) (i * 31 + b + producer));
        }
    }

    /** Producer {@code producer} writes its records {@code from} to {@code to - 1}. */
    static void writeMany(ChannelWriter w, int producer, long from, long to, long seed, long maxlen) throws Exception {
        for (long i = from; i < to; i++) {
            MemorySegment room = w.claim(producer, manyLength(i, producer, seed, maxlen));
            fillMany(room, i, producer);
            w.commit();
        }
    }

    /** Checks many producers' records: each producer's in its order, none lost, none twice, none torn. */
    static final class ManyChecker implements RecordHandler {
        final long seed;
        final long maxlen;
        final long[] next;
        long total;

        ManyChecker(int producers, long seed, long maxlen) {
            this.seed = seed;
            this.maxlen = maxlen;
            this.next = new long[producers];
        }

        @Override
        public void onRecord(int type, MemorySegment buffer, long offset, int length) {
            if (type < 0 || type >= next.length || length < 8) {
                throw new AssertionError("a record of type " + type + " and " + length + " bytes");
            }
            long i = buffer.get(ValueLayout.JAVA_LONG_UNALIGNED, offset);
            if (i != next[type]) {
                throw new AssertionError("producer " + type + ": record " + i + " where " + next[type] + " was due"
                        + (i < next[type] ? " (a duplicate or out of order)" : " (records lost)"));
            }
            if (length != manyLength(i, type, seed, maxlen)) {
                throw new AssertionError("producer " + type + " record " + i + ": " + length + " bytes");
            }
            for (int b = 8; b < length; b++) {
                if (buffer.get(ValueLayout.JAVA_BYTE, offset + b) != (byte) (i * 31 + b + type)) {
                    throw new AssertionError("producer " + type + " record " + i + ": byte " + b + " wrong (torn)");
                }
            }
            next[type]++;
            total++;
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
        if (args[0].startsWith("crash-m") || args[0].startsWith("m")) {
            many(args);
            return;
        }
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
            case "echo" -> echo(name, args[5], count);
            default -> throw new IllegalArgumentException(mode);
        }
    }

    /** Echoes {@code count} records from {@code in} to {@code out}; the reader never spins, so every record wakes it. */
    private static void echo(String in, String out, long count) throws Exception {
        Channel.Options sleepAtOnce = Channel.Options.defaults().withIdle(0, 0);
        try (ChannelReader r = ChannelReader.openExisting(in, sleepAtOnce);
             ChannelWriter w = ChannelWriter.openExisting(out, sleepAtOnce)) {
            System.out.println("ready");
            System.out.flush();
            MemorySegment record = java.lang.foreign.Arena.ofAuto().allocate(r.maxPayload());
            int[] got = new int[2]; // type, length
            RecordHandler copy = (type, buffer, offset, length) -> {
                got[0] = type;
                got[1] = length;
                MemorySegment.copy(buffer, offset, record, 0, length);
            };
            for (long i = 0; i < count; i++) {
                if (r.drain(copy, 1) == Transfer.EOF) {
                    throw new AssertionError("end of stream after " + i + " records, expected " + count);
                }
                w.send(got[0], record.asSlice(0, got[1]));
            }
        }
        System.out.println("echoed " + count);
    }

    private static void many(String[] args) throws Exception {
        String mode = args[0];
        String name = args[1];
        int p = Integer.parseInt(args[2]);
        long count = Long.parseLong(args[3]);
        long seed = Long.parseLong(args[4]);
        long maxlen = Long.parseLong(args[5]);
        switch (mode) {
            case "mwrite", "crash-mwrite" -> {
                try (ChannelWriter w = ChannelWriter.openExisting(name)) {
                    System.out.println("ready");
                    System.out.flush();
                    writeMany(w, p, 0, count, seed, maxlen);
                    if (mode.equals("crash-mwrite")) {
                        MemorySegment room = w.claim(p, (int) maxlen);
                        room.asSlice(0, maxlen / 2).fill((byte) 0xEE);
                        Crash.point("mid-record");
                        w.commit();
                    }
                }
                System.out.println("wrote " + count);
            }
            case "mread" -> {
                try (ChannelReader r = ChannelReader.openExisting(name)) {
                    System.out.println("ready");
                    System.out.flush();
                    ManyChecker c = new ManyChecker(p, seed, maxlen);
                    while (r.drain(c, 64) != Transfer.EOF) {
                        // more
                    }
                    for (int i = 0; i < p; i++) {
                        if (c.next[i] != count) {
                            throw new AssertionError("producer " + i + ": " + c.next[i] + " records, expected " + count);
                        }
                    }
                    System.out.println("read " + c.total);
                }
            }
            default -> throw new IllegalArgumentException(mode);
        }
    }
}
