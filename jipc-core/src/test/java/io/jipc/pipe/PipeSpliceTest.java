package io.jipc.pipe;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jipc.Fd;
import io.jipc.IpcException;
import io.jipc.ObjectClosedException;
import io.jipc.Transfer;
import io.jipc.internal.libc.Fcntl;
import io.jipc.internal.libc.Unistd;
import io.jipc.testing.BlockedCalls;
import io.jipc.testing.ThreadMeters;
import io.jipc.testing.ThreadSyscalls;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * splice(2) and tee(2): bytes moved in the kernel, every form, and where a waiting transfer
 * sleeps — inside the call, ended by close of the end, interrupt and its deadline.
 */
class PipeSpliceTest {
    private static final Duration SHORT = Duration.ofMillis(150);
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void spliceMovesBytesBetweenAPipeAndAFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("data");
        byte[] data = bytes(200_000, 2);
        Files.write(file, data);
        try (Pipe pipe = Pipe.open(); Fd in = openFile(file, Fcntl.O_RDONLY);
                Fd out = openFile(dir.resolve("copy"), Fcntl.O_WRONLY | Fcntl.O_CREAT)) {
            long moved = 0;
            while (true) {
                long n = pipe.writeEnd().tryTransferFrom(in, 1 << 20);
                if (n == Transfer.EOF) {
                    break;
                }
                assertThat(n).as("a file is always ready; the pipe is drained below").isPositive();
                moved += n;
                long left = n;
                while (left > 0) {
                    left -= pipe.readEnd().transferTo(out, left);
                }
            }
            assertThat(moved).isEqualTo(data.length);
        }
        assertThat(Files.readAllBytes(dir.resolve("copy"))).isEqualTo(data);
        assertThatThrownBy(() -> {
            try (Pipe p = Pipe.open()) {
                p.readEnd().transferTo(p.writeEnd(), 0);
            }
        }).isInstanceOf(IllegalArgumentException.class);
    }

    private static Fd openFile(Path path, int flags) throws IpcException {
        try (Arena arena = Arena.ofConfined()) {
            int fd = Fcntl.open(arena.allocateFrom(path.toString()), flags | Fcntl.O_CLOEXEC, 0600);
            if (fd < 0) {
                throw IpcException.of("open", path.toString(), -fd);
            }
            return Fd.adopt(fd, path.toString());
        }
    }

    /** Found by the hostile-input suite: the try form slept in the socket's receive, and a close of the pipe waited for it. */
    @Test
    void theTryFormFromAnEmptyBlockingSocketNeverSleeps() throws Exception {
        try (Pipe pipe = Pipe.open(); io.jipc.socket.UnixDatagramSocket.Pair sockets = io.jipc.socket.UnixDatagramSocket.pair()) {
            CompletableFuture<Long> tried = CompletableFuture.supplyAsync(() -> {
                try {
                    return pipe.writeEnd().tryTransferFrom(sockets.first(), 64);
                } catch (IpcException e) {
                    throw new AssertionError(e);
                }
            });
            assertThat(tried.get(10, TimeUnit.SECONDS)).isEqualTo(Transfer.NOTHING);
            sockets.second().send("now".getBytes(UTF_8));
            assertThat(pipe.writeEnd().tryTransferFrom(sockets.first(), 64)).isEqualTo(3);
        }
    }

    @Test
    void spliceWaitsForTheSourceAndReportsEndOfStream() throws Exception {
        try (Pipe a = Pipe.open(); Pipe b = Pipe.open()) {
            CompletableFuture<Long> moved = CompletableFuture.supplyAsync(() -> {
                try {
                    return a.readEnd().transferTo(b.writeEnd(), 100);
                } catch (IpcException e) {
                    throw new AssertionError(e);
                }
            });
            Thread.sleep(100);
            assertThat(moved).isNotDone();
            a.writeEnd().write("late".getBytes(UTF_8));
            assertThat(moved.get(5, TimeUnit.SECONDS)).isEqualTo(4);
            assertThat(b.readEnd().read(new byte[8])).isEqualTo(4);
            a.writeEnd().close();
            assertThat(a.readEnd().transferTo(b.writeEnd(), 100)).isEqualTo(Transfer.EOF);
            assertThat(a.readEnd().tryTransferTo(b.writeEnd(), 100)).isEqualTo(Transfer.EOF);
        }
    }

    @Test
    void teeCopiesWithoutConsuming() throws Exception {
        try (Pipe a = Pipe.open(); Pipe b = Pipe.open()) {
            a.writeEnd().write("teed".getBytes(UTF_8));
            assertThat(a.readEnd().teeTo(b.writeEnd(), 100)).isEqualTo(4);
            byte[] buf = new byte[8];
            assertThat(b.readEnd().read(buf)).isEqualTo(4);
            assertThat(a.readEnd().read(buf, 4, 4)).isEqualTo(4);
            assertThat(new String(buf, UTF_8)).isEqualTo("teedteed");
            assertThat(a.readEnd().tryTeeTo(b.writeEnd(), 100, SHORT)).as("empty: timed out").isEqualTo(Transfer.NOTHING);
            a.writeEnd().close();
            assertThat(a.readEnd().teeTo(b.writeEnd(), 100)).isEqualTo(Transfer.EOF);
        }
    }


    /** Runs {@code call} on a new thread and waits until that thread sleeps in {@code syscall}. */
    private static CompletableFuture<Throwable> sleepingIn(String syscall, BlockedCalls.Call call) throws Exception {
        AtomicInteger tid = new AtomicInteger();
        CompletableFuture<Throwable> f = BlockedCalls.blocked(() -> {
            tid.set(Unistd.gettid());
            call.run();
        });
        assertThat(ThreadSyscalls.awaitSleepingIn(tid::get, f, syscall, "poll", "ppoll", "clock_nanosleep"))
                .as("asleep inside %s itself", syscall).isEqualTo(syscall);
        return f;
    }

    @Test
    void aWaitingSpliceSleepsInsideTheCallAndEndsWhenTheEndIsClosed() throws Exception {
        // From an empty pipe.
        try (Pipe a = Pipe.open(); Pipe b = Pipe.open()) {
            CompletableFuture<Throwable> f = sleepingIn("splice", () -> a.readEnd().transferTo(b.writeEnd(), 100));
            a.readEnd().close();
            assertThat(f.get(5, TimeUnit.SECONDS)).isInstanceOf(ObjectClosedException.class)
                    .hasMessage("splice(pipe): object is closed");
        }
        // Into a full pipe.
        try (Pipe a = Pipe.open(); Pipe b = Pipe.open()) {
            a.writeEnd().write("more".getBytes(UTF_8));
            b.writeEnd().write(new byte[b.capacity()]);
            CompletableFuture<Throwable> f = sleepingIn("splice", () -> b.writeEnd().transferFrom(a.readEnd(), 100));
            b.writeEnd().close();
            assertThat(f.get(5, TimeUnit.SECONDS)).isInstanceOf(ObjectClosedException.class);
            assertThat(a.readEnd().read(new byte[8])).as("nothing moved").isEqualTo(4);
        }
    }

    @Test
    void aWaitingTeeSleepsInsideTheCallAndEndsWhenTheEndIsClosed() throws Exception {
        try (Pipe a = Pipe.open(); Pipe b = Pipe.open()) {
            CompletableFuture<Throwable> f = sleepingIn("tee", () -> a.readEnd().teeTo(b.writeEnd(), 100));
            a.readEnd().close();
            assertThat(f.get(5, TimeUnit.SECONDS)).isInstanceOf(ObjectClosedException.class)
                    .hasMessage("tee(pipe): object is closed");
        }
    }

    @Test
    void waitingTransfersAnswerInterruptWithin100Ms() throws Exception {
        try (Pipe a = Pipe.open(); Pipe b = Pipe.open()) {
            BlockedCalls.assertInterruptAnsweredWithin(Duration.ofMillis(100), () -> a.readEnd().transferTo(b.writeEnd(), 100));
            BlockedCalls.assertInterruptAnsweredWithin(Duration.ofMillis(100), () -> a.readEnd().teeTo(b.writeEnd(), 100));
            BlockedCalls.assertInterruptAnsweredWithin(Duration.ofMillis(100), () -> a.readEnd().tryTransferTo(b.writeEnd(), 100, WAIT));
            b.writeEnd().write(new byte[b.capacity()]);
            a.writeEnd().write("x".getBytes(UTF_8));
            BlockedCalls.assertInterruptAnsweredWithin(Duration.ofMillis(100), () -> b.writeEnd().transferFrom(a.readEnd(), 100));
            assertThat(a.readEnd().isOpen()).isTrue();
        }
    }

    @Test
    void timedTransfersSleepInTheCallUntilTheirDeadline() throws Exception {
        try (Pipe a = Pipe.open(); Pipe b = Pipe.open()) {
            long cpu0 = ThreadMeters.currentThreadCpuNanos();
            long start = System.nanoTime();
            assertThat(a.readEnd().tryTransferTo(b.writeEnd(), 100, SHORT)).isEqualTo(Transfer.NOTHING);
            assertThat(a.readEnd().tryTeeTo(b.writeEnd(), 100, SHORT)).isEqualTo(Transfer.NOTHING);
            long took = System.nanoTime() - start;
            assertThat(took).isGreaterThanOrEqualTo(2 * SHORT.toNanos());
            assertThat(ThreadMeters.currentThreadCpuNanos() - cpu0).as("CPU while waiting 300 ms").isLessThan(100_000_000L);

            // Asleep in splice(2) under the thread's timer, and done as soon as bytes come.
            CompletableFuture<Long> timed = CompletableFuture.supplyAsync(() -> {
                try {
                    return a.readEnd().tryTransferTo(b.writeEnd(), 100, WAIT);
                } catch (IpcException e) {
                    throw new IllegalStateException(e);
                }
            }, runnable -> Thread.ofPlatform().start(runnable));
            Thread.sleep(50);
            assertThat(timed).isNotDone();
            a.writeEnd().write("late".getBytes(UTF_8));
            assertThat(timed.get(5, TimeUnit.SECONDS)).isEqualTo(4);
            assertThat(a.readEnd().isBlocking()).isTrue();
        }
    }

    @Test
    void aTransferIntoANonBlockingDescriptionWaitsAndLeavesThisEndsModeAlone() throws Exception {
        // The kernel makes such a splice non-blocking: it cannot sleep in the call, and retries.
        try (Pipe a = Pipe.open(); Pipe b = Pipe.open()) {
            b.writeEnd().setBlocking(false);
            CompletableFuture<Long> moved = CompletableFuture.supplyAsync(() -> {
                try {
                    return a.readEnd().transferTo(b.writeEnd(), 100);
                } catch (IpcException e) {
                    throw new IllegalStateException(e);
                }
            }, runnable -> Thread.ofPlatform().start(runnable));
            Thread.sleep(50);
            assertThat(moved).isNotDone();
            a.writeEnd().write("late".getBytes(UTF_8));
            assertThat(moved.get(5, TimeUnit.SECONDS)).isEqualTo(4);
            assertThat(a.readEnd().isBlocking()).as("this end's description kept its mode").isTrue();
            assertThat(a.readEnd().fd().isNonBlocking()).isFalse();
            assertThat(b.readEnd().read(new byte[8])).isEqualTo(4);

            CompletableFuture<Throwable> waiting = BlockedCalls.blocked(() -> a.readEnd().transferTo(b.writeEnd(), 100));
            Thread.sleep(50);
            a.readEnd().close();
            assertThat(waiting.get(5, TimeUnit.SECONDS)).isInstanceOf(ObjectClosedException.class);
        }
    }

    @Test
    void afterASpliceTheEndStillHonoursEveryFormAndKeepsItsMode() throws Exception {
        // Recent kernels (6.18 here) stop a spliced pipe's description taking RWF_NOWAIT.
        try (Pipe a = Pipe.open(); Pipe b = Pipe.open()) {
            a.writeEnd().write("xyz".getBytes(UTF_8));
            assertThat(a.readEnd().transferTo(b.writeEnd(), 1)).isEqualTo(1);
            byte[] buf = new byte[8];
            assertThat(a.readEnd().tryRead(buf, 0, 1, SHORT)).isEqualTo(1);
            assertThat(a.readEnd().tryRead(buf, 0, 8, SHORT)).isEqualTo(1);
            long start = System.nanoTime();
            assertThat(a.readEnd().tryRead(buf, 0, 8, SHORT)).isEqualTo(Transfer.NOTHING);
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(SHORT.toNanos());
            assertThat(a.readEnd().isBlocking()).as("timed calls leave the mode alone").isTrue();
            assertThat(b.writeEnd().tryWrite(new byte[4], SHORT)).isEqualTo(4);
            assertThat(b.writeEnd().isBlocking()).isTrue();
            assertThat(a.readEnd().tryRead(buf)).isEqualTo(Transfer.NOTHING);
            assertThat(b.readEnd().read(buf)).isEqualTo(5);
            CompletableFuture<Throwable> reader = BlockedCalls.blocked(() -> a.readEnd().read(new byte[8]));
            Thread.sleep(50);
            a.readEnd().close();
            assertThat(reader.get(5, TimeUnit.SECONDS)).isInstanceOf(ObjectClosedException.class);
        }
    }

    @Test
    void argumentsAreChecked() throws Exception {
        try (Pipe a = Pipe.open(); Pipe b = Pipe.open()) {
            assertThatThrownBy(() -> a.readEnd().transferTo(b.writeEnd(), 0)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("count must be > 0 bytes, got 0");
            assertThatThrownBy(() -> a.readEnd().tryTeeTo(b.writeEnd(), -1)).isInstanceOf(IllegalArgumentException.class);
            b.writeEnd().close();
            assertThatThrownBy(() -> a.readEnd().tryTransferTo(b.writeEnd(), 1)).isInstanceOf(ObjectClosedException.class);
        }
    }
}
