package io.jipc.bench.jmh;

import io.jipc.internal.libc.Fcntl;
import io.jipc.internal.libc.Libc;
import io.jipc.internal.libc.Unistd;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The bare cost of a jipc downcall: {@code getppid(2)}, and {@code write(2)} + {@code read(2)} of
 * 8 bytes on a pipe, each through the ordinary binding and through one linked with {@code
 * Linker.Option.critical}; and {@code labs(3)}, which enters no kernel, to show the Java-to-C
 * transition alone (a system call here costs a microsecond or more, and its noise hides a few
 * nanoseconds). {@code downcall.c} runs the same loops in C; {@link BindingCost} runs
 * both and prints the ratios.
 *
 * <p>The pipe calls go through the raw {@code io.jipc.internal.libc.Unistd} layer (errno captured,
 * as every jipc call does), not through {@code io.jipc.pipe.Pipe}: this measures the binding, not
 * the blocking model. A critical {@code read}/{@code write} is legal here only because the loop
 * never lets the pipe run empty or full, so neither call can block.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DowncallBench {
    /** {@code write}/{@code read} linked critical, with errno capture like the ordinary handles. */
    private static final MethodHandle WRITE_CRITICAL = Libc.criticalDowncall("write",
            FunctionDescriptor.of(Libc.C_LONG, Libc.C_INT, Libc.C_POINTER, Libc.C_SIZE_T));
    private static final MethodHandle READ_CRITICAL = Libc.criticalDowncall("read",
            FunctionDescriptor.of(Libc.C_LONG, Libc.C_INT, Libc.C_POINTER, Libc.C_SIZE_T));

    /** {@code long labs(long)}: no system call, so what it costs from Java is the transition alone. */
    private static final MethodHandle LABS = Libc.plainDowncall("labs", FunctionDescriptor.of(Libc.C_LONG, Libc.C_LONG));
    private static final MethodHandle LABS_CRITICAL = Libc.plainDowncall("labs",
            FunctionDescriptor.of(Libc.C_LONG, Libc.C_LONG), Linker.Option.critical(false));
    /** {@code getppid} linked critical: the lower bound of a system call from Java (the library never needs it). */
    private static final MethodHandle GETPPID_CRITICAL = Libc.plainDowncall("getppid",
            FunctionDescriptor.of(Libc.C_INT), Linker.Option.critical(false));

    private Arena arena;
    private long value = -42;
    private MemorySegment buf;
    private int readFd;
    private int writeFd;

    @Setup(Level.Trial)
    public void openPipe() {
        arena = Arena.ofConfined();
        MemorySegment fds = arena.allocate(ValueLayout.JAVA_INT, 2);
        int r = Unistd.pipe2(fds, Fcntl.O_CLOEXEC);
        if (r < 0) {
            throw new IllegalStateException("pipe2 failed: errno " + -r);
        }
        readFd = fds.getAtIndex(ValueLayout.JAVA_INT, 0);
        writeFd = fds.getAtIndex(ValueLayout.JAVA_INT, 1);
        buf = arena.allocate(8, 8);
        buf.fill((byte) 'x');
    }

    @TearDown(Level.Trial)
    public void closePipe() {
        Unistd.close(readFd);
        Unistd.close(writeFd);
        arena.close();
    }

    @Benchmark
    public long labs() {
        try {
            return (long) LABS.invokeExact(value);
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    @Benchmark
    public long labsCritical() {
        try {
            return (long) LABS_CRITICAL.invokeExact(value);
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    @Benchmark
    public int getppid() {
        return Unistd.getppid();
    }

    @Benchmark
    public int getppidCritical() {
        try {
            return (int) GETPPID_CRITICAL.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    @Benchmark
    public long pipeWriteRead() {
        long w = Unistd.write(writeFd, buf, 8);
        long r = Unistd.read(readFd, buf, 8);
        if (w != 8 || r != 8) {
            throw new IllegalStateException("pipe write/read returned " + w + "/" + r);
        }
        return r;
    }

    @Benchmark
    public long pipeWriteReadCritical() {
        long w = writeCritical(writeFd, buf, 8);
        long r = readCritical(readFd, buf, 8);
        if (w != 8 || r != 8) {
            throw new IllegalStateException("pipe write/read returned " + w + "/" + r);
        }
        return r;
    }

    private static long writeCritical(int fd, MemorySegment b, long count) {
        MemorySegment state = Libc.callState();
        try {
            long r = (long) WRITE_CRITICAL.invokeExact(state, fd, b, count);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    private static long readCritical(int fd, MemorySegment b, long count) {
        MemorySegment state = Libc.callState();
        try {
            long r = (long) READ_CRITICAL.invokeExact(state, fd, b, count);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }
}
