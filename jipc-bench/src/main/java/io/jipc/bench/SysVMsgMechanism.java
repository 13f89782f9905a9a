package io.jipc.bench;

import io.jipc.IpcKey;
import io.jipc.mq.Envelope;
import io.jipc.mq.SysVMessageQueue;
import io.jipc.mq.TypeSelector;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code sysv-msg}: two private System V message queues ({@link SysVMessageQueue}), one per
 * direction, handed to the peer by id; a benchmark message larger than msgmax (8 KiB by default)
 * goes as msgmax pieces. This side removes the queues when the link closes. C baseline: {@code
 * c/sysv-msg.c}.
 */
final class SysVMsgMechanism implements Mechanism {
    private static final long TYPE = 1;

    @Override
    public String name() {
        return "sysv-msg";
    }

    @Override
    public String description() {
        return "two System V message queues (msgget), one per direction; 8 KiB pieces";
    }

    /** As c/sysv-msg.c computes it: 8 KiB, or msgmax if smaller. */
    static int piece() {
        return (int) Math.min(8192, QueueLink.procNumber("/proc/sys/kernel/msgmax", 8192));
    }

    @Override
    public List<JavaImpl> javaImpls() {
        return List.of(new JavaImpl(JavaImpl.JIPC, this::connect, this::accept),
                new JavaImpl(JavaImpl.FFM, (launcher, scratch) -> bare((SysVLink) connect(launcher, scratch)),
                        args -> bare((SysVLink) accept(args))));
    }

    /** The same queues, msgsnd and msgrcv as bare downcalls ({@link FfmLinks}); closing it closes {@code link}. */
    private static Link bare(SysVLink link) {
        return FfmLinks.sysvQueues(link.in.id(), link.out.id(), piece(), link::close);
    }

    private Link connect(PeerLauncher launcher, Path scratch) throws IOException {
        SysVMessageQueue toPeer = SysVMessageQueue.createExclusively(IpcKey.PRIVATE);
        SysVMessageQueue toUs = null;
        try {
            toUs = SysVMessageQueue.createExclusively(IpcKey.PRIVATE);
            launcher.start(List.of(Integer.toString(toPeer.id()), Integer.toString(toUs.id())), Map.of());
            return new SysVLink(toUs, toPeer, true);
        } catch (IOException | RuntimeException e) {
            toPeer.remove();
            if (toUs != null) {
                toUs.remove();
            }
            throw e;
        }
    }

    private Link accept(List<String> args) throws IOException {
        if (args.size() != 2) {
            throw new IllegalArgumentException("sysv-msg peer needs two msqids, got " + args);
        }
        return new SysVLink(SysVMessageQueue.openId(Integer.parseInt(args.get(0))),
                SysVMessageQueue.openId(Integer.parseInt(args.get(1))), false);
    }

    static final class SysVLink extends QueueLink {
        private final SysVMessageQueue in;
        private final SysVMessageQueue out;
        private final boolean owner;
        private final Envelope got = new Envelope();
        private final TypeSelector any = TypeSelector.any();
        private final AtomicBoolean closed = new AtomicBoolean();

        SysVLink(SysVMessageQueue in, SysVMessageQueue out, boolean owner) {
            super(piece());
            this.in = in;
            this.out = out;
            this.owner = owner;
        }

        @Override
        void sendPiece(MemorySegment piece) throws IOException {
            out.send(piece, TYPE);
        }

        @Override
        int receivePiece(MemorySegment piece) throws IOException {
            return in.receive(piece, got, any);
        }

        /**
         * The creating side removes both queues: by now the peer has sent its last message (or
         * has died, and the removal ends this side's wait). Idempotent and thread-safe: the
         * harness's guard may close the link while the harness itself does.
         */
        @Override
        public synchronized void close() throws IOException { // a second closer waits until the queues are gone
            if (!closed.compareAndSet(false, true)) {
                return;
            }
            try {
                if (owner) {
                    try {
                        in.remove();
                    } finally {
                        out.remove();
                    }
                }
            } finally {
                in.close();
                out.close();
            }
        }
    }
}
