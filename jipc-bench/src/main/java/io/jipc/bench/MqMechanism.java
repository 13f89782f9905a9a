package io.jipc.bench;

import io.jipc.mq.PosixMessageQueue;
import io.jipc.mq.Envelope;
import java.io.Closeable;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code mq}: two POSIX message queues ({@link PosixMessageQueue}), one per direction, of 10
 * messages of 8 KiB (or less where {@code /proc/sys/fs/mqueue} allows less); a larger benchmark
 * message goes as 8 KiB pieces. This side creates them, the peer opens them by name and says
 * hello, and the names are unlinked at once. C baseline: {@code c/mq.c}.
 */
final class MqMechanism implements Mechanism {
    private static final Duration HELLO_TIMEOUT = Duration.ofSeconds(60);
    /** How often the wait for the hello checks that the peer still runs. */
    private static final Duration HELLO_POLL = Duration.ofMillis(100);
    private static final AtomicInteger COUNTER = new AtomicInteger();

    @Override
    public String name() {
        return "mq";
    }

    @Override
    public String description() {
        return "two POSIX message queues (mq_open), one per direction; 8 KiB pieces";
    }

    /** As c/mq.c computes them: 10 messages of 8 KiB, within the system's limits. */
    static PosixMessageQueue.Options options() {
        long maxmsg = Math.min(10, QueueLink.procNumber("/proc/sys/fs/mqueue/msg_max", 10));
        long msgsize = Math.min(8192, QueueLink.procNumber("/proc/sys/fs/mqueue/msgsize_max", 8192));
        return PosixMessageQueue.Options.defaults().withMaxMessages((int) maxmsg).withMessageSize((int) msgsize);
    }

    @Override
    public List<JavaImpl> javaImpls() {
        return List.of(new JavaImpl(JavaImpl.JIPC, this::connect, this::accept),
                new JavaImpl(JavaImpl.FFM, (launcher, scratch) -> bare((MqLink) connect(launcher, scratch)),
                        args -> bare((MqLink) accept(args))));
    }

    /** The same queues, mq_send and mq_receive as bare downcalls ({@link FfmLinks}); closing it closes {@code link}. */
    private static Link bare(MqLink link) throws IOException {
        return FfmLinks.posixQueues(FfmLinks.number(link.in), FfmLinks.number(link.out), link.messageSize, link::close);
    }

    private Link connect(PeerLauncher launcher, Path scratch) throws IOException {
        String base = "/jipc-bench-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
        // Unlinked as soon as both sides have them open, and also if this JVM is stopped before.
        Closeable unlink = () -> {
            unlinkQuietly(base + "-to-peer");
            unlinkQuietly(base + "-to-parent");
        };
        ExitCleanup.register(unlink);
        PosixMessageQueue toPeer = null;
        PosixMessageQueue toUs = null;
        try {
            toPeer = PosixMessageQueue.createExclusively(base + "-to-peer",
                    options().withAccess(PosixMessageQueue.Access.WRITE_ONLY));
            toUs = PosixMessageQueue.createExclusively(base + "-to-parent",
                    options().withAccess(PosixMessageQueue.Access.READ_ONLY));
            launcher.start(List.of(toPeer.name(), toUs.name()), Map.of());
            MqLink link = new MqLink(toUs, toPeer);
            link.awaitHello(launcher);
            return link;
        } catch (IOException | RuntimeException e) {
            if (toPeer != null) {
                toPeer.close();
            }
            if (toUs != null) {
                toUs.close();
            }
            throw e;
        } finally {
            // Open on both sides now (or never will be): the names have done their job.
            ExitCleanup.done(unlink);
            unlink.close();
        }
    }

    private static void unlinkQuietly(String name) {
        try {
            PosixMessageQueue.unlink(name);
        } catch (IOException gone) {
            // not created, or unlinked already
        }
    }

    private Link accept(List<String> args) throws IOException {
        if (args.size() != 2) {
            throw new IllegalArgumentException("mq peer needs two queue names, got " + args);
        }
        PosixMessageQueue in = PosixMessageQueue.openExisting(args.get(0), PosixMessageQueue.Options.defaults().withAccess(PosixMessageQueue.Access.READ_ONLY));
        try {
            MqLink link = new MqLink(in, PosixMessageQueue.openExisting(args.get(1), PosixMessageQueue.Options.defaults().withAccess(PosixMessageQueue.Access.WRITE_ONLY)));
            link.sayHello();
            return link;
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /** Pieces of the queues' message size; a shorter piece is received through a spare buffer (mq_receive wants room for the largest). */
    static final class MqLink extends QueueLink {
        private final PosixMessageQueue in;
        private final PosixMessageQueue out;
        private final int messageSize;
        private final MemorySegment spare;
        private final Envelope got = new Envelope();

        MqLink(PosixMessageQueue in, PosixMessageQueue out) {
            super(in.messageSize());
            this.in = in;
            this.out = out;
            this.messageSize = in.messageSize();
            this.spare = Arena.ofAuto().allocate(messageSize, 64);
        }

        void sayHello() throws IOException {
            out.send(spare.asSlice(0, 1), 0);
        }

        /** Waits for the peer's hello, at most {@link #HELLO_TIMEOUT}, and not past the peer's exit. */
        void awaitHello(PeerLauncher launcher) throws IOException {
            long deadline = System.nanoTime() + HELLO_TIMEOUT.toNanos();
            while (in.tryReceive(spare, got, HELLO_POLL) == io.jipc.Transfer.NOTHING) {
                if (!launcher.isAlive()) {
                    throw new IOException("the peer exited before it opened " + out.name());
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new IOException("the peer did not open " + out.name() + " within " + HELLO_TIMEOUT);
                }
            }
        }

        @Override
        void sendPiece(MemorySegment piece) throws IOException {
            out.send(piece, 0);
        }

        @Override
        int receivePiece(MemorySegment piece) throws IOException {
            if (piece.byteSize() == messageSize) {
                return in.receive(piece, got);
            }
            int n = in.receive(spare, got);
            MemorySegment.copy(spare, 0, piece, 0, Math.min(n, piece.byteSize()));
            return n;
        }

        @Override
        public void close() {
            in.close();
            out.close();
        }
    }
}
