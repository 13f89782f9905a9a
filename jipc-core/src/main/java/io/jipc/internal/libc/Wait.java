package io.jipc.internal.libc;

import static io.jipc.internal.libc.Libc.C_INT;
import static io.jipc.internal.libc.Libc.C_POINTER;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** {@code <sys/wait.h>}: waitid and the {@code siginfo_t} it fills. Raw results, {@code -errno} on failure. */
public final class Wait {
    private Wait() {}

    /**
     * {@code siginfo_t} (128 bytes), with the members of the SIGCHLD variant a wait reads. The
     * union starts at 16 on 64-bit Linux (it holds pointers).
     */
    public static final Libc.CStruct SIGINFO = Libc.struct("signal.h", "siginfo_t",
            C_INT.withName("si_signo"), C_INT.withName("si_errno"), C_INT.withName("si_code"),
            MemoryLayout.paddingLayout(4),
            C_INT.withName("si_pid"), C_INT.withName("si_uid"), C_INT.withName("si_status"),
            MemoryLayout.paddingLayout(128 - 28));
    public static final long SIGINFO_SIZE = SIGINFO.layout().byteSize();
    public static final long SI_SIGNO = SIGINFO.offset("si_signo");
    public static final long SI_CODE = SIGINFO.offset("si_code");
    public static final long SI_PID = SIGINFO.offset("si_pid");
    public static final long SI_STATUS = SIGINFO.offset("si_status");

    /** {@code idtype_t}. */
    public static final int P_ALL = 0;
    public static final int P_PID = 1;
    public static final int P_PGID = 2;
    /** Linux 5.4+: the id is a pidfd. */
    public static final int P_PIDFD = 3;

    public static final int WNOHANG = 1;
    public static final int WSTOPPED = 2;
    public static final int WEXITED = 4;
    public static final int WCONTINUED = 8;
    public static final int WNOWAIT = 0x0100_0000;

    /** {@code si_code} values for SIGCHLD. */
    public static final int CLD_EXITED = 1;
    public static final int CLD_KILLED = 2;
    public static final int CLD_DUMPED = 3;
    public static final int CLD_TRAPPED = 4;
    public static final int CLD_STOPPED = 5;
    public static final int CLD_CONTINUED = 6;

    private static final MethodHandle WAITID = Libc.downcall("waitid",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_POINTER, C_INT));

    /**
     * {@code int waitid(idtype_t idtype, id_t id, siginfo_t *infop, int options)}. With WNOHANG
     * and no child ready it returns 0 and leaves {@code si_pid} 0 (the caller zeroes it first).
     */
    public static int waitid(int idType, int id, MemorySegment info, int options) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) WAITID.invokeExact(state, idType, id, info, options);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }
}
