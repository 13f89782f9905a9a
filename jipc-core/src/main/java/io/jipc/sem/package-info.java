/**
 * Semaphores: POSIX named ({@link io.jipc.sem.PosixSemaphore}: one counter by name), System V
 * sets ({@link io.jipc.sem.SysVSemaphoreSet}: several counters by key, changed atomically together)
 * and, on top of the latter, {@link io.jipc.sem.PermitPool}: permits shared by processes that come
 * back when a holder dies.
 *
 * <pre>{@code
 * // A signal between processes: post in one, wait in the other.
 * try (var done = PosixSemaphore.createOrOpen("/done", PosixSemaphore.Options.defaults())) {
 *     done.release();
 *     done.acquire();
 *     done.unlink();
 * }
 *
 * // At most 4 workers in the database at once, even if some of them are killed.
 * try (var pool = PermitPool.createOrOpen(IpcKey.ftok(Path.of("/tmp"), 'd'), 4)) {
 *     if (pool.tryAcquire(Duration.ofSeconds(5))) {
 *         try { query(); } finally { pool.release(); }
 *     }
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
 * <p>Which to use: a semaphore has no owner (any process may release what another acquired), so
 * it serves to signal as well as to limit. To limit how many processes use something at once, use
 * {@link io.jipc.sem.PermitPool}: a POSIX semaphore keeps the permit of a process that died
 * holding it, a System V semaphore operated with SEM_UNDO gives it back.
 *
 * <p>Every object here speaks the kernel's and glibc's formats: a C program using {@code
 * sem_open}/{@code sem_wait}/{@code sem_post} or {@code semget}/{@code semop} on the same name or
 * key sees the same counters.
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/sem_overview.7.html">sem_overview(7)</a>
 * @see <a href="https://man7.org/linux/man-pages/man7/sysvipc.7.html">sysvipc(7)</a>
 */
package io.jipc.sem;
