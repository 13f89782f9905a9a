package io.jipc.internal.libc;

import static io.jipc.internal.libc.Libc.C_INT;
import static io.jipc.internal.libc.Libc.C_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * {@code <linux/membarrier.h>}: the membarrier system call, through {@code syscall(SYS_membarrier,
 * …)} (glibc has no wrapper). The global expedited commands make every running thread of the
 * processes that registered for them execute a full memory barrier before the call returns, so a
 * process that rarely needs a store-load fence (one about to sleep) pays for it instead of the
 * others on every store. Raw results, {@code -errno} on failure.
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/membarrier.2.html">membarrier(2)</a>
 */
public final class Membarrier {
    private Membarrier() {}

    /** SYS_membarrier: 324 on x86_64, 283 on aarch64 (the generic table). */
    public static final long SYS_membarrier = Libc.AARCH64 ? 283 : 324;
    public static final int MEMBARRIER_CMD_QUERY = 0;
    /** Linux 4.16+: a barrier on every running thread of every process registered for it. */
    public static final int MEMBARRIER_CMD_GLOBAL_EXPEDITED = 1 << 1;
    public static final int MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED = 1 << 2;

    // long syscall(long number, ...): int cmd, unsigned int flags, int cpu_id, all variadic.
    private static final MethodHandle MEMBARRIER = Libc.downcall("syscall",
            FunctionDescriptor.of(C_LONG, C_LONG, C_INT, C_INT, C_INT), Linker.Option.firstVariadicArg(1));

    /**
     * {@code membarrier(cmd, 0, 0)}: for {@link #MEMBARRIER_CMD_QUERY} the bit mask of the commands
     * this kernel supports, else 0; {@code -errno} on failure (ENOSYS: no membarrier, EINVAL: not
     * this command, EPERM: refused by a seccomp filter, ENOMEM).
     */
    public static int membarrier(int cmd) {
        MemorySegment state = Libc.callState();
        try {
            long r = (long) MEMBARRIER.invokeExact(state, SYS_membarrier, cmd, 0, 0);
            return r < 0 ? -Libc.errno(state) : (int) r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }
}
