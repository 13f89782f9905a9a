package io.jipc.sync;

import io.jipc.shm.Mapping;
import io.jipc.shm.SharedMemory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A JVM started with {@code -Dio.jipc.lockorder=check} for {@link LockOrderTest}: the checker is
 * read once per JVM, so it runs here, not in the test's own JVM. Mutex A is the slot at 0 of the
 * segment NAME, mutex B the one at 48; TABLE is a segment holding the shared edge table.
 *
 * <pre>
 *   threads NAME             a thread takes A then "journal" (a ReentrantLock); another takes
 *                            "journal" then A: prints the inversion, then whether A is free
 *   consistent NAME ROUNDS   two threads take A, "journal", B in that order (directly and through
 *                            a LockOrder, subsets in any order) ROUNDS times each: prints "silent"
 *   rwlock NAME              a thread takes the rwlock at 96 for writing, then A; another A, then
 *                            the rwlock for reading: prints the inversion
 *   report NAME              a handler that prints: the inversion is reported once, the waits go on
 *   a-then-b NAME TABLE      shares edges through TABLE, takes A then B: prints "done"
 *   b-then-a NAME TABLE      shares edges through TABLE, takes B then A: prints the inversion
 * </pre>
 */
public final class LockOrderPeer {
    private LockOrderPeer() {}

    public static void main(String[] args) throws Exception {
        if (!LockOrder.isChecking()) {
            throw new IllegalStateException("start with -Dio.jipc.lockorder=check");
        }
        try (SharedMemory shm = SharedMemory.openExisting(args[1]);
             Mapping m = shm.map();
             SharedMutex a = SharedMutex.openExisting(m, 0);
             SharedMutex b = SharedMutex.openExisting(m, 48)) {
            ReentrantLock journal = new ReentrantLock();
            OrderedLock j = OrderedLock.of(journal, "journal");
            switch (args[0]) {
                case "threads" -> {
                    run(() -> aThenJournal(a, j));
                    run(() -> {
                        try {
                            journalThenA(a, j);
                            System.out.println("no inversion reported");
                        } catch (LockInversionException e) {
                            System.out.println(e.getMessage());
                            System.out.println("journal held by this thread: " + journal.isHeldByCurrentThread());
                            j.unlock();
                        }
                        System.out.println(a.isLocked() ? "A held" : "A free");
                    });
                }
                case "consistent" -> {
                    int rounds = Integer.parseInt(args[2]);
                    LockOrder order = LockOrder.of(OrderedLock.of(a), j, OrderedLock.of(b));
                    List<Thread> threads = new ArrayList<>();
                    for (int t = 0; t < 2; t++) {
                        threads.add(Thread.ofPlatform().start(() -> {
                            try {
                                for (int i = 0; i < rounds; i++) {
                                    a.lock();
                                    j.lock();
                                    b.lock();
                                    b.unlock();
                                    j.unlock();
                                    a.unlock();
                                    try (LockOrder.Held h = order.acquire(OrderedLock.of(b), OrderedLock.of(a))) {
                                        if (!b.isHeldByCurrentThread()) {
                                            throw new IllegalStateException("B not held");
                                        }
                                    }
                                    try (LockOrder.Held h = order.tryAcquire(j, OrderedLock.of(b)).orElse(null)) {
                                        if (h != null && h.locks().size() != 2) { // busy at times: the other thread has them
                                            throw new IllegalStateException("held " + h.locks());
                                        }
                                    }
                                    try (LockOrder.Held h = order.acquire()) {
                                        h.locks();
                                    }
                                }
                            } catch (Exception e) {
                                throw new RuntimeException(e);
                            }
                        }));
                    }
                    for (Thread t : threads) {
                        t.join();
                    }
                    System.out.println("silent");
                }
                case "rwlock" -> {
                    try (SharedRwLock rw = SharedRwLock.openExisting(m, 96)) {
                        run(() -> writeThenA(rw, a));
                        run(() -> {
                            try {
                                aThenRead(rw, a);
                                System.out.println("no inversion reported");
                            } catch (LockInversionException e) {
                                System.out.println(e.getMessage());
                                a.unlock();
                            }
                        });
                    }
                }
                case "report" -> {
                    LockOrder.onInversion(e -> System.out.println("reported: " + e.held() + " -> " + e.wanted()));
                    for (int i = 0; i < 3; i++) {
                        run(() -> aThenJournal(a, j));
                        run(() -> journalThenA(a, j));
                    }
                    System.out.println("went on");
                }
                case "a-then-b", "b-then-a" -> {
                    try (SharedMemory tableShm = SharedMemory.openExisting(args[2]);
                         Mapping table = tableShm.map()) {
                        LockOrder.shareEdges(table);
                        try {
                            if (args[0].equals("a-then-b")) {
                                takeAThenB(a, b);
                                System.out.println("done");
                            } else {
                                takeBThenA(a, b);
                                System.out.println("no inversion reported");
                            }
                        } catch (LockInversionException e) {
                            System.out.println(e.getMessage());
                            b.unlock();
                        }
                    }
                }
                default -> throw new IllegalArgumentException(args[0]);
            }
        }
    }

    interface Body {
        void run() throws Exception;
    }

    private static void run(Body body) throws Exception {
        Exception[] failed = new Exception[1];
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                body.run();
            } catch (Exception e) {
                failed[0] = e;
            }
        });
        t.join();
        if (failed[0] != null) {
            throw failed[0];
        }
    }

    private static void aThenJournal(SharedMutex a, OrderedLock journal) throws Exception {
        a.lock();
        journal.lock();
        journal.unlock();
        a.unlock();
    }

    private static void journalThenA(SharedMutex a, OrderedLock journal) throws Exception {
        journal.lock();
        a.lock();
        a.unlock();
        journal.unlock();
    }

    private static void writeThenA(SharedRwLock rw, SharedMutex a) throws Exception {
        rw.writeLock();
        a.lock();
        a.unlock();
        rw.unlock();
    }

    private static void aThenRead(SharedRwLock rw, SharedMutex a) throws Exception {
        a.lock();
        rw.readLock();
        rw.unlock();
        a.unlock();
    }

    private static void takeAThenB(SharedMutex a, SharedMutex b) throws Exception {
        a.lock();
        b.lock();
        b.unlock();
        a.unlock();
    }

    private static void takeBThenA(SharedMutex a, SharedMutex b) throws Exception {
        b.lock();
        a.lock();
        a.unlock();
        b.unlock();
    }
}
