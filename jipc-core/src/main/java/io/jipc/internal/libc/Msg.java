package io.jipc.internal.libc;

import static io.jipc.internal.libc.Libc.C_INT;
import static io.jipc.internal.libc.Libc.C_LONG;
import static io.jipc.internal.libc.Libc.C_POINTER;
import static io.jipc.internal.libc.Libc.C_SIZE_T;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * {@code <sys/msg.h>}: System V message queues. Raw results, {@code -errno} on failure.
 *
 * <p>msgsnd and msgrcv may sleep in the kernel (when called without IPC_NOWAIT) and have no
 * timeout: they are normal downcalls, and jipc gets a sleeping thread out of them with {@code
 * io.jipc.internal.wait.Waiter}.
 */
public final class Msg {
    private Msg() {}

    /** {@code struct msqid_ds}, glibc's generic 64-bit layout. */
    public static final Libc.CStruct MSQID_DS = Libc.struct("sys/msg.h", "struct msqid_ds",
            Ipc.IPC_PERM.layout().withName("msg_perm"),
            C_LONG.withName("msg_stime"), C_LONG.withName("msg_rtime"), C_LONG.withName("msg_ctime"),
            C_LONG.withName("msg_cbytes"), C_LONG.withName("msg_qnum"), C_LONG.withName("msg_qbytes"),
            C_INT.withName("msg_lspid"), C_INT.withName("msg_lrpid"),
            C_LONG.withName("__glibc_reserved4"), C_LONG.withName("__glibc_reserved5"));
    public static final long MSQID_DS_SIZE = MSQID_DS.layout().byteSize();
    public static final long MSG_PERM = MSQID_DS.offset("msg_perm");
    public static final long MSG_STIME = MSQID_DS.offset("msg_stime");
    public static final long MSG_RTIME = MSQID_DS.offset("msg_rtime");
    public static final long MSG_CTIME = MSQID_DS.offset("msg_ctime");
    public static final long MSG_CBYTES = MSQID_DS.offset("msg_cbytes");
    public static final long MSG_QNUM = MSQID_DS.offset("msg_qnum");
    public static final long MSG_QBYTES = MSQID_DS.offset("msg_qbytes");
    public static final long MSG_LSPID = MSQID_DS.offset("msg_lspid");
    public static final long MSG_LRPID = MSQID_DS.offset("msg_lrpid");

    /** A message buffer starts with {@code long mtype}; the text follows at this offset. */
    public static final long MTEXT = 8;

    public static final int MSG_NOERROR = 010000;
    public static final int MSG_EXCEPT = 020000;

    private static final MethodHandle MSGGET = Libc.downcall("msgget", FunctionDescriptor.of(C_INT, C_INT, C_INT));
    private static final MethodHandle MSGSND = Libc.downcall("msgsnd",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_SIZE_T, C_INT));
    private static final MethodHandle MSGSND_PLAIN = Libc.plainDowncall("msgsnd",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_SIZE_T, C_INT));
    private static final MethodHandle MSGRCV = Libc.downcall("msgrcv",
            FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_SIZE_T, C_LONG, C_INT));
    private static final MethodHandle MSGRCV_PLAIN = Libc.plainDowncall("msgrcv",
            FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_SIZE_T, C_LONG, C_INT));
    private static final MethodHandle MSGCTL = Libc.downcall("msgctl", FunctionDescriptor.of(C_INT, C_INT, C_INT, C_POINTER));

    /** {@code int msgget(key_t key, int msgflg)}. */
    public static int msgget(int key, int flags) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) MSGGET.invokeExact(state, key, flags);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int msgsnd(int msqid, const void *msgp, size_t msgsz, int msgflg)}; msgsz counts the text only. */
    public static int msgsnd(int msqid, MemorySegment msgp, long textSize, int flags) {
        return msgsnd(Libc.callState(), msqid, msgp, textSize, flags);
    }

    /** The same with the thread's errno capture segment passed in; {@code null} makes the call without it, and a failure is then {@code -Errnos.UNCAPTURED}. */
    public static int msgsnd(MemorySegment state, int msqid, MemorySegment msgp, long textSize, int flags) {
        try {
            if (state == null) {
                int r = (int) MSGSND_PLAIN.invokeExact(msqid, msgp, textSize, flags);
                return r < 0 ? -Errnos.UNCAPTURED : r;
            }
            int r = (int) MSGSND.invokeExact(state, msqid, msgp, textSize, flags);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code ssize_t msgrcv(int msqid, void *msgp, size_t msgsz, long msgtyp, int msgflg)}. */
    public static long msgrcv(int msqid, MemorySegment msgp, long textSize, long type, int flags) {
        return msgrcv(Libc.callState(), msqid, msgp, textSize, type, flags);
    }

    /** The same with the thread's errno capture segment passed in; {@code null} makes the call without it, and a failure is then {@code -Errnos.UNCAPTURED}. */
    public static long msgrcv(MemorySegment state, int msqid, MemorySegment msgp, long textSize, long type, int flags) {
        try {
            if (state == null) {
                long r = (long) MSGRCV_PLAIN.invokeExact(msqid, msgp, textSize, type, flags);
                return r < 0 ? -Errnos.UNCAPTURED : r;
            }
            long r = (long) MSGRCV.invokeExact(state, msqid, msgp, textSize, type, flags);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int msgctl(int msqid, int cmd, struct msqid_ds *buf)}. */
    public static int msgctl(int msqid, int cmd, MemorySegment buf) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) MSGCTL.invokeExact(state, msqid, cmd, buf);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }
}
