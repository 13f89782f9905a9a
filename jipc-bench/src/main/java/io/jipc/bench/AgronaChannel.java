package io.jipc.bench;

import io.jipc.Fd;
import io.jipc.shm.Mapping;
import io.jipc.shm.MemFd;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * The {@code agrona} row of {@code channel}: Agrona's {@link OneToOneRingBuffer}, the ring Aeron
 * and many trading systems use between two processes, over the same memory as jipc's row — one
 * memfd per direction, mapped by both JVMs (descriptors 3 and 4 in the peer) — waiting the way
 * Agrona's users do, with a {@link BackoffIdleStrategy} of 100 spins, 10 yields, then parks of
 * 1 µs doubling to 1 ms (Agrona has no blocking wait: a parked side polls). A message is one
 * record, copied in by {@code write} and out of the ring in the read handler. For {@code
 * channel-mpsc} the rings are Agrona's {@link ManyToOneRingBuffer} (claim by CAS on the tail, the
 * reader zeroes what it read), over the same memory.
 */
final class AgronaChannel {
    private AgronaChannel() {}

    static final String NAME = "agrona";
    private static final int CAPACITY = ChannelMechanism.CAPACITY;
    private static final long SIZE = CAPACITY + RingBufferDescriptor.TRAILER_LENGTH;
    private static final int TO_PEER_FD = 3;
    private static final int TO_US_FD = 4;
    private static final int MESSAGE_TYPE = 1;

    /** Agrona's one-to-one ring, or its many-to-one ring when {@code many}. */
    static JavaImpl impl(boolean many) {
        return new JavaImpl(NAME, (launcher, scratch) -> connect(launcher, many), args -> accept(many));
    }

    private static Link connect(PeerLauncher launcher, boolean many) throws IOException {
        try (MemFd toPeer = MemFd.create("bench-agrona-to-peer", SIZE);
             MemFd toUs = MemFd.create("bench-agrona-to-us", SIZE)) {
            AgronaLink link = new AgronaLink(toUs.map(), toPeer.map(), many);
            try {
                launcher.start(List.of(), Map.of(TO_PEER_FD, toPeer.fd(), TO_US_FD, toUs.fd()));
            } catch (IOException | RuntimeException e) {
                link.close();
                throw e;
            }
            return link;
        }
    }

    private static Link accept(boolean many) throws IOException {
        try (MemFd in = MemFd.adopt(Fd.adopt(TO_PEER_FD, "agrona ring to peer"));
             MemFd out = MemFd.adopt(Fd.adopt(TO_US_FD, "agrona ring to us"))) {
            return new AgronaLink(in.map(), out.map(), many);
        }
    }

    /** One ring to read, one to write, each over a mapping of its memfd. */
    static final class AgronaLink implements Link {
        private final Mapping inMapping;
        private final Mapping outMapping;
        private final RingBuffer in;
        private final RingBuffer out;
        private final IdleStrategy idle = new BackoffIdleStrategy(100, 10, 1_000, 1_000_000);
        /** The message being sent or received, wrapped in place (no allocation per message). */
        private final UnsafeBuffer message = new UnsafeBuffer(0, 0);
        private final UnsafeBuffer unwrapped = new UnsafeBuffer(new byte[0]);
        private volatile boolean closed;
        private boolean unmapped;
        /** The thread that uses the link: only it may unmap the rings, which it reads by raw address. */
        private Thread user = Thread.currentThread();
        private int received;
        private final MessageHandler handler = this::onMessage;

        AgronaLink(Mapping in, Mapping out, boolean many) {
            this.inMapping = in;
            this.outMapping = out;
            this.in = many ? new ManyToOneRingBuffer(over(in)) : new OneToOneRingBuffer(over(in));
            this.out = many ? new ManyToOneRingBuffer(over(out)) : new OneToOneRingBuffer(over(out));
        }

        private static UnsafeBuffer over(Mapping m) {
            MemorySegment s = m.segment();
            return new UnsafeBuffer(s.address(), (int) s.byteSize());
        }

        @Override
        public void send(MemorySegment m) throws IOException {
            user = Thread.currentThread();
            checkOpen();
            message.wrap(m.address(), (int) m.byteSize());
            idle.reset();
            while (!out.write(MESSAGE_TYPE, message, 0, (int) m.byteSize())) {
                checkOpen();
                idle.idle();
            }
        }

        @Override
        public void receive(MemorySegment m) throws IOException {
            user = Thread.currentThread();
            checkOpen();
            message.wrap(m.address(), (int) m.byteSize());
            received = -1;
            idle.reset();
            while (in.read(handler, 1) == 0) {
                checkOpen();
                idle.idle();
            }
            if (received != m.byteSize()) {
                throw new IOException("a " + received + "-byte record where " + m.byteSize() + " bytes were sent");
            }
        }

        private void onMessage(int type, MutableDirectBuffer buffer, int index, int length) {
            received = length;
            if (length == message.capacity()) {
                buffer.getBytes(index, (MutableDirectBuffer) message, 0, length);
            }
        }

        /** A ring has no end of stream: the harness closes the link when the peer dies, and a waiting side sees it here. */
        private void checkOpen() throws IOException {
            if (closed) {
                throw new IOException("the agrona link was closed (its peer ended)");
            }
        }

        /**
         * Ends waits (a waiting side sees the flag and throws); unmaps the rings only on the thread
         * that used them. Agrona reads them by raw address, which no arena guards: the harness's
         * guard and watchdog threads close a link while its user may be inside a read, and must
         * leave the memory mapped (that user's own close, after the round fails, unmaps it).
         */
        @Override
        public void close() {
            closed = true;
            if (!unmapped && user == Thread.currentThread()) {
                unmapped = true;
                message.wrap(unwrapped);
                inMapping.close();
                outMapping.close();
            }
        }
    }
}
