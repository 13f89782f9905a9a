package io.jipc.cli.tour;

import io.jipc.lock.FileLock;
import io.jipc.lock.LockKind;
import java.nio.file.Files;
import java.nio.file.Path;

/** flock(2) between this process and {@code jipc lock}: one waits, the other lets go. */
final class LockStep implements TourStep {
    @Override
    public String mechanism() {
        return "lock";
    }

    @Override
    public String title() {
        return "file locks (flock, fcntl record and OFD locks): here flock, as flock(1) takes it";
    }

    @Override
    public void run(Tour.Context tour) throws Exception {
        Path file = tour.dir().resolve("lockfile");
        try (FileLock lock = FileLock.lock(file, FileLock.Options.defaults().withKind(LockKind.FLOCK).withCreate(true))) {
            tour.say("this process holds an exclusive flock lock on " + file);
            Tour.Child other = tour.jipc("lock", file.toString(), "--", "echo", "the child has the lock");
            tour.say("started `jipc lock " + file + " -- echo …` (pid " + other.pid() + ")");
            long deadline = System.nanoTime() + Tour.CHILD_TIMEOUT.toNanos();
            String me = " " + other.pid() + " ";
            while (Files.readAllLines(Path.of("/proc/locks")).stream().noneMatch(l -> l.contains("->") && l.contains(me))) {
                if (System.nanoTime() > deadline) {
                    throw new java.io.IOException("the child never waited for the lock");
                }
                Thread.sleep(10);
            }
            tour.say("/proc/locks shows it blocked behind this process's lock; unlocking");
            long t0 = System.nanoTime();
            lock.unlock();
            String said = other.output().strip();
            tour.say("it printed \"" + said + "\" and exited " + Tour.millis(System.nanoTime() - t0) + " after the unlock");
        }
    }
}
