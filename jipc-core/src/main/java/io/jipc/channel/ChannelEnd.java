package io.jipc.channel;

import static io.jipc.channel.ChannelLayout.ATTACHED;
import static io.jipc.channel.ChannelLayout.DETACHED;
import static io.jipc.channel.ChannelLayout.INT;
import static io.jipc.channel.ChannelLayout.LONG;
import static io.jipc.internal.libc.Errnos.EAGAIN;
import static io.jipc.internal.libc.Errnos.EBUSY;
import static io.jipc.internal.libc.Errnos.ESRCH;

import io.jipc.IpcException;
import io.jipc.ObjectClosedException;
import io.jipc.internal.libc.Futex;
import io.jipc.internal.libc.Pidfd;
import io.jipc.internal.libc.Poll;
import io.jipc.internal.libc.Unistd;
import io.jipc.internal.wait.Attempt;
import io.jipc.internal.wait.Handle;
import io.jipc.internal.wait.Operation;
import io.jipc.internal.wait.Waiter;
import io.jipc.shm.Access;
import io.jipc.shm.MemFd;
import io.jipc.shm.Mapping;
import io.jipc.shm.SharedMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;

/**
 * What the two ends of a channel share: the mapping, the attach word of this side and the other,
 * the futex words, and the one way an end sleeps — an {@link Operation} of the wait engine whose
 * call is {@code futex(FUTEX_WAIT)} on this side's word, so {@code close()} and {@link
 * Thread#interrupt()} wake it like any other jipc wait.
 *
 * <p>The hot paths (claim, commit, drain) take no lock and make no system call: they touch the
 * mapping's segment, whose shared arena refuses every access once the end is closed (never a
 * fault), and they call {@code FUTEX_WAKE} only when the other side has said it sleeps.
 */
abstract sealed class ChannelEnd implements AutoCloseable permits ChannelReader, ChannelWriter {
    /**
     * How long one futex sleep lasts before the other side's process is looked at again. A test
     * that must see a missed wake-up as a hang, not as one slice's delay, stretches it with {@code
     * -Djipc.channel.slice.ms}.
     */
    static final Duration SLICE = Duration.ofMillis(Long.getLong("jipc.channel.slice.ms", 100));

    /** The end's life: the one close protocol; freeing detaches, wakes the other side and unmaps. */
    private final class Life extends Handle {
        Life(String label) {
            super(label, -1);
        }

        @Override
        protected void free() {
            try {
                dropClaim();
                detach();
            } catch (RuntimeException unmapped) {
                // The mapping is gone already: nothing to say to the other side.
            }
            mapping.close();
            closePeerPidfd();
        }
    }

    final String label;
    final String side;
    final String otherSide;
    final Mapping mapping;
    /** The whole object: header and data. */
    final MemorySegment memory;
    /** The data area, {@link #capacity} bytes. */
    final MemorySegment data;
    final int capacity;
    /** Producer slots: 1 for a one-producer channel (layout version 1), more for a many-producer one (version 2). */
    final int producers;
    /** Whether this is a many-producer channel: claims by CAS on the tail, commits per record. */
    final boolean many;
    final long mask;
    final int maxPayload;
    final int pid;
    final Handle life;
    final Operation park;
    /** This end's attach word: the writer's or reader's, or a many-producer writer's slot's. */
    long myAttach;
    private final long otherAttach;
    private final long mySleeping;
    final long otherSleeping;
    /** This side's futex word, as a segment of its own for the futex calls. */
    private final MemorySegment myWord;
    /** The other side's futex word. */
    private final MemorySegment otherWord;
    final int spins;
    final int yields;
    /** The channel's ordering is {@link Channel.Ordering#SLEEP_BARRIER}: this end barriers the others before it sleeps. */
    private final boolean sleepBarrier;
    /** Whether this end publishes with release stores: a sleep-barrier channel, and this process registered to be barriered. */
    private final boolean releaseStores;
    /** A pidfd of the other side's process (-1: none yet), and the pid it is of. */
    private volatile int peerPidfd = -1;
    private int peerPidfdOf;

    ChannelEnd(String label, Mapping mapping, Channel.Options options, boolean writer) throws IpcException {
        this.label = label;
        this.mapping = mapping;
        this.side = writer ? "writer" : "reader";
        this.otherSide = writer ? "reader" : "writer";
        this.memory = mapping.segment();
        this.capacity = ChannelLayout.check(memory, label);
        this.sleepBarrier = (memory.get(ValueLayout.JAVA_INT, ChannelLayout.FEATURES) & ChannelLayout.FEATURE_SLEEP_BARRIER) != 0;
        if (sleepBarrier && !SleepBarrier.available()) {
            throw SleepBarrier.unavailable("open", label);
        }
        this.releaseStores = sleepBarrier && SleepBarrier.register();
        this.producers = ChannelLayout.producers(memory);
        this.many = producers > 1;
        this.mask = capacity - 1;
        this.maxPayload = ChannelLayout.maxPayload(capacity);
        this.data = memory.asSlice(ChannelLayout.headerSize(producers), capacity);
        this.myAttach = writer ? ChannelLayout.WRITER : ChannelLayout.READER;
        this.otherAttach = writer ? ChannelLayout.READER : ChannelLayout.WRITER;
        this.mySleeping = writer ? ChannelLayout.WRITER_SLEEPING : ChannelLayout.READER_SLEEPING;
        this.otherSleeping = writer ? ChannelLayout.READER_SLEEPING : ChannelLayout.WRITER_SLEEPING;
        this.myWord = memory.asSlice(mySleeping, 4);
        this.otherWord = memory.asSlice(otherSleeping, 4);
        this.spins = options.spins();
        this.yields = options.yields();
        this.pid = Unistd.getpid();
        this.life = new Life(label);
        this.park = Operation.on(life, "futex", this::sleep)
                .timeout(Operation.Timeout.RELATIVE)
                .slice(SLICE)
                .build();
        attach();
    }

    // ---------------------------------------------------------------- opening the memory

    /** Creates a POSIX object for a new channel and maps it, formatted; nothing is left behind on failure. */
    static Mapping createObject(String name, Channel.Options options) throws IpcException {
        SharedMemory.checkName(name);
        checkOrdering(name, options);
        long size = Channel.objectSize(options);
        try (SharedMemory shm = SharedMemory.createExclusively(name, size,
                SharedMemory.Options.defaults().withMode(options.mode()))) {
            try {
                Mapping m = shm.map();
                ChannelLayout.format(m.segment(), options.capacity(), options.producers(),
                        ChannelLayout.features(options.ordering()));
                return m;
            } catch (IpcException | RuntimeException e) {
                SharedMemory.unlink(name);
                throw e;
            }
        }
    }

    /** Maps an existing POSIX object read-write. */
    static Mapping openObject(String name) throws IpcException {
        SharedMemory.checkName(name);
        try (SharedMemory shm = SharedMemory.openExisting(name)) {
            return shm.map(Access.READ_WRITE);
        }
    }

    /** Formats a fresh memfd (grown to the size the capacity needs) and maps it. */
    static Mapping formatMemFd(MemFd memfd, Channel.Options options) throws IpcException {
        checkOrdering("memfd:" + memfd.name(), options);
        long size = Channel.objectSize(options);
        if (memfd.size() < size) {
            memfd.resize(size);
        }
        Mapping m = memfd.map(Access.READ_WRITE);
        try {
            if ((long) LONG.getAcquire(m.segment(), ChannelLayout.MAGIC) != 0) {
                throw new IllegalArgumentException(memfd + " holds a channel already: open it instead of formatting it");
            }
            ChannelLayout.format(m.segment(), options.capacity(), options.producers(),
                    ChannelLayout.features(options.ordering()));
            return m;
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /** Refuses, before anything is made, a sleep-barrier channel on a system without the barrier. */
    private static void checkOrdering(String label, Channel.Options options) throws IpcException {
        java.util.Objects.requireNonNull(options, "options");
        if (options.ordering() == Channel.Ordering.SLEEP_BARRIER && !SleepBarrier.available()) {
            throw SleepBarrier.unavailable("open", label);
        }
    }

    /** Closes {@code mapping} if making an end of it failed. */
    static <E extends ChannelEnd> E closingOnFailure(Mapping mapping, EndFactory<E> factory) throws IpcException {
        try {
            return factory.make();
        } catch (IpcException | RuntimeException e) {
            mapping.close();
            throw e;
        }
    }

    interface EndFactory<E> {
        E make() throws IpcException;
    }

    // ---------------------------------------------------------------- attaching

    /** Takes this side: allowed when nobody has it, or its last holder closed it or died. */
    private void attach() throws IpcException {
        if (many && myAttach == ChannelLayout.WRITER) {
            attachSlot();
            return;
        }
        long mine = ChannelLayout.attachWord(ATTACHED, pid);
        while (true) {
            long word = (long) LONG.getVolatile(memory, myAttach);
            if (ChannelLayout.state(word) == ATTACHED && alive(ChannelLayout.pid(word))) {
                throw IpcException.withDetail("open", label, EBUSY, "the channel has a " + side + " already (process "
                        + ChannelLayout.pid(word) + "): one " + side + " at a time");
            }
            if (LONG.compareAndSet(memory, myAttach, word, mine)) {
                return;
            }
        }
    }

    /**
     * A many-producer writer takes a producer slot: a free one (never used, or closed), or one
     * whose process died and left no claim the reader still has to get past (see "Producer
     * slots" in the layout document).
     */
    private void attachSlot() throws IpcException {
        long mine = ChannelLayout.attachWord(ATTACHED, pid);
        for (int i = 0; i < producers; i++) {
            long at = ChannelLayout.slot(i);
            long word = (long) LONG.getVolatile(memory, at + ChannelLayout.SLOT_ATTACH);
            long state = ChannelLayout.state(word);
            if (state == ATTACHED) {
                if (alive(ChannelLayout.pid(word))) {
                    continue;
                }
                long claim = (long) LONG.getVolatile(memory, at + ChannelLayout.SLOT_CLAIM);
                long head = (long) LONG.getVolatile(memory, ChannelLayout.HEAD);
                long tail = (long) LONG.getVolatile(memory, ChannelLayout.TAIL);
                if (claim != ChannelLayout.NO_CLAIM && claim >= head && claim != tail) {
                    continue; // the reader may still need this claim to get past the dead producer's record
                }
            }
            if (LONG.compareAndSet(memory, at + ChannelLayout.SLOT_ATTACH, word, mine)) {
                LONG.setVolatile(memory, at + ChannelLayout.SLOT_CLAIM, ChannelLayout.NO_CLAIM);
                myAttach = at + ChannelLayout.SLOT_ATTACH;
                return;
            }
            i--; // the slot changed: look at it again
        }
        throw IpcException.withDetail("open", label, EBUSY, "all " + producers + " producer slots of the channel are"
                + " taken by running processes: at most " + producers + " writers at a time");
    }

    /** Gives this side up (state 2), then wakes the other side if it sleeps. */
    private void detach() {
        long mine = ChannelLayout.attachWord(ATTACHED, pid);
        LONG.compareAndSet(memory, myAttach, mine, ChannelLayout.attachWord(DETACHED, pid));
        wakeOther();
    }

    /** Whether process {@code pid} is running (a zombie is not): pidfd_open, and its readability. */
    static boolean alive(int pid) {
        if (pid <= 0) {
            return false;
        }
        int fd = Pidfd.pidfd_open(pid, 0);
        if (fd < 0) {
            return fd != -ESRCH; // any other refusal: assume it runs, never declare a live peer dead
        }
        try {
            return !Waiter.current().readyNow(fd, Poll.POLLIN);
        } finally {
            Unistd.close(fd);
        }
    }

    private synchronized void closePeerPidfd() {
        int fd = peerPidfd;
        if (fd >= 0) {
            peerPidfd = -1;
            Unistd.close(fd);
        }
    }

    /**
     * The other side's attach word. A many-producer channel's reader sees its producers as one:
     * the word of a running producer if there is one, else of a dead one, else of a closed one.
     */
    final long otherWord() {
        if (many && otherAttach == ChannelLayout.WRITER) {
            long dead = 0;
            long closed = 0;
            for (int i = 0; i < producers; i++) {
                long word = (long) LONG.getAcquire(memory, ChannelLayout.slot(i) + ChannelLayout.SLOT_ATTACH);
                long state = ChannelLayout.state(word);
                if (state == ATTACHED) {
                    if (alive(ChannelLayout.pid(word))) {
                        return word;
                    }
                    dead = dead == 0 ? word : dead;
                } else if (state == DETACHED && closed == 0) {
                    closed = word;
                }
            }
            return dead != 0 ? dead : closed;
        }
        return (long) LONG.getAcquire(memory, otherAttach);
    }

    /**
     * What the other side is now: a state, and for an attached one whether its process still
     * runs — through a pidfd this end keeps while the same process holds the other side, so a pid
     * reused after the check began can never pass for the dead peer.
     */
    final synchronized Channel.PeerState peerState(long word) {
        long state = ChannelLayout.state(word);
        if (state == ChannelLayout.NEVER) {
            return Channel.PeerState.NEVER_ATTACHED;
        }
        if (state == DETACHED) {
            return Channel.PeerState.CLOSED;
        }
        int other = ChannelLayout.pid(word);
        int fd = peerPidfd;
        if (fd < 0 || peerPidfdOf != other) {
            if (fd >= 0) {
                peerPidfd = -1;
                Unistd.close(fd);
            }
            fd = Pidfd.pidfd_open(other, 0);
            if (fd < 0) {
                return fd == -ESRCH ? Channel.PeerState.DIED : Channel.PeerState.ATTACHED;
            }
            peerPidfdOf = other;
            peerPidfd = fd;
        }
        if (Waiter.current().readyNow(fd, Poll.POLLIN)) {
            // Exited; look at the word again: it may have closed its end cleanly just before.
            long again = otherWord();
            return again == word ? Channel.PeerState.DIED : peerState(again);
        }
        return Channel.PeerState.ATTACHED;
    }

    /** The pid the other side's attach word names (0 if nobody ever attached). */
    public int peerPid() {
        return ChannelLayout.pid(otherWord());
    }

    /**
     * The other end now: never attached, attached by a running process, closed, or died (its
     * process is gone but never closed it: {@code pidfd_open} says ESRCH, or the pidfd is
     * readable). A slow peer is {@link Channel.PeerState#ATTACHED ATTACHED}.
     *
     * @throws ObjectClosedException if this end is closed
     */
    public Channel.PeerState peer() throws IpcException {
        life.acquire("peer");
        try {
            return peerState(otherWord());
        } finally {
            life.release();
        }
    }

    // ---------------------------------------------------------------- sleeping and waking

    /** Whether this side can go on now (records to read, room to write {@code w.length} bytes). */
    abstract boolean ready(Waiter w);

    /**
     * Called by the waiting thread before it sleeps and after every slice of sleep: a
     * many-producer channel's reader gets past a record whose producer died between claim and
     * commit (true when it did). Nothing to do elsewhere.
     */
    boolean recover() {
        return false;
    }

    /** Called once, when the end is freed and before it detaches: a writer drops its open claim. */
    void dropClaim() {}

    /** Whether waiting is useless: the other side closed its end or died. */
    final boolean otherGone() {
        long word = otherWord();
        long state = ChannelLayout.state(word);
        return state == DETACHED || (state == ATTACHED && peerState(word) != Channel.PeerState.ATTACHED);
    }

    /**
     * The engine's call: in the NOW form a look; in the KERNEL form the layout's sleep — say so in
     * the futex word, look again, sleep while the word says so. Answers 0 whenever the caller
     * should look (woken, the word changed, records or room came, the other side is gone).
     */
    private long sleep(Waiter w, int how) {
        if (how == Attempt.NOW) {
            return ready(w) || otherGone() || recover() ? 0 : -EAGAIN;
        }
        INT.setVolatile(memory, mySleeping, 1);
        try {
            if (sleepBarrier && !SleepBarrier.barrier()) {
                Thread.yield(); // no barrier (ENOMEM): sleeping could miss a wake-up, so look again instead
                return 0;
            }
            if (ready(w) || otherGone() || recover()) {
                return 0;
            }
            int r = Futex.wait(myWord, 1, w.timeoutArg);
            return r == -EAGAIN ? 0 : r;
        } finally {
            if (!sharedWord()) {
                INT.setVolatile(memory, mySleeping, 0);
            }
        }
    }

    /**
     * Whether this end's futex word is shared with others of its side: many producers sleep on one
     * word, which only the reader clears (a producer that cleared it on waking would erase another
     * one's announcement, and that one would sleep through its wake-up).
     */
    private boolean sharedWord() {
        return many && mySleeping == ChannelLayout.WRITER_SLEEPING;
    }

    /**
     * Stores a position or a record's commit, which the other side's wake-up depends on: a
     * release store in a sleep-barrier channel (a sleeper's membarrier then stands for the
     * store-load fence: the JIT keeps the ordered load of {@link #wakeOther} after this ordered
     * store, as C's compiler barrier does), else sequentially consistent.
     */
    final void publish(MemorySegment segment, long offset, long value) {
        if (releaseStores) {
            LONG.setRelease(segment, offset, value);
        } else {
            ChannelLayout.publish(segment, offset, value);
        }
    }

    /** After storing this side's position: wakes the other side if it said it sleeps. */
    final void wakeOther() {
        if ((int) INT.getVolatile(memory, otherSleeping) != 0 && (int) INT.getAndSet(memory, otherSleeping, 0) != 0) {
            Futex.wake(otherWord, Integer.MAX_VALUE);
        }
    }

    /** The idle strategy's first two steps: {@code true} as soon as this side can go on. */
    final boolean spinThenYield(Waiter w) {
        for (int i = 0; i < spins; i++) {
            Thread.onSpinWait();
            if (ready(w)) {
                return true;
            }
        }
        for (int i = 0; i < yields; i++) {
            Thread.yield();
            if (ready(w)) {
                return true;
            }
        }
        return false;
    }

    /** Throws the closed-object exception if this end is closed. */
    final void checkOpen(String call) throws ObjectClosedException {
        life.checkOpen(call);
    }

    /**
     * An access to the mapping failed because it is closed (a close racing a hot path): the
     * closed-object exception, as every jipc object says it.
     */
    final IpcException closedDuring(String call, IllegalStateException e) {
        if (life.isOpen()) {
            throw e;
        }
        ObjectClosedException closed = new ObjectClosedException(call, label);
        closed.initCause(e);
        return closed;
    }

    /** Whether {@link #close()} has not been called. */
    public boolean isOpen() {
        return life.isOpen();
    }

    /** How the channel orders a publication against a sleeping end: the ordering it was created with. */
    public Channel.Ordering ordering() {
        return sleepBarrier ? Channel.Ordering.SLEEP_BARRIER : Channel.Ordering.FENCED;
    }

    /** The channel's capacity, bytes of its ring. */
    public int capacity() {
        return capacity;
    }

    /** The largest payload one record can have: half the capacity less the record's 8-byte header. */
    public int maxPayload() {
        return maxPayload;
    }

    /**
     * Closes this end: marks its side closed in the channel (the other side sees {@link
     * Channel.PeerState#CLOSED}: a reader then reads what is left and gets end-of-stream), wakes
     * a thread of this process blocked on it ({@link ObjectClosedException}) and the other side
     * if it sleeps, and unmaps the memory once no call runs. Idempotent, thread-safe. A POSIX
     * object's name stays until {@link Channel#unlink}.
     */
    @Override
    public void close() {
        life.close();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + label + ", " + capacity + " bytes" + (isOpen() ? "" : ", closed") + "]";
    }
}
