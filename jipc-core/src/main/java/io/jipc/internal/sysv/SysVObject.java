package io.jipc.internal.sysv;

import static io.jipc.internal.libc.Errnos.EIDRM;
import static io.jipc.internal.libc.Errnos.EINVAL;
import static io.jipc.internal.libc.Errnos.ENOSPC;
import static io.jipc.internal.libc.Errnos.EPERM;

import io.jipc.IpcException;
import io.jipc.IpcKey;
import io.jipc.IpcPerm;
import io.jipc.ObjectRemovedException;
import io.jipc.Perms;
import io.jipc.internal.ProcFiles;
import io.jipc.internal.libc.Ipc;
import io.jipc.internal.wait.Attempt;
import io.jipc.internal.wait.Handle;
import io.jipc.internal.wait.Waiter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.function.IntUnaryOperator;

/**
 * What every System V object (message queue, semaphore set, shared-memory segment) shares: its
 * id and key, its fd-less {@link Handle} (use after close refused, waiters woken on close), its
 * {@code ipc_perm}, the {@code *ctl} commands IPC_STAT, IPC_SET and IPC_RMID, and how their
 * errors read: EIDRM (removed while in use) and EINVAL (no such id, or removed) the same way for
 * all three.
 */
public final class SysVObject {
    /** A {@code msgctl}, {@code semctl} or {@code shmctl} with a struct argument. */
    @FunctionalInterface
    public interface Ctl {
        int ctl(int id, int cmd, MemorySegment buf);
    }

    /** The three kinds, and how errors and {@code ipcs} name them. */
    public enum Kind {
        MESSAGE_QUEUE("msqid", "msgctl", "queue", "/proc/sys/kernel/msgmni"),
        SEMAPHORE_SET("semid", "semctl", "semaphore set", "/proc/sys/kernel/sem"),
        SHARED_MEMORY("shmid", "shmctl", "segment", "/proc/sys/kernel/shmmni");

        final String idName;
        final String ctlName;
        final String noun;
        final Path countLimit;

        Kind(String idName, String ctlName, String noun, String countLimit) {
            this.idName = idName;
            this.ctlName = ctlName;
            this.noun = noun;
            this.countLimit = Path.of(countLimit);
        }
    }

    private final Kind kind;
    private final int id;
    private final IpcKey key;
    private final Ctl ctl;
    private final long dsSize;
    private final long permOffset;
    private final Handle handle;

    /**
     * @param dsSize     the size of the kind's {@code *id_ds} struct
     * @param permOffset where its {@code ipc_perm} is (0 on Linux: the first member)
     */
    public SysVObject(Kind kind, int id, IpcKey key, Ctl ctl, long dsSize, long permOffset) {
        this.kind = kind;
        this.id = id;
        this.key = key;
        this.ctl = ctl;
        this.dsSize = dsSize;
        this.permOffset = permOffset;
        this.handle = new Handle(kind.idName + " " + id, id);
    }

    public int id() {
        return id;
    }

    public IpcKey key() {
        return key;
    }

    /** The handle waits and calls pin; closing it ends this process's use, not the object. */
    public Handle handle() {
        return handle;
    }

    /** How errors name the object: {@code msqid 7}. */
    public String label() {
        return handle.label();
    }

    /** The key a {@code __key} field holds, as an {@link IpcKey}. */
    public static IpcKey keyOf(int raw) {
        return raw == Ipc.IPC_PRIVATE ? IpcKey.PRIVATE : IpcKey.of(raw);
    }

    /** The refusal of a {@code *get}: ENOSPC names the system's limit on the number of objects. */
    public static IpcException getError(Kind kind, String call, IpcKey key, int errno) {
        if (errno == ENOSPC) {
            return IpcException.withDetail(call, "key " + key, errno, "the system already has the most "
                    + kind.noun + "s it allows (" + kind.countLimit + " = " + ProcFiles.readText(kind.countLimit) + ")");
        }
        return IpcException.of(call, "key " + key, errno);
    }

    /** {@code *ctl(IPC_STAT)} into a new struct of {@code arena}. */
    public MemorySegment stat(Arena arena) throws IpcException {
        String call = kind.ctlName + "(IPC_STAT)";
        handle.acquire(call);
        try {
            MemorySegment ds = arena.allocate(dsSize, 8);
            int r = ctl.ctl(id, Ipc.IPC_STAT, ds);
            if (r < 0) {
                throw error(call, -r);
            }
            return ds;
        } finally {
            handle.release();
        }
    }

    /** The {@code ipc_perm} of a struct {@link #stat} returned. */
    public IpcPerm perm(MemorySegment ds) {
        long p = permOffset;
        return new IpcPerm(keyOf(ds.get(ValueLayout.JAVA_INT, p + Ipc.PERM_KEY)),
                ds.get(ValueLayout.JAVA_INT, p + Ipc.PERM_UID), ds.get(ValueLayout.JAVA_INT, p + Ipc.PERM_GID),
                ds.get(ValueLayout.JAVA_INT, p + Ipc.PERM_CUID), ds.get(ValueLayout.JAVA_INT, p + Ipc.PERM_CGID),
                Perms.fromMode(ds.get(ValueLayout.JAVA_INT, p + Ipc.PERM_MODE)));
    }

    /** Sets the permission bits of a struct {@link #stat} returned, before {@link #set}. */
    public void setMode(MemorySegment ds, int mode) {
        long at = permOffset + Ipc.PERM_MODE;
        ds.set(ValueLayout.JAVA_INT, at, (ds.get(ValueLayout.JAVA_INT, at) & ~0777) | (mode & 0777));
    }

    /**
     * {@code *ctl(IPC_SET)} with {@code ds}.
     *
     * @param whyNotPermitted what EPERM means for this change, when the kind says more than
     *                        "not the owner" (null for that)
     */
    public void set(MemorySegment ds, String whyNotPermitted) throws IpcException {
        String call = kind.ctlName + "(IPC_SET)";
        handle.acquire(call);
        try {
            int r = ctl.ctl(id, Ipc.IPC_SET, ds);
            if (r < 0) {
                if (-r == EPERM) {
                    throw IpcException.withDetail(call, label(), -r, whyNotPermitted != null ? whyNotPermitted
                            : "only the " + kind.noun + "'s owner or creator (or a privileged process) may change it");
                }
                throw error(call, -r);
            }
        } finally {
            handle.release();
        }
    }

    /** {@code *ctl(IPC_RMID)}: removes the object from the system at once. */
    public void remove() throws IpcException {
        String call = kind.ctlName + "(IPC_RMID)";
        handle.acquire(call);
        try {
            int r = ctl.ctl(id, Ipc.IPC_RMID, MemorySegment.NULL);
            if (r < 0) {
                if (-r == EPERM) {
                    throw IpcException.withDetail(call, label(), -r,
                            "only the " + kind.noun + "'s owner or creator (or a privileged process) may remove it");
                }
                throw error(call, -r);
            }
        } finally {
            handle.release();
        }
    }

    /**
     * A {@code *ctl} command of the kind's own ({@code semctl(GETVAL)}, {@code shmctl(SHM_LOCK)}):
     * runs {@code call} with the id while the handle is pinned. A negative result, {@code -errno},
     * becomes this object's exception for {@code <ctl>(<command>)} ({@link #error}).
     *
     * @param command the command as errors name it ({@code GETVAL})
     * @return the call's result
     */
    public int ctl(String command, IntUnaryOperator call) throws IpcException {
        String name = kind.ctlName + "(" + command + ")";
        handle.acquire(name);
        try {
            int r = call.applyAsInt(id);
            if (r < 0) {
                throw error(name, -r);
            }
            return r;
        } finally {
            handle.release();
        }
    }

    /**
     * The result of a call that may have slept, {@code r}, as the kernel gave it to the first
     * call: a sleeping call made without the errno capture ({@code Errnos.UNCAPTURED}) that
     * failed is made again with it by the engine, and if the object was removed while the first
     * slept (EIDRM, which only the sleepers are told), the second finds no such id (EINVAL).
     * Either way the object is gone, so a retry's EINVAL is the first call's EIDRM.
     */
    public static long sleptOn(Waiter w, int how, long r) {
        return r == -EINVAL && how == Attempt.KERNEL && w.errnoState != null ? -EIDRM : r;
    }

    /**
     * The exception for a failed call on the object: EIDRM, removed while in use ({@link
     * ObjectRemovedException}); EINVAL, which for an id means no such object (removed?); else
     * the plain one for the errno.
     */
    public IpcException error(String call, int errno) {
        if (errno == EIDRM) {
            return new ObjectRemovedException(call, label());
        }
        if (errno == EINVAL) {
            return IpcException.withDetail(call, label(), errno,
                    "no " + kind.noun + " has " + kind.idName + " " + id + " (removed?)");
        }
        return IpcException.of(call, label(), errno);
    }

    @Override
    public String toString() {
        return label() + ", key " + key + (handle.isOpen() ? "" : ", closed");
    }
}
