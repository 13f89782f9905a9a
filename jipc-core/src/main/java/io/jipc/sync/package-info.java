/**
 * Process-shared synchronisation in shared memory, on glibc's own objects so C programs share
 * them: {@link io.jipc.sync.SharedMutex} (robust, error-checking), {@link
 * io.jipc.sync.SharedCondition}, {@link io.jipc.sync.SharedRwLock} and {@link
 * io.jipc.sync.SharedSemaphore} (an unnamed POSIX semaphore), and {@link
 * io.jipc.sync.SharedBarrier} (built from a mutex and a condition, so it can be left), placed in {@link
 * io.jipc.sync.Slots slots} of a {@link io.jipc.shm.Mapping}. Every wait has jipc's three forms
 * and answers close and {@link java.lang.Thread#interrupt()}; each class says how, since glibc's
 * pthread waits never return EINTR. {@link io.jipc.sync.LockOrder} takes several locks — these,
 * file locks and {@code java.util.concurrent} ones, seen through {@link io.jipc.sync.OrderedLock} —
 * in one declared order, all or nothing, and with {@code -Dio.jipc.lockorder=check} reports two
 * opposite orders of the same locks, in one process or several, before they deadlock.
 *
 * <pre>{@code
 * try (SharedMemory shm = SharedMemory.createExclusively("/frames", 4096);
 *      Mapping m = shm.map();
 *      SharedMutex lock = SharedMutex.createExclusively(m, 0)) {
 *     lock.lock();
 *     try {
 *         m.segment().set(ValueLayout.JAVA_LONG, 64, 42);   // the data the mutex guards
 *     } finally {
 *         lock.unlock();
 *     }
 * }
 * }</pre>
 */
package io.jipc.sync;
