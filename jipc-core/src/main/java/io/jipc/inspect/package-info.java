/**
 * What IPC objects exist on this system, who uses them, which are left over, and their removal:
 * {@link io.jipc.inspect.Inventory} reads {@code /dev/mqueue}, {@code /dev/shm}, {@code
 * /proc/sysvipc}, {@code /proc/net/unix}, {@code /proc/locks} and every process's descriptors and
 * mappings, the sources of {@code ipcs}, {@code ss -x} and {@code lslocks}.
 *
 * <pre>{@code
 * // Remove the System V segments and POSIX objects nobody alive uses any more.
 * var listing = Inventory.list(EnumSet.of(ObjectType.SHM, ObjectType.SYSV_SHM));
 * for (IpcObject o : listing.objects()) {
 *     if (o.stale()) {
 *         Inventory.remove(ObjectRef.parse(o.reference().orElseThrow()));  // e.g. sysv-shm:32769
 *     }
 * }
 * }</pre>
 *
 * @see <a href="https://man7.org/linux/man-pages/man1/ipcs.1.html">ipcs(1)</a>
 * @see <a href="https://man7.org/linux/man-pages/man7/mq_overview.7.html">mq_overview(7)</a>
 * @see <a href="https://man7.org/linux/man-pages/man5/proc.5.html">proc(5)</a>
 */
package io.jipc.inspect;
