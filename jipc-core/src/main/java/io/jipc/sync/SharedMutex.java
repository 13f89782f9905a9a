package io.jipc.sync;

import static io.jipc.internal.libc.Errnos.EAGAIN;
import static io.jipc.internal.libc.Errnos.EBUSY;
import static io.jipc.internal.libc.Errnos.EINTR;
import static io.jipc.internal.libc.Errnos.ENOTRECOVERABLE;
import static io.jipc.internal.libc.Errnos.EOWNERDEAD;
import static io.jipc.internal.libc.Errnos.EPERM;
import static io.jipc.internal.libc.Errnos.ETIMEDOUT;

import io.jipc.Errno;
import io.jipc.IpcException;
import io.jipc.internal.libc.Futex;
import io.jipc.internal.libc.Pthread;
import io.jipc.internal.libc.RobustMutex;
import io.jipc.internal.libc.Unistd;
import io.jipc.internal.wait.Attempt;
import io.jipc.internal.wait.Deadline;
import io.jipc.internal.wait.Handle;
import io.jipc.internal.wait.Operation;
import io.jipc.internal.wait.Waiter;
import io.jipc.shm.Mapping;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;

/**
 * A mutex shared between processes: glibc's own {@code pthread_mutex_t} placed in a {@link
 * Mapping} of shared memory, so C programs lock the same mutex with {@code pthread_mutex_lock}.
 * It is {@code PTHREAD_PROCESS_SHARED}, robust and error-checking.
 *
 * <pre>{@code
 * long at = Slots.from(0).reserve(SlotKind.MUTEX);
 * try (SharedMutex m = SharedMutex.createExclusively(mapping, at)) {
 *     m.lock();
 *     try {
 *         // ... change the data it guards
 *     } finally {
 *         m.unlock();
 *     }
 * }
 * }</pre>
 *
 * <p><b>An owner that dies.</b> When the thread or process holding the mutex dies, the kernel
 * marks it (robust futex list), and the next locker gets it with {@link OwnerDiedException}: it
 * holds the mutex, the data may be half-changed. Repair it, then {@link #makeConsistent()}; an
 * unlock without that makes the mutex unrecoverable ({@link NotRecoverableException} for every
 * later locker). <b>Error-checking:</b> {@link #unlock()} by a thread that does not hold it throws
 * {@link IllegalMonitorStateException}; a second lock by the holder fails with EDEADLK instead of
 * deadlocking. The owner is a kernel thread: lock and unlock on the same platform thread
 * (a virtual thread is refused: it may move between carrier threads in between).
 *
 * <p><b>Waiting without {@code pthread_mutex_lock}.</b> glibc's lock and clocklock never return
 * EINTR: they restart their futex wait after any signal, so neither close nor {@link
 * Thread#interrupt()} could end them. jipc therefore waits on the mutex's futex word itself, with
 * the protocol the kernel defines for robust futexes (the word is the owner's TID plus
 * FUTEX_WAITERS and FUTEX_OWNER_DIED; glibc and the kernel's exit handling both follow it):
 * {@code pthread_mutex_trylock}; if busy, set FUTEX_WAITERS (so the owner's unlock wakes a
 * waiter) and FUTEX_WAIT_BITSET on the word, with an absolute CLOCK_MONOTONIC timeout for
 * {@link #tryLock(Duration)}; on waking, trylock again; a thread that slept and then takes the
 * mutex keeps FUTEX_WAITERS set, as glibc's own lock does, so no other sleeper is forgotten.
 * The futex wait is a plain system call, so the engine's signal ends it for close and interrupt
 * at once, and a blocked thread uses no CPU. Every bookkeeping step (robust list, owner, count,
 * EOWNERDEAD, ENOTRECOVERABLE) is glibc's, done by trylock — or, on the pinned thread's
 * uncontended path below, written in Java exactly as glibc writes it. The alternative — {@code
 * pthread_mutex_clocklock} in slices, looking at close and interrupt between them — would wake
 * every waiter once per slice forever and answer an interrupt only at a slice's end.
 *
 * <p><b>Costs.</b> Uncontended, {@link #lock()} is one {@code pthread_mutex_trylock} and {@link
 * #unlock()} one {@code pthread_mutex_unlock}, both critical downcalls taking the mutex's
 * address as a {@code long}; neither allocates. On the pinned thread (below) they make no
 * downcall at all: a CAS of the free word to the thread's TID and the robust-list and field
 * stores glibc's own trylock makes, and on unlock the reverse and an exchange of the word,
 * waking a sleeper with FUTEX_WAKE when FUTEX_WAITERS was set (internal {@code RobustMutex},
 * which checks at first use that this process's glibc keeps its list that way, and leaves every
 * other case — busy, owner died, unrecoverable, a mutex of another kind — to glibc's calls). A
 * thread killed holding a mutex it locked so leaves it owner-died for the next locker, as with
 * glibc. A lock must keep the pages mapped until its
 * unlock (an unlock after the mapping's close must not fault, nor may glibc's robust list keep a
 * mutex in unmapped memory): the first platform thread whose unlock finds none becomes this
 * object's pinned thread and keeps one use of the pages from one lock to the next, so its
 * locks and unlocks pay two volatile writes (a store fence each) instead of an atomic increment
 * and decrement of the use count; other threads, and every lock that has to wait, take a use of
 * their own per lock. A close gives the pin back at once when its thread is not using it, else
 * that thread's unlock does.
 *
 * <p><b>Lock order.</b> With {@code -Dio.jipc.lockorder=check}, {@link #lock()} is followed by
 * the lock-order checker ({@link LockOrder}); without it, the check is a constant the JIT removes.
 *
 * <p><b>Lifetime.</b> The mutex lives in the shared memory; this object is this process's use
 * of it, and keeps the mapping's pages mapped while it is open. {@link #close()} ends waits with
 * {@link io.jipc.ObjectClosedException} and refuses later locks, but {@link #unlock()} still
 * works after it, so a holder can always let go: a lock counts as a use until its unlock, so a
 * closed mapping keeps its pages until the last holder in this process unlocked (a thread that
 * ends holding the mutex keeps them for good — and leaves the mutex to the next locker as
 * {@link OwnerDiedException}). Thread-safe.
 *
 * @see <a href="https://man7.org/linux/man-pages/man3/pthread_mutex_lock.3p.html">pthread_mutex_lock(3p)</a>
 * @see <a href="https://man7.org/linux/man-pages/man3/pthread_mutexattr_setrobust.3.html">pthread_mutexattr_setrobust(3)</a>
 * @see <a href="https://docs.kernel.org/locking/robust-futex-ABI.html">The robust futex ABI</a>
 */
public final class SharedMutex implements AutoCloseable {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    /** What the lock attempt returns: acquired, or acquired from an owner that died. */
    private static final long LOCKED = 0;
    private static final long OWNER_DIED = 1;
    /** What the fast path returns when it did not lock: take the general path. */
    private static final long NOT_FAST = -1;
    private static final VarHandle PINNED;

    static {
        try {
            PINNED = MethodHandles.lookup().findVarHandle(SharedMutex.class, "pinned", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Slot slot;
    final MemorySegment mutex;
    /** {@link #mutex}'s address, for the two calls of the uncontended path. */
    private final long at;
    final Handle life;
    /**
     * The thread that locked the mutex through this object with a use of its own (not the
     * pinned thread's fast path), until its unlock: written and compared only by that thread
     * (another thread can never find itself here), so a plain field.
     */
    private Thread owner;
    /**
     * The pinned thread: it keeps one use of {@link #life} (the pin) from one unlock to its next
     * lock, so its uncontended lock and unlock make no atomic update of the use count. A thread
     * whose unlock finds no pinned thread (or one that ended without holding the mutex) keeps its
     * lock's use as the pin (CAS); only {@link #givePinBack} clears it, after close.
     */
    private volatile Thread pinned;
    /**
     * The pinned thread's robust list head and TID, for its lock and unlock in Java ({@link
     * RobustMutex}); 0 when its calls are glibc's. Written by that thread after it became the
     * pinned one, read only by it.
     */
    private long pinHead;
    private int pinTid;
    /**
     * 1 while the pinned thread is between the start of a fast lock and the end of its unlock
     * (it may touch the mutex, or holds it), else 0: written only by the pinned thread. With
     * {@link #closing} it is a Dekker pair: the pinned thread writes this, then reads closing;
     * close writes closing, then reads this. Both volatile, so at least one sees the other's
     * write: a close that finds 0 gives the pin back, and a fast lock that starts after it finds
     * closing set and touches nothing; a close that finds 1 leaves the pin to the pinned thread,
     * whose unlock then finds closing set and gives it back.
     */
    private volatile int pinUse;
    /**
     * Set by {@link #close()} before the handle's closed bit: the pinned thread's half of the
     * Dekker pair reads this field of this object (one load, where the handle's bit is two).
     */
    private volatile boolean closing;
    private final Operation lockOp;
    private final Operation tryLockOp;
    private final Operation timedLockOp;

    private SharedMutex(Slot slot) {
        this.slot = slot;
        this.mutex = slot.raw;
        this.at = mutex.address();
        this.life = slot.life();
        Attempt lock = this::lockAttempt;
        // The lock methods try once themselves first (the uncontended path, no wait set-up).
        this.lockOp = Operation.on(life, "pthread_mutex_lock", lock).timeout(Operation.Timeout.MONOTONIC).build();
        this.tryLockOp = Operation.on(life, "pthread_mutex_trylock", lock).build();
        this.timedLockOp = Operation.on(life, "pthread_mutex_clocklock", lock).timeout(Operation.Timeout.MONOTONIC)
                .build();
    }

    // ---------------------------------------------------------------- factories

    /**
     * Initialises a new mutex in the empty slot at {@code offset} of {@code mapping} ({@code
     * pthread_mutex_init}: process-shared, robust, error-checking) and opens it.
     *
     * @throws IllegalArgumentException if the slot is outside the mapping, misaligned, or the
     *                                  mapping read-only
     * @throws IllegalStateException    if the slot already holds an object
     * @see <a href="https://man7.org/linux/man-pages/man3/pthread_mutex_init.3p.html">pthread_mutex_init(3p)</a>
     */
    public static SharedMutex createExclusively(Mapping mapping, long offset) throws IpcException {
        return new SharedMutex(Slot.initialise(SlotKind.MUTEX, mapping, offset, "pthread_mutex_init", (object, scratch) -> {
            MemorySegment attr = scratch.allocate(Pthread.MUTEXATTR.layout());
            int r = Pthread.pthread_mutexattr_init(attr);
            if (r == 0) {
                r = first(Pthread.pthread_mutexattr_setpshared(attr, Pthread.PTHREAD_PROCESS_SHARED),
                        Pthread.pthread_mutexattr_setrobust(attr, Pthread.PTHREAD_MUTEX_ROBUST),
                        Pthread.pthread_mutexattr_settype(attr, Pthread.PTHREAD_MUTEX_ERRORCHECK));
                if (r == 0) {
                    r = Pthread.pthread_mutex_init(object, attr);
                }
                Pthread.pthread_mutexattr_destroy(attr);
            }
            return r;
        }));
    }

    /**
     * Opens the mutex a process (Java or C) initialised in the slot at {@code offset}.
     *
     * @throws IllegalStateException if the slot was never initialised, or holds another kind of object
     */
    public static SharedMutex openExisting(Mapping mapping, long offset) {
        return new SharedMutex(Slot.existing(SlotKind.MUTEX, mapping, offset));
    }

    static int first(int... results) {
        for (int r : results) {
            if (r != 0) {
                return r;
            }
        }
        return 0;
    }

    // ---------------------------------------------------------------- lock

    /**
     * Locks the mutex, waiting while another thread or process holds it.
     *
     * @throws OwnerDiedException      if its owner died holding it: this thread holds it now
     * @throws NotRecoverableException if it was left unrecoverable
     * @throws IpcException            EDEADLK if this thread holds it already
     * @throws io.jipc.ObjectClosedException    if this object is closed, before or during the wait
     * @throws io.jipc.IpcInterruptedException  if the thread is interrupted while it waits
     */
    public void lock() throws IpcException {
        long fast = fastLock();
        if (fast != LOCKED) {
            lock(lockOp, Deadline.FOREVER, fast);
        }
    }

    /**
     * Locks the mutex if it is free now ({@code pthread_mutex_trylock}); false if another holds it.
     *
     * @throws OwnerDiedException if its owner died holding it: this thread holds it now
     */
    public boolean tryLock() throws IpcException {
        long fast = fastLock();
        return fast == LOCKED || lock(tryLockOp, Deadline.NOW, fast);
    }

    /**
     * Locks the mutex, waiting at most {@code timeout} (on CLOCK_MONOTONIC, as {@code
     * pthread_mutex_clocklock} does); false if it stayed held.
     *
     * @throws IllegalArgumentException if the timeout is negative
     * @throws OwnerDiedException       if its owner died holding it: this thread holds it now
     */
    public boolean tryLock(Duration timeout) throws IpcException {
        long deadline = Deadline.after(timeout);
        long fast = fastLock();
        return fast == LOCKED || lock(timedLockOp, deadline, fast);
    }

    /**
     * The pinned thread's uncontended lock: announce the use, look at {@link #closing}, trylock.
     * {@link #LOCKED} or {@link #OWNER_DIED} when it holds the mutex now (its pin keeps the pages
     * until its unlock); {@link #NOT_FAST} for every other case, which takes the general path:
     * another thread, the mutex busy, closed, the lock-order checker on.
     */
    private long fastLock() {
        if (LockOrderChecker.ENABLED || pinned != Thread.currentThread() || pinUse != 0) {
            return NOT_FAST; // pinUse 1: this thread holds it already, the general path says EDEADLK
        }
        pinUse = 1;
        if (closing) {
            endPinUse();
            return NOT_FAST;
        }
        if (pinHead != 0 && RobustMutex.tryLock(at, pinHead, pinTid)) {
            return LOCKED;
        }
        int r = Pthread.pthread_mutex_trylock(at); // busy, owner died, ...: glibc's answer
        if (r == 0) {
            return LOCKED;
        }
        if (r == -EOWNERDEAD) {
            return OWNER_DIED; // held: the pin counts it until the unlock
        }
        if (r == -ENOTRECOVERABLE) {
            releaseUnrecoverable(); // while the pin's use keeps the pages: see there
        }
        // Busy, EDEADLK, unrecoverable: the general path tries again with a use of its own.
        endPinUse();
        return NOT_FAST;
    }

    /** The pinned thread's use ends; after a close that could not give the pin back, it does. */
    private void endPinUse() {
        pinUse = 0;
        if (closing) {
            givePinBack(Thread.currentThread());
        }
    }

    /** Gives the pin of {@code thread} back to the handle, once (close and the pinned thread may race). */
    private void givePinBack(Thread thread) {
        if (thread != null && PINNED.compareAndSet(this, thread, null)) {
            life.release();
        }
    }

    /**
     * A lock keeps one acquire of the handle until its unlock: a held mutex pins the object (and
     * through it the mapping), so unlock can use the bare address with no acquire of its own.
     */
    private boolean lock(Operation op, long deadline, long fast) throws IpcException {
        if (fast == OWNER_DIED) {
            throw new OwnerDiedException(op.call(), slot.label);
        }
        checkPlatformThread();
        if (LockOrderChecker.ENABLED && deadline == Deadline.FOREVER) {
            LockOrderChecker.beforeWait(slot.label);
        }
        life.acquire(op.call());
        boolean held = false;
        try {
            long r = tryOnce();
            if (r == -EAGAIN && deadline != Deadline.NOW) {
                Waiter w = Waiter.current();
                w.flags = 0;
                r = op.run(w, deadline, false);
            }
            held = r == LOCKED || r == OWNER_DIED;
            if (held) {
                owner = Thread.currentThread();
                if (LockOrderChecker.ENABLED) {
                    LockOrderChecker.acquired(slot.label);
                }
            }
            return answer(op.call(), r);
        } finally {
            if (!held) {
                life.release();
            }
        }
    }

    private void checkPlatformThread() {
        if (Thread.currentThread().isVirtual()) {
            throw new IllegalStateException("a pthread mutex is owned by a kernel thread: lock " + slot.label
                    + " from a platform thread (a virtual thread may run on another carrier by the time it unlocks)");
        }
    }

    /** One pthread_mutex_trylock, the uncontended path: one critical downcall, no wait set-up. */
    private long tryOnce() {
        int r = Pthread.pthread_mutex_trylock(at);
        if (r == 0) {
            return LOCKED;
        }
        if (r == -EBUSY) {
            return -EAGAIN;
        }
        if (r == -ENOTRECOVERABLE) {
            releaseUnrecoverable();
        }
        return r == -EOWNERDEAD ? OWNER_DIED : r;
    }

    private boolean answer(String call, long r) throws IpcException {
        if (r == LOCKED) {
            return true;
        }
        if (r == OWNER_DIED) {
            throw new OwnerDiedException(call, slot.label);
        }
        if (r == Operation.NOTHING || r == -EAGAIN) {
            return false;
        }
        if (r == -ENOTRECOVERABLE) {
            throw new NotRecoverableException(call, slot.label);
        }
        throw IpcException.of(call, slot.label, (int) -r);
    }

    /**
     * The engine's call. NOW: pthread_mutex_trylock. KERNEL: trylock, else FUTEX_WAITERS set and
     * a futex wait on the word while it is unchanged, again until locked; -EINTR for the engine's
     * signal (close, interrupt), -ETIMEDOUT at the deadline. {@code w.flags} remembers, across the
     * engine's calls of one lock, that this thread slept (see {@link #keepWaitersBit()}).
     */
    private long lockAttempt(Waiter w, int how) {
        while (true) {
            int r = Pthread.pthread_mutex_trylock(mutex);
            if (r == 0 || r == -EOWNERDEAD) {
                if (w.flags != 0) {
                    keepWaitersBit();
                }
                return r == 0 ? LOCKED : OWNER_DIED;
            }
            if (r == -ENOTRECOVERABLE) {
                releaseUnrecoverable();
                return r;
            }
            if (r != -EBUSY) {
                return r;
            }
            if (how == Attempt.NOW) {
                return -EAGAIN;
            }
            int word = (int) INT.getVolatile(mutex, Pthread.MUTEX_LOCK);
            if (word == 0 || (word & Pthread.FUTEX_OWNER_DIED) != 0) {
                continue; // released, or its owner died, since trylock looked: trylock takes it
            }
            if ((word & Pthread.FUTEX_WAITERS) == 0) {
                if (!INT.compareAndSet(mutex, Pthread.MUTEX_LOCK, word, word | Pthread.FUTEX_WAITERS)) {
                    continue;
                }
                word |= Pthread.FUTEX_WAITERS;
            }
            w.flags = 1;
            int f = Futex.waitBitset(mutex, word, w.timeoutArg);
            if (f == -EINTR || f == -ETIMEDOUT) {
                return f;
            }
            if (f != 0 && f != -EAGAIN) {
                return f;
            }
            // Woken, or the word changed before the wait: try again.
        }
    }

    /**
     * After sleeping, this thread may share FUTEX_WAITERS with other sleepers, whose wake-up the
     * owner's unlock owes: trylock took the mutex with the bare TID, so put the bit back (the
     * word changes only by waiters setting the same bit while this thread owns it).
     */
    private void keepWaitersBit() {
        int word = (int) INT.getVolatile(mutex, Pthread.MUTEX_LOCK);
        if ((word & Pthread.FUTEX_WAITERS) == 0) {
            INT.compareAndSet(mutex, Pthread.MUTEX_LOCK, word, word | Pthread.FUTEX_WAITERS);
        }
    }

    /** The unrecoverable mutex's word back, its sleepers woken (see {@link RobustMutex#giveBackUnrecoverable}). */
    private void releaseUnrecoverable() {
        RobustMutex.giveBackUnrecoverable(at, Unistd.gettid());
    }

    // ---------------------------------------------------------------- unlock and state

    /**
     * Unlocks the mutex ({@code pthread_mutex_unlock}), waking one waiter if there is one. Works
     * after {@link #close()} too.
     *
     * @throws IllegalMonitorStateException if the calling thread does not hold it (EPERM)
     * @throws IllegalStateException        if the mapping is closed
     */
    public void unlock() {
        Thread me = Thread.currentThread();
        if (pinned != me || pinUse == 0) {
            unlockWithoutPin(me);
            return;
        }
        // The pin keeps the pages mapped until endPinUse.
        int r = pinHead != 0 && RobustMutex.unlock(at, pinHead, pinTid) ? 0 : Pthread.pthread_mutex_unlock(at);
        endPinUse();
        if (r != 0) {
            throw notHeld("pthread_mutex_unlock", r);
        }
        if (LockOrderChecker.ENABLED) {
            LockOrderChecker.released(slot.label);
        }
    }

    /** The unlock of a thread that does not hold the mutex through its pin (kept apart: the pinned path stays small enough to inline). */
    private void unlockWithoutPin(Thread me) {
        if (owner != me) {
            // Not locked through this object by this thread: through the mapping's arena, which
            // refuses a closed mapping instead of touching unmapped pages. glibc refuses a thread
            // that does not hold it; one that locked it through another SharedMutex object on the
            // same slot may unlock here (that object keeps its use of the pages until closed).
            int r = Pthread.pthread_mutex_unlock(slot.object);
            if (r != 0) {
                throw notHeld("pthread_mutex_unlock", r);
            }
            if (LockOrderChecker.ENABLED) {
                LockOrderChecker.released(slot.label);
            }
            return;
        }
        // Its lock's use pins the pages: the bare address is safe. The owner is forgotten while
        // the mutex is still held: once unlocked, another thread of this process may lock it
        // through this object and set itself as owner, which a later "owner = null" would erase
        // (its unlock would then take the foreign path and never give back its lock's use, and
        // the mapping would stay mapped after close).
        owner = null;
        int r = Pthread.pthread_mutex_unlock(at);
        if (r != 0) {
            owner = me;
            throw notHeld("pthread_mutex_unlock", r);
        }
        keepOrRelease(me);
        if (LockOrderChecker.ENABLED) {
            LockOrderChecker.released(slot.label);
        }
    }

    /**
     * After an unlock by a thread that locked with a use of its own: with no pinned thread yet,
     * the use becomes this thread's pin (its later uncontended locks make no atomic update);
     * else it is given back. The mutex is already unlocked: the pin's Dekker pair starts at 0.
     */
    private void keepOrRelease(Thread me) {
        Thread p = pinned;
        // A pinned thread that ended without holding the mutex leaves its pin to the next one.
        boolean free = p == null || !p.isAlive() && pinUse == 0;
        if (free && !me.isVirtual() && PINNED.compareAndSet(this, p, me)) {
            pinTid = Unistd.gettid();
            pinHead = RobustMutex.available() && RobustMutex.handles(at) ? RobustMutex.threadHead() : 0;
            if (p != null) {
                life.release(); // the ended thread's pin: this thread's use replaces it
            }
            if (closing) {
                givePinBack(me); // a close that looked before the CAS saw no pin to give back
            }
        } else {
            life.release();
        }
    }

    /** Whether the calling thread holds the mutex through its pin (fast lock, or a relock after a wait). */
    private boolean heldThroughPin(Thread me) {
        return pinned == me && pinUse != 0;
    }

    /**
     * Marks the mutex consistent again after {@link OwnerDiedException} ({@code
     * pthread_mutex_consistent}): the data is repaired, later lockers get it as usual.
     *
     * @throws IllegalMonitorStateException if this thread does not hold it, or it is not
     *                                      inconsistent (EINVAL)
     */
    public void makeConsistent() {
        Thread me = Thread.currentThread();
        int r = Pthread.pthread_mutex_consistent(owner == me || heldThroughPin(me) ? mutex : slot.object);
        if (r != 0) {
            throw notHeld("pthread_mutex_consistent", r);
        }
    }

    private IllegalMonitorStateException notHeld(String call, int r) {
        Errno e = Errno.of(-r);
        String why = r == -EPERM ? "the calling thread does not hold it"
                : "it is not in the state the call needs (held by this thread after EOWNERDEAD)";
        return new IllegalMonitorStateException(call + "(" + slot.label + "): " + why + " ("
                + (e == null ? "errno " + -r : e.name()) + ")");
    }

    /**
     * Whether some thread of some process holds the mutex now: a snapshot, for monitoring and
     * start-up handshakes, never for deciding to lock (the answer may be stale at once).
     */
    public boolean isLocked() {
        return (int) INT.getVolatile(slot.object, Pthread.MUTEX_LOCK) != 0;
    }

    /**
     * Whether the calling thread holds the mutex: it locked it through this object, or the futex
     * word names it as the owner (looked at only while the mapping is open: false after).
     */
    public boolean isHeldByCurrentThread() {
        Thread me = Thread.currentThread();
        if (owner == me || heldThroughPin(me)) {
            return true;
        }
        if (!slot.mappingOpen()) {
            return false;
        }
        try {
            int word = (int) INT.getVolatile(slot.object, Pthread.MUTEX_LOCK);
            return word != 0 && (word & Pthread.FUTEX_TID_MASK) == Waiter.current().threadId();
        } catch (IllegalStateException closedMeanwhile) {
            return false;
        }
    }

    /**
     * After a condition wait relocked the mutex inside glibc: while this thread slept, another
     * thread of this process may have locked and unlocked it through this object, overwriting
     * {@link #owner}; this thread holds it again (the futex word names it), so its unlock must
     * find itself here and give back the use its own lock took. Call with the mutex's life acquired.
     */
    void heldAgainAfterWait() {
        if (heldThroughPin(Thread.currentThread())) {
            return; // the pin still counts this thread as holding: its unlock ends the pin's use
        }
        int word = (int) INT.getVolatile(mutex, Pthread.MUTEX_LOCK);
        if (word != 0 && (word & Pthread.FUTEX_TID_MASK) == Waiter.current().threadId()) {
            owner = Thread.currentThread();
        }
    }

    String label() {
        return slot.label;
    }

    /** The slot's offset in the mapping. */
    public long offset() {
        return slot.offset;
    }

    /**
     * Closes this process's use of the mutex: waiting threads wake with {@link
     * io.jipc.ObjectClosedException}, later locks are refused; {@link #unlock()} still works. The
     * mutex itself stays in the shared memory. Idempotent and thread-safe.
     */
    @Override
    public void close() {
        closing = true;
        life.close();
        // After closing (a volatile write, then the closed bit's CAS): a pinned thread that is not
        // using its pin now finds closing set when it next tries; one that is gives it back itself.
        Thread p = pinned;
        if (p != null && pinUse == 0) {
            givePinBack(p);
        }
    }

    /** Whether {@link #close()} has not been called. */
    public boolean isOpen() {
        return life.isOpen();
    }

    @Override
    public String toString() {
        return "SharedMutex[" + slot.label + (life.isOpen() ? "" : ", closed") + "]";
    }
}
