package io.jipc.sync;

import io.jipc.IpcException;
import java.time.Duration;
import java.util.Objects;

/**
 * A lock whose own methods the checker does not see: the wrapper tells it. A wait that can
 * last forever is checked before it starts; a try, timed or not, cannot deadlock and only
 * counts as held once it succeeded (as lockdep treats trylock).
 */
abstract class CheckedLock implements OrderedLock {
    private final String name;

    CheckedLock(String name) {
        this.name = name;
    }

    abstract void take() throws IpcException;

    /** {@code timeout == null}: never wait. */
    abstract boolean take(Duration timeout) throws IpcException;

    abstract void give() throws IpcException;

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final void lock() throws IpcException {
        if (LockOrderChecker.ENABLED) {
            LockOrderChecker.beforeWait(name);
        }
        take();
        if (LockOrderChecker.ENABLED) {
            LockOrderChecker.acquired(name);
        }
    }

    @Override
    public final boolean tryLock() throws IpcException {
        return tried(take(null));
    }

    @Override
    public final boolean tryLock(Duration timeout) throws IpcException {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("a timeout is 0 or more, got " + timeout);
        }
        return tried(take(timeout));
    }

    private boolean tried(boolean taken) {
        if (taken && LockOrderChecker.ENABLED) {
            LockOrderChecker.acquired(name);
        }
        return taken;
    }

    @Override
    public final void unlock() throws IpcException {
        give();
        if (LockOrderChecker.ENABLED) {
            LockOrderChecker.released(name);
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
