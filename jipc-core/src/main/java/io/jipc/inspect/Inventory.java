package io.jipc.inspect;

import static io.jipc.internal.libc.Errnos.EEXIST;
import static io.jipc.internal.libc.Errnos.EINVAL;

import io.jipc.IpcException;
import io.jipc.IpcKey;
import io.jipc.internal.libc.Mount;
import io.jipc.internal.libc.Msg;
import io.jipc.internal.libc.Sem;
import io.jipc.internal.libc.Shm;
import io.jipc.internal.libc.Stat;
import io.jipc.internal.libc.Unistd;
import io.jipc.internal.sysv.SysVObject;
import io.jipc.lock.LockHolder;
import io.jipc.lock.LockTable;
import io.jipc.mq.PosixMessageQueue;
import io.jipc.pipe.Fifo;
import io.jipc.sem.PosixSemaphore;
import io.jipc.sem.SysVSemaphoreSet;
import io.jipc.shm.SharedMemory;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What IPC objects exist on this system, and their removal: what {@code ipcs}, {@code ipcrm},
 * {@code ss -x} and {@code lslocks} show between them, and what {@code jipc ls} and {@code jipc
 * rm} print.
 *
 * <pre>{@code
 * Inventory.Listing all = Inventory.list(EnumSet.allOf(ObjectType.class));
 * all.notes().forEach(System.err::println);          // e.g. no mqueue file system mounted
 * for (IpcObject o : all.objects()) {
 *     if (o.stale()) {
 *         Inventory.remove(ObjectRef.parse(o.reference().orElseThrow()));
 *     }
 * }
 * }</pre>
 *
 * <p><b>Where each kind is found.</b> POSIX message queues in an mqueue mount (found in {@code
 * /proc/self/mountinfo}, usually {@code /dev/mqueue}; without one the kernel offers no way to list
 * them, and {@link Listing#notes()} says how to mount one; {@link #mountMqueue()} mounts one); POSIX shared memory and named
 * semaphores in {@code /dev/shm} ({@code sem.NAME} files are semaphores); System V objects in
 * {@code /proc/sysvipc}; UNIX sockets that have an address in {@code /proc/net/unix}, with the
 * processes holding them ({@code socket:[INODE]} in {@code /proc/PID/fd}); file locks from {@link
 * LockTable}.
 *
 * <p><b>Stale.</b> An object is stale when every process it names is dead and nothing has it
 * open, mapped or attached: a System V segment with no attachment whose creator and last user
 * are dead; a System V queue whose last sender and receiver, or a set whose last users (the
 * {@code sempid} of each semaphore), are all dead — one the kernel records no user for at all is
 * not called stale, as a process may be waiting on it; a POSIX object no process has open or
 * mapped (the kernel records no creator for those), judged only when every process could be
 * looked into. Sockets and locks are never stale: they go with their last holder.
 *
 * @see <a href="https://man7.org/linux/man-pages/man1/ipcs.1.html">ipcs(1)</a>
 * @see <a href="https://man7.org/linux/man-pages/man1/ipcrm.1.html">ipcrm(1)</a>
 * @see <a href="https://man7.org/linux/man-pages/man8/lslocks.8.html">lslocks(8)</a>
 * @see <a href="https://man7.org/linux/man-pages/man7/mq_overview.7.html">mq_overview(7)</a>
 * @see <a href="https://man7.org/linux/man-pages/man5/proc.5.html">proc(5)</a>
 */
public final class Inventory {
    private Inventory() {}

    /** Where {@code /dev/mqueue} is usually mounted, and how. */
    static final String MOUNT_MQUEUE = "mkdir -p /dev/mqueue && mount -t mqueue none /dev/mqueue";

    /** Where {@link #mountMqueue()} mounts the POSIX message queue file system: where Linux distributions do. */
    public static final Path MQUEUE_MOUNT_POINT = Path.of("/dev/mqueue");

    /**
     * Where a POSIX message queue file system is mounted in this process's mount namespace, read
     * from {@code /proc/self/mountinfo} (the first one, if several): the directory {@link #list}
     * lists queues from. Empty when none is; see <a
     * href="https://man7.org/linux/man-pages/man7/mq_overview.7.html">mq_overview(7)</a>.
     */
    public static Optional<Path> mqueueMount() {
        return PosixObjects.mqueueMount();
    }

    /**
     * Mounts the POSIX message queue file system at {@link #MQUEUE_MOUNT_POINT}, unless one is
     * mounted already: {@code mkdir -p /dev/mqueue && mount -t mqueue none /dev/mqueue}, with
     * <a href="https://man7.org/linux/man-pages/man2/mkdir.2.html">mkdir(2)</a> (mode 0755, when
     * the directory is missing) and <a
     * href="https://man7.org/linux/man-pages/man2/mount.2.html">mount(2)</a>, {@code nosuid,
     * nodev, noexec} as systemd mounts it. The kernel allows it to a process with {@code
     * CAP_SYS_ADMIN} (root); the mount stays until {@code umount /dev/mqueue} or reboot, and the
     * queues are there whether or not it is mounted (<a
     * href="https://man7.org/linux/man-pages/man7/mq_overview.7.html">mq_overview(7)</a>): the
     * mount only lets them be listed.
     *
     * <p>When it fails nothing is changed: a directory it made for the mount is removed again.
     *
     * @return {@code true} if it mounted one now; {@code false} if one was mounted already
     *         ({@link #mqueueMount()} says where), and nothing was done
     * @throws io.jipc.PermissionDeniedException {@code mkdir} EACCES when this user may not write
     *                                           {@code /dev}, {@code mount} EPERM without
     *                                           {@code CAP_SYS_ADMIN}
     * @throws IpcException                      any other refusal of either call (ENOTDIR: {@code
     *                                           /dev/mqueue} is not a directory...)
     */
    public static boolean mountMqueue() throws IpcException {
        if (mqueueMount().isPresent()) {
            return false;
        }
        String target = MQUEUE_MOUNT_POINT.toString();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dir = arena.allocateFrom(target);
            int made = Stat.mkdir(dir, 0755);
            if (made < 0 && made != -EEXIST) {
                throw IpcException.of("mkdir", target, -made);
            }
            int r = Mount.mount(arena.allocateFrom("none"), dir, arena.allocateFrom("mqueue"),
                    Mount.MS_NOSUID | Mount.MS_NODEV | Mount.MS_NOEXEC, MemorySegment.NULL);
            if (r < 0) {
                if (made == 0) {
                    Unistd.rmdir(dir); // ours, and still empty: nothing to do if someone filled it meanwhile
                }
                throw IpcException.of("mount", target, -r);
            }
            return true;
        }
    }

    /**
     * What a listing found.
     *
     * @param objects every object of the types asked for, by type, then name or id
     * @param notes   what could not be listed or judged, and why (no mqueue mount; processes this
     *                process may not look into)
     * @see <a href="https://man7.org/linux/man-pages/man1/ipcs.1.html">ipcs(1)</a>
     */
    public record Listing(List<IpcObject> objects, List<String> notes) {
        public Listing {
            objects = List.copyOf(objects);
            notes = List.copyOf(notes);
        }
    }

    /** The objects of {@code types} that exist now (a snapshot: objects come and go while it is read). */
    public static Listing list(Set<ObjectType> types) throws IOException {
        Objects.requireNonNull(types, "types");
        for (ObjectType t : types) {
            if (!t.listable()) {
                throw new IllegalArgumentException(t.cliName() + " objects cannot be listed: a FIFO can be anywhere in"
                        + " the file system (find / -type p finds them)");
            }
        }
        ProcessTable procs = ProcessTable.scan();
        List<IpcObject> objects = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        EnumSet<ObjectType> asked = types.isEmpty() ? EnumSet.noneOf(ObjectType.class) : EnumSet.copyOf(types);
        boolean sawEveryone = procs.hidden() == 0;
        if (asked.contains(ObjectType.MQ)) {
            Optional<Path> mount = PosixObjects.mqueueMount();
            if (mount.isPresent()) {
                objects.addAll(PosixObjects.queues(mount.get(), procs, sawEveryone));
            } else {
                notes.add("POSIX message queues are not listed: no mqueue file system is mounted (as root: "
                        + MOUNT_MQUEUE + ")");
            }
        }
        if (asked.contains(ObjectType.SEM) || asked.contains(ObjectType.SHM)) {
            for (IpcObject o : PosixObjects.devShm(procs, sawEveryone)) {
                if (asked.contains(o.type())) {
                    objects.add(o);
                }
            }
        }
        if (asked.contains(ObjectType.SYSV_MSG)) {
            objects.addAll(SysVTables.queues(procs));
        }
        if (asked.contains(ObjectType.SYSV_SEM)) {
            objects.addAll(SysVTables.sets(procs));
        }
        if (asked.contains(ObjectType.SYSV_SHM)) {
            objects.addAll(SysVTables.segments(procs));
        }
        if (asked.contains(ObjectType.SOCKET)) {
            objects.addAll(UnixSockets.list(procs));
        }
        if (asked.contains(ObjectType.LOCK)) {
            for (LockHolder h : LockTable.all()) {
                objects.add(lock(h, procs));
            }
        }
        if (!sawEveryone && (asked.contains(ObjectType.MQ) || asked.contains(ObjectType.SEM) || asked.contains(ObjectType.SHM)
                || asked.contains(ObjectType.SOCKET))) {
            notes.add(procs.hidden() + " processes could not be looked into (another user's): who has POSIX objects"
                    + " and sockets open is what this user may see, and no POSIX object is called stale");
        }
        objects.sort(Comparator.comparing(IpcObject::type)
                .thenComparing(o -> o.name().orElse(""))
                .thenComparingLong(o -> o.id().orElse(-1)));
        return new Listing(objects, notes);
    }

    private static IpcObject lock(LockHolder h, ProcessTable procs) {
        var counts = new java.util.LinkedHashMap<String, Long>();
        counts.put("start", h.range().start());
        if (!h.range().toEndOfFile()) {
            counts.put("end", h.range().end());
        }
        var labels = new java.util.LinkedHashMap<String, String>();
        labels.put("lock_kind", h.kind().procName());
        labels.put("lock_type", h.type().procName());
        List<ProcessRef> holder = h.pid().isPresent() ? List.of(procs.ref("holder", h.pid().getAsLong())) : List.of();
        return new IpcObject(ObjectType.LOCK, Optional.of(h.path().map(Path::toString).orElse(h.deviceAndInode())),
                java.util.OptionalLong.empty(), Optional.empty(), java.util.OptionalInt.empty(),
                java.util.OptionalInt.empty(), java.util.OptionalLong.empty(), counts, labels, holder, false);
    }

    /**
     * Removes one object: {@code mq_unlink}, {@code sem_unlink}, {@code shm_unlink}, {@code
     * *ctl(IPC_RMID)}, or {@code unlink} of a FIFO (after checking it is one).
     *
     * @throws io.jipc.NotFoundException ENOENT when there is no such object — for a System V id
     *                                   too, for which the kernel says EINVAL (the advice names the id)
     * @throws IpcException              EACCES or EPERM when this user may not remove it...
     */
    public static void remove(ObjectRef ref) throws IpcException {
        switch (ref.type()) {
            case MQ -> PosixMessageQueue.unlink(ref.name());
            case SEM -> PosixSemaphore.unlink(ref.name());
            case SHM -> SharedMemory.unlink(ref.name());
            case SYSV_MSG -> removeSysV(SysVObject.Kind.MESSAGE_QUEUE, ref.id(), Msg::msgctl);
            case SYSV_SEM -> removeSysV(SysVObject.Kind.SEMAPHORE_SET, ref.id(),
                    (id, cmd, buf) -> Sem.semctl(id, 0, cmd));
            case SYSV_SHM -> removeSysV(SysVObject.Kind.SHARED_MEMORY, ref.id(), Shm::shmctl);
            case FIFO -> Fifo.openExisting(Path.of(ref.name())).unlink();
            case SOCKET, LOCK -> throw new IllegalArgumentException(ref.type().cliName()
                    + "s are not removed: they go when the processes holding them close them");
        }
    }

    private static void removeSysV(SysVObject.Kind kind, int id, SysVObject.Ctl ctl) throws IpcException {
        SysVObject object = new SysVObject(kind, id, IpcKey.PRIVATE, ctl, 0, 0);
        try {
            object.remove();
        } catch (IpcException e) {
            if (e.errno() == EINVAL) {
                // IPC_RMID says EINVAL for an id nothing has: for rm, as for a name, "no such object".
                throw IpcException.withDetail(e.call(), e.object(), io.jipc.Errno.ENOENT.number(),
                        "nothing on the system has " + e.object());
            }
            throw e;
        } finally {
            object.handle().close();
        }
    }

    /** The last pid of each semaphore of set {@code id} (0: none yet), or empty if the set may not be read. */
    static List<Integer> lastPids(int id, int count) {
        List<Integer> pids = new ArrayList<>();
        try (SysVSemaphoreSet set = SysVSemaphoreSet.openId(id)) {
            for (int i = 0; i < Math.min(count, 1024); i++) {
                pids.add(set.lastPid(i));
            }
        } catch (IpcException | RuntimeException e) {
            return List.of();
        }
        return pids;
    }
}
