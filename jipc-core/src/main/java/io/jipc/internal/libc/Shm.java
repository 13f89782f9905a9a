package io.jipc.internal.libc;

import static io.jipc.internal.libc.Libc.C_INT;
import static io.jipc.internal.libc.Libc.C_LONG;
import static io.jipc.internal.libc.Libc.C_POINTER;
import static io.jipc.internal.libc.Libc.C_SIZE_T;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * {@code <sys/shm.h>}: System V shared memory. Raw results, {@code -errno} on failure; attach
 * addresses as {@code long}s, as {@link Mman} passes mapping addresses.
 */
public final class Shm {
    private Shm() {}

    /** {@code struct shmid_ds}, glibc's generic 64-bit layout. */
    public static final Libc.CStruct SHMID_DS = Libc.struct("sys/shm.h", "struct shmid_ds",
            Ipc.IPC_PERM.layout().withName("shm_perm"),
            C_SIZE_T.withName("shm_segsz"),
            C_LONG.withName("shm_atime"), C_LONG.withName("shm_dtime"), C_LONG.withName("shm_ctime"),
            C_INT.withName("shm_cpid"), C_INT.withName("shm_lpid"),
            C_LONG.withName("shm_nattch"),
            C_LONG.withName("__glibc_reserved5"), C_LONG.withName("__glibc_reserved6"));
    public static final long SHMID_DS_SIZE = SHMID_DS.layout().byteSize();
    public static final long SHM_PERM = SHMID_DS.offset("shm_perm");
    public static final long SHM_SEGSZ = SHMID_DS.offset("shm_segsz");
    public static final long SHM_ATIME = SHMID_DS.offset("shm_atime");
    public static final long SHM_DTIME = SHMID_DS.offset("shm_dtime");
    public static final long SHM_CTIME = SHMID_DS.offset("shm_ctime");
    public static final long SHM_CPID = SHMID_DS.offset("shm_cpid");
    public static final long SHM_LPID = SHMID_DS.offset("shm_lpid");
    public static final long SHM_NATTCH = SHMID_DS.offset("shm_nattch");

    /** shmat: attach read-only. */
    public static final int SHM_RDONLY = 010000;
    /** shmget: back the segment with huge pages. */
    public static final int SHM_HUGETLB = 04000;
    /** In {@code shm_perm.mode}: marked for removal (IPC_RMID), destroyed when the last process detaches. */
    public static final int SHM_DEST = 01000;
    /** In {@code shm_perm.mode}: locked in memory (SHM_LOCK). */
    public static final int SHM_LOCKED = 02000;

    private static final MethodHandle SHMGET = Libc.downcall("shmget", FunctionDescriptor.of(C_INT, C_INT, C_SIZE_T, C_INT));
    private static final MethodHandle SHMAT = Libc.downcall("shmat", FunctionDescriptor.of(C_LONG, C_INT, C_LONG, C_INT));
    private static final MethodHandle SHMDT = Libc.downcall("shmdt", FunctionDescriptor.of(C_INT, C_LONG));
    private static final MethodHandle SHMCTL = Libc.downcall("shmctl", FunctionDescriptor.of(C_INT, C_INT, C_INT, C_POINTER));

    /** {@code int shmget(key_t key, size_t size, int shmflg)}. */
    public static int shmget(int key, long size, int flags) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) SHMGET.invokeExact(state, key, size, flags);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code void *shmat(int shmid, const void *shmaddr, int shmflg)} with shmaddr NULL: the address, or {@code -errno}. */
    public static long shmat(int shmid, int flags) {
        MemorySegment state = Libc.callState();
        try {
            long r = (long) SHMAT.invokeExact(state, shmid, 0L, flags);
            return r == -1 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int shmdt(const void *shmaddr)}. */
    public static int shmdt(long address) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) SHMDT.invokeExact(state, address);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int shmctl(int shmid, int cmd, struct shmid_ds *buf)}. */
    public static int shmctl(int shmid, int cmd, MemorySegment buf) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) SHMCTL.invokeExact(state, shmid, cmd, buf);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }
}
