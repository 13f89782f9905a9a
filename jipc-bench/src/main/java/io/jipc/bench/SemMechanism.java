package io.jipc.bench;

import io.jipc.sem.PosixSemaphore;
import java.io.Closeable;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code sem}: a post in one process wakes a wait in the other, through POSIX named semaphores
 * ({@link PosixSemaphore}) — per direction, an items and a spaces semaphore around a {@link
 * HandoffRing}. A send waits for a space (at once but when the ring is full), writes the slot and
 * posts the item; a receive waits for the item, reads the slot and posts the space. This side
 * creates the four semaphores, the peer opens them by name and says hello through them, and the
 * names are unlinked at once. C baseline: {@code c/sem.c}.
 */
final class SemMechanism implements Mechanism {
    private static final Duration HELLO_TIMEOUT = Duration.ofSeconds(60);
    /** How often the wait for the hello checks that the peer still runs. */
    private static final Duration HELLO_POLL = Duration.ofMillis(100);
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final String[] NAMES = {"-items-to-peer", "-spaces-to-peer", "-items-to-us", "-spaces-to-us"};

    @Override
    public String name() {
        return "sem";
    }

    @Override
    public String description() {
        return "POSIX named semaphores (sem_open), post/wait handoff: items and spaces per direction around a ring"
                + " of 64-byte slots";
    }

    @Override
    public List<JavaImpl> javaImpls() {
        return List.of(new JavaImpl(JavaImpl.JIPC, (launcher, scratch) -> connect(launcher, scratch, false),
                        args -> accept(args, false)),
                new JavaImpl(JavaImpl.FFM, (launcher, scratch) -> connect(launcher, scratch, true),
                        args -> accept(args, true)));
    }

    private Link connect(PeerLauncher launcher, Path scratch, boolean bare) throws IOException {
        String base = "/jipc-bench-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
        // Unlinked as soon as both sides have them open, and also if this JVM is stopped before.
        Closeable unlink = () -> {
            for (String n : NAMES) {
                unlinkQuietly(base + n);
            }
        };
        ExitCleanup.register(unlink);
        PosixSemaphore[] sems = new PosixSemaphore[4];
        BareLink bareLink = null;
        try {
            for (int i = 0; i < 4; i++) {
                int value = i % 2 == 0 ? 0 : HandoffRing.SLOTS; // items 0, spaces all
                sems[i] = PosixSemaphore.createExclusively(base + NAMES[i],
                        PosixSemaphore.Options.defaults().withInitialValue(value));
            }
            Path ring = scratch.resolve("ring");
            SemLink link = new SemLink(HandoffRing.create(ring), sems[2], sems[3], sems[0], sems[1]);
            if (bare) {
                bareLink = new BareLink(link, base, 2, 3, 0, 1);
            }
            launcher.start(List.of(base, ring.toString()), Map.of());
            link.awaitHello(launcher);
            return bare ? bareLink : link;
        } catch (IOException | RuntimeException e) {
            if (bareLink != null) {
                bareLink.closeBare();
            }
            for (PosixSemaphore s : sems) {
                if (s != null) {
                    s.close();
                }
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
            PosixSemaphore.unlink(name);
        } catch (IOException gone) {
            // not created, or unlinked already
        }
    }

    private Link accept(List<String> args, boolean bare) throws IOException {
        if (args.size() != 2) {
            throw new IllegalArgumentException("sem peer needs the names' base and the ring file, got " + args);
        }
        PosixSemaphore[] sems = new PosixSemaphore[4];
        BareLink bareLink = null;
        try {
            for (int i = 0; i < 4; i++) {
                sems[i] = PosixSemaphore.openExisting(args.get(0) + NAMES[i]);
            }
            SemLink link = new SemLink(HandoffRing.open(Path.of(args.get(1))), sems[0], sems[1], sems[2], sems[3]);
            if (bare) {
                // Before the hello, after which this side's creator unlinks the names.
                bareLink = new BareLink(link, args.get(0), 0, 1, 2, 3);
            }
            link.sayHello();
            return bare ? bareLink : link;
        } catch (IOException | RuntimeException e) {
            if (bareLink != null) {
                bareLink.closeBare();
            }
            for (PosixSemaphore s : sems) {
                if (s != null) {
                    s.close();
                }
            }
            throw e;
        }
    }

    /**
     * The same sem_wait and sem_post as bare FFM downcalls ({@link FfmLinks#semWait}), with no
     * library between the loop and glibc ({@link JavaImpl#FFM}): what any Java code pays for this
     * exchange. The semaphores are {@link SemLink}'s, opened once more by name with a bare
     * sem_open (glibc hands back the same mapping) before the names are unlinked; the ring is
     * {@link SemLink}'s too. Only the exchange differs.
     */
    static final class BareLink implements Link {
        private final SemLink link;
        private final MemorySegment[] sems = new MemorySegment[4];
        private final MemorySegment inItems;
        private final MemorySegment inSpaces;
        private final MemorySegment outItems;
        private final MemorySegment outSpaces;
        private volatile boolean broken;
        private volatile Thread user = Thread.currentThread();

        /** Opens the names {@code base + NAMES[i]}; the indexes say which is which for this side. */
        BareLink(SemLink link, String base, int inItems, int inSpaces, int outItems, int outSpaces)
                throws IOException {
            this.link = link;
            try {
                for (int i = 0; i < 4; i++) {
                    sems[i] = FfmLinks.semOpen(base + NAMES[i]);
                }
            } catch (IOException e) {
                closeBare();
                throw e;
            }
            this.inItems = sems[inItems];
            this.inSpaces = sems[inSpaces];
            this.outItems = sems[outItems];
            this.outSpaces = sems[outSpaces];
        }

        /** Notes the exchanging thread; a volatile read per call, a write only when it changes. */
        private void use() {
            Thread t = Thread.currentThread();
            if (user != t) {
                user = t;
            }
        }

        private void await(MemorySegment sem) throws IOException {
            FfmLinks.semWait(sem);
            if (broken) {
                throw new IOException("the ffm sem link was closed (its peer ended)");
            }
        }

        @Override
        public void send(MemorySegment message) throws IOException {
            use();
            await(outSpaces);
            link.ring.put(message);
            FfmLinks.semPost(outItems);
        }

        @Override
        public void receive(MemorySegment message) throws IOException {
            use();
            await(inItems);
            link.ring.take(message);
            FfmLinks.semPost(inSpaces);
        }

        /** Undoes the bare opens. */
        void closeBare() {
            for (int i = 0; i < 4; i++) {
                if (sems[i] != null) {
                    FfmLinks.semClose(sems[i]);
                    sems[i] = null;
                }
            }
        }

        /**
         * On the thread that used the link, undoes the bare opens. On another — the harness's
         * guard, when the peer died while this side may be inside sem_wait — ends the wait as C's
         * break_handoff does (posts every semaphore, and the woken side sees {@code broken}) and
         * leaves the memory mapped: the user's own close, after the round fails, unmaps it.
         */
        @Override
        public synchronized void close() {
            if (user == Thread.currentThread()) {
                closeBare();
            } else if (!broken) {
                broken = true;
                for (MemorySegment sem : sems) {
                    if (sem != null) {
                        try {
                            FfmLinks.semPost(sem);
                        } catch (IOException atMax) {
                            // SEM_VALUE_MAX: nobody waits on it
                        }
                    }
                }
            }
            link.close();
        }
    }

    static final class SemLink implements Link {
        private final HandoffRing ring;
        private final PosixSemaphore inItems;
        private final PosixSemaphore inSpaces;
        private final PosixSemaphore outItems;
        private final PosixSemaphore outSpaces;
        private final MemorySegment hello = Arena.ofAuto().allocate(1);
        private final AtomicBoolean closed = new AtomicBoolean();

        SemLink(HandoffRing ring, PosixSemaphore inItems, PosixSemaphore inSpaces, PosixSemaphore outItems,
                PosixSemaphore outSpaces) {
            this.ring = ring;
            this.inItems = inItems;
            this.inSpaces = inSpaces;
            this.outItems = outItems;
            this.outSpaces = outSpaces;
        }

        void sayHello() throws IOException {
            send(hello);
        }

        /** Waits for the peer's hello, at most {@link #HELLO_TIMEOUT}, and not past the peer's exit. */
        void awaitHello(PeerLauncher launcher) throws IOException {
            long deadline = System.nanoTime() + HELLO_TIMEOUT.toNanos();
            while (!inItems.tryAcquire(HELLO_POLL)) {
                if (!launcher.isAlive()) {
                    throw new IOException("the peer exited before it opened the semaphores");
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new IOException("the peer did not open the semaphores within " + HELLO_TIMEOUT);
                }
            }
            ring.take(hello);
            inSpaces.release();
        }

        @Override
        public void send(MemorySegment message) throws IOException {
            outSpaces.acquire();
            ring.put(message);
            outItems.release();
        }

        @Override
        public void receive(MemorySegment message) throws IOException {
            inItems.acquire();
            ring.take(message);
            inSpaces.release();
        }

        /** Idempotent and thread-safe: the harness's guard may close the link while the harness does. */
        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                inItems.close();
                inSpaces.close();
                outItems.close();
                outSpaces.close();
            }
        }
    }
}
