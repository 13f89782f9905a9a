package io.jipc.bench.jmh;

import io.jipc.IpcException;
import io.jipc.shm.Mapping;
import io.jipc.shm.SharedMemory;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * A shared-memory object's whole life through jipc: {@code createExclusively} (shm_open with
 * O_EXCL, fchmod for the exact mode, ftruncate), {@code map} (fstat for the size check, mmap),
 * the mapping's close (munmap), {@code unlink} (shm_unlink) and close. {@code downcall.c}'s
 * {@code shm_lifecycle} makes C's calls for the same: shm_open, ftruncate, mmap, munmap, close,
 * shm_unlink; {@code shm_lifecycle_jipc_calls} adds jipc's fchmod and fstat, so that the two rows
 * tell what jipc's guarantees cost from what its Java costs. 4 KiB, no page touched (the page
 * fault would be the same on both sides).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ShmLifecycleBench {
    private final String name = "/jipc-bench-life-" + ProcessHandle.current().pid();

    @Benchmark
    public void createMapUnmapUnlink() throws IpcException {
        try (SharedMemory shm = SharedMemory.createExclusively(name, 4096)) {
            Mapping m = shm.map();
            m.close();
            shm.unlink();
        }
    }
}
