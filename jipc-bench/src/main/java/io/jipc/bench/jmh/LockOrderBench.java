package io.jipc.bench.jmh;

import io.jipc.IpcException;
import io.jipc.shm.Mapping;
import io.jipc.shm.MemFd;
import io.jipc.sync.LockOrder;
import io.jipc.sync.OrderedLock;
import io.jipc.sync.SharedMutex;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the lock-order checker costs: {@link MutexBench}'s uncontended {@link SharedMutex}
 * lock+unlock, and a {@link LockOrder} taking that mutex and a {@code ReentrantLock}, each in a
 * fork with the checker off (the default: its hooks are a {@code static final} false) and in one
 * started with {@code -Dio.jipc.lockorder=check}. That "off" costs nothing against no hooks at
 * all was measured by running {@code MutexBench} on jars built with and without them (see the
 * README's "Lock order"); this class keeps the on/off comparison runnable:
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp jipc-bench.jar:$(cat target/jmh.classpath) \
 *     org.openjdk.jmh.Main LockOrderBench
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class LockOrderBench {
    private static final String NATIVE = "--enable-native-access=ALL-UNNAMED";
    private static final String CHECK = "-Dio.jipc.lockorder=check";

    private MemFd memory;
    private Mapping mapping;
    private SharedMutex mutex;
    private LockOrder order;

    @Setup(Level.Trial)
    public void open() throws IpcException {
        memory = MemFd.create("jipc-lockorderbench", 4096);
        mapping = memory.map();
        mutex = SharedMutex.createExclusively(mapping, 0);
        order = LockOrder.of(OrderedLock.of(mutex), OrderedLock.of(new ReentrantLock(), "journal"));
    }

    @TearDown(Level.Trial)
    public void close() {
        mutex.close();
        mapping.close();
        memory.close();
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = NATIVE)
    public void mutexCheckerOff() throws IpcException {
        mutex.lock();
        mutex.unlock();
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {NATIVE, CHECK})
    public void mutexCheckerOn() throws IpcException {
        mutex.lock();
        mutex.unlock();
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = NATIVE)
    public void orderOfTwoCheckerOff() throws IpcException {
        order.acquire().close();
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {NATIVE, CHECK})
    public void orderOfTwoCheckerOn() throws IpcException {
        order.acquire().close();
    }
}
