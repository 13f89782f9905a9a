package io.jipc.cli.tour;

import io.jipc.inspect.ObjectRef;
import io.jipc.inspect.ObjectType;
import io.jipc.sem.PosixSemaphore;

/** A POSIX named semaphore: this process waits on it, another posts. */
final class SemStep implements TourStep {
    @Override
    public String mechanism() {
        return "sem";
    }

    @Override
    public String title() {
        return "POSIX named semaphores (sem_open, sem_wait, sem_post): a counter processes wait on";
    }

    @Override
    public void run(Tour.Context tour) throws Exception {
        String name = tour.name("sem");
        try (PosixSemaphore sem = PosixSemaphore.createExclusively(name)) {
            tour.removeAtEnd(new ObjectRef(ObjectType.SEM, name, -1));
            tour.say("created " + name + " with value 0");
            long t0 = System.nanoTime();
            Tour.Child poster = tour.jipc("sem", "post", name);
            tour.say("started `jipc sem post " + name + "` (pid " + poster.pid() + ") and waits in sem_wait");
            sem.acquire();
            tour.say("woke " + Tour.millis(System.nanoTime() - t0) + " after starting it (its JVM's start-up, mostly)");
            poster.output();
        }
    }
}
