/**
 * Shared memory: POSIX objects by name ({@link io.jipc.shm.SharedMemory}, {@code shm_open}),
 * memfds passed by descriptor and sealable ({@link io.jipc.shm.MemFd}, {@code memfd_create}), and
 * System V segments by key ({@link io.jipc.shm.SysVSharedMemory}, {@code shmget}) — each mapped
 * as a {@link io.jipc.shm.Mapping}: bulk copies that allocate nothing, and the memory itself as a
 * bounds-checked {@link java.lang.foreign.MemorySegment} that cannot outlive the mapping.
 *
 * <pre>{@code
 * // POSIX: a C program's shm_open("/frames") + mmap, or Python's SharedMemory("frames"), sees the same bytes
 * try (SharedMemory shm = SharedMemory.createExclusively("/frames", 4096);
 *      Mapping m = shm.map()) {
 *     m.write(0, "hello".getBytes(UTF_8));
 *     m.segment().set(ValueLayout.JAVA_INT, 64, 42);
 *     shm.unlink();
 * }
 *
 * // memfd: sealed, so whoever receives the descriptor knows the bytes can no longer change
 * MemFd table = MemFd.create("table", 4096);
 * try (Mapping m = table.map()) {
 *     m.write(0, contents);
 * }
 * table.addSeals(Seal.WRITE, Seal.SHRINK, Seal.GROW);
 *
 * // System V: by key; removal waits for the last process to detach
 * try (var seg = SysVSharedMemory.createOrOpen(IpcKey.ftok(Path.of("/tmp"), 7), 4096);
 *      Mapping m = seg.attach()) {
 *     seg.remove();                       // marked: m stays usable, no new attach
 * }
 * }</pre>
 *
 * <p>Shared memory has no synchronisation of its own: the processes agree on a protocol (a
 * semaphore, a lock, a process-shared mutex placed in the memory, atomics through the segment).
 * Closing a mapping from one thread while another copies from it or accesses its segment is safe:
 * see {@link io.jipc.shm.Mapping}.
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/shm_overview.7.html">shm_overview(7)</a>
 * @see <a href="https://man7.org/linux/man-pages/man2/memfd_create.2.html">memfd_create(2)</a>
 * @see <a href="https://man7.org/linux/man-pages/man7/sysvipc.7.html">sysvipc(7)</a>
 */
package io.jipc.shm;
