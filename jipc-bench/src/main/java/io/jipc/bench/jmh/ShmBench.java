package io.jipc.bench.jmh;

import io.jipc.IpcException;
import io.jipc.shm.Mapping;
import io.jipc.shm.SharedMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Copies into and out of a POSIX shared-memory object through a jipc {@link Mapping}: from and to
 * a {@code byte[]} (the Java program's usual buffer) and a native {@link MemorySegment} (what C's
 * memcpy copies between), at {@code size} bytes. {@code downcall.c}'s {@code shm_copy_in_SIZE}
 * and {@code shm_copy_out_SIZE} memcpy between a malloc'd buffer and the same kind of mapping.
 * Every page of both sides is touched in the set-up, so no loop pays a page fault; a loop copies
 * the same bytes again and again, which at 1 MiB is memory bandwidth, at 4 KiB the L1/L2 cache.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ShmBench {
    @Param({"4096", "65536", "1048576"})
    public int size;

    private SharedMemory shm;
    private Mapping mapping;
    private Arena arena;
    private MemorySegment nativeBuffer;
    private byte[] array;

    @Setup(Level.Trial)
    public void open() throws IpcException {
        String name = "/jipc-bench-shm-" + ProcessHandle.current().pid();
        shm = SharedMemory.createExclusively(name, size);
        shm.unlink(); // mapped, it stays; nothing is left behind however the run ends
        mapping = shm.map();
        mapping.segment().fill((byte) 1);
        arena = Arena.ofConfined();
        nativeBuffer = arena.allocate(size, 64);
        nativeBuffer.fill((byte) 2);
        array = new byte[size];
        java.util.Arrays.fill(array, (byte) 3);
    }

    @TearDown(Level.Trial)
    public void close() {
        mapping.close();
        shm.close();
        arena.close();
    }

    @Benchmark
    public void copyInArray() {
        mapping.write(0, array, 0, size);
    }

    @Benchmark
    public void copyOutArray() {
        mapping.read(0, array, 0, size);
    }

    @Benchmark
    public void copyInSegment() {
        mapping.write(0, nativeBuffer);
    }

    @Benchmark
    public void copyOutSegment() {
        mapping.read(0, nativeBuffer);
    }
}
