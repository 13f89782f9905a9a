package io.jipc.bench.jmh;

import io.jipc.IpcException;
import io.jipc.shm.Mapping;
import io.jipc.shm.MemFd;
import io.jipc.sync.SharedMutex;
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
 * An uncontended lock and unlock of a {@link SharedMutex} (process-shared, robust,
 * error-checking) in a shared mapping of a memfd. {@code downcall.c}'s {@code mutex_lock_unlock}
 * makes the same calls in C, {@code pthread_mutex_lock} and {@code pthread_mutex_unlock} on a
 * mutex with the same attributes; jipc's lock is {@code pthread_mutex_trylock}, its unlock
 * {@code pthread_mutex_unlock}, both critical downcalls on the bare address. The benchmark's
 * thread is the object's pinned thread after its first unlock, so the loop measures that fast
 * path (no atomic update of the object's use count; see {@link SharedMutex}'s costs).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class MutexBench {
    private MemFd memory;
    private Mapping mapping;
    private SharedMutex mutex;

    @Setup(Level.Trial)
    public void open() throws IpcException {
        memory = MemFd.create("jipc-mutexbench", 4096);
        mapping = memory.map();
        mutex = SharedMutex.createExclusively(mapping, 0);
    }

    @TearDown(Level.Trial)
    public void close() {
        mutex.close();
        mapping.close();
        memory.close();
    }

    @Benchmark
    public void lockUnlock() throws IpcException {
        mutex.lock();
        mutex.unlock();
    }
}
