package io.jipc.sync;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.IpcException;
import io.jipc.internal.libc.Unistd;
import io.jipc.shm.Mapping;
import io.jipc.shm.SharedMemory;
import io.jipc.testing.CPeer;
import io.jipc.testing.Peer;
import io.jipc.testing.TestIpc;
import io.jipc.testing.ThreadSyscalls;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** What the io.jipc.sync tests share: a segment with slots, C peers, calls blocked on their own thread. */
final class SyncTesting {
    private SyncTesting() {}

    static final Duration T = Duration.ofSeconds(30);

    /** A fresh POSIX shared-memory object, mapped; close unmaps and unlinks it. */
    record Segment(SharedMemory shm, Mapping mapping) implements AutoCloseable {
        static Segment create(String what, long size) throws IpcException {
            SharedMemory shm = SharedMemory.createExclusively(TestIpc.name(what), size);
            return new Segment(shm, shm.map());
        }

        String name() {
            return shm.name();
        }

        @Override
        public void close() throws IpcException {
            mapping.close();
            shm.close();
            shm.unlink();
        }
    }

    /** Runs a C sync peer to its end and returns its output, stripped; fails unless it exits 0. */
    static String c(String... args) {
        try (Peer p = CPeer.start("sync_peer", args)) {
            p.awaitSuccess(T);
            return p.stdout().strip();
        }
    }

    static Peer start(String... args) {
        return CPeer.start("sync_peer", args);
    }

    interface Blocking {
        Object call() throws Exception;
    }

    /** A call running on its own platform thread: the thread, its kernel id, and what it returned or threw. */
    record Blocked(Thread thread, int tid, CompletableFuture<Object> outcome) {
        Object result() throws Exception {
            return outcome.get(20, TimeUnit.SECONDS);
        }

        /** Waits until the thread sleeps in {@code syscall} and returns the call's arguments. */
        long[] sleepingIn(String syscall) throws Exception {
            assertThat(ThreadSyscalls.awaitSleepingIn(this::tid, outcome, syscall, "poll", "ppoll", "clock_nanosleep"))
                    .isEqualTo(syscall);
            return ThreadSyscalls.arguments(tid);
        }
    }

    static Blocked start(Blocking call) throws Exception {
        CompletableFuture<Integer> tid = new CompletableFuture<>();
        CompletableFuture<Object> outcome = new CompletableFuture<>();
        Thread t = Thread.ofPlatform().name("sync-waiter").start(() -> {
            tid.complete(Unistd.gettid());
            try {
                outcome.complete(call.call());
            } catch (Throwable e) {
                outcome.complete(e);
            }
        });
        return new Blocked(t, tid.get(10, TimeUnit.SECONDS), outcome);
    }
}
