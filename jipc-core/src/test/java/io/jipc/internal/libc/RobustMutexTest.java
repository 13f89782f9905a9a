package io.jipc.internal.libc;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.testing.Hostile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The Java lock and unlock of a robust mutex against glibc's own: mixed in any order on one
 * thread, they leave every field and the thread's robust list exactly as glibc alone would. (That
 * the kernel reads the list right when a thread dies is SharedMutexTest's, across processes.)
 */
class RobustMutexTest {
    private static final long LIST_PREV = 24;
    private static final long LIST_NEXT = 32;
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);

    @Test
    void thisGlibcKeepsTheListTheWayTheJavaPathWritesIt() {
        assertThat(RobustMutex.available()).as("glibc's robust list layout as RobustMutex expects (x86_64/aarch64 glibc)")
                .isTrue();
    }

    @Test
    void javaAndGlibcCallsMixedInAnyOrderKeepTheListAndFieldsExact() throws Exception {
        Hostile h = Hostile.forProperty("robust mutex list");
        // A thread of its own: its robust list starts empty and nothing else of this JVM is on it.
        CompletableFuture<Void> run = CompletableFuture.runAsync(() -> {
            try (Arena arena = Arena.ofConfined()) {
                int n = 6;
                MemorySegment[] mutexes = new MemorySegment[n];
                for (int i = 0; i < n; i++) {
                    mutexes[i] = init(arena);
                }
                long head = RobustMutex.threadHead();
                int tid = Unistd.gettid();
                assertThat(head).isNotZero();
                Deque<Integer> held = new ArrayDeque<>(); // the list's order: the newest first
                try {
                    h.forAll(400, g -> {
                        int i = g.below(n);
                        long m = mutexes[i].address();
                        boolean java = g.chance(0.5);
                        if (!held.contains(i)) {
                            assertThat(java ? RobustMutex.tryLock(m, head, tid) : Pthread.pthread_mutex_trylock(m) == 0).isTrue();
                            held.addFirst(i);
                        } else if (g.chance(0.2)) {
                            // Held already: the Java path declines and changes nothing; glibc says EDEADLK.
                            assertThat(java ? RobustMutex.tryLock(m, head, tid)
                                    : Pthread.pthread_mutex_trylock(m) != -Errnos.EDEADLK).isFalse();
                        } else {
                            assertThat(java ? RobustMutex.unlock(m, head, tid) : Pthread.pthread_mutex_unlock(m) == 0).isTrue();
                            held.remove(i);
                        }
                        check(mutexes, held, head, tid);
                    });
                } finally {
                    for (int i : held) {
                        Pthread.pthread_mutex_unlock(mutexes[i].address());
                    }
                }
                assertThat(ALL.get(ValueLayout.JAVA_LONG, head)).as("the list empty again").isEqualTo(head);
            }
        }, r -> Thread.ofPlatform().start(r));
        run.get(60, TimeUnit.SECONDS);
    }

    @Test
    void theJavaUnlockWakesAThreadAsleepInGlibcsLock() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment mutex = init(arena);
            long m = mutex.address();
            assertThat(RobustMutex.tryLock(m, RobustMutex.threadHead(), Unistd.gettid())).isTrue();
            CompletableFuture<Integer> other = CompletableFuture.supplyAsync(() -> {
                MemorySegment abs = Arena.ofAuto().allocate(16, 8);
                io.jipc.internal.wait.Deadline.toMonotonic(io.jipc.internal.wait.Deadline.after(java.time.Duration.ofSeconds(30)), abs);
                int r = Pthread.pthread_mutex_clocklock(mutex, Time.CLOCK_MONOTONIC, abs);
                if (r == 0) {
                    Pthread.pthread_mutex_unlock(m);
                }
                return r;
            }, r -> Thread.ofPlatform().start(r));
            for (int i = 0; i < 3000 && (mutex.get(ValueLayout.JAVA_INT, 0) & Pthread.FUTEX_WAITERS) == 0; i++) {
                Thread.sleep(1);
            }
            assertThat(mutex.get(ValueLayout.JAVA_INT, 0) & Pthread.FUTEX_WAITERS).as("the other thread sleeps").isNotZero();
            assertThat(RobustMutex.unlock(m, RobustMutex.threadHead(), Unistd.gettid())).isTrue();
            assertThat(other.get(10, TimeUnit.SECONDS)).as("woken, and it took the mutex").isZero();
            assertThat(mutex.get(ValueLayout.JAVA_INT, 0)).isZero();
        }
    }

    /** A process-shared, robust, error-checking mutex, as SharedMutex makes them. */
    private static MemorySegment init(Arena arena) {
        MemorySegment mutex = arena.allocate(Pthread.MUTEX_SIZE, 8);
        MemorySegment attr = arena.allocate(Pthread.MUTEXATTR.layout());
        assertThat(Pthread.pthread_mutexattr_init(attr)).isZero();
        assertThat(Pthread.pthread_mutexattr_setpshared(attr, Pthread.PTHREAD_PROCESS_SHARED)).isZero();
        assertThat(Pthread.pthread_mutexattr_setrobust(attr, Pthread.PTHREAD_MUTEX_ROBUST)).isZero();
        assertThat(Pthread.pthread_mutexattr_settype(attr, Pthread.PTHREAD_MUTEX_ERRORCHECK)).isZero();
        assertThat(Pthread.pthread_mutex_init(mutex, attr)).isZero();
        Pthread.pthread_mutexattr_destroy(attr);
        assertThat(RobustMutex.handles(mutex.address())).isTrue();
        return mutex;
    }

    /** The list from the head, newest first, and every mutex's fields, as glibc keeps them. */
    private static void check(MemorySegment[] mutexes, Deque<Integer> held, long head, int tid) {
        List<Long> list = new ArrayList<>();
        for (long e = ALL.get(ValueLayout.JAVA_LONG, head); e != head && list.size() <= mutexes.length; e = ALL.get(ValueLayout.JAVA_LONG, e)) {
            list.add(e);
        }
        List<Long> expected = new ArrayList<>();
        long prev = head;
        for (int i : held) {
            long entry = mutexes[i].address() + LIST_NEXT;
            expected.add(entry);
            assertThat(mutexes[i].get(ValueLayout.JAVA_LONG, LIST_PREV)).as("prev of mutex %d", i).isEqualTo(prev);
            prev = entry;
        }
        assertThat(list).as("the robust list").isEqualTo(expected);
        assertThat(ALL.get(ValueLayout.JAVA_LONG, head + 16)).as("list_op_pending").isZero();
        for (int i = 0; i < mutexes.length; i++) {
            MemorySegment m = mutexes[i];
            boolean isHeld = held.contains(i);
            assertThat(m.get(ValueLayout.JAVA_INT, 0)).as("lock word of %d", i).isEqualTo(isHeld ? tid : 0);
            assertThat(m.get(ValueLayout.JAVA_INT, 8)).as("owner of %d", i).isEqualTo(isHeld ? tid : 0);
            assertThat(m.get(ValueLayout.JAVA_INT, 12)).as("users of %d", i).isEqualTo(isHeld ? 1 : 0);
            if (!isHeld) {
                assertThat(m.get(ValueLayout.JAVA_LONG, LIST_PREV)).isZero();
                assertThat(m.get(ValueLayout.JAVA_LONG, LIST_NEXT)).isZero();
            }
        }
    }
}
