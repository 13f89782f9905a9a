package io.jipc.internal.wait;

import io.jipc.IpcException;
import io.jipc.IpcInterruptedException;
import io.jipc.ObjectClosedException;
import io.jipc.internal.libc.Eventfd;
import io.jipc.internal.libc.Unistd;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The life of one native object — a descriptor, a System V id, a mapping — and the one close
 * protocol of jipc: close by CAS, a count of calls in flight, waiters woken on close, use after
 * close refused, and the resource freed only after the last call in flight has returned.
 *
 * <p>Every call on the object runs between {@link #acquire(String)} and {@link #release()} —
 * except, in the engine, a call on a plain handle (one whose close frees nothing, as a System V
 * id's) that does not poll: it only checks the handle is open ({@code openNumber}).
 * {@link #close()} marks the handle closed at once (later acquires throw {@link
 * ObjectClosedException}), wakes the threads waiting on it — those asleep inside a system call
 * through their {@link Waiter}'s signal, those in poll(2) through {@link #closeEventFd()} — and
 * {@link #free()} runs when the last call in flight releases it. So a call never reaches a
 * descriptor number another open has reused, nor memory already unmapped.
 *
 * <p>Subclasses say what freeing means (closing a descriptor, unmapping memory); the default
 * frees nothing, which suits System V objects, whose life is not a process's to end.
 */
public class Handle {
    private static final int CLOSED = 0x8000_0000;
    private static final VarHandle STATE;
    private static final VarHandle CLOSE_EVENT;
    private static final MemorySegment ONE = Arena.global().allocate(ValueLayout.JAVA_LONG);

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            STATE = l.findVarHandle(Handle.class, "state", int.class);
            CLOSE_EVENT = l.findVarHandle(Handle.class, "closeEventFd", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
        ONE.set(ValueLayout.JAVA_LONG, 0, 1L);
        // The first exception built in a JVM pays for class loading and the string-concatenation
        // bootstrap, tens of milliseconds under load: pay it now, not when a blocked thread is
        // interrupted or its object closed, which must be answered within 100 ms.
        new IpcInterruptedException("poll", "warm-up").getMessage();
        new ObjectClosedException("poll", "warm-up").getMessage();
    }

    private final String label;
    private final int number;
    /** CLOSED bit plus the count of calls in flight. */
    @SuppressWarnings("unused")
    private volatile int state;
    /** An eventfd written once on close: -1 until a poll(2) waiter first asks, -2 once freed. */
    @SuppressWarnings("unused")
    private volatile int closeEventFd = -1;
    /** Threads asleep inside a system call on this object, woken by close. */
    final Waiters waiters = new Waiters();
    /**
     * Whether calls on the object may sleep inside the kernel: for a descriptor, whether its open
     * file description is in blocking mode as far as jipc knows. Cleared when a call that should
     * have slept said EAGAIN (a process sharing the description set O_NONBLOCK), set again when
     * this process makes it blocking.
     */
    private volatile boolean blocking = true;
    /**
     * Whether closing frees anything (a subclass's {@link #free()}: a descriptor, a mapping): then
     * every call must pin the object. A plain handle frees nothing (a System V id outlives it), so
     * a call that never polls its close eventfd needs no pin ({@code openNumber}).
     */
    final boolean freesOnClose = getClass() != Handle.class;

    /**
     * @param label  what the object is, as error messages name it ({@code /jobs}, {@code msqid 7})
     * @param number the descriptor or id the calls take, handed out by {@link #acquire}
     */
    public Handle(String label, int number) {
        this.label = label;
        this.number = number;
    }

    /** A handle for a wait that belongs to no object (an open by path): never closed. */
    public static Handle detached(String label) {
        return new Handle(label, -1);
    }

    /** What the object is, for error messages. */
    public final String label() {
        return label;
    }

    /**
     * Pins the object for one call and returns its number; pair with {@link #release()} in a
     * finally block.
     *
     * @throws ObjectClosedException if {@link #close()} has been called
     */
    public final int acquire(String call) throws ObjectClosedException {
        int s;
        do {
            s = state;
            if ((s & CLOSED) != 0) {
                throw new ObjectClosedException(call, label);
            }
        } while (!STATE.weakCompareAndSet(this, s, s + 1));
        return number;
    }

    /**
     * The number for a call on a handle that frees nothing on close, once it is found open: no
     * pin, as nothing the call uses can be freed or reused under it (a close racing the call is
     * one that came just after it). Kernel waits still register and look again ({@link
     * Operation}), so a close wakes them as it wakes pinned ones.
     */
    final int openNumber(String call) throws ObjectClosedException {
        checkOpen(call);
        return number;
    }

    /**
     * Ends what {@link #acquire(String)} began; the last release after close frees the object.
     *
     * @throws IllegalStateException for a release with no acquire to end: counting it would mark
     *         an open object closed, or reopen a freed one whose number may be another's by now
     */
    public final void release() {
        int s;
        do {
            s = state;
            if ((s & ~CLOSED) == 0) {
                throw new IllegalStateException("release() of " + label + " without a matching acquire()");
            }
        } while (!STATE.weakCompareAndSet(this, s, s - 1));
        if (s - 1 == CLOSED) {
            freeOnce();
        }
    }

    /** Whether {@link #close()} has not been called yet. */
    public final boolean isOpen() {
        return (state & CLOSED) == 0;
    }

    /**
     * Closes: marks the handle closed, wakes every waiter, and frees the object at once when no
     * call is in flight, otherwise when the last one returns. Idempotent and thread-safe.
     *
     * @return true for the call that closed it, false if it was closed already
     */
    public final boolean close() {
        int s;
        do {
            s = state;
            if ((s & CLOSED) != 0) {
                return false;
            }
        } while (!STATE.weakCompareAndSet(this, s, s | CLOSED));
        // A poll waiter that created the eventfd before this point is woken by the write; one that
        // creates it later sees CLOSED before it polls.
        int ev = closeEventFd;
        if (ev >= 0) {
            Unistd.write(ev, ONE, 8);
        }
        // A kernel waiter registered before this point gets the signal; one that registers later
        // sees CLOSED in checkOpen before its first call.
        waiters.wakeAll();
        if (s == 0) {
            freeOnce();
        }
        return true;
    }

    /** Runs once, when closed and no call is in flight: nothing can poll the eventfd any more. */
    private void freeOnce() {
        int ev = (int) CLOSE_EVENT.getAndSet(this, -2);
        if (ev >= 0) {
            Unistd.close(ev);
        }
        free();
    }

    /** Releases the native resource: runs once, after close, when no call is in flight. */
    protected void free() {}

    /**
     * Throws if the object was closed. Checked after a kernel waiter registered and before its
     * first call: a close that came before the registration sent it no signal.
     */
    public final void checkOpen(String call) throws ObjectClosedException {
        if ((state & CLOSED) != 0) {
            throw new ObjectClosedException(call, label);
        }
    }

    /**
     * Throws if the object was closed or the thread interrupted: what ends a wait when its call
     * was woken (EINTR) or its poll returned for something else than readiness.
     */
    public final void checkWake(String call) throws IpcException {
        checkOpen(call);
        if (Thread.currentThread().isInterrupted()) {
            throw new IpcInterruptedException(call, label);
        }
    }

    /**
     * An eventfd that becomes readable, and stays readable, once this object is closed: lets
     * poll(2) and epoll learn of a close. Created on first use (most objects never wait in
     * poll). Call between {@link #acquire} and {@link #release}: the eventfd is closed when the
     * object is freed, so its number stays valid only while the caller holds an acquire.
     */
    public final int closeEventFd() throws IpcException {
        int ev = closeEventFd;
        if (ev >= 0) {
            return ev;
        }
        int created = Eventfd.eventfd(0, Eventfd.EFD_CLOEXEC | Eventfd.EFD_NONBLOCK);
        if (created < 0) {
            throw IpcException.of("eventfd", label, -created);
        }
        // The caller holds an acquire, so freeOnce cannot run meanwhile: only a racing waiter can win.
        if (!CLOSE_EVENT.compareAndSet(this, -1, created)) {
            Unistd.close(created);
            return closeEventFd;
        }
        return created;
    }

    /** Whether calls on the object may sleep inside the kernel (see the field). */
    public final boolean blocking() {
        return blocking;
    }

    /** Records whether the object's calls may sleep inside the kernel (the description's mode). */
    public final void blocking(boolean may) {
        blocking = may;
    }

    /**
     * Wakes the threads asleep in a system call on this object without closing it: each call
     * fails with EINTR, the engine finds the object open and the thread not interrupted, and
     * calls again, after the attempt has looked at what changed. For a mechanism whose condition
     * another thread of this process changes where the sleeping call cannot see it (a queue in
     * Java beside a kernel wait).
     */
    public final void wakeWaiters() {
        waiters.wakeAll();
    }

    /** Whether a thread is asleep in a system call on this object (for tests and diagnostics). */
    public final boolean hasKernelWaiters() {
        return !waiters.isEmpty();
    }

    @Override
    public String toString() {
        return label + (isOpen() ? "" : " (closed)");
    }
}
