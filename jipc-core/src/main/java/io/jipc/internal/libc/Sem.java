package io.jipc.internal.libc;

import static io.jipc.internal.libc.Libc.C_INT;
import static io.jipc.internal.libc.Libc.C_LONG;
import static io.jipc.internal.libc.Libc.C_POINTER;
import static io.jipc.internal.libc.Libc.C_SHORT;
import static io.jipc.internal.libc.Libc.C_SIZE_T;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * {@code <sys/sem.h>}: System V semaphore sets. Raw results, {@code -errno} on failure.
 *
 * <p>{@code semtimedop} with a NULL timeout is {@code semop} (glibc's semop is exactly that
 * call); it sleeps in the kernel and ends with EINTR when a signal handler runs (never
 * restarted). The IPC_NOWAIT form never sleeps and is bound apart as a critical downcall.
 *
 * <p>{@code semctl} is variadic: its fourth argument, {@code union semun}, is one pointer-sized
 * value — a pointer for IPC_STAT, IPC_SET, GETALL and SETALL, an int for SETVAL — and absent for
 * the other commands.
 */
public final class Sem {
    private Sem() {}

    /** {@code struct sembuf { unsigned short sem_num; short sem_op; short sem_flg; }}. */
    public static final Libc.CStruct SEMBUF = Libc.struct("sys/sem.h", "struct sembuf",
            C_SHORT.withName("sem_num"), C_SHORT.withName("sem_op"), C_SHORT.withName("sem_flg"));
    public static final long SEMBUF_SIZE = SEMBUF.layout().byteSize();
    public static final long SEM_NUM = SEMBUF.offset("sem_num");
    public static final long SEM_OP = SEMBUF.offset("sem_op");
    public static final long SEM_FLG = SEMBUF.offset("sem_flg");

    /**
     * {@code struct semid_ds}: on x86_64 each time is followed by a reserved word (the kernel's
     * {@code semid64_ds} there), on aarch64 (the generic layout) not.
     */
    public static final Libc.CStruct SEMID_DS = Libc.AARCH64
            ? Libc.struct("sys/sem.h", "struct semid_ds",
                    Ipc.IPC_PERM.layout().withName("sem_perm"),
                    C_LONG.withName("sem_otime"), C_LONG.withName("sem_ctime"), C_LONG.withName("sem_nsems"),
                    C_LONG.withName("__glibc_reserved3"), C_LONG.withName("__glibc_reserved4"))
            : Libc.struct("sys/sem.h", "struct semid_ds",
                    Ipc.IPC_PERM.layout().withName("sem_perm"),
                    C_LONG.withName("sem_otime"), C_LONG.withName("__sem_otime_high"),
                    C_LONG.withName("sem_ctime"), C_LONG.withName("__sem_ctime_high"),
                    C_LONG.withName("sem_nsems"),
                    C_LONG.withName("__glibc_reserved3"), C_LONG.withName("__glibc_reserved4"));
    public static final long SEMID_DS_SIZE = SEMID_DS.layout().byteSize();
    public static final long SEM_PERM = SEMID_DS.offset("sem_perm");
    public static final long SEM_OTIME = SEMID_DS.offset("sem_otime");
    public static final long SEM_CTIME = SEMID_DS.offset("sem_ctime");
    public static final long SEM_NSEMS = SEMID_DS.offset("sem_nsems");

    /** Per-operation flag: undo the operation when the process exits. */
    public static final short SEM_UNDO = 0x1000;

    // semctl commands (besides IPC_STAT, IPC_SET, IPC_RMID of <sys/ipc.h>).
    public static final int GETPID = 11;
    public static final int GETVAL = 12;
    public static final int GETALL = 13;
    public static final int GETNCNT = 14;
    public static final int GETZCNT = 15;
    public static final int SETVAL = 16;
    public static final int SETALL = 17;

    /** The largest value a System V semaphore holds ({@code SEMVMX}, fixed in the kernel). */
    public static final int SEMVMX = 32767;

    private static final MethodHandle SEMGET = Libc.downcall("semget", FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT));
    private static final MethodHandle SEMTIMEDOP = Libc.downcall("semtimedop",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_SIZE_T, C_POINTER));
    private static final MethodHandle SEMTIMEDOP_PLAIN = Libc.plainDowncall("semtimedop",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_SIZE_T, C_POINTER));
    private static final MethodHandle SEMOP_NOWAIT = Libc.criticalDowncall("semop",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_SIZE_T));
    private static final MethodHandle SEMOP_NOWAIT_PLAIN = Libc.plainDowncall("semop",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_SIZE_T), Linker.Option.critical(false));
    private static final MethodHandle SEMCTL = Libc.downcall("semctl",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT), Linker.Option.firstVariadicArg(3));
    private static final MethodHandle SEMCTL_POINTER = Libc.downcall("semctl",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT, C_POINTER), Linker.Option.firstVariadicArg(3));
    private static final MethodHandle SEMCTL_INT = Libc.downcall("semctl",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT, C_LONG), Linker.Option.firstVariadicArg(3));

    /** {@code int semget(key_t key, int nsems, int semflg)}. */
    public static int semget(int key, int nsems, int flags) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) SEMGET.invokeExact(state, key, nsems, flags);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /**
     * {@code int semtimedop(int semid, struct sembuf *sops, size_t nsops, const struct timespec
     * *timeout)}: a relative timeout, {@link MemorySegment#NULL} for none (then it is semop). When
     * it expires: -EAGAIN, as for an operation with IPC_NOWAIT that cannot proceed.
     */
    public static int semtimedop(int semid, MemorySegment sops, long nsops, MemorySegment timeout) {
        return semtimedop(Libc.callState(), semid, sops, nsops, timeout);
    }

    /** The same with the thread's errno capture segment passed in; {@code null} makes the call without it, and a failure is then {@code -Errnos.UNCAPTURED}. */
    public static int semtimedop(MemorySegment state, int semid, MemorySegment sops, long nsops, MemorySegment timeout) {
        try {
            if (state == null) {
                int r = (int) SEMTIMEDOP_PLAIN.invokeExact(semid, sops, nsops, timeout);
                return r < 0 ? -Errnos.UNCAPTURED : r;
            }
            int r = (int) SEMTIMEDOP.invokeExact(state, semid, sops, nsops, timeout);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /**
     * {@code int semop(int semid, struct sembuf *sops, size_t nsops)} for operations that all
     * carry IPC_NOWAIT, and so never sleep (a critical downcall): -EAGAIN if they cannot proceed.
     */
    public static int semopNowait(int semid, MemorySegment sops, long nsops) {
        return semopNowait(Libc.callState(), semid, sops, nsops);
    }

    /** The same with the thread's errno capture segment passed in; {@code null} makes the call without it, and a failure is then {@code -Errnos.UNCAPTURED}. */
    public static int semopNowait(MemorySegment state, int semid, MemorySegment sops, long nsops) {
        try {
            if (state == null) {
                int r = (int) SEMOP_NOWAIT_PLAIN.invokeExact(semid, sops, nsops);
                return r < 0 ? -Errnos.UNCAPTURED : r;
            }
            int r = (int) SEMOP_NOWAIT.invokeExact(state, semid, sops, nsops);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int semctl(int semid, int semnum, int cmd)}: GETVAL, GETPID, GETNCNT, GETZCNT, IPC_RMID. */
    public static int semctl(int semid, int semnum, int cmd) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) SEMCTL.invokeExact(state, semid, semnum, cmd);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /**
     * {@code int semctl(int semid, int semnum, int cmd, union semun arg)} with a pointer: IPC_STAT
     * and IPC_SET ({@code struct semid_ds *}), GETALL and SETALL ({@code unsigned short *}).
     */
    public static int semctl(int semid, int semnum, int cmd, MemorySegment arg) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) SEMCTL_POINTER.invokeExact(state, semid, semnum, cmd, arg);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int semctl(int semid, int semnum, int cmd, union semun arg)} with an int: SETVAL. */
    public static int semctl(int semid, int semnum, int cmd, int val) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) SEMCTL_INT.invokeExact(state, semid, semnum, cmd, (long) val);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }
}
