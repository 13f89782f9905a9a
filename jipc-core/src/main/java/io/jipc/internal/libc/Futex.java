package io.jipc.internal.libc;

import static io.jipc.internal.libc.Libc.C_INT;
import static io.jipc.internal.libc.Libc.C_LONG;
import static io.jipc.internal.libc.Libc.C_POINTER;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * {@code <linux/futex.h>}: the futex system call, through {@code syscall(SYS_futex, …)} (glibc has
 * no wrapper). Only the shared forms: the words live in memory shared between processes, so no
 * {@code FUTEX_PRIVATE_FLAG}. Raw results, {@code -errno} on failure.
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/futex.2.html">futex(2)</a>
 */
public final class Futex {
    private Futex() {}

    /** SYS_futex: 202 on x86_64, 98 on aarch64 (the generic table). */
    public static final long SYS_futex = Libc.AARCH64 ? 98 : 202;
    public static final int FUTEX_WAIT = 0;
    public static final int FUTEX_WAKE = 1;
    public static final int FUTEX_WAIT_BITSET = 9;
    public static final int FUTEX_BITSET_MATCH_ANY = -1;

    // long syscall(long number, ...): everything after the number is variadic.
    private static final MethodHandle WAIT = Libc.downcall("syscall",
            FunctionDescriptor.of(C_LONG, C_LONG, C_POINTER, C_INT, C_INT, C_POINTER, C_POINTER, C_INT),
            Linker.Option.firstVariadicArg(1));
    // FUTEX_WAKE never sleeps: a critical call.
    private static final MethodHandle WAKE = Libc.LINKER.downcallHandle(Libc.symbol("syscall"),
            FunctionDescriptor.of(C_LONG, C_LONG, C_POINTER, C_INT, C_INT, C_POINTER, C_POINTER, C_INT),
            Linker.Option.firstVariadicArg(1), Linker.Option.critical(false));

    // The same, with the word's address as a plain long: a shared mutex's unlock has no segment.
    private static final MethodHandle WAKE_AT = Libc.LINKER.downcallHandle(Libc.symbol("syscall"),
            FunctionDescriptor.of(C_LONG, C_LONG, C_LONG, C_INT, C_INT, C_POINTER, C_POINTER, C_INT),
            Linker.Option.firstVariadicArg(1), Linker.Option.critical(false));

    /**
     * {@code futex(word, FUTEX_WAIT, expected, timeout, NULL, 0)}: sleeps while the int at the
     * start of {@code word} is {@code expected}, at most the relative {@code timeout} (NULL: no
     * limit). Returns 0 when woken, {@code -EAGAIN} if the word did not hold {@code expected},
     * {@code -EINTR}, {@code -ETIMEDOUT}.
     */
    public static int wait(MemorySegment word, int expected, MemorySegment timeout) {
        MemorySegment state = Libc.callState();
        try {
            long r = (long) WAIT.invokeExact(state, SYS_futex, word, FUTEX_WAIT, expected, timeout,
                    MemorySegment.NULL, 0);
            return r < 0 ? -Libc.errno(state) : (int) r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /**
     * {@code futex(word, FUTEX_WAIT_BITSET, expected, absTimeout, NULL, MATCH_ANY)}: as {@link
     * #wait}, but until the absolute CLOCK_MONOTONIC time {@code absTimeout} (NULL: no limit) — the
     * form for a deadline that must not stretch when the call restarts.
     */
    public static int waitBitset(MemorySegment word, int expected, MemorySegment absTimeout) {
        MemorySegment state = Libc.callState();
        try {
            long r = (long) WAIT.invokeExact(state, SYS_futex, word, FUTEX_WAIT_BITSET, expected, absTimeout,
                    MemorySegment.NULL, FUTEX_BITSET_MATCH_ANY);
            return r < 0 ? -Libc.errno(state) : (int) r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /**
     * {@code futex(word, FUTEX_WAKE, count, NULL, NULL, 0)}: wakes up to {@code count} waiters;
     * returns how many were woken, or -1 (a critical call captures no errno: the only failures
     * are a bad address or operation, bugs of the caller). Never sleeps.
     */
    public static int wake(MemorySegment word, int count) {
        try {
            return (int) (long) WAKE.invokeExact(SYS_futex, word, FUTEX_WAKE, count, MemorySegment.NULL,
                    MemorySegment.NULL, 0);
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@link #wake} on the word at the bare address {@code word}. */
    public static int wakeAt(long word, int count) {
        try {
            return (int) (long) WAKE_AT.invokeExact(SYS_futex, word, FUTEX_WAKE, count, MemorySegment.NULL,
                    MemorySegment.NULL, 0);
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }
}
