package io.jipc.cli.tour;

import io.jipc.inspect.ObjectRef;
import io.jipc.inspect.ObjectType;
import io.jipc.shm.Mapping;
import io.jipc.shm.SharedMemory;
import io.jipc.signal.Signal;
import io.jipc.sync.OwnerDiedException;
import io.jipc.sync.SharedMutex;
import io.jipc.sync.SlotKind;
import io.jipc.sync.Slots;
import java.io.IOException;
import java.time.Duration;

/**
 * A robust process-shared mutex: another process takes it and is killed with SIGKILL while it
 * holds it; this process's next lock is told, and recovers the mutex.
 */
final class MutexStep implements TourStep {
    @Override
    public String mechanism() {
        return "mutex";
    }

    @Override
    public String title() {
        return "Process-shared robust mutex (pthread_mutex_t in shared memory): its owner killed while holding it";
    }

    @Override
    public void run(Tour.Context tour) throws Exception {
        String name = tour.name("mutex");
        Slots slots = Slots.from(0);
        long at = slots.reserve(SlotKind.MUTEX);
        try (SharedMemory shm = SharedMemory.createExclusively(name, slots.size()); Mapping m = shm.map();
             SharedMutex mutex = SharedMutex.createExclusively(m, at)) {
            tour.removeAtEnd(new ObjectRef(ObjectType.SHM, name, -1));
            tour.say("created " + name + " holding glibc's pthread_mutex_t (process-shared, robust, error-checking)");
            Tour.Child holder = tour.start(Tour.javaCommand(TourChild.class, "lock-and-wait", name, Long.toString(at)));
            tour.say("started a JVM (pid " + holder.pid() + ") that locks it and never unlocks");
            long giveUp = System.nanoTime() + Tour.CHILD_TIMEOUT.toNanos();
            while (mutex.tryLock()) { // the child has not taken it yet
                mutex.unlock();
                if (System.nanoTime() > giveUp) {
                    throw new IOException("the child never locked the mutex");
                }
                Thread.sleep(5);
            }
            tour.say("tryLock() here says false: pid " + holder.pid() + " holds it; killing it with SIGKILL");
            holder.process().signal(Signal.SIGKILL);
            long t0 = System.nanoTime();
            try {
                if (mutex.tryLock(Duration.ofSeconds(10))) {
                    mutex.unlock();
                    throw new IOException("the mutex was free without the owner's death being reported");
                }
                throw new IOException("the mutex of a killed owner was not given to this process");
            } catch (OwnerDiedException died) {
                tour.say("tryLock(10 s) here: OwnerDiedException after " + Tour.millis(System.nanoTime() - t0)
                        + " (the kernel's robust-futex list); this process holds it now");
                mutex.makeConsistent();
                mutex.unlock();
                tour.say("repaired what it guards, makeConsistent(), unlock(): the mutex works again");
            }
            holder.process().tryWaitFor(Tour.CHILD_TIMEOUT);
        }
    }
}
