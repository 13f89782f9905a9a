/**
 * Process-shared synchronisation in shared memory, on glibc's own objects so C programs share
 * them: {@link io.jipc.sync.SharedMutex} (robust, error-checking), placed in {@link
 * io.jipc.sync.Slots slots} of a {@link io.jipc.shm.Mapping}.
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
