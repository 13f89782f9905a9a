package io.jipc.bench;

import io.jipc.Fd;
import io.jipc.Transfer;
import io.jipc.channel.Channel;
import io.jipc.channel.ChannelReader;
import io.jipc.channel.ChannelWriter;
import io.jipc.channel.RecordHandler;
import io.jipc.shm.MemFd;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code channel}: two jipc channels ({@link ChannelWriter}/{@link ChannelReader}), one per
 * direction, each a ring of {@value #CAPACITY} bytes in a memfd handed to the peer at descriptors
 * 3 and 4. A message is one record: sent with {@link ChannelWriter#send} (a copy in, as C's
 * memcpy), received by a drain of one record that copies it out. Both sides wait as the channel
 * does by default: 100 spins, 10 yields, then a futex sleep. C baseline: {@code c/channel.c},
 * the same ring from {@code docs/channel-layout.md}, same idle steps. Beside it, Agrona's
 * one-to-one ring buffer ({@link AgronaChannel}) over the same kind of memory.
 *
 * <p>{@code channel-mpsc} ({@link #manyProducers()}) is the same exchange over many-producer
 * channels (layout version 2, 8 producer slots): each writer claims by CAS on the tail, commits in
 * the record's header, and the reader zeroes what it consumed. Each direction still has one producer
 * (the harness exchanges between two processes), so the row measures what the many-producer protocol
 * costs one producer, not contention. Its peers: Agrona's {@code ManyToOneRingBuffer} and {@code
 * c/channel-mpsc.c}, the version-2 ring from the layout document.
 */
final class ChannelMechanism implements Mechanism {
    /** The ring of each direction: messages up to half of it, less 8 bytes, fit. */
    static final int CAPACITY = 1 << 20;
    /** Producer slots of {@code channel-mpsc}'s rings. */
    static final int SLOTS = 8;
    private static final int TO_PEER_FD = 3;
    private static final int TO_US_FD = 4;

    private final String name;
    private final Channel.Options options;

    ChannelMechanism() {
        this("channel", 1);
    }

    private ChannelMechanism(String name, int producers) {
        this.name = name;
        this.options = Channel.Options.defaults().withCapacity(CAPACITY).withProducers(producers);
    }

    /** {@code channel-mpsc}: the exchange over many-producer channels. */
    static ChannelMechanism manyProducers() {
        return new ChannelMechanism("channel-mpsc", SLOTS);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String description() {
        return options.producers() == 1
                ? "jipc channel: a ring of records in shared memory per direction (1 MiB memfd), futex wake-ups only"
                        + " when the other side sleeps"
                : "jipc many-producer channel (" + SLOTS + " producer slots, one producer used per direction): claim by"
                        + " CAS on the tail, commit per record, the reader zeroes what it read; 1 MiB memfd rings";
    }

    @Override
    public List<JavaImpl> javaImpls() {
        return List.of(new JavaImpl(JavaImpl.JIPC, this::connect, this::accept),
                AgronaChannel.impl(options.producers() > 1));
    }

    private Link connect(PeerLauncher launcher, Path scratch) throws IOException {
        try (MemFd toPeer = MemFd.create("bench-to-peer", Channel.objectSize(options));
             MemFd toUs = MemFd.create("bench-to-us", Channel.objectSize(options))) {
            ChannelWriter out = ChannelWriter.format(toPeer, options);
            ChannelReader in;
            try {
                in = ChannelReader.format(toUs, options);
            } catch (IOException | RuntimeException e) {
                out.close();
                throw e;
            }
            try {
                launcher.start(List.of(), Map.of(TO_PEER_FD, toPeer.fd(), TO_US_FD, toUs.fd()));
            } catch (IOException | RuntimeException e) {
                out.close();
                in.close();
                throw e;
            }
            return new ChannelLink(in, out);
        }
    }

    private Link accept(List<String> args) throws IOException {
        try (MemFd in = MemFd.adopt(Fd.adopt(TO_PEER_FD, "channel to peer"));
             MemFd out = MemFd.adopt(Fd.adopt(TO_US_FD, "channel to us"))) {
            ChannelReader reader = ChannelReader.open(in, options);
            try {
                return new ChannelLink(reader, ChannelWriter.open(out, options));
            } catch (IOException | RuntimeException e) {
                reader.close();
                throw e;
            }
        }
    }

    /** One reader and one writer; receiving copies the one record drained into the message. */
    static final class ChannelLink implements Link, RecordHandler {
        private final ChannelReader in;
        private final ChannelWriter out;
        private final AtomicBoolean closed = new AtomicBoolean();
        private MemorySegment target;
        private long received;

        ChannelLink(ChannelReader in, ChannelWriter out) {
            this.in = in;
            this.out = out;
        }

        @Override
        public void send(MemorySegment message) throws IOException {
            out.send(0, message);
        }

        @Override
        public void receive(MemorySegment message) throws IOException {
            target = message;
            received = -1;
            if (in.drain(this, 1) == Transfer.EOF) {
                throw new EOFException("end of stream on " + in);
            }
            if (received != message.byteSize()) {
                throw new IOException("a " + received + "-byte record where " + message.byteSize() + " bytes were sent");
            }
        }

        @Override
        public void onRecord(int type, MemorySegment buffer, long offset, int length) {
            received = length;
            if (length == target.byteSize()) {
                MemorySegment.copy(buffer, offset, target, 0, length);
            }
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                out.close();
                in.close();
            }
        }
    }
}
