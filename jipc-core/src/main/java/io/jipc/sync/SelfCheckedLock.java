package io.jipc.sync;

import io.jipc.IpcException;
import java.time.Duration;

/**
 * An {@link OrderedLock} over a lock whose own methods tell the lock-order checker already (a
 * {@link SharedMutex}, either side of a {@link SharedRwLock}): the three forms and the unlock
 * are handed straight through, so nothing is counted twice.
 */
record SelfCheckedLock(String name, Call locking, TryCall tryingNow, TimedCall tryingFor, Release unlocking)
        implements OrderedLock {
    interface Call {
        void run() throws IpcException;
    }

    interface TryCall {
        boolean run() throws IpcException;
    }

    interface TimedCall {
        boolean run(Duration timeout) throws IpcException;
    }

    interface Release {
        void run();
    }

    @Override
    public void lock() throws IpcException {
        locking.run();
    }

    @Override
    public boolean tryLock() throws IpcException {
        return tryingNow.run();
    }

    @Override
    public boolean tryLock(Duration timeout) throws IpcException {
        return tryingFor.run(timeout);
    }

    @Override
    public void unlock() {
        unlocking.run();
    }

    @Override
    public String toString() {
        return name;
    }
}
