package io.jipc.bench;

import io.jipc.socket.UnixDatagramSocket;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/** A link over one connected jipc {@link UnixDatagramSocket}: a message is one datagram, both directions. */
final class UnixDatagramLink implements Link {
    private final UnixDatagramSocket socket;

    UnixDatagramLink(UnixDatagramSocket socket) {
        this.socket = socket;
    }

    @Override
    public void send(MemorySegment message) throws IOException {
        socket.send(message);
    }

    @Override
    public void receive(MemorySegment message) throws IOException {
        long got = socket.receive(message);
        if (got != message.byteSize()) {
            throw new IOException("a " + got + "-byte datagram from " + socket + " where " + message.byteSize()
                    + " bytes were sent");
        }
    }

    @Override
    public void close() {
        socket.close();
    }
}
