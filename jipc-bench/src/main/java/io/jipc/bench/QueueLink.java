package io.jipc.bench;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * A link over message queues, whose messages have a largest size ({@code piece}, 8 KiB by
 * default on Linux for both kinds): a benchmark message is sent as whole queue messages of
 * {@code piece} bytes and a last shorter one, as {@code c/mq.c} and {@code c/sysv-msg.c} do.
 * The slices of a message segment are made once per segment (the harness passes the same one for
 * a whole round), so sending and receiving allocate nothing.
 */
abstract class QueueLink implements Link {
    private final int piece;
    private MemorySegment slicedFrom;
    private MemorySegment[] pieces;

    QueueLink(int piece) {
        this.piece = piece;
    }

    /**
     * The number in a {@code /proc/sys} file, or {@code fallback}. Read as a stream: {@code
     * Files.readString} returns only the first byte of these files.
     */
    static long procNumber(String file, long fallback) {
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(java.nio.file.Path.of(file))) {
            return Long.parseLong(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).strip());
        } catch (IOException | NumberFormatException e) {
            return fallback;
        }
    }

    /** Sends one queue message. */
    abstract void sendPiece(MemorySegment piece) throws IOException;

    /** Receives one queue message into {@code piece}; returns its size. */
    abstract int receivePiece(MemorySegment piece) throws IOException;

    @Override
    public final void send(MemorySegment message) throws IOException {
        MemorySegment[] p = pieces(message);
        for (MemorySegment s : p) {
            sendPiece(s);
        }
    }

    @Override
    public final void receive(MemorySegment message) throws IOException {
        MemorySegment[] p = pieces(message);
        for (MemorySegment s : p) {
            int n = receivePiece(s);
            if (n != s.byteSize()) {
                throw new IOException("a queue message of " + n + " bytes where " + s.byteSize() + " were due");
            }
        }
    }

    private MemorySegment[] pieces(MemorySegment message) {
        if (message != slicedFrom) {
            long size = message.byteSize();
            int n = (int) ((size + piece - 1) / piece);
            MemorySegment[] p = new MemorySegment[n];
            for (int i = 0; i < n; i++) {
                long off = (long) i * piece;
                p[i] = message.asSlice(off, Math.min(piece, size - off));
            }
            pieces = p;
            slicedFrom = message;
        }
        return pieces;
    }
}
