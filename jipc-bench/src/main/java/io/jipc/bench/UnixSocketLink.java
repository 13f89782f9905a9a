package io.jipc.bench;

import io.jipc.Transfer;
import io.jipc.socket.SocketType;
import io.jipc.socket.UnixSocket;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * A link over one connected jipc {@link UnixSocket}, STREAM or SEQPACKET, both directions. On a
 * stream a message is {@code size} bytes in the stream and a short receive is continued (as C's
 * {@code recv_fully} does); on a seqpacket socket a message is one record, and a record of another
 * length is an error.
 */
final class UnixSocketLink implements Link {
    private final UnixSocket socket;
    private final boolean stream;

    UnixSocketLink(UnixSocket socket) {
        this.socket = socket;
        this.stream = socket.type() == SocketType.STREAM;
    }

    @Override
    public void send(MemorySegment message) throws IOException {
        socket.send(message);
    }

    @Override
    public void receive(MemorySegment message) throws IOException {
        long got = socket.receive(message);
        if (got != message.byteSize()) {
            receiveRest(message, got);
        }
    }

    /** The rare path: a short read on a stream (large messages), a record of the wrong length, or the end. */
    private void receiveRest(MemorySegment message, long got) throws IOException {
        long size = message.byteSize();
        if (got == Transfer.EOF) {
            throw new EOFException("end of stream from " + socket + " waiting for a " + size + "-byte message");
        }
        if (!stream) {
            throw new IOException("a " + got + "-byte record from " + socket + " where " + size + " bytes were sent");
        }
        while (got < size) {
            long n = socket.receive(message.asSlice(got));
            if (n == Transfer.EOF) {
                throw new EOFException("end of stream from " + socket + " inside a " + size + "-byte message");
            }
            got += n;
        }
    }

    @Override
    public void close() {
        socket.close();
    }
}
