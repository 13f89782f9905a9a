package io.jipc.sem;

import static io.jipc.internal.libc.Errnos.EACCES;
import static io.jipc.internal.libc.Errnos.EAGAIN;
import static io.jipc.internal.libc.Errnos.EEXIST;
import static io.jipc.internal.libc.Errnos.EINVAL;
import static io.jipc.internal.libc.Errnos.ENOSPC;

import io.jipc.IpcException;
import io.jipc.IpcKey;
import io.jipc.Perms;
import io.jipc.internal.ProcFiles;
import io.jipc.internal.libc.Ipc;
import io.jipc.internal.libc.Sem;
import io.jipc.internal.sysv.SysVObject;
import io.jipc.internal.wait.Deadline;
import io.jipc.internal.wait.Operation;
import io.jipc.internal.wait.Waiter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How a {@link SysVSemaphoreSet} comes to exist without the create-then-initialise race: the
 * creator's first semop sets the initial values and, with them, the set's {@code sem_otime}; an
 * open waits until {@code sem_otime} is set (sem_overview(7)'s idiom), or until the set is old
 * enough to have been initialised some other way (ipcmk, a C program's SETALL). Also the limits
 * of {@code /proc/sys/kernel/sem} that creation and operations are refused by.
 */
final class SetCreation {
    private SetCreation() {}

    static final Path LIMITS = Path.of("/proc/sys/kernel/sem");

    /** An open that finds sem_otime 0 waits while the set was created (or set) less than this long ago. */
    private static final long INIT_GRACE_SECONDS = 1;

    /** The shared System V base for semaphore set {@code id}. */
    static SysVObject object(int id, IpcKey key) {
        return new SysVObject(SysVObject.Kind.SEMAPHORE_SET, id, key, (i, cmd, buf) -> Sem.semctl(i, 0, cmd, buf),
                Sem.SEMID_DS_SIZE, Sem.SEM_PERM);
    }

    /**
     * Creates and initialises a set ({@code IPC_CREAT | IPC_EXCL}, then one semop adding the
     * initial values, which also sets sem_otime); its id, or -1 if one exists for {@code key}.
     */
    static int create(IpcKey key, int count, SysVSemaphoreSet.Options o) throws IpcException {
        int id = Sem.semget(key.value(), count, Ipc.IPC_CREAT | Ipc.IPC_EXCL | Perms.toMode(o.mode()));
        if (id == -EEXIST) {
            return -1;
        }
        if (id < 0) {
            throw createError(key, count, -id);
        }
        int r = initialise(id, count, o);
        if (r < 0) {
            Sem.semctl(id, 0, Ipc.IPC_RMID);
            throw IpcException.withDetail("semop", "semid " + id, -r, "could not set the new set's initial values"
                    + " (it was removed again)");
        }
        return id;
    }

    /**
     * Sets a new set's values and, by the same semop, sem_otime. More nonzero values than one
     * semop takes (SEMOPM) go by SETALL first, and a semop that changes nothing marks the set.
     */
    private static int initialise(int id, int count, SysVSemaphoreSet.Options o) {
        int n = 0;
        for (int i = 0; i < count; i++) {
            n += o.valueOf(i) > 0 ? 1 : 0;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sops = a.allocate(Sem.SEMBUF_SIZE * Math.max(2, n), 2);
            if (n > 0 && n <= semopm()) {
                int k = 0;
                for (int i = 0; i < count; i++) {
                    if (o.valueOf(i) > 0) {
                        SemOps.stage(sops, k++, i, o.valueOf(i), Ipc.IPC_NOWAIT);
                    }
                }
                return Sem.semopNowait(id, sops, n);
            }
            int first = o.valueOf(0);
            if (n > 0) {
                MemorySegment array = a.allocate(2L * count, 2);
                for (int i = 0; i < count; i++) {
                    array.setAtIndex(ValueLayout.JAVA_SHORT, i, (short) o.valueOf(i));
                }
                int r = Sem.semctl(id, 0, Sem.SETALL, array);
                if (r < 0) {
                    return r;
                }
            }
            // Changes nothing, proceeds at once, sets sem_otime: wait for zero, or take one and give it back.
            if (first == 0) {
                SemOps.stage(sops, 0, 0, 0, Ipc.IPC_NOWAIT);
                return Sem.semopNowait(id, sops, 1);
            }
            SemOps.stage(sops, 0, 0, -1, Ipc.IPC_NOWAIT);
            SemOps.stage(sops, 1, 0, +1, Ipc.IPC_NOWAIT);
            return Sem.semopNowait(id, sops, 2);
        }
    }

    private static IpcException createError(IpcKey key, int count, int errno) {
        if (errno == EINVAL) {
            long semmsl = limit(0, -1);
            if (semmsl >= 0 && count > semmsl) {
                return IpcException.withDetail("semget", "key " + key, errno, count + " semaphores exceed SEMMSL = "
                        + semmsl + " (the first field of " + LIMITS + ")");
            }
        }
        if (errno == ENOSPC) {
            return IpcException.withDetail("semget", "key " + key, errno, "the system already has the most semaphore"
                    + " sets or semaphores it allows (SEMMNI, SEMMNS in " + LIMITS + " = " + ProcFiles.readText(LIMITS) + ")");
        }
        return SysVObject.getError(SysVObject.Kind.SEMAPHORE_SET, "semget", key, errno);
    }

    /** semget's EINVAL for a set smaller than asked for, saying how large it is. */
    static IpcException fewerThan(IpcKey key, int count) {
        String have = "";
        int id = Sem.semget(key.value(), 0, 0);
        if (id >= 0) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment ds = a.allocate(Sem.SEMID_DS_SIZE, 8);
                if (Sem.semctl(id, 0, Ipc.IPC_STAT, ds) >= 0) {
                    have = " (it has " + ds.get(ValueLayout.JAVA_LONG, Sem.SEM_NSEMS) + ")";
                }
            }
        }
        return IpcException.withDetail("semget", "key " + key, EINVAL, "the existing set has fewer than the " + count
                + " semaphores asked for" + have);
    }

    /** A field of /proc/sys/kernel/sem (SEMMSL SEMMNS SEMOPM SEMMNI), or {@code fallback}. */
    static long limit(int field, long fallback) {
        String[] f = ProcFiles.readText(LIMITS).strip().split("\\s+");
        try {
            return Long.parseLong(f[field]);
        } catch (RuntimeException e) {
            return fallback;
        }
    }

    private static int semopm() {
        return (int) Math.max(1, limit(2, 32));
    }

    /** What an open learns of an existing set: its key and its number of semaphores. */
    record Found(IpcKey key, int count) {}

    /**
     * Waits, through the engine's back-off, until sem_otime of the set is set or the set is old
     * enough to be taken as initialised by other means; then its key and size. A set this process
     * may operate on but not read (mode 0622 for a stranger: IPC_STAT says EACCES) is looked up in
     * {@code /proc/sysvipc/sem} instead, as ipcs does, so that an operation needs only the
     * permission semop needs.
     */
    static Found awaitInitialised(SysVObject ipc) throws IpcException {
        // w.data: a semid_ds, filled by IPC_STAT or from /proc/sysvipc/sem
        Operation wait = Operation.on(ipc.handle(), "semctl(IPC_STAT)", (w, how) -> {
            int r = Sem.semctl(w.target, 0, Ipc.IPC_STAT, w.data);
            if (r == -EACCES) {
                if (!listed(w.target, w.data)) {
                    return r;
                }
                r = 0;
            }
            if (r < 0 || w.data.get(ValueLayout.JAVA_LONG, Sem.SEM_OTIME) != 0) {
                return r;
            }
            long age = System.currentTimeMillis() / 1000 - w.data.get(ValueLayout.JAVA_LONG, Sem.SEM_CTIME);
            return age > INIT_GRACE_SECONDS ? 0 : -EAGAIN;
        }).kernelWaits(false).build();
        Waiter w = Waiter.current();
        MemorySegment ds = w.scratch(Sem.SEMID_DS_SIZE);
        w.data = ds;
        // Bounded also by our own clock, should the realtime clock stand still.
        long r = wait.run(w, Deadline.after(Duration.ofSeconds(INIT_GRACE_SECONDS + 2)), true);
        if (r < 0 && r != Operation.NOTHING) {
            throw ipc.error("semctl(IPC_STAT)", (int) -r);
        }
        return new Found(SysVObject.keyOf(ds.get(ValueLayout.JAVA_INT, Sem.SEM_PERM + Ipc.PERM_KEY)),
                (int) ds.get(ValueLayout.JAVA_LONG, Sem.SEM_NSEMS));
    }

    static final Path SYSVIPC_SEM = Path.of("/proc/sysvipc/sem");

    /**
     * Fills the fields of {@code ds} an open needs (key, nsems, otime, ctime) from set {@code
     * id}'s line of /proc/sysvipc/sem (readable by all: key semid perms nsems uid gid cuid cgid
     * otime ctime); false if it is not listed.
     */
    private static boolean listed(int id, MemorySegment ds) {
        try {
            for (String line : java.nio.file.Files.readAllLines(SYSVIPC_SEM)) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && f[1].equals(Integer.toString(id))) {
                    ds.set(ValueLayout.JAVA_INT, Sem.SEM_PERM + Ipc.PERM_KEY, (int) Long.parseLong(f[0]));
                    ds.set(ValueLayout.JAVA_LONG, Sem.SEM_NSEMS, Long.parseLong(f[3]));
                    ds.set(ValueLayout.JAVA_LONG, Sem.SEM_OTIME, Long.parseLong(f[8]));
                    ds.set(ValueLayout.JAVA_LONG, Sem.SEM_CTIME, Long.parseLong(f[9]));
                    return true;
                }
            }
        } catch (java.io.IOException | RuntimeException unreadable) {
            return false;
        }
        return false;
    }
}
