package io.jipc.internal.libc;

import static io.jipc.internal.libc.Libc.C_INT;
import static io.jipc.internal.libc.Libc.C_LONG;
import static io.jipc.internal.libc.Libc.C_POINTER;

import java.lang.foreign.FunctionDescriptor;
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

    /** Writes an absolute time {@code nanos} (in the clock's own epoch) into a timespec. */
    public static void setTimespec(MemorySegment timespec, long nanos) {
        timespec.set(C_LONG, TV_SEC, nanos / 1_000_000_000L);
        timespec.set(C_LONG, TV_NSEC, nanos % 1_000_000_000L);
    }
}
