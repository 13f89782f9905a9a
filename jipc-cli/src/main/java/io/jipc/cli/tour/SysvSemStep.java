package io.jipc.cli.tour;

import io.jipc.inspect.ObjectRef;
import io.jipc.inspect.ObjectType;
import io.jipc.sem.SemOp;
import io.jipc.sem.SysVSemaphoreSet;

/** A System V semaphore set: another process waits, the kernel counts it, this process posts. */
final class SysvSemStep implements TourStep {
    @Override
    public String mechanism() {
        return "sysv-sem";
    }

    @Override
    public String title() {
        return "System V semaphore sets (semget, semop, semctl): atomic operations on several counters";
    }

    @Override
    public void run(Tour.Context tour) throws Exception {
        try (SysVSemaphoreSet set = SysVSemaphoreSet.createExclusively(tour.key(1), 2)) {
            tour.removeAtEnd(new ObjectRef(ObjectType.SYSV_SEM, null, set.id()));
            tour.say("created semid " + set.id() + " (key " + set.key() + "): two semaphores, both 0");
            String id = Integer.toString(set.id());
            Tour.Child waiter = tour.jipc("sysv-sem", "op", "--id", id, "0:-1", "1:-1");
            tour.say("started `jipc sysv-sem op --id " + id + " 0:-1 1:-1` (pid " + waiter.pid()
                    + "): it needs both, at once");
            long deadline = System.nanoTime() + Tour.CHILD_TIMEOUT.toNanos();
            while (set.waitingForIncrease(0) == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            tour.say("semctl(GETNCNT) counts " + set.waitingForIncrease(0) + " process waiting; posting semaphore 0");
            set.op(SemOp.of(0, 1));
            Thread.sleep(50);
            tour.say("still waiting (values " + java.util.Arrays.toString(set.values()) + "); posting semaphore 1");
            long t0 = System.nanoTime();
            set.op(SemOp.of(1, 1));
            waiter.output();
            tour.say("it took both and exited " + Tour.millis(System.nanoTime() - t0) + " later; values now "
                    + java.util.Arrays.toString(set.values()));
        }
    }
}
