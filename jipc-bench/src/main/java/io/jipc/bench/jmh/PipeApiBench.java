package io.jipc.bench.jmh;

import io.jipc.IpcException;
import io.jipc.pipe.Pipe;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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
 * {@link DowncallBench}'s pipe loop through the public API, {@link Pipe.WriteEnd#write} and
 * {@link Pipe.ReadEnd#read} of 8 bytes from a native segment and from a {@code byte[]}: the
 * binding plus what the library adds (the owned descriptor's acquire/release, the wait engine's
 * run, the heap copy). The pipe never runs empty here, so no call waits; {@code -prof gc} shows
 * that none allocates.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PipeApiBench {
    private Pipe pipe;
    private Pipe.ReadEnd in;
    private Pipe.WriteEnd out;
    private Arena arena;
    private MemorySegment segment;
    private final byte[] array = new byte[8];

    @Setup(Level.Trial)
    public void openPipe() throws IpcException {
        pipe = Pipe.open();
        in = pipe.readEnd();
        out = pipe.writeEnd();
        arena = Arena.ofConfined();
        segment = arena.allocate(8, 8);
    }

    @TearDown(Level.Trial)
    public void closePipe() {
        pipe.close();
        arena.close();
    }

    @Benchmark
    public long segmentWriteRead() throws IpcException {
        out.write(segment);
        return in.read(segment);
    }

    @Benchmark
    public int arrayWriteRead() throws IpcException {
        out.write(array, 0, 8);
        return in.read(array, 0, 8);
    }
}
