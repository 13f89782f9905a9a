package io.jipc.internal.libc;

import static io.jipc.internal.libc.Libc.C_INT;
import static io.jipc.internal.libc.Libc.C_LONG;
import static io.jipc.internal.libc.Libc.C_POINTER;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * {@code <sys/signalfd.h>}: signalfd and the {@code struct signalfd_siginfo} a read returns. Raw
 * results, {@code -errno} on failure.
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/signalfd.2.html">signalfd(2)</a>
 */
public final class Signalfd {
    private Signalfd() {}

    public static final int SFD_CLOEXEC = Fcntl.O_CLOEXEC;
    public static final int SFD_NONBLOCK = Fcntl.O_NONBLOCK;

    /** {@code struct signalfd_siginfo} (128 bytes): the members jipc reads, then the rest as padding. */
    public static final Libc.CStruct SIGNALFD_SIGINFO = Libc.struct("sys/signalfd.h", "struct signalfd_siginfo",
            C_INT.withName("ssi_signo"), C_INT.withName("ssi_errno"), C_INT.withName("ssi_code"),
            C_INT.withName("ssi_pid"), C_INT.withName("ssi_uid"), C_INT.withName("ssi_fd"),
            C_INT.withName("ssi_tid"), C_INT.withName("ssi_band"), C_INT.withName("ssi_overrun"),
            C_INT.withName("ssi_trapno"), C_INT.withName("ssi_status"), C_INT.withName("ssi_int"),
            C_LONG.withName("ssi_ptr"), MemoryLayout.paddingLayout(128 - 56));
    public static final long SIZE = SIGNALFD_SIGINFO.layout().byteSize();
    public static final long SSI_SIGNO = SIGNALFD_SIGINFO.offset("ssi_signo");
    public static final long SSI_CODE = SIGNALFD_SIGINFO.offset("ssi_code");
    public static final long SSI_PID = SIGNALFD_SIGINFO.offset("ssi_pid");
    public static final long SSI_UID = SIGNALFD_SIGINFO.offset("ssi_uid");
    public static final long SSI_STATUS = SIGNALFD_SIGINFO.offset("ssi_status");
    public static final long SSI_INT = SIGNALFD_SIGINFO.offset("ssi_int");

    private static final MethodHandle SIGNALFD = Libc.downcall("signalfd",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT));

    /**
     * {@code int signalfd(int fd, const sigset_t *mask, int flags)}: a new descriptor when {@code
     * fd} is -1, else {@code fd} with its mask replaced (flags are then ignored).
     */
    public static int signalfd(int fd, MemorySegment mask, int flags) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) SIGNALFD.invokeExact(state, fd, mask, flags);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }
}
