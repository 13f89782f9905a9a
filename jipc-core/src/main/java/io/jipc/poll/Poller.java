package io.jipc.poll;

import static io.jipc.internal.libc.Errnos.EAGAIN;
import static io.jipc.internal.libc.Errnos.ETIMEDOUT;

import io.jipc.Fd;
import io.jipc.FdBacked;
import io.jipc.IpcException;
import io.jipc.IpcInterruptedException;
import io.jipc.ObjectClosedException;
import io.jipc.internal.wait.Deadline;
import io.jipc.internal.wait.Attempt;
import io.jipc.internal.wait.Handles;
import io.jipc.internal.wait.Operation;
import io.jipc.internal.libc.Poll;
import io.jipc.internal.libc.Epoll;
import io.jipc.internal.libc.Eventfd;
import io.jipc.internal.libc.Unistd;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Waits on many descriptors at once: an epoll instance over any {@link FdBacked} jipc object
 * (sockets, pipes, FIFOs, POSIX queues, pidfds, eventfds...) or any raw {@link Fd}.
 *
 * <pre>{@code
 * try (Poller poller = Poller.create()) {
 *     poller.register(server, Set.of(Readiness.READ));
 *     poller.register(pipeReadEnd, Set.of(Readiness.READ), "control");
 *     while (running) {
 *         int n = poller.tryPoll(Duration.ofSeconds(1));
 *         for (int i = 0; i < n; i++) {
 *             Registration r = poller.ready(i);
 *             if (r.isReadable()) { ... r.source() or r.attachment() ... }
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p><b>Waiting.</b> {@link #poll()} sleeps in {@code epoll_wait(2)} until a registered descriptor
 * is ready ({@link #tryPoll(Duration)}: or the timeout passes; {@link #tryPoll()} never waits),
 * {@link #wakeup()} is called from any thread, the poller
 * is closed ({@link ObjectClosedException}) or the waiting thread is interrupted ({@link
 * IpcInterruptedException}, at once; the interrupt status stays set). One thread polls at a time;
 * registering, changing interest, cancelling and waking up are safe from any thread, also while
 * another one polls.
 *
 * <p><b>No allocation while waiting.</b> The event array and the list of ready registrations are
 * allocated once; a poll loop that reads results with {@link #ready(int)} makes no garbage.
 *
 * <p><b>A registered object closed while registered.</b> epoll forgets a descriptor only when the
 * last reference to its open file description goes; while a duplicate lives (in a child process,
 * in a message in flight) epoll would go on reporting it under a number that, once closed, another
 * open may reuse. jipc prevents that: a registration holds its {@link Fd} (one {@link
 * Fd#acquire(String)} for its lifetime), so jipc's deferred close keeps the number open — and
 * never reused — until the registration lets go. The close itself wakes the poller (the {@code
 * Fd}'s close eventfd is in the epoll set); the next poll removes the registration from epoll,
 * releases the descriptor, which is then really closed, and never reports it. Until that poll the
 * number stays open: call {@link Registration#cancel()} before closing an object to release it at
 * once.
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/epoll.7.html">epoll(7)</a>
 */
public final class Poller implements AutoCloseable {
    /**
     * How a registration reports readiness.
     *
     * @see <a href="https://man7.org/linux/man-pages/man7/epoll.7.html">epoll(7)</a>
     */
    public enum Trigger {
        /** Reported at every poll while the condition holds (the default). */
        LEVEL(0),
        /** Reported once per change (EPOLLET): drain the descriptor until it says EAGAIN. */
        EDGE(Epoll.EPOLLET),
        /** Reported once, then disarmed until {@link Registration#setInterest} (EPOLLONESHOT). */
        ONE_SHOT(Epoll.EPOLLONESHOT);

        final int bits;

        Trigger(int bits) {
            this.bits = bits;
        }
    }

    /** The default number of events one poll can return; more wait for the next poll. */
    public static final int DEFAULT_MAX_EVENTS = 256;

    private static final long WAKE_TOKEN = -1L;
    private static final long CLOSE_BIT = 1L;
    private static final int MAX_SLOTS = 1 << 30;

    final Fd epoll;
    private final Fd wake;
    private final int maxEvents;
    private final MemorySegment events;
    final MemorySegment ctlEvent;
    private final MemorySegment counter;

    final Object table = new Object();
    private Registration[] slots = new Registration[16];
    private int[] freeSlots = new int[16];
    private int freeCount;
    private int nextSlot;
    private int generation;
    private int size;

    private final Registration[] ready;
    private int readyCount;
    private final List<Registration> readyView = new ReadyView();

    private final AtomicBoolean posted = new AtomicBoolean();
    private final AtomicBoolean polling = new AtomicBoolean();
    /** epoll_wait, sleeping in the kernel with its own millisecond timeout; the epoll fd polls readable too. */
    private final Operation waitOp;

    private Poller(Fd epoll, Fd wake, int maxEvents) {
        this.epoll = epoll;
        this.wake = wake;
        this.maxEvents = maxEvents;
        Arena arena = Arena.ofAuto();
        this.events = arena.allocate(Epoll.EPOLL_EVENT_SIZE * maxEvents, 8);
        this.ctlEvent = arena.allocate(Epoll.EPOLL_EVENT_SIZE, 8);
        this.counter = arena.allocate(ValueLayout.JAVA_LONG);
        this.ready = new Registration[maxEvents];
        this.waitOp = Operation.on(Handles.of(epoll), "epoll_wait", (w, how) -> {
            int r = Epoll.epoll_wait(w.target, events, maxEvents, how == Attempt.NOW ? 0 : w.timeoutMillis);
            return r != 0 ? r : how == Attempt.NOW ? -EAGAIN : -ETIMEDOUT;
        }).readiness(Poll.POLLIN).timeout(Operation.Timeout.MILLIS).build();
    }

    /** A new poller ({@code epoll_create1(EPOLL_CLOEXEC)}) returning up to 256 events per poll. */
    public static Poller create() throws IpcException {
        return create(DEFAULT_MAX_EVENTS);
    }

    /**
     * A new poller returning up to {@code maxEvents} events per poll.
     *
     * @see <a href="https://man7.org/linux/man-pages/man2/epoll_create.2.html">epoll_create1(2)</a>
     */
    public static Poller create(int maxEvents) throws IpcException {
        if (maxEvents < 1 || maxEvents > 1 << 20) {
            throw new IllegalArgumentException("maxEvents is 1.." + (1 << 20) + ", not " + maxEvents);
        }
        int ep = Epoll.epoll_create1(Epoll.EPOLL_CLOEXEC);
        if (ep < 0) {
            throw IpcException.of("epoll_create1", "poller", -ep);
        }
        Fd epoll = Fd.adopt(ep, "poller");
        int ev = Eventfd.eventfd(0, Eventfd.EFD_CLOEXEC | Eventfd.EFD_NONBLOCK);
        if (ev < 0) {
            epoll.close();
            throw IpcException.of("eventfd", "poller wake-up", -ev);
        }
        Fd wake = Fd.adopt(ev, "poller wake-up");
        Poller p = new Poller(epoll, wake, maxEvents);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment e = a.allocate(Epoll.EPOLL_EVENT_SIZE, 8);
            e.set(ValueLayout.JAVA_INT, Epoll.EVENTS, Epoll.EPOLLIN);
            e.set(Epoll.DATA_LAYOUT, Epoll.DATA, WAKE_TOKEN);
            int r = Epoll.epoll_ctl(ep, Epoll.EPOLL_CTL_ADD, ev, e);
            if (r < 0) {
                p.close();
                throw IpcException.of("epoll_ctl(EPOLL_CTL_ADD)", "poller wake-up", -r);
            }
        }
        return p;
    }

    // ================================================================== registration

    /** Registers a jipc object for {@code interest}, level-triggered. */
    public Registration register(FdBacked source, Set<Readiness> interest) throws IpcException {
        return register(source, interest, Trigger.LEVEL, null);
    }

    /** Registers a jipc object with an attachment to find it by. */
    public Registration register(FdBacked source, Set<Readiness> interest, Object attachment) throws IpcException {
        return register(source, interest, Trigger.LEVEL, attachment);
    }

    /**
     * Registers a jipc object ({@code epoll_ctl(EPOLL_CTL_ADD)}).
     *
     * @throws io.jipc.AlreadyExistsException if its descriptor is already registered here
     * @throws ObjectClosedException if the object or the poller is closed
     * @see <a href="https://man7.org/linux/man-pages/man2/epoll_ctl.2.html">epoll_ctl(2)</a>
     */
    public Registration register(FdBacked source, Set<Readiness> interest, Trigger trigger, Object attachment)
            throws IpcException {
        Objects.requireNonNull(source, "source");
        return register(source.fd(), source, interest, trigger, attachment);
    }

    /** Registers a raw descriptor; {@link Registration#source()} is then null. */
    public Registration register(Fd fd, Set<Readiness> interest, Trigger trigger, Object attachment) throws IpcException {
        return register(Objects.requireNonNull(fd, "fd"), null, interest, trigger, attachment);
    }

    private Registration register(Fd fd, FdBacked source, Set<Readiness> interest, Trigger trigger, Object attachment)
            throws IpcException {
        Objects.requireNonNull(interest, "interest");
        Objects.requireNonNull(trigger, "trigger");
        int bits = Readiness.bits(interest);
        synchronized (table) {
            if (!epoll.isOpen()) {
                throw new ObjectClosedException("epoll_ctl", "poller");
            }
            if (size >= MAX_SLOTS) {
                throw new IllegalStateException("a poller holds at most " + MAX_SLOTS + " registrations");
            }
            int number = fd.acquire("epoll_ctl"); // held until the registration ends
            boolean ok = false;
            int slot = -1;
            try {
                int closeEv = Handles.of(fd).closeEventFd();
                slot = allocateSlot();
                generation = (generation + 1) & 0x3FFF_FFFF;
                long token = ((long) generation << 32) | ((long) slot << 1);
                int ep = epoll.acquire("epoll_ctl");
                try {
                    ctlEvent.set(ValueLayout.JAVA_INT, Epoll.EVENTS, bits | trigger.bits);
                    ctlEvent.set(Epoll.DATA_LAYOUT, Epoll.DATA, token);
                    int r = Epoll.epoll_ctl(ep, Epoll.EPOLL_CTL_ADD, number, ctlEvent);
                    if (r < 0) {
                        throw IpcException.of("epoll_ctl(EPOLL_CTL_ADD)", fd.label(), -r);
                    }
                    ctlEvent.set(ValueLayout.JAVA_INT, Epoll.EVENTS, Epoll.EPOLLIN);
                    ctlEvent.set(Epoll.DATA_LAYOUT, Epoll.DATA, token | CLOSE_BIT);
                    r = Epoll.epoll_ctl(ep, Epoll.EPOLL_CTL_ADD, closeEv, ctlEvent);
                    if (r < 0) {
                        Epoll.epoll_ctl(ep, Epoll.EPOLL_CTL_DEL, number, MemorySegment.NULL);
                        throw IpcException.of("epoll_ctl(EPOLL_CTL_ADD)", fd.label() + " close event", -r);
                    }
                } finally {
                    epoll.release();
                }
                Registration reg = new Registration(this, fd, source, number, closeEv, slot, token, bits, trigger, attachment);
                slots[slot] = reg;
                size++;
                ok = true;
                return reg;
            } finally {
                if (!ok) {
                    if (slot >= 0) {
                        freeSlot(slot);
                    }
                    fd.release();
                }
            }
        }
    }

    private int allocateSlot() {
        if (freeCount > 0) {
            return freeSlots[--freeCount];
        }
        if (nextSlot == slots.length) {
            slots = java.util.Arrays.copyOf(slots, slots.length * 2);
        }
        return nextSlot++;
    }

    private void freeSlot(int slot) {
        slots[slot] = null;
        if (freeCount == freeSlots.length) {
            freeSlots = java.util.Arrays.copyOf(freeSlots, freeSlots.length * 2);
        }
        freeSlots[freeCount++] = slot;
    }

    /** Removes a registration from epoll and lets go of its descriptor. Holds the table lock. */
    void cancelLocked(Registration reg) {
        if (!reg.valid) {
            return;
        }
        reg.valid = false;
        freeSlot(reg.slot);
        size--;
        if (epoll.isOpen()) {
            try {
                int ep = epoll.acquire("epoll_ctl");
                try {
                    Epoll.epoll_ctl(ep, Epoll.EPOLL_CTL_DEL, reg.number, MemorySegment.NULL);
                    Epoll.epoll_ctl(ep, Epoll.EPOLL_CTL_DEL, reg.closeEventFd, MemorySegment.NULL);
                } finally {
                    epoll.release();
                }
            } catch (ObjectClosedException poller) {
                // the poller is closing: its epoll instance goes with it
            }
        }
        // After the DEL: if the owner closed the object meanwhile, this closes the number.
        reg.fd().release();
    }

    /** How many registrations this poller holds. */
    public int size() {
        synchronized (table) {
            return size;
        }
    }

    /** A snapshot of the current registrations. */
    public List<Registration> registrations() {
        synchronized (table) {
            List<Registration> all = new ArrayList<>(size);
            for (int i = 0; i < nextSlot; i++) {
                if (slots[i] != null) {
                    all.add(slots[i]);
                }
            }
            return all;
        }
    }

    // ================================================================== waiting

    /**
     * Waits until at least one registered descriptor is ready, {@link #wakeup()} is called or the
     * poller is closed, and returns the number of ready registrations, readable with {@link
     * #ready(int)} until the next poll. 0 means a wake-up came.
     *
     * @throws ObjectClosedException if the poller is closed, before or during the wait
     * @throws IpcInterruptedException if the thread is interrupted while nothing is ready
     * @throws IllegalStateException if another thread is polling
     * @see <a href="https://man7.org/linux/man-pages/man2/epoll_wait.2.html">epoll_wait(2)</a>
     */
    public int poll() throws IpcException {
        return poll(Deadline.FOREVER);
    }

    /** The registrations ready now, without waiting: 0 when none is. */
    public int tryPoll() throws IpcException {
        return poll(Deadline.NOW);
    }

    /** Waits at most {@code timeout} for a registration to be ready: 0 when none was, or a wake-up came. */
    public int tryPoll(Duration timeout) throws IpcException {
        return poll(Deadline.after(timeout));
    }

    private int poll(long deadline) throws IpcException {
        if (!polling.compareAndSet(false, true)) {
            throw new IllegalStateException("another thread is polling this poller; one thread polls at a time");
        }
        try {
            for (int i = 0; i < readyCount; i++) {
                ready[i].readyEvents = 0;
                ready[i] = null;
            }
            readyCount = 0;
            // Pinned: a wake-up eventfd closed before epoll_wait collected it would vanish from
            // the ready list with it.
            wake.acquire("epoll_wait");
            try {
                while (true) {
                    long r = waitOp.run(deadline);
                    if (r == Operation.NOTHING) {
                        return 0;
                    }
                    if (r < 0) {
                        throw waitOp.failure(r);
                    }
                    boolean woken = dispatch((int) r);
                    if (readyCount > 0) {
                        return readyCount;
                    }
                    if (woken || Deadline.expired(deadline)) {
                        return 0;
                    }
                    // only internal events (a registered object was closed): wait on
                }
            } finally {
                wake.release();
            }
        } finally {
            polling.set(false);
        }
    }

    /** Sorts the events: wake-ups, closed registrations, ready registrations. Returns whether woken. */
    private boolean dispatch(int n) {
        boolean woken = false;
        synchronized (table) {
            for (int i = 0; i < n; i++) {
                long base = i * Epoll.EPOLL_EVENT_SIZE;
                long data = events.get(Epoll.DATA_LAYOUT, base + Epoll.DATA);
                int bits = events.get(ValueLayout.JAVA_INT, base + Epoll.EVENTS);
                if (data == WAKE_TOKEN) {
                    woken = true;
                    continue;
                }
                int slot = (int) ((data & 0xFFFF_FFFFL) >>> 1);
                Registration reg = slot < nextSlot ? slots[slot] : null;
                if (reg == null || reg.token != (data & ~CLOSE_BIT)) {
                    continue; // cancelled after epoll_wait picked the event up
                }
                if ((data & CLOSE_BIT) != 0 || !reg.fd().isOpen()) {
                    cancelLocked(reg);
                    continue;
                }
                reg.readyEvents = bits;
                ready[readyCount++] = reg;
            }
        }
        if (woken) {
            drainWake();
        }
        return woken;
    }

    private void drainWake() {
        if (posted.compareAndSet(true, false)) {
            try {
                int n = wake.acquire("read");
                try {
                    Unistd.read(n, counter, 8);
                } finally {
                    wake.release();
                }
            } catch (ObjectClosedException closing) {
                // the poller is closing
            }
        }
    }

    /** The number of registrations the last poll found ready. */
    public int readyCount() {
        return readyCount;
    }

    /** The {@code i}-th ready registration of the last poll (allocation-free). */
    public Registration ready(int i) {
        java.util.Objects.checkIndex(i, readyCount);
        return ready[i];
    }

    /** The ready registrations of the last poll, as a reused view valid until the next poll. */
    public List<Registration> ready() {
        return readyView;
    }

    private final class ReadyView extends AbstractList<Registration> {
        @Override
        public Registration get(int index) {
            return ready(index);
        }

        @Override
        public int size() {
            return readyCount;
        }
    }

    /**
     * Makes the current (or, if none, the next) {@link #poll} return at once. Safe from any thread
     * and allocation-free; wake-ups that come before the poll collects them count as one.
     */
    public void wakeup() {
        if (posted.compareAndSet(false, true)) {
            try {
                int n = wake.acquire("write");
                try {
                    Unistd.write(n, ONE, 8);
                } finally {
                    wake.release();
                }
            } catch (ObjectClosedException closing) {
                // nothing left to wake
            }
        }
    }

    private static final MemorySegment ONE = Arena.global().allocate(ValueLayout.JAVA_LONG);

    static {
        ONE.set(ValueLayout.JAVA_LONG, 0, 1L);
    }

    /** Whether {@link #close()} has not been called. */
    public boolean isOpen() {
        return epoll.isOpen();
    }

    /**
     * Closes the epoll instance and lets go of every registered descriptor (the objects stay
     * open). A thread in {@link #poll} returns with {@link ObjectClosedException}: the epoll
     * descriptor's close wakes it like any jipc wait. Idempotent.
     */
    @Override
    public void close() {
        synchronized (table) {
            if (!epoll.isOpen()) {
                return;
            }
            for (int i = 0; i < nextSlot; i++) {
                Registration reg = slots[i];
                if (reg != null) {
                    reg.valid = false;
                    slots[i] = null;
                    reg.fd().release();
                }
            }
            size = 0;
            epoll.close();
        }
        wake.close();
    }

    @Override
    public String toString() {
        return "Poller[" + size() + " registrations" + (isOpen() ? "" : ", closed") + "]";
    }
}
