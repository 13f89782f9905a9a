package io.jipc.internal.libc;

import static io.jipc.internal.libc.Libc.C_INT;
import static io.jipc.internal.libc.Libc.C_LONG;
import static io.jipc.internal.libc.Libc.C_POINTER;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** {@code <time.h>}: struct timespec and the clocks. Raw results, {@code -errno} on failure. */
public final class Time {
    private Time() {}

    /** {@code struct timespec { time_t tv_sec; long tv_nsec; }}. */
    public static final Libc.CStruct TIMESPEC = Libc.struct("time.h", "struct timespec",
            C_LONG.withName("tv_sec"), C_LONG.withName("tv_nsec"));
    public static final long TIMESPEC_SIZE = TIMESPEC.layout().byteSize();
    public static final long TV_SEC = TIMESPEC.offset("tv_sec");
    public static final long TV_NSEC = TIMESPEC.offset("tv_nsec");

    public static final int CLOCK_REALTIME = 0;
    public static final int CLOCK_MONOTONIC = 1;

    private static final MethodHandle CLOCK_GETTIME = Libc.criticalDowncall("clock_gettime",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER));

    /** {@code int clock_gettime(clockid_t clockid, struct timespec *tp)}. */
    public static int clock_gettime(int clock, MemorySegment timespec) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) CLOCK_GETTIME.invokeExact(state, clock, timespec);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    private static final MethodHandle CLOCK_NANOSLEEP = Libc.plainDowncall("clock_nanosleep",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_POINTER, C_POINTER));

    /**
     * {@code int clock_nanosleep(clockid_t clockid, int flags, const struct timespec *request,
     * struct timespec *remain)}: returns 0 or {@code -error} (it returns the error, and sets no
     * errno). Sleeps; may be woken by a signal (EINTR).
     */
    public static int clock_nanosleep(int clock, int flags, MemorySegment request, MemorySegment remain) {
        try {
            return -(int) CLOCK_NANOSLEEP.invokeExact(clock, flags, request, remain);
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** Writes an absolute time {@code nanos} (in the clock's own epoch) into a timespec. */
    public static void setTimespec(MemorySegment timespec, long nanos) {
        timespec.set(C_LONG, TV_SEC, nanos / 1_000_000_000L);
        timespec.set(C_LONG, TV_NSEC, nanos % 1_000_000_000L);
    }

    // ---------------------------------------------------------------- POSIX per-process timers

    /** {@code struct itimerspec { struct timespec it_interval; struct timespec it_value; }}. */
    public static final Libc.CStruct ITIMERSPEC = Libc.struct("time.h", "struct itimerspec",
            TIMESPEC.layout().withName("it_interval"), TIMESPEC.layout().withName("it_value"));
    public static final long ITIMERSPEC_SIZE = ITIMERSPEC.layout().byteSize();
    public static final long IT_INTERVAL = ITIMERSPEC.offset("it_interval");
    public static final long IT_VALUE = ITIMERSPEC.offset("it_value");

    public static final int TIMER_ABSTIME = 1;

    private static final MethodHandle TIMER_CREATE = Libc.downcall("timer_create",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_POINTER));
    // timer_settime and timer_delete never sleep. timer_settime captures no errno: the linker
    // slices the capture segment on every call, which the compiler does not always remove, and it
    // runs twice per timed kernel wait, which must allocate nothing.
    private static final MethodHandle TIMER_SETTIME = Libc.plainDowncall("timer_settime",
            FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_POINTER, C_POINTER), Linker.Option.critical(false));
    private static final MethodHandle TIMER_DELETE = Libc.criticalDowncall("timer_delete",
            FunctionDescriptor.of(C_INT, C_POINTER));

    /**
     * {@code int timer_create(clockid_t clockid, struct sigevent *sevp, timer_t *timerid)}; the
     * new {@code timer_t} (a pointer-sized handle) is stored at {@code timerId}.
     */
    public static int timer_create(int clock, MemorySegment sigevent, MemorySegment timerId) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) TIMER_CREATE.invokeExact(state, clock, sigevent, timerId);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /**
     * {@code int timer_settime(timer_t timerid, int flags, const struct itimerspec *new_value,
     * struct itimerspec *old_value)}; {@code oldValue} may be {@link MemorySegment#NULL}. Returns
     * 0, or {@code -EINVAL}, its one failure with segments the linker has checked (a bad timer or
     * time); errno is not read.
     */
    public static int timer_settime(MemorySegment timer, int flags, MemorySegment newValue, MemorySegment oldValue) {
        try {
            int r = (int) TIMER_SETTIME.invokeExact(timer, flags, newValue, oldValue);
            return r < 0 ? -Errnos.EINVAL : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int timer_delete(timer_t timerid)}. */
    public static int timer_delete(MemorySegment timer) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) TIMER_DELETE.invokeExact(state, timer);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }
}
