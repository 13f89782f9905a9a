package io.jipc.sync;

import io.jipc.shm.Mapping;
import io.jipc.shm.SharedMemory;
import io.jipc.testing.Crash;

/**
 * A second JVM for the io.jipc.sync tests.
 *
 * <pre>
 *   hold NAME OFF    open the mutex, lock it, print "locked", crash point "holding", unlock, print "unlocked"
 *   lock NAME OFF    lock: print "locked" or "owner-died" (then make it consistent); unlock, print "unlocked"
 * </pre>
 */
public final class SyncPeer {
    private SyncPeer() {}

    public static void main(String[] args) throws Exception {
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
}
