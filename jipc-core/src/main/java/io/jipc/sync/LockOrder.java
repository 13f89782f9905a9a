package io.jipc.sync;

import io.jipc.IpcException;
import io.jipc.IpcInterruptedException;
import io.jipc.internal.wait.BackOff;
import io.jipc.shm.Mapping;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Several locks taken in one declared global order, all or nothing — and the opt-in lock-order
 * checker that finds two code paths taking the same locks in opposite orders before they ever
 * deadlock.
 *
 * <pre>{@code
 * LockOrder order = LockOrder.of(OrderedLock.of(accounts), OrderedLock.of(journal, "journal"));
 * try (LockOrder.Held held = order.acquire()) {          // accounts, then journal
 *     // ...
 * }
 * }</pre>
 *
 * <p><b>Ordered acquisition.</b> The order given to {@link #of} is the global order: {@link
 * #acquire} takes the locks it is asked for (or all) in that order, whatever order the caller
 * lists them in, so every path that goes through the same {@code LockOrder} takes them the same
 * way and none can wait for another in a cycle. The three forms:
 * <ul>
 * <li>{@link #acquire(OrderedLock...)} waits for each in turn, as long as it takes;
 * <li>{@link #tryAcquire(OrderedLock...)} takes all of them if each is free now; else it
 * releases what it took and answers empty;
 * <li>{@link #tryAcquire(Duration, OrderedLock...)} waits at most that long for all of them:
 * it waits for the first within the time left, tries the others without waiting, and on a busy
 * one releases everything it took, backs off (a random pause from 1 ms, doubling up to 50 ms, and
 * never past the deadline) and starts again, so it holds nothing while another thread — even one
 * that takes these locks in another order — finishes; empty at the deadline, holding nothing.
 * </ul>
 * A failure (closed object, interrupt...) releases whatever was taken before it is thrown. An
 * {@link OwnerDiedException} does too, except its own mutex, which this thread then holds, as
 * {@link SharedMutex#lock()} leaves it: repair, {@link SharedMutex#makeConsistent()} and unlock it
 * (or unlock it to give it up), then acquire again.
 *
 * <p><b>The checker</b>, in the spirit of the Linux kernel's lockdep, runs only when the JVM
 * starts with {@code -Dio.jipc.lockorder=check} (read once; see {@link #isChecking()}). It
 * follows every lock a thread takes through {@link SharedMutex} and {@link SharedRwLock}, and
 * through any {@link OrderedLock} (so file locks, semaphore permits and {@code
 * java.util.concurrent} locks too, taken through their {@code OrderedLock}), and records each
 * "held A, then waited for B" edge, with a stack trace of where it happened taken only the first
 * time the edge is seen. The first time a wait would close a cycle — B wanted while A is held,
 * after B was once held while A was waited for, directly or through other locks — it reports the
 * inversion with both orders and both sites, before the wait starts: by default it throws {@link
 * LockInversionException} and takes nothing; {@link #onInversion} installs another handler (a
 * handler that returns lets the wait go on, and that inversion is not reported again). Only waits
 * that could last forever count: a {@code tryLock}, timed or not, cannot deadlock, so it only
 * counts as held once it succeeded (as lockdep treats trylock); that is also why {@link
 * #tryAcquire} and the timed form never report. Disabled, the checker costs nothing: every hook
 * is behind a {@code static final} flag the JIT folds away.
 *
 * <p><b>Across processes</b>: {@link #shareEdges(Mapping)} makes the checker of each process
 * that calls it write its edges into, and read the others' from, a table in a shared mapping
 * (fixed 512-byte edge slots, each lock identified by a 64-bit hash of its name; the layout is
 * under {@link #shareEdges(Mapping)}), so an order seen in one process and its opposite in another are reported
 * the same way. Lock names of jipc's shared objects are the same in every process ({@code "mutex
 * at 0 of /frames"}, a file lock's absolute path and range).
 */
public final class LockOrder {

    private final List<OrderedLock> locks;
    private final Map<String, Integer> rank = new HashMap<>();

    private LockOrder(List<OrderedLock> locks) {
        this.locks = locks;
        for (int i = 0; i < locks.size(); i++) {
            if (rank.putIfAbsent(locks.get(i).name(), i) != null) {
                throw new IllegalArgumentException("a lock appears twice in the order: " + locks.get(i).name());
            }
        }
    }

    /**
     * Declares the global order: first to last.
     *
     * @throws IllegalArgumentException if there is no lock or one appears twice (by name)
     */
    public static LockOrder of(OrderedLock... locks) {
        Objects.requireNonNull(locks, "locks");
        if (locks.length == 0) {
            throw new IllegalArgumentException("a lock order needs at least one lock");
        }
        return new LockOrder(List.of(locks));
    }

    /** The locks in their order. */
    public List<OrderedLock> locks() {
        return locks;
    }

    /** What {@link #acquire} took; {@link #close()} releases it, the last taken first. */
    public static final class Held implements AutoCloseable {
        private final List<OrderedLock> taken;
        private boolean released;

        private Held(List<OrderedLock> taken) {
            this.taken = taken;
        }

        /** The locks held, in the order they were taken. */
        public List<OrderedLock> locks() {
            return taken;
        }

        /**
         * Releases every lock, the last taken first; once (later calls do nothing). Each is
         * released even if another's release failed; the first failure is thrown after.
         */
        @Override
        public void close() throws IpcException {
            if (!released) {
                released = true;
                releaseAll(taken, null);
            }
        }
    }

    /**
     * Takes {@code subset} (all the locks if none is named) in the declared order, waiting for
     * each as long as it takes.
     *
     * @throws IllegalArgumentException if a lock is not part of this order
     */
    public Held acquire(OrderedLock... subset) throws IpcException {
        List<OrderedLock> wanted = sorted(subset);
        List<OrderedLock> taken = new ArrayList<>(wanted.size());
        try {
            for (OrderedLock l : wanted) {
                l.lock();
                taken.add(l);
            }
        } catch (IpcException | RuntimeException | Error e) {
            releaseAll(taken, e);
            throw e;
        }
        return new Held(taken);
    }

    /** Takes {@code subset} (or all) in the declared order if every one is free now; else holds nothing. */
    public Optional<Held> tryAcquire(OrderedLock... subset) throws IpcException {
        return Optional.ofNullable(attempt(sorted(subset), null));
    }

    /**
     * Takes {@code subset} (or all) in the declared order, waiting at most {@code timeout} in all,
     * with back-off (see the class comment); empty, holding nothing, if they did not all come free.
     *
     * @throws IllegalArgumentException if the timeout is negative
     */
    public Optional<Held> tryAcquire(Duration timeout, OrderedLock... subset) throws IpcException {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("a timeout is 0 or more, got " + timeout);
        }
        List<OrderedLock> wanted = sorted(subset);
        long deadline = System.nanoTime() + saturatedNanos(timeout);
        int retries = 0;
        while (true) {
            long left = deadline - System.nanoTime();
            Held h = attempt(wanted, Duration.ofNanos(Math.max(0, left)));
            if (h != null) {
                return Optional.of(h);
            }
            left = deadline - System.nanoTime();
            if (left <= 0) {
                return Optional.empty();
            }
            LockSupport.parkNanos(Math.min(left, BackOff.JITTERED.pauseNanos(retries++)));
            if (Thread.currentThread().isInterrupted()) {
                throw new IpcInterruptedException("tryAcquire", String.valueOf(wanted));
            }
        }
    }

    /** One pass: the first lock with {@code firstWait} (null: no wait), the rest without; null if one was busy. */
    private static Held attempt(List<OrderedLock> wanted, Duration firstWait) throws IpcException {
        List<OrderedLock> taken = new ArrayList<>(wanted.size());
        try {
            for (OrderedLock l : wanted) {
                boolean got = taken.isEmpty() && firstWait != null ? l.tryLock(firstWait) : l.tryLock();
                if (!got) {
                    releaseAll(taken, null);
                    return null;
                }
                taken.add(l);
            }
        } catch (IpcException | RuntimeException | Error e) {
            releaseAll(taken, e);
            throw e;
        }
        return new Held(taken);
    }

    /** Releases {@code taken}, last first; failures go to {@code failure}'s suppressed, or the first is thrown. */
    private static void releaseAll(List<OrderedLock> taken, Throwable failure) throws IpcException {
        Throwable first = null;
        for (int i = taken.size() - 1; i >= 0; i--) {
            try {
                taken.get(i).unlock();
            } catch (IpcException | RuntimeException e) {
                if (failure != null) {
                    failure.addSuppressed(e);
                } else if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first instanceof IpcException e) {
            throw e;
        }
        if (first instanceof RuntimeException e) {
            throw e;
        }
    }

    private List<OrderedLock> sorted(OrderedLock[] subset) {
        Objects.requireNonNull(subset, "subset");
        if (subset.length == 0) {
            return locks;
        }
        OrderedLock[] s = subset.clone();
        for (OrderedLock l : s) {
            if (!rank.containsKey(Objects.requireNonNull(l, "lock").name())) {
                throw new IllegalArgumentException(l.name() + " is not in this lock order " + this);
            }
        }
        Arrays.sort(s, (a, b) -> Integer.compare(rank.get(a.name()), rank.get(b.name())));
        for (int i = 1; i < s.length; i++) {
            if (s[i].name().equals(s[i - 1].name())) {
                throw new IllegalArgumentException("a lock is named twice: " + s[i].name());
            }
        }
        return List.of(s);
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE / 2;
        }
    }

    @Override
    public String toString() {
        return locks.stream().map(OrderedLock::name).toList().toString();
    }

    // ---------------------------------------------------------------- the checker

    /** Whether the lock-order checker runs in this JVM ({@code -Dio.jipc.lockorder=check}, read once). */
    public static boolean isChecking() {
        return LockOrderChecker.ENABLED;
    }

    /**
     * What the checker does with an inversion: {@code null} restores the default, which throws the
     * exception on the thread about to wait (taking nothing). A handler that returns lets the wait
     * go on; that inversion is then not reported again.
     */
    public static void onInversion(Consumer<? super LockInversionException> handler) {
        LockOrderChecker.handler(handler);
    }

    /**
     * Shares this process's checker edges through {@code mapping} (a read-write mapping of a
     * shared-memory object every checking process maps, at least {@link #edgeTableSize(int)}
     * bytes, zero-filled or already holding a table): the edges seen so far are written to it,
     * later ones too, and every check reads the other processes' edges from it. Keep the mapping
     * open while the checker runs. Does nothing unless {@link #isChecking()}. A full table keeps
     * its edges; later ones stay in their process. The layout (little-endian, strings UTF-8 cut
     * to their field):
     * <pre>
     *   header, 64 bytes: uint32 magic "JPLO" (0x4A504C4F), uint32 version 1, uint32 slot size 512
     *   edge slots from 64, 512 bytes each:
     *     0 uint32 state (0 empty, 1 being written, claimed by CAS; 2 ready, stored with release)
     *     4 uint32 pid    8..15 uint16 lengths of the four strings below
     *    16 int64 held lock's identity   24 int64 taken lock's identity (FNV-1a 64 of the name)
     *    32 held name (104 bytes)  136 taken name (104)  240 thread name (32)  272 site (240)
     * </pre>
     *
     * @throws IllegalArgumentException if the mapping is read-only, too small, or holds something else
     */
    public static void shareEdges(Mapping mapping) {
        if (LockOrderChecker.ENABLED) {
            LockOrderChecker.share(mapping);
        }
    }

    /** The bytes a shared edge table for {@code edges} edges takes. */
    public static long edgeTableSize(int edges) {
        return LockOrderTable.size(edges);
    }
}
