package io.jipc.bench;

import io.jipc.Errno;
import io.jipc.IpcException;
import io.jipc.IpcKey;
import io.jipc.sem.SemOp;
import io.jipc.sem.SysVSemaphoreSet;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code sysv-sem}: a semop in one process wakes a semop in the other, through one private System
 * V set ({@link SysVSemaphoreSet}) of four semaphores — per direction, items and spaces around a
 * {@link HandoffRing} — handed to the peer by id; this side removes it when the link closes.
 *
 * <p>Each handoff is one semop per side, its two operations applied atomically. A send writes the
 * slot whose space it already holds, then posts the item and takes the space for its next send
 * (spaces start at {@code SLOTS - 1}: the first slot is held from the start); a receive takes the
 * item and gives back the slot it read the time before, then reads. So the spaces never hold up a
 * ping-pong, and bound a stream to the ring. C baseline: {@code c/sysv-sem.c}, the same semops.
 */
final class SysVSemMechanism implements Mechanism {
    private static final int ITEMS_TO_PEER = 0;
    private static final int SPACES_TO_PEER = 1;
    private static final int ITEMS_TO_US = 2;
    private static final int SPACES_TO_US = 3;

    @Override
    public String name() {
        return "sysv-sem";
    }

    @Override
    public String description() {
        return "a System V semaphore set (semget), post/wait handoff: one semop per side, items and spaces per"
                + " direction around a ring of 64-byte slots";
    }

    @Override
    public List<JavaImpl> javaImpls() {
        return List.of(new JavaImpl(JavaImpl.JIPC, this::connect, this::accept),
                new JavaImpl(JavaImpl.FFM, (launcher, scratch) -> new BareLink((SysVSemLink) connect(launcher, scratch)),
                        args -> new BareLink((SysVSemLink) accept(args))));
    }

    private Link connect(PeerLauncher launcher, Path scratch) throws IOException {
        int spaces = HandoffRing.SLOTS - 1;
        SysVSemaphoreSet set = SysVSemaphoreSet.createExclusively(IpcKey.PRIVATE, 4,
                SysVSemaphoreSet.Options.defaults().withInitialValues(0, spaces, 0, spaces));
        try {
            Path ring = scratch.resolve("ring");
            SysVSemLink link = new SysVSemLink(set, HandoffRing.create(ring), true);
            launcher.start(List.of(Integer.toString(set.id()), ring.toString()), Map.of());
            return link;
        } catch (IOException | RuntimeException e) {
            set.remove();
            set.close();
            throw e;
        }
    }

    private Link accept(List<String> args) throws IOException {
        if (args.size() != 2) {
            throw new IllegalArgumentException("sysv-sem peer needs the semid and the ring file, got " + args);
        }
        SysVSemaphoreSet set = SysVSemaphoreSet.openId(Integer.parseInt(args.get(0)));
        try {
            return new SysVSemLink(set, HandoffRing.open(Path.of(args.get(1))), false);
        } catch (IOException | RuntimeException e) {
            set.close();
            throw e;
        }
    }

    /**
     * The same semops as bare FFM downcalls ({@link FfmLinks#semop}), with no library between the
     * loop and {@code semop} ({@link JavaImpl#FFM}): what any Java code pays for this exchange.
     * The set and the ring are {@link SysVSemLink}'s, made and removed as for jipc; only the
     * exchange differs.
     */
    static final class BareLink implements Link {
        private final SysVSemLink link;
        private final int id;
        private final MemorySegment send;
        private final MemorySegment receive;

        BareLink(SysVSemLink link) {
            this.link = link;
            this.id = link.set.id();
            this.send = FfmLinks.sembufs(link.send);
            this.receive = FfmLinks.sembufs(link.receive);
        }

        private void semop(MemorySegment ops, long n) throws IOException {
            FfmLinks.semop(id, ops, n); // EINTR included: the harness sends no signal
        }

        @Override
        public void send(MemorySegment message) throws IOException {
            link.ring.put(message);
            semop(send, 2);
        }

        @Override
        public void receive(MemorySegment message) throws IOException {
            semop(receive, link.ring.received() == 0 ? 1 : 2); // the first receive has no slot to give back
            link.ring.take(message);
        }

        @Override
        public void close() throws IOException {
            link.close();
        }
    }

    static final class SysVSemLink implements Link {
        private final SysVSemaphoreSet set;
        private final HandoffRing ring;
        private final boolean owner;
        private final SemOp[] send;
        private final SemOp firstReceive;
        private final SemOp[] receive;
        private final AtomicBoolean closed = new AtomicBoolean();

        SysVSemLink(SysVSemaphoreSet set, HandoffRing ring, boolean owner) {
            this.set = set;
            this.ring = ring;
            this.owner = owner;
            int outItems = owner ? ITEMS_TO_PEER : ITEMS_TO_US;
            int outSpaces = owner ? SPACES_TO_PEER : SPACES_TO_US;
            int inItems = owner ? ITEMS_TO_US : ITEMS_TO_PEER;
            int inSpaces = owner ? SPACES_TO_US : SPACES_TO_PEER;
            this.send = new SemOp[] {SemOp.of(outItems, +1), SemOp.of(outSpaces, -1)};
            this.firstReceive = SemOp.of(inItems, -1);
            this.receive = new SemOp[] {SemOp.of(inItems, -1), SemOp.of(inSpaces, +1)};
        }

        @Override
        public void send(MemorySegment message) throws IOException {
            ring.put(message);
            set.op(send);
        }

        @Override
        public void receive(MemorySegment message) throws IOException {
            if (ring.received() == 0) {
                set.op(firstReceive);
            } else {
                set.op(receive);
            }
            ring.take(message);
        }

        /**
         * The creating side removes the set: by now the peer has made its last semop (or has
         * died, and the removal ends this side's wait). Idempotent and thread-safe: the harness's
         * guard may close the link while the harness itself does.
         */
        @Override
        public synchronized void close() throws IOException { // a second closer waits until the set is gone
            if (!closed.compareAndSet(false, true)) {
                return;
            }
            try {
                if (owner) {
                    set.remove();
                }
            } catch (IpcException e) {
                // Gone already is what this close is for (a test run's leak guard elsewhere on the
                // machine may have taken a private set it could not tell from its own).
                if (e.error() != Errno.EINVAL && e.error() != Errno.EIDRM) {
                    throw e;
                }
            } finally {
                set.close();
            }
        }
    }
}
