/**
 * File locks: {@code flock(2)}, POSIX record locks and open file description (OFD) locks behind
 * one API ({@link io.jipc.lock.FileLock}), who holds what ({@link io.jipc.lock.FileLock#holder()},
 * {@link io.jipc.lock.LockTable}), and POSIX deadlocks as {@link io.jipc.lock.DeadlockException}.
 *
 * <pre>{@code
 * // One writer at a time on bytes 0..99 of a shared file, whoever else (C, flock(1)...) locks it.
 * var options = FileLock.Options.defaults().withCreate(true).withRange(0, 100);
 * try (FileLock lock = FileLock.open(Path.of("/tmp/shared.db"), options)) {
 *     if (lock.tryLock(Duration.ofSeconds(1))) {
 *         // ... write bytes 0..99
 *         lock.unlock();
 *     } else {
 *         System.err.println(lock.holder());   // e.g. OFD exclusive lock on bytes 0..99 ..., held by process 4242 (app)
 *     }
 * }
 * }</pre>
 *
 * <p>Which kind: {@link io.jipc.lock.LockKind#OFD} (the default) for byte ranges and for threads
 * that must exclude each other; {@link io.jipc.lock.LockKind#FLOCK} to cooperate with {@code
 * flock(1)} and shell scripts; {@link io.jipc.lock.LockKind#POSIX} only to cooperate with programs
 * using {@code F_SETLK}/{@code lockf(3)} that need deadlock detection — its locks belong to the
 * whole process and vanish when the process closes any descriptor of the file. flock and fcntl
 * locks do not see each other; all are advisory. {@link io.jipc.lock.LockKind} has the table.
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/fcntl.2.html">fcntl(2)</a>
 * @see <a href="https://man7.org/linux/man-pages/man2/flock.2.html">flock(2)</a>
 */
package io.jipc.lock;
