package io.jipc.bench;

import io.jipc.pipe.Pipe;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * A link over two one-way byte streams that jipc reads and writes as pipe ends: anonymous pipes
 * and FIFOs. A message is {@code size} bytes in the stream; a read that returns part of one is
 * continued, as C's {@code read_fully} does.
 */
final class PipeLink implements Link {
    private final Pipe.ReadEnd in;
    private final Pipe.WriteEnd out;

    PipeLink(Pipe.ReadEnd in, Pipe.WriteEnd out) {
        this.in = in;
        this.out = out;
    }

    @Override
    public void send(MemorySegment message) throws IOException {
        out.write(message);
    }

    @Override
    public void receive(MemorySegment message) throws IOException {
        long got = in.read(message);
        if (got != message.byteSize()) {
            receiveRest(message, got);
        }
    }

    /** The rare path: a short read (large messages), or end of stream. */
    private void receiveRest(MemorySegment message, long got) throws IOException {
        long size = message.byteSize();
        while (true) {
            if (got < 0) {
                throw new EOFException("end of stream from " + in + " inside a " + size + "-byte message");
            }
            if (got == size) {
                return;
            }
            long n = in.read(message.asSlice(got));
            got = n < 0 ? n : got + n;
        }
    }

    @Override
    public void close() {
        in.close();
        out.close();
    }
}
