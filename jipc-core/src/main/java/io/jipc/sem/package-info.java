/**
 * Semaphores: POSIX named ({@link io.jipc.sem.PosixSemaphore}: one counter by name).
 *
 * <pre>{@code
 * // A signal between processes: post in one, wait in the other.
 * try (var done = PosixSemaphore.createOrOpen("/done", PosixSemaphore.Options.defaults())) {
 *     done.release();
 *     done.acquire();
 *     done.unlink();
 * }
 * }</pre>
 *
 * <p>Every object here speaks glibc's format: a C program using {@code sem_open}/{@code
 * sem_wait}/{@code sem_post} on the same name sees the same counter.
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/sem_overview.7.html">sem_overview(7)</a>
 */
package io.jipc.sem;
