package io.jipc.sync;

import io.jipc.shm.Mapping;
import io.jipc.shm.SharedMemory;
import io.jipc.testing.Crash;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A second JVM for the io.jipc.sync tests.
 *
 * <pre>
 *   hold NAME OFF    open the mutex, lock it, print "locked", crash point "holding", unlock, print "unlocked"
 *   lock NAME OFF    lock: print "locked" or "owner-died" (then make it consistent); unlock, print "unlocked"
 *   loop NAME OFF PAIR
 *                    lock, add one to the two longs at PAIR (one, then the other), unlock, forever:
 *                    the pinned thread's Java lock and unlock, for a kill at any instruction of them
 *                    (prints "looping" once it has gone round 1,000 times)
 *   hold-pinned NAME A B C
 *                    the mutexes at offsets A and B held through the main thread's pin (jipc's own
 *                    lock in Java), C locked and unlocked between them through glibc's: print
 *                    "locked", crash point "holding", unlock both, print "unlocked"
 * </pre>
 */
public final class SyncPeer {
    private SyncPeer() {}

    public static void main(String[] args) throws Exception {
        if (args[0].equals("hold-pinned")) {
            holdPinned(args);
            return;
        }
        if (args[0].equals("loop")) {
            loop(args);
            return;
        }
        try (SharedMemory shm = SharedMemory.openExisting(args[1]);
             Mapping m = shm.map();
             SharedMutex mutex = SharedMutex.openExisting(m, Long.parseLong(args[2]))) {
            switch (args[0]) {
                case "hold" -> {
                    mutex.lock();
                    System.out.println("locked");
                    Crash.point("holding");
                    mutex.unlock();
                }
                case "lock" -> {
                    try {
                        mutex.lock();
                        System.out.println("locked");
                    } catch (OwnerDiedException e) {
                        System.out.println("owner-died");
                        mutex.makeConsistent();
                    }
                    mutex.unlock();
                }
                default -> throw new IllegalArgumentException(args[0]);
            }
            System.out.println("unlocked");
        }
    }

    private static void holdPinned(String[] args) throws Exception {
        try (SharedMemory shm = SharedMemory.openExisting(args[1]);
             Mapping m = shm.map();
             SharedMutex a = SharedMutex.openExisting(m, Long.parseLong(args[2]));
             SharedMutex b = SharedMutex.openExisting(m, Long.parseLong(args[3]));
             SharedMutex c = SharedMutex.openExisting(m, Long.parseLong(args[4]))) {
            a.lock();
            a.unlock(); // this thread is a's pinned thread from here on
            b.lock();
            b.unlock();
            a.lock(); // the robust list: a (Java)
            c.lock(); // c (glibc), a
            b.lock(); // b (Java), c, a
            c.unlock(); // glibc takes c out from between two entries jipc wrote
            System.out.println("locked");
            Crash.point("holding");
            b.unlock();
            a.unlock();
            System.out.println("unlocked");
        }
    }

    private static void loop(String[] args) throws Exception {
        try (SharedMemory shm = SharedMemory.openExisting(args[1]);
             Mapping m = shm.map();
             SharedMutex mutex = SharedMutex.openExisting(m, Long.parseLong(args[2]))) {
            MemorySegment pair = m.segment().asSlice(Long.parseLong(args[3]), 16);
            for (long i = 0; ; i++) {
                mutex.lock();
                long next = pair.get(ValueLayout.JAVA_LONG, 0) + 1;
                pair.set(ValueLayout.JAVA_LONG, 0, next);
                pair.set(ValueLayout.JAVA_LONG, 8, next);
                mutex.unlock();
                if (i == 1000) {
                    System.out.println("looping");
                }
            }
        }
    }
}
