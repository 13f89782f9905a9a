package io.jipc.bench;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * A link over one connected, blocking JDK {@link SocketChannel} (UNIX or TCP): the {@code jdk}
 * implementation, written the way a JDK user writes it. A message is {@code size} bytes in the
 * stream: a write or read that moves part of it is continued.
 *
 * <p>The channel works on a direct {@link ByteBuffer} view of the message segment, made once per
 * segment (the exchange passes the same segment for a whole phase), so nothing is allocated or
 * copied per message, as in jipc's links.
 */
final class ChannelLink implements Link {
    private final SocketChannel channel;
    private MemorySegment viewed;
    private ByteBuffer view;

    ChannelLink(SocketChannel channel) throws IOException {
        this.channel = channel;
        channel.configureBlocking(true);
    }

    private ByteBuffer view(MemorySegment message) {
        if (message != viewed) {
            view = message.asByteBuffer();
            viewed = message;
        }
        return view.clear();
    }

    @Override
    public void send(MemorySegment message) throws IOException {
        ByteBuffer b = view(message);
        do {
            channel.write(b);
        } while (b.hasRemaining());
    }

    @Override
    public void receive(MemorySegment message) throws IOException {
        ByteBuffer b = view(message);
        do {
            if (channel.read(b) < 0) {
                throw new EOFException("end of stream from " + channel + " inside a " + message.byteSize() + "-byte message");
            }
        } while (b.hasRemaining());
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
