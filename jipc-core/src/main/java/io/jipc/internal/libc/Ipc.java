package io.jipc.internal.libc;

import static io.jipc.internal.libc.Libc.C_INT;
import static io.jipc.internal.libc.Libc.C_LONG;
import static io.jipc.internal.libc.Libc.C_POINTER;
import static io.jipc.internal.libc.Libc.C_SHORT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** {@code <sys/ipc.h>}: System V keys and permissions. Raw results, {@code -errno} on failure. */
public final class Ipc {
    private Ipc() {}

    /**
     * {@code struct ipc_perm}, glibc's generic layout (x86_64 and aarch64 alike): {@code mode} is a
     * full {@code mode_t}, then {@code __seq}.
     */
    public static final Libc.CStruct IPC_PERM = Libc.struct("sys/ipc.h", "struct ipc_perm",
            C_INT.withName("__key"), C_INT.withName("uid"), C_INT.withName("gid"),
            C_INT.withName("cuid"), C_INT.withName("cgid"), C_INT.withName("mode"),
            C_SHORT.withName("__seq"), C_SHORT.withName("__pad2"), C_INT,
            C_LONG.withName("__glibc_reserved1"), C_LONG.withName("__glibc_reserved2"));
    public static final long PERM_KEY = IPC_PERM.offset("__key");
    public static final long PERM_UID = IPC_PERM.offset("uid");
    public static final long PERM_GID = IPC_PERM.offset("gid");
    public static final long PERM_CUID = IPC_PERM.offset("cuid");
    public static final long PERM_CGID = IPC_PERM.offset("cgid");
    public static final long PERM_MODE = IPC_PERM.offset("mode");

    public static final int IPC_PRIVATE = 0;
    public static final int IPC_CREAT = 01000;
    public static final int IPC_EXCL = 02000;
    public static final int IPC_NOWAIT = 04000;
    public static final int IPC_RMID = 0;
    public static final int IPC_SET = 1;
    public static final int IPC_STAT = 2;

    private static final MethodHandle FTOK = Libc.downcall("ftok", FunctionDescriptor.of(C_INT, C_POINTER, C_INT));

    /**
     * {@code key_t ftok(const char *pathname, int proj_id)}. Returns the key itself: every int is
     * a possible key (-1 included), so failure cannot be told from the result. Callers stat the
     * path first and report that error; ftok then only fails if the file vanished in between.
     */
    public static int ftok(MemorySegment path, int projectId) {
        MemorySegment state = Libc.callState();
        try {
            return (int) FTOK.invokeExact(state, path, projectId);
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }
}
