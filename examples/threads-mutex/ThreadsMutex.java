import io.jipc.shm.Mapping;
import io.jipc.shm.MemFd;
import io.jipc.sync.SharedCondition;
import io.jipc.sync.SharedMutex;
import io.jipc.sync.SlotKind;
import io.jipc.sync.Slots;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Threads of one process with a process-shared mutex and condition variable, the smallest use of
 * io.jipc.sync: four threads each add 1 to a counter in shared memory 100,000 times under a
 * {@link SharedMutex}, reading and writing it in two steps (an unguarded counter would lose
 * updates); the main thread waits on a {@link SharedCondition} until the last one says it is
 * done. The same objects work between processes (see examples/frame-buffer); here the memory
 * is a memfd that nobody else maps.
 *
 * <p>Run: {@code examples/threads-mutex/run}.
 */
public final class ThreadsMutex {
    private ThreadsMutex() {}

    static final int THREADS = 4;
    static final int ADDS = 100_000;

    public static void main(String[] args) throws Exception {
        Slots slots = Slots.from(0);
        long lockAt = slots.reserve(SlotKind.MUTEX);
        long doneAt = slots.reserve(SlotKind.CONDITION);
        long counter = slots.bytes(8, 8);
        long finished = slots.bytes(8, 8);
        try (MemFd memory = MemFd.create("threads-mutex", slots.size());
             Mapping m = memory.map();
             SharedMutex lock = SharedMutex.createExclusively(m, lockAt);
             SharedCondition done = SharedCondition.createExclusively(m, doneAt)) {
            MemorySegment mem = m.segment();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                threads.add(Thread.ofPlatform().name("adder-" + t).start(() -> {
                    try {
                        for (int i = 0; i < ADDS; i++) {
                            lock.lock();
                            try {
                                long v = mem.get(ValueLayout.JAVA_LONG, counter);
                                mem.set(ValueLayout.JAVA_LONG, counter, v + 1);
                            } finally {
                                lock.unlock();
                            }
                        }
                        lock.lock();
                        try {
                            mem.set(ValueLayout.JAVA_LONG, finished, mem.get(ValueLayout.JAVA_LONG, finished) + 1);
                            done.broadcast();
                        } finally {
                            lock.unlock();
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            lock.lock();
            try {
                while (mem.get(ValueLayout.JAVA_LONG, finished) < THREADS) {
                    done.await(lock); // the documented while loop: wake-ups may be spurious
                }
                System.out.printf("%d threads x %d adds under a SharedMutex: counter = %d (expected %d)%n", THREADS,
                        ADDS, mem.get(ValueLayout.JAVA_LONG, counter), (long) THREADS * ADDS);
            } finally {
                lock.unlock();
            }
            for (Thread t : threads) {
                t.join();
            }
        }
    }
}
