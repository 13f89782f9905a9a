package io.jipc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jipc.internal.libc.Fcntl;
import io.jipc.internal.libc.Poll;
import io.jipc.internal.libc.Unistd;
import io.jipc.internal.wait.Deadline;
import io.jipc.internal.wait.Handles;
import io.jipc.internal.wait.Operation;
import io.jipc.internal.wait.Waiter;
import io.jipc.testing.BlockedCalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class FdTest {
    /** A raw non-blocking pipe, [read end, write end], each owned by an Fd. */
    private static Fd[] pipe() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(ValueLayout.JAVA_INT, 2);
            int r = Unistd.pipe2(fds, Fcntl.O_CLOEXEC | Fcntl.O_NONBLOCK);
            assertThat(r).isZero();
            return new Fd[] {Fd.adopt(fds.getAtIndex(ValueLayout.JAVA_INT, 0), "pipe"),
                    Fd.adopt(fds.getAtIndex(ValueLayout.JAVA_INT, 1), "pipe")};
        }
    }

    /**
     * A read through the wait engine on a non-blocking descriptor: try, and on EAGAIN wait in
     * poll(2) on the descriptor, its close eventfd and the thread's interrupt eventfd.
     */
    private static long read(Fd fd, MemorySegment buf, long deadline) throws IpcException {
        Operation op = Operation.on(Handles.of(fd), "read", (w, how) -> Unistd.read(w.target, w.data, w.length))
                .readiness(Poll.POLLIN).kernelWaits(false).build();
        Waiter w = Waiter.current();
        w.data = buf;
        w.length = buf.byteSize();
        long r = op.run(w, deadline, false);
        if (r == Operation.NOTHING) {
            return -1;
        }
        if (r < 0) {
            throw op.failure(r);
        }
        return r;
    }

    private static void write(Fd fd, String text) throws IpcException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocateFrom(text);
            int n = fd.acquire("write");
            try {
                assertThat(Unistd.write(n, s, text.length())).isEqualTo(text.length());
            } finally {
                fd.release();
            }
        }
    }

    @Test
    void readsWhatWasWritten() throws Exception {
        Fd[] p = pipe();
        try (Fd r = p[0]; Fd w = p[1]; Arena a = Arena.ofConfined()) {
            write(w, "hello");
            MemorySegment buf = a.allocate(16);
            assertThat(read(r, buf, Deadline.FOREVER)).isEqualTo(5);
            assertThat(buf.getString(0)).startsWith("hello");
        }
    }

    @Test
    void closeIsIdempotentAndUseAfterCloseThrows() {
        Fd[] p = pipe();
        p[1].close();
        p[0].close();
        p[0].close();
        assertThat(p[0].isOpen()).isFalse();
        assertThatThrownBy(() -> p[0].acquire("read")).isInstanceOf(ObjectClosedException.class)
                .hasMessage("read(pipe): object is closed");
    }

    @Test
    void timedWaitReturnsFalseAfterTheDeadline() throws Exception {
        Fd[] p = pipe();
        try (Fd r = p[0]; Fd w = p[1]; Arena a = Arena.ofConfined()) {
            long start = System.nanoTime();
            assertThat(read(r, a.allocate(8), Deadline.after(Duration.ofMillis(200)))).isEqualTo(-1);
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(200));
            assertThat(read(r, a.allocate(8), Deadline.NOW)).isEqualTo(-1);
        }
    }

    @Test
    void closeFromAnotherThreadWakesTheWaiter() throws Exception {
        Fd[] p = pipe();
        try (Fd w = p[1]) {
            Fd r = p[0];
            CompletableFuture<Throwable> outcome = waitingReader(r);
            Thread.sleep(100);
            assertThat(outcome).isNotDone();
            r.close();
            assertThat(outcome.get(5, TimeUnit.SECONDS)).isInstanceOf(ObjectClosedException.class);
        }
    }

    @Test
    void interruptWakesTheWaiterAndLeavesTheObjectOpen() throws Exception {
        Fd[] p = pipe();
        try (Fd r = p[0]; Fd w = p[1]; Arena a = Arena.ofConfined()) {
            BlockedCalls.assertInterruptAnsweredWithin(Duration.ofMillis(100), () -> {
                try (Arena ra = Arena.ofConfined()) {
                    read(r, ra.allocate(8), Deadline.FOREVER);
                }
            });
            write(w, "x");
            assertThat(read(r, a.allocate(8), Deadline.FOREVER)).isEqualTo(1);
        }
    }

    @Test
    void anAlreadyInterruptedThreadDoesNotWait() throws Exception {
        Fd[] p = pipe();
        try (Fd r = p[0]; Fd w = p[1]; Arena a = Arena.ofConfined()) {
            Thread.currentThread().interrupt();
            try {
                assertThatThrownBy(() -> read(r, a.allocate(8), Deadline.FOREVER))
                        .isInstanceOf(IpcInterruptedException.class);
            } finally {
                assertThat(Thread.interrupted()).isTrue();
            }
            // The drained wake-up leaves the next wait asleep until its deadline.
            assertThat(read(r, a.allocate(8), Deadline.after(Duration.ofMillis(50)))).isEqualTo(-1);
        }
    }

    /**
     * A reader blocked on a descriptor, the descriptor closed, a new pipe opened (the kernel hands
     * out the lowest free number, so it reuses the closed one as soon as it is really closed) and
     * written to: the old reader must fail with ObjectClosedException and never consume the new
     * pipe's bytes.
     */
    @Test
    void closeRacingACallNeverReachesARecycledNumber() throws Exception {
        for (int round = 0; round < 200; round++) {
            Fd[] old = pipe();
            CompletableFuture<Throwable> outcome = waitingReader(old[0]);
            if (round % 2 == 0) {
                Thread.onSpinWait();
            } else {
                Thread.sleep(1);
            }
            old[0].close();
            Fd[] fresh = pipe();
            // The old write end stays open until the old reader is done: closing it would give EOF.
            try (Fd oldWriter = old[1]; Fd r = fresh[0]; Fd w = fresh[1]; Arena a = Arena.ofConfined()) {
                write(w, "new");
                assertThat(outcome.get(5, TimeUnit.SECONDS)).isInstanceOf(ObjectClosedException.class);
                MemorySegment buf = a.allocate(8);
                assertThat(read(r, buf, Deadline.NOW)).as("the fresh pipe kept its bytes").isEqualTo(3);
            }
        }
    }

    private static CompletableFuture<Throwable> waitingReader(Fd fd) {
        return CompletableFuture.supplyAsync(() -> {
            try (Arena a = Arena.ofConfined()) {
                long n = read(fd, a.allocate(8), Deadline.FOREVER);
                return new AssertionError("read returned " + n);
            } catch (Throwable t) {
                return t;
            }
        }, runnable -> Thread.ofPlatform().start(runnable));
    }

    @Test
    void duplicateIsCloseOnExecAndIndependent() throws Exception {
        Fd[] p = pipe();
        try (Fd r = p[0]; Fd w = p[1]; Fd w2 = w.duplicate(); Arena a = Arena.ofConfined()) {
            assertThat(w2.isCloseOnExec()).isTrue();
            assertThat(w2.isNonBlocking()).isTrue();
            w.close();
            write(w2, "dup");
            assertThat(read(r, a.allocate(8), Deadline.NOW)).isEqualTo(3);
        }
    }

    @Test
    void adoptRefusesNegativeNumbers() {
        assertThatThrownBy(() -> Fd.adopt(-1, "x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void waitsFromManyThreadsAllWakeOnClose() throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        Fd[] p = pipe();
        try (Fd w = p[1]) {
            Fd r = p[0];
            java.util.List<CompletableFuture<Throwable>> all = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                all.add(waitingReader(r));
            }
            Thread.sleep(100);
            r.close();
            for (CompletableFuture<Throwable> f : all) {
                assertThat(f.get(5, TimeUnit.SECONDS)).isInstanceOf(ObjectClosedException.class);
            }
        }
    }
}
