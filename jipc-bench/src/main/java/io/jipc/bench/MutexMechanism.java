package io.jipc.bench;

import io.jipc.shm.Mapping;
import io.jipc.shm.SharedMemory;
import io.jipc.sync.SharedMutex;
import io.jipc.sync.SlotKind;
import io.jipc.sync.Slots;
import java.io.Closeable;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code mutex}: a lock handoff between two processes through process-shared robust mutexes in
 * shared memory ({@link SharedMutex}, glibc's {@code pthread_mutex_t}), with {@link LockLink}'s
 * protocol: three mutexes per direction; a sender holds its mutexes k and k+1 (mod 3), the
 * receiver the sender's k-1; sending message k unlocks mutex k, which the receiver is blocked
 * on, and locks k+2, which the receiver unlocks once it has k. A message is one handoff; its
 * first four bytes travel in the segment, written before the unlock and read after the lock.
 * This side creates the segment and the mutexes, the peer opens them by name, and the name is
 * unlinked once both have it mapped. C baseline: {@code c/mutex.c}, the same layout and calls
 * ({@code pthread_mutex_lock}/{@code unlock}).
 */
final class MutexMechanism implements Mechanism {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final AtomicInteger COUNTER = new AtomicInteger();
    /** Slots 0..2: the parent's mutexes (parent to child), 3..5: the child's; then the two stamps. */
    static final long[] MUTEX = new long[6];
    static final long PARENT_STAMP;
    static final long CHILD_STAMP;
    static final long SIZE;

    static {
        Slots slots = Slots.from(0);
        for (int i = 0; i < 6; i++) {
            MUTEX[i] = slots.reserve(SlotKind.MUTEX);
        }
        PARENT_STAMP = slots.bytes(4, 64);
        CHILD_STAMP = slots.bytes(4, 64);
        SIZE = slots.size();
    }

    @Override
    public String name() {
        return "mutex";
    }

    @Override
    public String description() {
        return "a handoff through process-shared robust pthread mutexes in shared memory, three per direction";
    }

    @Override
    public List<JavaImpl> javaImpls() {
        return List.of(new JavaImpl(JavaImpl.JIPC, this::connect, this::accept));
    }

    private Link connect(PeerLauncher launcher, Path scratch) throws IOException {
        String name = "/jipc-bench-mutex-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
        Closeable unlink = () -> {
            try {
                SharedMemory.unlink(name);
            } catch (IOException gone) {
                // not created, or unlinked already
            }
        };
        ExitCleanup.register(unlink);
        try (SharedMemory shm = SharedMemory.createExclusively(name, SIZE)) {
            Mapping map = shm.map();
            MutexLink link;
            try {
                SharedMutex[] all = new SharedMutex[6];
                for (int i = 0; i < 6; i++) {
                    all[i] = SharedMutex.createExclusively(map, MUTEX[i]);
                }
                link = new MutexLink(map, all, true);
            } catch (IOException | RuntimeException e) {
                map.close();
                throw e;
            }
            try {
                launcher.start(List.of(name), Map.of());
                link.awaitPeer(launcher, START_TIMEOUT);
                return link;
            } catch (IOException | RuntimeException e) {
                link.close();
                throw e;
            }
        } finally {
            ExitCleanup.done(unlink);
            unlink.close();
        }
    }

    private Link accept(List<String> args) throws IOException {
        if (args.size() != 1) {
            throw new IllegalArgumentException("mutex peer needs the segment's name, got " + args);
        }
        try (SharedMemory shm = SharedMemory.openExisting(args.get(0))) {
            Mapping map = shm.map();
            try {
                SharedMutex[] all = new SharedMutex[6];
                for (int i = 0; i < 6; i++) {
                    all[i] = SharedMutex.openExisting(map, MUTEX[i]);
                }
                return new MutexLink(map, all, false);
            } catch (IOException | RuntimeException e) {
                map.close();
                throw e;
            }
        }
    }

    /** One side of the handoff; see the class comment. Nothing is allocated per message. */
    static final class MutexLink implements Link {
        private final Mapping map;
        private final MemorySegment memory;
        private final SharedMutex[] out = new SharedMutex[3];
        private final SharedMutex[] in = new SharedMutex[3];
        private final long outStamp;
        private final long inStamp;
        private final AtomicBoolean closed = new AtomicBoolean();
        private int sendAt;
        private int receiveAt;

        /** Takes this side's starting mutexes, on the thread that will run the exchange (mutexes have owner threads). */
        MutexLink(Mapping map, SharedMutex[] all, boolean parent) throws IOException {
            this.map = map;
            this.memory = map.segment();
            int outBase = parent ? 0 : 3;
            int inBase = parent ? 3 : 0;
            for (int i = 0; i < 3; i++) {
                out[i] = all[outBase + i];
                in[i] = all[inBase + i];
            }
            outStamp = parent ? PARENT_STAMP : CHILD_STAMP;
            inStamp = parent ? CHILD_STAMP : PARENT_STAMP;
            out[0].lock();
            out[1].lock();
            in[2].lock();
        }

        void awaitPeer(PeerLauncher launcher, Duration timeout) throws IOException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!out[2].isLocked() || !in[0].isLocked() || !in[1].isLocked()) {
                if (!launcher.isAlive()) {
                    throw new IOException("the mutex peer exited before taking its mutexes");
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new IOException("the mutex peer did not take its mutexes within " + timeout);
                }
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted waiting for the mutex peer", e);
                }
            }
        }

        @Override
        public void send(MemorySegment message) throws IOException {
            MemorySegment.copy(message, 0, memory, outStamp, Math.min(4, message.byteSize()));
            out[sendAt].unlock();
            out[(sendAt + 2) % 3].lock();
            sendAt = (sendAt + 1) % 3;
        }

        @Override
        public void receive(MemorySegment message) throws IOException {
            in[receiveAt].lock();
            // Read before the unlock below lets the sender return and write its next message.
            MemorySegment.copy(memory, inStamp, message, 0, Math.min(4, message.byteSize()));
            in[(receiveAt + 2) % 3].unlock();
            receiveAt = (receiveAt + 1) % 3;
        }

        /**
         * Closes every mutex object (waking a waiting side with ObjectClosedException) and the
         * mapping. Called on the exchanging thread, it first unlocks what that thread holds (a held
         * SharedMutex keeps its mapping's pages), also when the harness's guard, on another thread,
         * closed the link first. Idempotent and thread-safe.
         */
        @Override
        public void close() {
            // Every close on the exchanging thread lets go of what it holds, even after the guard's.
            for (SharedMutex m : all()) {
                if (m != null && m.isHeldByCurrentThread()) {
                    m.unlock();
                }
            }
            if (!closed.compareAndSet(false, true)) {
                return;
            }
            for (SharedMutex m : all()) {
                if (m != null) {
                    m.close();
                }
            }
            map.close();
        }

        private SharedMutex[] all() {
            return new SharedMutex[] {in[0], in[1], in[2], out[0], out[1], out[2]};
        }
    }
}
