package io.jipc.bench;

import io.jipc.Transfer;
import io.jipc.pipe.Pipe;
import io.jipc.socket.MessageBatch;
import io.jipc.socket.UnixDatagramSocket;
import io.jipc.socket.UnixSocket;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * The links of {@link JavaImpl#JIPC_BATCH}: jipc's batch forms under the same {@link Exchange} as
 * every other implementation, every message still stamped and checked one by one. The sender
 * copies each message into a batch and sends a full batch in one call ({@link #batchOf}
 * messages: up to {@value #MAX_BATCH}, about {@value #BATCH_BYTES} bytes), and what it holds when
 * {@link Link#flush()} is called or before it receives; the receiver takes everything that has
 * arrived in one call and hands it out a message at a time. Ping-pong thus sends batches of one.
 *
 * <p>Nothing here allocates per message: batches and buffers are made when the message size
 * changes (before a round's untimed first messages) and reused.
 */
final class BatchLinks {
    private BatchLinks() {}

    /** The most messages a sender puts in one call. */
    static final int MAX_BATCH = 64;
    /** About how many bytes a sender puts in one call (fewer messages when they are large). */
    static final int BATCH_BYTES = 4096;
    /** About how many bytes a receiver takes in one call: the default capacity of a pipe. */
    static final int RECEIVE_BYTES = 64 * 1024;

    /** How many messages of {@code size} bytes a sender batches. */
    static int batchOf(int size) {
        return Math.max(1, Math.min(MAX_BATCH, BATCH_BYTES / Math.max(1, size)));
    }

    /** How many messages of {@code size} bytes a receiver takes in one call at most. */
    static int receiveOf(int size) {
        return Math.max(1, Math.min(MessageBatch.MAX_CAPACITY, RECEIVE_BYTES / Math.max(1, size)));
    }

    // ------------------------------------------------------------------ datagrams and records

    /** A datagram or SEQPACKET socket's batch calls: sendBatch and receiveBatch of whichever class has them. */
    interface BatchSocket extends AutoCloseable {
        void sendBatch(MessageBatch batch) throws IOException;

        /** The messages received, or {@link Transfer#EOF}. */
        int receiveBatch(MessageBatch batch) throws IOException;

        @Override
        void close();
    }

    /** The batch calls of a datagram socket. */
    static BatchSocket of(UnixDatagramSocket s) {
        return new BatchSocket() {
            @Override
            public void sendBatch(MessageBatch batch) throws IOException {
                s.sendBatch(batch);
            }

            @Override
            public int receiveBatch(MessageBatch batch) throws IOException {
                return s.receiveBatch(batch);
            }

            @Override
            public void close() {
                s.close();
            }
        };
    }

    /** The batch calls of a SEQPACKET socket. */
    static BatchSocket of(UnixSocket s) {
        return new BatchSocket() {
            @Override
            public void sendBatch(MessageBatch batch) throws IOException {
                s.sendBatch(batch);
            }

            @Override
            public int receiveBatch(MessageBatch batch) throws IOException {
                return s.receiveBatch(batch);
            }

            @Override
            public void close() {
                s.close();
            }
        };
    }

    /** A message is one datagram or record; a batch of them goes in one sendmmsg, recvmmsg takes all there. */
    static final class Messages implements Link {
        private final BatchSocket socket;
        private final String name;
        private MessageBatch out;
        private MessageBatch in;
        private int next;

        Messages(BatchSocket socket, String name) {
            this.socket = socket;
            this.name = name;
        }

        @Override
        public void send(MemorySegment message) throws IOException {
            int size = (int) message.byteSize();
            if (out == null || out.maxMessageSize() != size) {
                flush();
                if (out != null) {
                    out.close();
                }
                out = MessageBatch.allocate(batchOf(size), size);
            }
            out.add(message);
            if (out.isFull()) {
                flush();
            }
        }

        @Override
        public void flush() throws IOException {
            if (out != null && out.count() > 0) {
                socket.sendBatch(out);
                out.clear();
            }
        }

        @Override
        public void receive(MemorySegment message) throws IOException {
            flush();
            int size = (int) message.byteSize();
            if (in == null || in.maxMessageSize() != size) {
                if (in != null && next < in.count()) {
                    throw new IOException(name + ": " + (in.count() - next) + " messages of " + in.maxMessageSize()
                            + " bytes left over where " + size + "-byte messages begin");
                }
                if (in != null) {
                    in.close();
                }
                in = MessageBatch.allocate(receiveOf(size), size);
                next = 0;
            }
            if (next == in.count()) {
                if (socket.receiveBatch(in) == Transfer.EOF) {
                    throw new EOFException("end of stream from " + name + " waiting for a " + size + "-byte message");
                }
                next = 0;
            }
            int got = in.length(next);
            if (got != size) {
                throw new IOException("a " + got + "-byte message from " + name + " where " + size + " bytes were sent");
            }
            MemorySegment.copy(in.slot(next), 0, message, 0, size);
            next++;
        }

        @Override
        public void close() {
            socket.close();
            if (out != null) {
                out.close();
            }
            if (in != null) {
                in.close();
            }
        }
    }

    // ------------------------------------------------------------------ byte streams

    /** A pipe's or a stream socket's gathering write. */
    @FunctionalInterface
    interface GatheringWriter {
        void write(ByteBuffer[] srcs) throws IOException;
    }

    /** A pipe's or a stream socket's read into a buffer: the count, or {@link Transfer#EOF}. */
    @FunctionalInterface
    interface Reader {
        int read(ByteBuffer dst) throws IOException;
    }

    /** The batch link over a pipe's two ends. */
    static Link pipes(Pipe.ReadEnd in, Pipe.WriteEnd out) {
        return new Bytes(out::write, in::read, () -> {
            in.close();
            out.close();
        }, in + "/" + out);
    }

    /** The batch link over a STREAM socket. */
    static Link stream(UnixSocket s) {
        return new Bytes(s::send, s::receive, s::close, s.toString());
    }

    /**
     * A message is {@code size} bytes of a stream; a batch of them goes in one gathering write of
     * as many buffers, and a read takes all that has arrived into one large buffer, from which
     * the messages are cut (a message cut in two by a read is completed by the next).
     */
    static final class Bytes implements Link {
        private final GatheringWriter writer;
        private final Reader reader;
        private final AutoCloseable closer;
        private final String name;
        private ByteBuffer[] slots;
        private MemorySegment[] slotSegments;
        private int size = -1;
        private int filled;
        private ByteBuffer in;
        private MemorySegment inSegment;
        private int start;
        private int end;

        Bytes(GatheringWriter writer, Reader reader, AutoCloseable closer, String name) {
            this.writer = writer;
            this.reader = reader;
            this.closer = closer;
            this.name = name;
        }

        @Override
        public void send(MemorySegment message) throws IOException {
            int n = (int) message.byteSize();
            if (n != size) {
                flush();
                resize(n);
            }
            MemorySegment.copy(message, 0, slotSegments[filled], 0, n);
            slots[filled].clear().limit(n);
            if (++filled == slots.length) {
                flush();
            }
        }

        private void resize(int n) {
            size = n;
            int count = batchOf(n);
            ByteBuffer backing = ByteBuffer.allocateDirect(count * n);
            slots = new ByteBuffer[count];
            slotSegments = new MemorySegment[count];
            for (int i = 0; i < count; i++) {
                slots[i] = backing.slice(i * n, n).limit(0);
                slotSegments[i] = MemorySegment.ofBuffer(backing.slice(i * n, n));
            }
            filled = 0;
        }

        @Override
        public void flush() throws IOException {
            if (filled > 0) {
                writer.write(slots); // the slots not filled are empty (limit 0)
                for (int i = 0; i < filled; i++) {
                    slots[i].limit(0);
                }
                filled = 0;
            }
        }

        @Override
        public void receive(MemorySegment message) throws IOException {
            flush();
            int n = (int) message.byteSize();
            if (in == null || in.capacity() < 2 * n) {
                ByteBuffer bigger = ByteBuffer.allocateDirect(Math.max(RECEIVE_BYTES, 2 * n));
                MemorySegment biggerSegment = MemorySegment.ofBuffer(bigger);
                if (in != null) {
                    MemorySegment.copy(inSegment, start, biggerSegment, 0, end - start);
                }
                end -= start;
                start = 0;
                in = bigger;
                inSegment = biggerSegment;
            }
            while (end - start < n) {
                if (in.capacity() - end < n) {
                    MemorySegment.copy(inSegment, start, inSegment, 0, end - start);
                    end -= start;
                    start = 0;
                }
                in.limit(in.capacity()).position(end);
                int r = reader.read(in);
                if (r == Transfer.EOF) {
                    throw new EOFException("end of stream from " + name + " inside a " + n + "-byte message");
                }
                end += r;
            }
            MemorySegment.copy(inSegment, start, message, 0, n);
            start += n;
            if (start == end) {
                start = 0;
                end = 0;
            }
        }

        @Override
        public void close() throws IOException {
            try {
                closer.close();
            } catch (IOException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException(e);
            }
        }
    }
}
