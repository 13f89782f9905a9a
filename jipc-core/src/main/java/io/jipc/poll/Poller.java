package io.jipc.poll;

import static io.jipc.internal.libc.Errnos.EINTR;

import io.jipc.internal.wait.Legacy;
import io.jipc.Fd;
import io.jipc.FdBacked;
import io.jipc.IpcException;
import io.jipc.IpcInterruptedException;
import io.jipc.ObjectClosedException;
import io.jipc.internal.wait.Deadline;
import io.jipc.internal.wait.InterruptHook;
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
 *         int n = poller.poll(Duration.ofSeconds(1));
 *         for (int i = 0; i < n; i++) {
 *             Poller.Registration r = poller.ready(i);
 *             if (r.isReadable()) { ... r.source() or r.attachment() ... }
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p><b>Waiting.</b> {@link #poll(Duration)} sleeps in {@code epoll_wait(2)} until a registered
 * descriptor is ready, the timeout passes, {@link #wakeup()} is called from any thread, the poller
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
    /** How a registration reports readiness. */
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

    private final Fd epoll;
    private final Fd wake;
    private final int maxEvents;
    private final MemorySegment events;
    private final MemorySegment ctlEvent;
    private final MemorySegment counter;
    private final Interruptor interruptor;

    private final Object table = new Object();
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
    private volatile boolean closed;

    private Poller(Fd epoll, Fd wake, int maxEvents) {
        this.epoll = epoll;
        this.wake = wake;
        this.maxEvents = maxEvents;
        Arena arena = Arena.ofAuto();
        this.events = arena.allocate(Epoll.EPOLL_EVENT_SIZE * maxEvents, 8);
        this.ctlEvent = arena.allocate(Epoll.EPOLL_EVENT_SIZE, 8);
        this.counter = arena.allocate(ValueLayout.JAVA_LONG);
        this.ready = new Registration[maxEvents];
        this.interruptor = new Interruptor(this);
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
            if (closed) {
                throw new ObjectClosedException("epoll_ctl", "poller");
            }
            if (size >= MAX_SLOTS) {
                throw new IllegalStateException("a poller holds at most " + MAX_SLOTS + " registrations");
            }
            int number = fd.acquire("epoll_ctl"); // held until the registration ends
            boolean ok = false;
            int slot = -1;
            try {
                int closeEv = Legacy.closeEventFd(fd);
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
    private void cancelLocked(Registration reg) {
        if (!reg.valid) {
            return;
        }
        reg.valid = false;
        freeSlot(reg.slot);
        size--;
        if (!closed) {
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
        reg.fd.release();
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

    /** Waits without limit; see {@link #poll(Duration)}. */
    public int poll() throws IpcException {
        return poll(Deadline.FOREVER);
    }

    /** Reports what is ready now, without waiting. */
    public int pollNow() throws IpcException {
        return poll(Deadline.NOW);
    }

    /**
     * Waits until at least one registered descriptor is ready, {@code timeout} passes or {@link
     * #wakeup()} is called, and returns the number of ready registrations, readable with {@link
     * #ready(int)} until the next poll. 0 means the timeout passed or a wake-up came.
     *
     * @throws ObjectClosedException if the poller is closed, before or during the wait
     * @throws IpcInterruptedException if the thread is interrupted and nothing is ready
     * @throws IllegalStateException if another thread is polling
     * @see <a href="https://man7.org/linux/man-pages/man2/epoll_wait.2.html">epoll_wait(2)</a>
     */
    public int poll(Duration timeout) throws IpcException {
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
            int ep = epoll.acquire("epoll_wait");
            try {
                // Pinned too: close() wakes this thread through the eventfd, and a wake-up eventfd
                // closed before epoll_wait collected it would vanish from the ready list with it.
                wake.acquire("epoll_wait");
            } catch (ObjectClosedException e) {
                epoll.release();
                throw e;
            }
            try {
                while (true) {
                    int timeoutMillis = Deadline.remainingMillis(deadline);
                    int r;
                    interruptor.enter();
                    try {
                        r = Epoll.epoll_wait(ep, events, maxEvents, timeoutMillis);
                    } finally {
                        interruptor.exit();
                    }
                    if (closed) {
                        throw new ObjectClosedException("epoll_wait", "poller");
                    }
                    if (r < 0 && r != -EINTR) {
                        throw IpcException.of("epoll_wait", "poller", -r);
                    }
                    boolean woken = r > 0 && dispatch(r);
                    if (readyCount > 0) {
                        return readyCount;
                    }
                    if (Thread.currentThread().isInterrupted()) {
                        throw new IpcInterruptedException("epoll_wait", "poller");
                    }
                    if (woken || Deadline.expired(deadline)) {
                        return 0;
                    }
                    // only internal events (a registered object was closed): wait on
                }
            } finally {
                wake.release();
                epoll.release();
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
                if ((data & CLOSE_BIT) != 0 || !reg.fd.isOpen()) {
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
        return !closed;
    }

    /**
     * Closes the epoll instance and lets go of every registered descriptor (the objects stay
     * open). A thread in {@link #poll} returns with {@link ObjectClosedException}. Idempotent.
     */
    @Override
    public void close() {
        synchronized (table) {
            if (closed) {
                return;
            }
            closed = true;
            for (int i = 0; i < nextSlot; i++) {
                Registration reg = slots[i];
                if (reg != null) {
                    reg.valid = false;
                    slots[i] = null;
                    reg.fd.release();
                }
            }
            size = 0;
        }
        posted.set(false);
        wakeup();
        epoll.close();
        wake.close();
    }

    @Override
    public String toString() {
        return "Poller[" + size() + " registrations" + (closed ? ", closed" : "") + "]";
    }

    // ================================================================== registration

    /** One descriptor registered with a {@link Poller}: its interest, attachment and last readiness. */
    public static final class Registration {
        private final Poller poller;
        private final Fd fd;
        private final FdBacked source;
        final int number;
        final int closeEventFd;
        final int slot;
        final long token;
        private int interest;
        private final Trigger trigger;
        private volatile Object attachment;
        volatile boolean valid = true;
        int readyEvents;

        Registration(Poller poller, Fd fd, FdBacked source, int number, int closeEventFd, int slot, long token,
                int interest, Trigger trigger, Object attachment) {
            this.poller = poller;
            this.fd = fd;
            this.source = source;
            this.number = number;
            this.closeEventFd = closeEventFd;
            this.slot = slot;
            this.token = token;
            this.interest = interest;
            this.trigger = trigger;
            this.attachment = attachment;
        }

        /** The registered jipc object, or null when a raw {@link Fd} was registered. */
        public FdBacked source() {
            return source;
        }

        /** The registered descriptor. */
        public Fd fd() {
            return fd;
        }

        /** The attachment given at registration or by {@link #attach}. */
        public Object attachment() {
            return attachment;
        }

        /** Replaces the attachment; returns the previous one. */
        public Object attach(Object newAttachment) {
            Object old = attachment;
            attachment = newAttachment;
            return old;
        }

        /** The trigger mode. */
        public Trigger trigger() {
            return trigger;
        }

        /** What this registration waits for. */
        public Set<Readiness> interest() {
            synchronized (poller.table) {
                return Readiness.of(interest);
            }
        }

        /**
         * Changes what to wait for ({@code epoll_ctl(EPOLL_CTL_MOD)}); re-arms a {@link
         * Trigger#ONE_SHOT} registration.
         *
         * @throws ObjectClosedException if the registration was cancelled or the poller closed
         */
        public void setInterest(Set<Readiness> newInterest) throws IpcException {
            int bits = Readiness.bits(newInterest);
            synchronized (poller.table) {
                if (!valid) {
                    throw new ObjectClosedException("epoll_ctl", fd.label() + " (registration cancelled)");
                }
                int ep = poller.epoll.acquire("epoll_ctl");
                try {
                    poller.ctlEvent.set(ValueLayout.JAVA_INT, Epoll.EVENTS, bits | trigger.bits);
                    poller.ctlEvent.set(Epoll.DATA_LAYOUT, Epoll.DATA, token);
                    int r = Epoll.epoll_ctl(ep, Epoll.EPOLL_CTL_MOD, number, poller.ctlEvent);
                    if (r < 0) {
                        throw IpcException.of("epoll_ctl(EPOLL_CTL_MOD)", fd.label(), -r);
                    }
                    interest = bits;
                } finally {
                    poller.epoll.release();
                }
            }
        }

        /** The epoll bits the last poll reported (0 when it was not ready). */
        public int readyBits() {
            return readyEvents;
        }

        /** The readiness the last poll reported, as a set (allocates; the boolean getters do not). */
        public Set<Readiness> readySet() {
            return Readiness.of(readyEvents);
        }

        /** EPOLLIN was reported. */
        public boolean isReadable() {
            return (readyEvents & Epoll.EPOLLIN) != 0;
        }

        /** EPOLLOUT was reported. */
        public boolean isWritable() {
            return (readyEvents & Epoll.EPOLLOUT) != 0;
        }

        /** EPOLLHUP or EPOLLRDHUP was reported. */
        public boolean isHangup() {
            return (readyEvents & (Epoll.EPOLLHUP | Epoll.EPOLLRDHUP)) != 0;
        }

        /** EPOLLERR was reported. */
        public boolean isError() {
            return (readyEvents & Epoll.EPOLLERR) != 0;
        }

        /** Whether the registration is still in the poller (not cancelled, object not closed, poller open). */
        public boolean isValid() {
            return valid;
        }

        /**
         * Removes the registration ({@code epoll_ctl(EPOLL_CTL_DEL)}) and lets go of the
         * descriptor; the object stays open. Idempotent; safe while another thread polls.
         */
        public void cancel() {
            synchronized (poller.table) {
                poller.cancelLocked(this);
            }
        }

        @Override
        public String toString() {
            return "Registration[" + (source != null ? source : fd) + ", interest=" + Readiness.of(interest)
                    + (valid ? "" : ", cancelled") + "]";
        }
    }

    // ================================================================== interrupts

    /** On {@link Thread#interrupt()} of a thread in epoll_wait, writes the poller's wake-up eventfd. */
    private static final class Interruptor extends InterruptHook {
        private final Poller poller;

        Interruptor(Poller poller) {
            this.poller = poller;
        }

        void enter() {
            beginInterruptible();
        }

        void exit() {
            endInterruptible();
        }

        @Override
        protected void onInterrupt() {
            poller.wakeup();
        }
    }
}
