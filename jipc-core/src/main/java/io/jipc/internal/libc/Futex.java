package io.jipc.internal.libc;

import static io.jipc.internal.libc.Libc.C_INT;
import static io.jipc.internal.libc.Libc.C_LONG;
import static io.jipc.internal.libc.Libc.C_POINTER;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * {@code <linux/futex.h>}: the futex wait, through {@code syscall(2)} (glibc has no wrapper).
 * Shared futexes only (no FUTEX_PRIVATE_FLAG): the words jipc waits on live in memory shared
 * between processes, and a private wait would never see another process's wake.
 */
public final class Futex {
    private Futex() {}

    public static final long SYS_futex = Libc.AARCH64 ? 98 : 202;
    public static final int FUTEX_WAIT_BITSET = 9;
    public static final int FUTEX_WAKE = 1;
    public static final int FUTEX_BITSET_MATCH_ANY = -1;

    // long syscall(long number, ...): the arguments after the number go through the variadic ABI.
    private static final MethodHandle SYSCALL = Libc.downcall("syscall",
            FunctionDescriptor.of(C_LONG, C_LONG, C_POINTER, C_INT, C_INT, C_POINTER, C_POINTER, C_INT),
            Linker.Option.firstVariadicArg(1));

    private static final MethodHandle SYSCALL_WAKE = Libc.downcall("syscall",
            FunctionDescriptor.of(C_LONG, C_LONG, C_POINTER, C_INT, C_INT), Linker.Option.firstVariadicArg(1));

    /** {@code FUTEX_WAKE}: wakes up to {@code count} waiters on {@code word}; the number woken. Never sleeps. */
    public static int wake(MemorySegment word, int count) {
        MemorySegment state = Libc.callState();
        try {
            long r = (long) SYSCALL_WAKE.invokeExact(state, SYS_futex, word, FUTEX_WAKE, count);
            return r < 0 ? -Libc.errno(state) : (int) r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /**
     * {@code FUTEX_WAIT_BITSET} on {@code word} while it holds {@code expected}, until woken or the
     * absolute CLOCK_MONOTONIC time {@code absTimeout} (NULL: no limit): 0 when woken (perhaps
     * spuriously), -EAGAIN if the word did not hold {@code expected}, -EINTR for a signal,
     * -ETIMEDOUT.
     */
    public static int waitBitset(MemorySegment word, int expected, MemorySegment absTimeout) {
        MemorySegment state = Libc.callState();
        try {
            long r = (long) SYSCALL.invokeExact(state, SYS_futex, word, FUTEX_WAIT_BITSET, expected, absTimeout,
                    MemorySegment.NULL, FUTEX_BITSET_MATCH_ANY);
            return r < 0 ? -Libc.errno(state) : (int) r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }
}
