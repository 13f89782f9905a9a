package io.jipc.internal.wait;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The threads asleep inside a system call on one object, so that its close can wake them.
 * Intrusive: adding and removing allocate nothing (a thread is in at most one kernel wait at a
 * time). The first waiter takes a lock-free slot, so the usual case of one thread waiting on
 * an object costs a CAS on each side; further waiters go on a locked list.
 */
final class Waiters {
    private static final VarHandle SINGLE;

    static {
        try {
            SINGLE = MethodHandles.lookup().findVarHandle(Waiters.class, "single", Waiter.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused")
    private volatile Waiter single;
    private Waiter head;

    void add(Waiter w) {
        w.waitingIn = this;
        if (SINGLE.compareAndSet(this, null, w)) {
            w.inSingle = true;
            return;
        }
        synchronized (this) {
            w.prev = null;
            w.next = head;
            if (head != null) {
                head.prev = w;
            }
            head = w;
        }
    }

    void remove(Waiter w) {
        w.waitingIn = null;
        if (w.inSingle) {
            w.inSingle = false;
            // Release suffices: a closer still seeing w here finds it not waiting, or waiting elsewhere.
            SINGLE.setRelease(this, (Waiter) null);
            return;
        }
        synchronized (this) {
            if (w.prev != null) {
                w.prev.next = w.next;
            } else if (head == w) {
                head = w.next;
            }
            if (w.next != null) {
                w.next.prev = w.prev;
            }
            w.prev = null;
            w.next = null;
        }
    }

    /** Wakes every thread waiting on the object; called after it is marked closed. */
    void wakeAll() {
        Waiter s = single;
        // The slot may be stale by now (its thread left and waits elsewhere): wake it only if
        // it still waits here.
        if (s != null && s.waitingIn == this) {
            s.wake();
        }
        synchronized (this) {
            for (Waiter w = head; w != null; w = w.next) {
                w.wake();
            }
        }
    }

    boolean isEmpty() {
        synchronized (this) {
            return single == null && head == null;
        }
    }
}
