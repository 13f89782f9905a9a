package io.jipc.internal.libc;

import static io.jipc.internal.libc.Libc.C_INT;
import static io.jipc.internal.libc.Libc.C_LONG;
import static io.jipc.internal.libc.Libc.C_POINTER;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * {@code <sys/pidfd.h>}: pidfd_open and pidfd_send_signal. glibc 2.36 has wrappers; on an older
 * glibc the calls go through {@code syscall(2)} with their numbers, which are the same on every
 * architecture (they were added after the syscall tables were unified). Raw results, {@code
 * -errno} on failure.
 */
public final class Pidfd {
    private Pidfd() {}

    public static final long SYS_pidfd_send_signal = 424;
    public static final long SYS_pidfd_open = 434;
    /** Linux 5.10+: a non-blocking pidfd (waitid on it says EAGAIN instead of sleeping). */
    public static final int PIDFD_NONBLOCK = Fcntl.O_NONBLOCK;

    private static final boolean WRAPPERS = Libc.has("pidfd_open") && Libc.has("pidfd_send_signal");

    private static final MethodHandle PIDFD_OPEN = WRAPPERS
            ? Libc.downcall("pidfd_open", FunctionDescriptor.of(C_INT, C_INT, C_INT))
            : null;
    private static final MethodHandle PIDFD_SEND_SIGNAL = WRAPPERS
            ? Libc.downcall("pidfd_send_signal", FunctionDescriptor.of(C_INT, C_INT, C_INT, C_POINTER, C_INT))
            : null;
    // long syscall(long number, ...): the arguments after the number go through the variadic ABI.
    private static final MethodHandle SYSCALL_OPEN = Libc.downcall("syscall",
            FunctionDescriptor.of(C_LONG, C_LONG, C_INT, C_INT), Linker.Option.firstVariadicArg(1));
    private static final MethodHandle SYSCALL_SEND_SIGNAL = Libc.downcall("syscall",
            FunctionDescriptor.of(C_LONG, C_LONG, C_INT, C_INT, C_POINTER, C_INT), Linker.Option.firstVariadicArg(1));

    /** {@code int pidfd_open(pid_t pid, unsigned int flags)}: the new pidfd is always close-on-exec. */
    public static int pidfd_open(int pid, int flags) {
        MemorySegment state = Libc.callState();
        try {
            int r = WRAPPERS
                    ? (int) PIDFD_OPEN.invokeExact(state, pid, flags)
                    : (int) (long) SYSCALL_OPEN.invokeExact(state, SYS_pidfd_open, pid, flags);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int pidfd_send_signal(int pidfd, int sig, siginfo_t *info, unsigned int flags)}. */
    public static int pidfd_send_signal(int pidfd, int signal, MemorySegment info, int flags) {
        MemorySegment state = Libc.callState();
        try {
            int r = WRAPPERS
                    ? (int) PIDFD_SEND_SIGNAL.invokeExact(state, pidfd, signal, info, flags)
                    : (int) (long) SYSCALL_SEND_SIGNAL.invokeExact(state, SYS_pidfd_send_signal, pidfd, signal, info, flags);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** Whether this glibc has the wrappers (2.36+); otherwise {@code syscall(2)} is used. */
    public static boolean hasWrappers() {
        return WRAPPERS;
    }
}
