package io.jipc.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.BitSet;
import java.util.Optional;

/**
 * The scheduler and clock calls the harness makes for itself, the same ones {@code bench.h} makes
 * in C: the CPU the calling thread runs on, pinning the calling thread to a CPU, and the process's
 * CPU time. jipc has no API for these (an IPC library needs none), so the harness binds them here
 * through FFM; this needs native access for the harness's code ({@code ./jipc} and the peer JVMs
 * grant it). Without it, {@link #available()} is false and nothing here touches the linker, so no
 * warning is printed: CPU figures are then unknown and only free placement is possible.
 */
final class Sched {
    private Sched() {}

    /** cpu_set_t of glibc: 1024 CPUs. */
    private static final int CPU_SET_BYTES = 128;
    private static final int CLOCK_PROCESS_CPUTIME_ID = 2;
    /** Offset of cpu_id in struct rseq (linux/rseq.h): after u32 cpu_id_start. */
    private static final long RSEQ_CPU_ID = 4;
    private static final VarHandle INT_OPAQUE = ValueLayout.JAVA_INT.varHandle();

    private static final MethodHandle CLOCK_GETTIME;
    private static final MethodHandle SCHED_GETCPU;
    private static final MethodHandle SCHED_GETAFFINITY;
    private static final MethodHandle SCHED_SETAFFINITY;
    private static final MethodHandle PTHREAD_SELF;
    /** glibc's __rseq_offset (thread pointer to the thread's struct rseq), or -1 when there is no area to read. */
    private static final long RSEQ_OFFSET;

    static {
        MethodHandle clock = null;
        MethodHandle getcpu = null;
        MethodHandle getaff = null;
        MethodHandle setaff = null;
        MethodHandle self = null;
        long rseqOffset = -1;
        if (Sched.class.getModule().isNativeAccessEnabled()) {
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                Linker.Option critical = Linker.Option.critical(false);
                clock = linker.downcallHandle(libc.find("clock_gettime").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS), critical);
                getcpu = linker.downcallHandle(libc.find("sched_getcpu").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT), critical);
                getaff = linker.downcallHandle(libc.find("sched_getaffinity").orElseThrow(), FunctionDescriptor.of(
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
                setaff = linker.downcallHandle(libc.find("sched_setaffinity").orElseThrow(), FunctionDescriptor.of(
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
                self = linker.downcallHandle(libc.find("pthread_self").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_LONG), critical);
                rseqOffset = rseqOffset(libc);
            } catch (RuntimeException e) {
                clock = null;
            }
        }
        CLOCK_GETTIME = clock;
        SCHED_GETCPU = getcpu;
        SCHED_GETAFFINITY = getaff;
        SCHED_SETAFFINITY = setaff;
        PTHREAD_SELF = self;
        RSEQ_OFFSET = rseqOffset;
    }

    /**
     * Where the calling thread's struct rseq lies relative to its thread pointer, when glibc
     * registered one (2.35+; {@code __rseq_size} is 0 when it did not) and the thread pointer is
     * what pthread_self returns (x86_64; on other architectures it is not, and sched_getcpu is called
     * instead, which reads the same field).
     */
    private static long rseqOffset(SymbolLookup libc) {
        if (!"amd64".equals(System.getProperty("os.arch")) && !"x86_64".equals(System.getProperty("os.arch"))) {
            return -1;
        }
        Optional<MemorySegment> offset = libc.find("__rseq_offset");
        Optional<MemorySegment> size = libc.find("__rseq_size");
        if (offset.isEmpty() || size.isEmpty()) {
            return -1;
        }
        if (size.get().reinterpret(4).get(ValueLayout.JAVA_INT, 0) == 0) {
            return -1;
        }
        return offset.get().reinterpret(8).get(ValueLayout.JAVA_LONG, 0);
    }

    /** Whether the calls are bound: CPU figures can be measured and threads pinned. */
    static boolean available() {
        return CLOCK_GETTIME != null;
    }

    /** The CPUs the calling thread may run on (sched_getaffinity); empty when unknown. */
    static BitSet affinity() {
        if (!available()) {
            return new BitSet();
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment set = arena.allocate(CPU_SET_BYTES, 8);
            int rc = (int) SCHED_GETAFFINITY.invokeExact(0, (long) CPU_SET_BYTES, set);
            if (rc != 0) {
                return new BitSet();
            }
            return BitSet.valueOf(set.toArray(ValueLayout.JAVA_LONG));
        } catch (Throwable t) {
            throw new IllegalStateException("sched_getaffinity", t);
        }
    }

    /**
     * Lets the calling thread (only it: a JVM's other threads keep their CPUs) run on {@code cpus}
     * alone (sched_setaffinity).
     *
     * @throws IllegalStateException when the kernel refuses (a CPU this process may not use)
     */
    static void setAffinity(BitSet cpus) {
        if (!available()) {
            throw new IllegalStateException("placing threads on CPUs needs native access for the bench harness");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment set = arena.allocate(CPU_SET_BYTES, 8);
            long[] words = cpus.toLongArray();
            if (words.length * 8L > CPU_SET_BYTES) {
                throw new IllegalArgumentException("CPU number too large: " + cpus);
            }
            MemorySegment.copy(words, 0, set, ValueLayout.JAVA_LONG, 0, words.length);
            int rc = (int) SCHED_SETAFFINITY.invokeExact(0, (long) CPU_SET_BYTES, set);
            if (rc != 0) {
                throw new IllegalStateException("sched_setaffinity(" + cpus + ") failed");
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("sched_setaffinity", t);
        }
    }

    /** Pins the calling thread to {@code cpu}; a negative {@code cpu} lets it run on {@code free} again. */
    static void place(int cpu, BitSet free) {
        if (cpu >= 0) {
            BitSet one = new BitSet();
            one.set(cpu);
            setAffinity(one);
        } else if (!free.isEmpty()) {
            setAffinity(free);
        }
    }

    /** A timespec for {@link #threadCpuNanos}, per thread. */
    private static final ThreadLocal<MemorySegment> TIMESPEC = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(16, 8));

    /**
     * The CPU time so far of thread {@code tid} of this process, ns, read with clock_gettime on the
     * thread's CPU-time clock ({@code MAKE_THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED)}, the clock id
     * glibc's pthread_getcpuclockid makes); -1 when the thread has exited or the call is not bound.
     */
    static long threadCpuNanos(int tid) {
        if (!available()) {
            return -1;
        }
        int clockId = (~tid << 3) | 6;
        MemorySegment ts = TIMESPEC.get();
        try {
            if ((int) CLOCK_GETTIME.invokeExact(clockId, ts) != 0) {
                return -1;
            }
        } catch (Throwable t) {
            throw new IllegalStateException("clock_gettime", t);
        }
        return ts.get(ValueLayout.JAVA_LONG, 0) * 1_000_000_000L + ts.get(ValueLayout.JAVA_LONG, 8);
    }

    /** A probe for the calling thread: use it on that thread only. */
    static Probe probe() {
        return new Probe();
    }

    /**
     * The calling thread's view: the CPU it is on, and its process's CPU time. Made on the thread
     * that uses it (the rseq area is per thread); reading the CPU costs a load from that area, as
     * glibc's sched_getcpu does in C, so a read per message does not disturb the measurement.
     */
    static final class Probe {
        private final MemorySegment rseq;
        private final MemorySegment timespec;
        private final boolean available;

        private Probe() {
            available = Sched.available();
            timespec = available ? Arena.ofAuto().allocate(16, 8) : MemorySegment.NULL;
            rseq = available && RSEQ_OFFSET >= 0 ? rseqArea() : null;
        }

        /** This thread's struct rseq, if reading it gives what sched_getcpu says. */
        private static MemorySegment rseqArea() {
            try {
                long tp = (long) PTHREAD_SELF.invokeExact();
                MemorySegment area = MemorySegment.ofAddress(tp + RSEQ_OFFSET).reinterpret(32);
                for (int attempt = 0; attempt < 3; attempt++) {
                    int fromArea = (int) INT_OPAQUE.getOpaque(area, RSEQ_CPU_ID);
                    int fromCall = (int) SCHED_GETCPU.invokeExact();
                    if (fromArea == fromCall && fromArea >= 0) {
                        return area;
                    }
                }
                return null;
            } catch (Throwable t) {
                return null;
            }
        }

        /** Whether {@link #cpu()} and {@link #processCpuNanos()} measure anything. */
        boolean available() {
            return available;
        }

        /** The CPU the calling thread runs on, or -1 when unknown. */
        int cpu() {
            if (rseq != null) {
                return (int) INT_OPAQUE.getOpaque(rseq, RSEQ_CPU_ID);
            }
            if (!available) {
                return -1;
            }
            try {
                return (int) SCHED_GETCPU.invokeExact();
            } catch (Throwable t) {
                throw new IllegalStateException("sched_getcpu", t);
            }
        }

        /** CPU time of the whole process, every thread (CLOCK_PROCESS_CPUTIME_ID), in ns; -1 when unknown. */
        long processCpuNanos() {
            if (!available) {
                return -1;
            }
            try {
                int rc = (int) CLOCK_GETTIME.invokeExact(CLOCK_PROCESS_CPUTIME_ID, timespec);
                if (rc != 0) {
                    return -1;
                }
            } catch (Throwable t) {
                throw new IllegalStateException("clock_gettime", t);
            }
            return timespec.get(ValueLayout.JAVA_LONG, 0) * 1_000_000_000L + timespec.get(ValueLayout.JAVA_LONG, 8);
        }
    }
}
