package io.jipc.sync;

import io.jipc.IpcException;
import io.jipc.shm.Mapping;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.Objects;

/**
 * A barrier shared between processes: {@code parties} threads, of any processes, wait at it until
 * the last one arrives, then all go on, and it is ready for the next round. Built from a {@link
 * SharedMutex}, a {@link SharedCondition} and counters in one slot, by a documented protocol a C
 * program follows with plain {@code pthread_mutex_*} and {@code pthread_cond_*} calls.
 *
 * <p><b>Why not glibc's {@code pthread_barrier_t}.</b> {@code pthread_barrier_wait} has no timed
 * form, never returns on EINTR (so neither close nor {@link Thread#interrupt()} could end it),
 * and a thread cannot withdraw once it arrived: a party that gives up would leave the count one
 * too high for good. This barrier waits through {@link SharedCondition}, so it answers close and
 * interrupt like every jipc wait, has a timed form, and defines what a withdrawal is.
 *
 * <p><b>Layout</b> (offsets from the slot, which {@link Slots#reserve(SlotKind) Slots.reserve}
 * ({@link SlotKind#BARRIER}) places; 128 bytes on x86_64 and aarch64):
 * <pre>
 *     0: the slot header: uint32 magic "JPBR" (0x4A504252), uint32 version (1 once ready)
 *     8: a mutex slot   (its own header, then a pthread_mutex_t: process-shared, robust, error-checking)
 *    56: a condition slot (its own header, then a pthread_cond_t: process-shared, CLOCK_MONOTONIC)
 *   112: uint32 parties      how many arrivals trip the barrier (1 or more)
 *   116: uint32 waiting      arrivals of the current generation so far
 *   120: uint32 generation   rounds completed (wraps)
 *   124: uint32 reserved (0)
 * </pre>
 * <b>Protocol</b>, every field read and written with the mutex held: lock the mutex (after
 * EOWNERDEAD make it consistent and go on); remember {@code generation}; {@code waiting + 1}: if
 * that is {@code parties}, set {@code waiting} to 0, increment {@code generation}, broadcast the
 * condition — the barrier trips; else store it and wait on the condition while {@code
 * generation} is the remembered one. Unlock. A C program initialises the slot as {@link Slots}
 * says for any slot (claim the magic by CAS, initialise, store version 1 with release), the
 * mutex and condition slots inside it likewise; jipc's test peer {@code sync_peer.c} does both.
 *
 * <p><b>Withdrawing.</b> A party whose wait ends before the barrier trips — {@link
 * #tryAwait(Duration)}'s timeout, an interrupt, a close — takes its arrival back ({@code waiting
 * - 1}) before it returns false or throws: the others go on waiting for a full set, and the
 * barrier stays usable. A party whose wait ends while the barrier trips (the generation moved on)
 * has passed it: it returns normally (an interrupt stays set on the thread). A C program can
 * withdraw the same way from a {@code pthread_cond_clockwait}. A party that dies waiting cannot
 * withdraw and stays counted in that generation; one that dies holding the mutex leaves it to the
 * next locker as owner-died, which goes on (the counters are only changed together with the
 * mutex held, between two instructions of the dead process at worst).
 *
 * <p>Waiting is {@link SharedCondition}'s: in {@code pthread_cond_clockwait} slices of {@value
 * SharedCondition#SLICE_MILLIS} ms, so an interrupt is answered within a slice. There is no
 * {@code tryAwait()} that never waits: an arrival that does not wait trips the barrier only if it
 * is the last, and otherwise withdraws at once — nothing another party could ever see. Thread-safe.
 *
 * @see <a href="https://man7.org/linux/man-pages/man3/pthread_barrier_wait.3p.html">pthread_barrier_wait(3p)</a>
 * @see <a href="https://man7.org/linux/man-pages/man3/pthread_cond_wait.3p.html">pthread_cond_wait(3p)</a>
 */
public final class SharedBarrier implements AutoCloseable {
    /** The bytes after the mutex and condition slots: parties, waiting, generation, reserved. */
    static final long COUNTERS_SIZE = 16;
    private static final long MUTEX_AT = Slots.HEADER_SIZE;
    private static final long CONDITION_AT = MUTEX_AT + SlotKind.MUTEX.slotSize();
    private static final long COUNTERS_AT = CONDITION_AT + SlotKind.CONDITION.slotSize();
    private static final long PARTIES = 0;
    private static final long WAITING = 4;
    private static final long GENERATION = 8;

    private final Slot slot;
    private final SharedMutex mutex;
    private final SharedCondition tripped;
    private final MemorySegment counters;
    private final int parties;

    private SharedBarrier(Slot slot, SharedMutex mutex, SharedCondition tripped) {
        this.slot = slot;
        this.mutex = mutex;
        this.tripped = tripped;
        this.counters = slot.object.asSlice(COUNTERS_AT - Slots.HEADER_SIZE, COUNTERS_SIZE);
        this.parties = counters.get(ValueLayout.JAVA_INT, PARTIES);
    }

    /**
     * Initialises a new barrier for {@code parties} parties in the empty slot at {@code offset}
     * and opens it.
     *
     * @throws IllegalArgumentException if parties is less than 1, or the slot is outside the
     *                                  mapping, misaligned, or the mapping read-only
     * @throws IllegalStateException    if the slot already holds an object
     */
    public static SharedBarrier createExclusively(Mapping mapping, long offset, int parties) throws IpcException {
        if (parties < 1) {
            throw new IllegalArgumentException("a barrier has 1 party or more, got " + parties);
        }
        Slot slot = Slot.claim(SlotKind.BARRIER, mapping, offset);
        SharedMutex m = null;
        SharedCondition c = null;
        try {
            m = SharedMutex.createExclusively(mapping, offset + MUTEX_AT);
            c = SharedCondition.createExclusively(mapping, offset + CONDITION_AT);
        } catch (IpcException | RuntimeException e) {
            if (m != null) {
                m.close();
            }
            slot.release();
            throw e;
        }
        MemorySegment k = slot.object.asSlice(COUNTERS_AT - Slots.HEADER_SIZE, COUNTERS_SIZE);
        k.set(ValueLayout.JAVA_INT, PARTIES, parties);
        k.set(ValueLayout.JAVA_INT, WAITING, 0);
        k.set(ValueLayout.JAVA_INT, GENERATION, 0);
        k.set(ValueLayout.JAVA_INT, 12, 0);
        slot.ready();
        return new SharedBarrier(slot, m, c);
    }

    /**
     * Opens the barrier a process (Java or C) initialised in the slot at {@code offset}.
     *
     * @throws IllegalStateException if the slot was never initialised, or holds another kind of object
     */
    public static SharedBarrier openExisting(Mapping mapping, long offset) {
        Slot slot = Slot.existing(SlotKind.BARRIER, mapping, offset);
        SharedMutex m = SharedMutex.openExisting(mapping, offset + MUTEX_AT);
        try {
            return new SharedBarrier(slot, m, SharedCondition.openExisting(mapping, offset + CONDITION_AT));
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /** How many arrivals trip the barrier. */
    public int parties() {
        return parties;
    }

    /** How many parties wait at it now: a snapshot, for monitoring. */
    public int waiting() throws IpcException {
        lock(null);
        try {
            return counters.get(ValueLayout.JAVA_INT, WAITING);
        } finally {
            mutex.unlock();
        }
    }

    /**
     * Arrives and waits until {@link #parties()} parties arrived (this one may be the last: it
     * returns at once, and the others go on).
     *
     * @throws io.jipc.ObjectClosedException   if this object is closed, before or during the wait (withdrawn)
     * @throws io.jipc.IpcInterruptedException if the thread is interrupted while it waits (withdrawn)
     */
    public void await() throws IpcException {
        arrive(null);
    }

    /**
     * Arrives and waits at most {@code timeout} for the others; false if they did not all arrive
     * in time, and this arrival is withdrawn (see the class comment).
     *
     * @throws IllegalArgumentException if the timeout is negative
     */
    public boolean tryAwait(Duration timeout) throws IpcException {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("a timeout is 0 or more, got " + timeout);
        }
        long deadline = System.nanoTime() + saturatedNanos(timeout);
        return arrive(deadline);
    }

    private boolean arrive(Long deadline) throws IpcException {
        if (!lock(deadline)) {
            return false;
        }
        try {
            int generation = counters.get(ValueLayout.JAVA_INT, GENERATION);
            int waiting = counters.get(ValueLayout.JAVA_INT, WAITING) + 1;
            if (waiting >= parties) {
                counters.set(ValueLayout.JAVA_INT, WAITING, 0);
                counters.set(ValueLayout.JAVA_INT, GENERATION, generation + 1);
                tripped.broadcast();
                return true;
            }
            counters.set(ValueLayout.JAVA_INT, WAITING, waiting);
            try {
                while (counters.get(ValueLayout.JAVA_INT, GENERATION) == generation) {
                    if (deadline == null) {
                        awaitTrip(null);
                    } else {
                        long left = deadline - System.nanoTime();
                        if (left <= 0) {
                            withdraw();
                            return false;
                        }
                        awaitTrip(Duration.ofNanos(left));
                    }
                }
                return true;
            } catch (IpcException | RuntimeException e) {
                // Condition waits throw with the mutex held: withdraw unless the barrier tripped meanwhile.
                if (counters.get(ValueLayout.JAVA_INT, GENERATION) != generation) {
                    return true;
                }
                withdraw();
                throw e;
            }
        } finally {
            mutex.unlock();
        }
    }

    private void awaitTrip(Duration timeout) throws IpcException {
        try {
            if (timeout == null) {
                tripped.await(mutex);
            } else {
                tripped.tryAwait(mutex, timeout);
            }
        } catch (OwnerDiedException e) {
            mutex.makeConsistent(); // relocked from a dead owner: held, counters as it left them
        }
    }

    private void withdraw() {
        counters.set(ValueLayout.JAVA_INT, WAITING, counters.get(ValueLayout.JAVA_INT, WAITING) - 1);
    }

    /** Locks the mutex, until {@code deadline} (System.nanoTime) if not null; an owner that died is survived. */
    private boolean lock(Long deadline) throws IpcException {
        try {
            if (deadline == null) {
                mutex.lock();
                return true;
            }
            return mutex.tryLock(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        } catch (OwnerDiedException e) {
            mutex.makeConsistent();
            return true;
        }
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE / 4;
        }
    }

    /** The slot's offset in the mapping. */
    public long offset() {
        return slot.offset;
    }

    /**
     * Closes this process's use of the barrier: waiting threads wake with {@link
     * io.jipc.ObjectClosedException}, withdrawn; later waits are refused. The barrier stays in the
     * shared memory. Idempotent and thread-safe.
     */
    @Override
    public void close() {
        tripped.close();
        mutex.close();
    }

    /** Whether {@link #close()} has not been called. */
    public boolean isOpen() {
        return mutex.isOpen();
    }

    @Override
    public String toString() {
        return "SharedBarrier[" + slot.label + ", " + parties + " parties" + (isOpen() ? "" : ", closed") + "]";
    }
}
