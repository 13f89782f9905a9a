/**
 * Semaphores: POSIX named ({@link io.jipc.sem.PosixSemaphore}: one counter by name) and System V
 * sets ({@link io.jipc.sem.SysVSemaphoreSet}: several counters by key, changed atomically together).
 *
 * <pre>{@code
 * // A signal between processes: post in one, wait in the other.
 * try (var done = PosixSemaphore.createOrOpen("/done", PosixSemaphore.Options.defaults())) {
 *     done.release();
 *     done.acquire();
 *     done.unlink();
 * }
 *
 * // Two semaphores changed as one: take from 0 and give to 1, or wait.
 * try (var set = SysVSemaphoreSet.createOrOpen(IpcKey.PRIVATE, 2,
 *         SysVSemaphoreSet.Options.defaults().withInitialValues(1, 0))) {
 *     set.op(SemOp.of(0, -1), SemOp.of(1, +1));
 *     set.remove();
 * }
 * }</pre>
 *
 * <p>Every object here speaks the kernel's and glibc's formats: a C program using {@code
 * sem_open}/{@code sem_wait}/{@code sem_post} or {@code semget}/{@code semop} on the same name or
 * key sees the same counters.
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/sem_overview.7.html">sem_overview(7)</a>
 * @see <a href="https://man7.org/linux/man-pages/man7/sysvipc.7.html">sysvipc(7)</a>
 */
package io.jipc.sem;
