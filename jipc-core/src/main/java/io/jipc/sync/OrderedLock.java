package io.jipc.sync;

import io.jipc.IpcException;
import io.jipc.IpcInterruptedException;
import io.jipc.lock.FileLock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;

/**
 * One lock of any kind — jipc's or {@code java.util.concurrent}'s — seen the same way, so that
 * {@link LockOrder} can take several in one declared order and the lock-order checker can follow
 * them. Each has a {@link #name()} that identifies the lock itself, stable across processes for
 * jipc's shared objects ("mutex at 0 of /frames", a file lock's path and range), so that two
 * processes checking their orders through a shared edge table agree on which lock is which.
 *
 * <p>The three forms are the lock's own ({@code lock}, {@code tryLock}, {@code
 * tryLock(Duration)}); a {@link Lock} waits interruptibly ({@code lockInterruptibly}) and answers
 * an interrupt with {@link IpcInterruptedException} like every jipc wait.
 */
public interface OrderedLock {
    /** The lock's identity: equal names are the same lock. */
    String name();

    /** Takes the lock, waiting as long as it takes. */
    void lock() throws IpcException;

    /** Takes the lock if it is free now; false otherwise. */
    boolean tryLock() throws IpcException;

    /** Takes the lock, waiting at most {@code timeout}; false if it stayed taken. */
    boolean tryLock(Duration timeout) throws IpcException;

    /** Releases the lock. */
    void unlock() throws IpcException;

    /** A {@link SharedMutex} (its own lock methods are checked already: nothing is counted twice). */
    static OrderedLock of(SharedMutex mutex) {
        Objects.requireNonNull(mutex, "mutex");
        return new SelfCheckedLock(mutex.label(), mutex::lock, mutex::tryLock, mutex::tryLock, mutex::unlock);
    }

    /**
     * The write (exclusive) side of a {@link SharedRwLock} (checked by the lock's own methods, as
     * a mutex is).
     */
    static OrderedLock writing(SharedRwLock rw) {
        Objects.requireNonNull(rw, "rw");
        return new SelfCheckedLock(rw.label(), rw::writeLock, rw::tryWriteLock, rw::tryWriteLock, rw::unlock);
    }

    /**
     * The read (shared) side of a {@link SharedRwLock}: for the order it is the same lock as
     * the write side (a reader waits for a writer as a writer waits for it).
     */
    static OrderedLock reading(SharedRwLock rw) {
        Objects.requireNonNull(rw, "rw");
        return new SelfCheckedLock(rw.label(), rw::readLock, rw::tryReadLock, rw::tryReadLock, rw::unlock);
    }

    /** One permit of a {@link SharedSemaphore}, taken by {@code acquire} and given back by {@code release}. */
    static OrderedLock permit(SharedSemaphore semaphore) {
        Objects.requireNonNull(semaphore, "semaphore");
        return new CheckedLock(semaphore.label()) {
            @Override
            void take() throws IpcException {
                semaphore.acquire();
            }

            @Override
            boolean take(Duration timeout) throws IpcException {
                return timeout == null ? semaphore.tryAcquire() : semaphore.tryAcquire(timeout);
            }

            @Override
            void give() throws IpcException {
                semaphore.release();
            }
        };
    }

    /**
     * A {@link FileLock}, with the type its options say; named by its file's absolute path and
     * its range, so processes locking the same bytes of the same path name the same lock.
     */
    static OrderedLock of(FileLock fileLock) {
        Objects.requireNonNull(fileLock, "fileLock");
        String name = fileLock.kind() + " lock " + fileLock.path().map(p -> p.toAbsolutePath().normalize().toString())
                .orElse(fileLock.fd().toString()) + " " + fileLock.range();
        return new CheckedLock(name) {
            @Override
            void take() throws IpcException {
                fileLock.lock();
            }

            @Override
            boolean take(Duration timeout) throws IpcException {
                return timeout == null ? fileLock.tryLock() : fileLock.tryLock(timeout);
            }

            @Override
            void give() throws IpcException {
                fileLock.unlock();
            }
        };
    }

    /**
     * A {@code java.util.concurrent} {@link Lock}, under {@code name} (a lock of this process:
     * any name unique among the locks the checker sees).
     */
    static OrderedLock of(Lock lock, String name) {
        Objects.requireNonNull(lock, "lock");
        Objects.requireNonNull(name, "name");
        return new CheckedLock(name) {
            @Override
            void take() throws IpcException {
                try {
                    lock.lockInterruptibly();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IpcInterruptedException("lockInterruptibly", name);
                }
            }

            @Override
            boolean take(Duration timeout) throws IpcException {
                if (timeout == null) {
                    return lock.tryLock();
                }
                try {
                    return lock.tryLock(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IpcInterruptedException("tryLock", name);
                } catch (ArithmeticException tooLong) {
                    take();
                    return true;
                }
            }

            @Override
            void give() {
                lock.unlock();
            }
        };
    }
}
