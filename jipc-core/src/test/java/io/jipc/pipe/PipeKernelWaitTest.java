package io.jipc.pipe;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jipc.IpcInterruptedException;
import io.jipc.ObjectClosedException;
import io.jipc.internal.libc.Unistd;
import io.jipc.process.ChildProcess;
import io.jipc.process.Redirect;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The in-kernel wait of pipes made by {@link Pipe#open}: an untimed read or write sleeps inside
 * read(2)/write(2) on a blocking description, and close and interrupt wake it by signal; the
 * non-blocking and timed forms use RWF_NOWAIT on that same description.
 */
class PipeKernelWaitTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @BeforeAll
    static void needsRwfNowaitOnPipes() {
        assumeTrue(PipeIo.pipesTakeNowait(), "this kernel's pipes refuse RWF_NOWAIT: jipc keeps them non-blocking");
    }

    @Test
    void aPipeIsBlockingAndItsReaderSleepsInsideReadUntilClosed() throws Exception {
        // The only writer is another process that never writes: nothing but close can end the read.
        try (Pipe pipe = Pipe.open();
                ChildProcess writer = ChildProcess.builder("sleep", "60")
                        .fd(3, Redirect.handOver(pipe.writeEnd())).start()) {
            assertThat(pipe.readEnd().isBlocking()).isTrue();
            assertThat(pipe.readEnd().fd().isNonBlocking()).isFalse();
            AtomicInteger tid = new AtomicInteger();
            CompletableFuture<Throwable> reader = blocked(() -> {
                tid.set(Unistd.gettid());
                pipe.readEnd().read(new byte[8]);
            });
            String syscall = awaitSleepingIn(tid, reader);
            assertThat(syscall).as("asleep in read(2), not in poll(2)").isEqualTo(readSyscallNumber());
            pipe.readEnd().close();
            assertThat(reader.get(5, TimeUnit.SECONDS)).isInstanceOf(ObjectClosedException.class)
                    .hasMessage("read(pipe): object is closed");
        }
    }

    @Test
    void aWriterSleepsInsideWriteAndAnInterruptWakesIt() throws Exception {
        try (Pipe pipe = Pipe.open()) {
            pipe.writeEnd().write(new byte[pipe.capacity()]);
            PipeTest.assertInterruptible(() -> pipe.writeEnd().write(new byte[100]));
            AtomicInteger tid = new AtomicInteger();
            CompletableFuture<Throwable> writer = blocked(() -> {
                tid.set(Unistd.gettid());
                pipe.writeEnd().write(new byte[10]);
            });
            assertThat(awaitSleepingIn(tid, writer)).isEqualTo(writeSyscallNumber());
            pipe.writeEnd().close();
            assertThat(writer.get(5, TimeUnit.SECONDS)).isInstanceOf(ObjectClosedException.class);
        }
    }

    /**
     * The race every signal-based wake-up has: close or interrupt landing just before the thread
     * enters read(2). Each round starts a read and wakes it at a random moment around its entry;
     * every read must end (the waker's signal repeats until the thread has left the call).
     */
    @Test
    void closeAndInterruptRacingTheEntryIntoReadAlwaysWake() throws Exception {
        int rounds = 400;
        BlockingQueue<Pipe.ReadEnd> work = new ArrayBlockingQueue<>(1);
        BlockingQueue<Throwable> outcomes = new ArrayBlockingQueue<>(1);
        AtomicInteger taken = new AtomicInteger(-1);
        Thread reader = Thread.ofPlatform().start(() -> {
            byte[] buf = new byte[8];
            for (int i = 0; i < rounds; i++) {
                Pipe.ReadEnd end;
                try {
                    end = work.take();
                } catch (InterruptedException e) {
                    return;
                }
                taken.set(i);
                Throwable t;
                try {
                    end.read(buf);
                    t = new AssertionError("read returned");
                } catch (Throwable e) {
                    t = e;
                }
                Thread.interrupted();
                outcomes.add(t);
            }
        });
        try {
            for (int i = 0; i < rounds; i++) {
                try (Pipe pipe = Pipe.open()) {
                    boolean close = (i & 1) == 0;
                    work.put(pipe.readEnd());
                    while (taken.get() != i) {
                        Thread.onSpinWait();
                    }
                    // From at once (before the read began) to well after it went to sleep.
                    int spins = ThreadLocalRandom.current().nextInt(i % 10 == 0 ? 200_000 : 5_000);
                    for (int s = 0; s < spins; s++) {
                        Thread.onSpinWait();
                    }
                    if (close) {
                        pipe.readEnd().close();
                    } else {
                        reader.interrupt();
                    }
                    Throwable t = outcomes.poll(10, TimeUnit.SECONDS);
                    assertThat(t).as("round %d (%s): the read ended", i, close ? "close" : "interrupt").isNotNull();
                    assertThat(t).isInstanceOf(close ? ObjectClosedException.class : IpcInterruptedException.class);
                }
            }
        } finally {
            reader.interrupt();
            reader.join(10_000);
        }
        assertThat(reader.isAlive()).isFalse();
    }

    @Test
    void nonBlockingAndTimedFormsNeverSleepInTheKernelOnTheBlockingDescription() throws Exception {
        try (Pipe pipe = Pipe.open(); Arena arena = Arena.ofConfined()) {
            Pipe.ReadEnd r = pipe.readEnd();
            Pipe.WriteEnd w = pipe.writeEnd();
            assertThat(r.fd().isNonBlocking()).isFalse();
            byte[] buf = new byte[16];
            assertThat(r.tryRead(buf, 0, 16)).isZero();
            long start = System.nanoTime();
            assertThat(r.read(buf, 0, 16, Duration.ofMillis(50))).isZero();
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(45));

            int capacity = pipe.capacity();
            MemorySegment big = arena.allocate(capacity + 4096);
            assertThat(w.tryWrite(big)).as("what fits now").isEqualTo(capacity);
            assertThat(w.tryWrite(big)).isZero();
            assertThat(w.write(big, Duration.ofMillis(50))).isZero();
            assertThat(r.tryRead(arena.allocate(capacity))).isEqualTo(capacity);

            // A timed read is woken by a write from another thread, and reads it at once.
            CompletableFuture<Integer> timed = CompletableFuture.supplyAsync(() -> {
                try {
                    return r.read(new byte[8], 0, 8, WAIT);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }, runnable -> Thread.ofPlatform().start(runnable));
            Thread.sleep(50);
            w.write("hi".getBytes(UTF_8));
            assertThat(timed.get(10, TimeUnit.SECONDS)).isEqualTo(2);
            assertThat(r.fd().isNonBlocking()).as("the mode never changed").isFalse();
        }
    }

    @Test
    void aDescriptionMadeNonBlockingBehindTheEndsBackStillWaitsAndWakes() throws Exception {
        // As if a process sharing the description had set O_NONBLOCK: the kernel wait sees EAGAIN
        // and waits in poll(2) instead, still woken by data, close and interrupt.
        try (Pipe pipe = Pipe.open()) {
            pipe.readEnd().fd().setNonBlocking(true);
            CompletableFuture<Throwable> reader = blocked(() -> {
                byte[] buf = new byte[8];
                if (pipe.readEnd().read(buf) != 3) {
                    throw new AssertionError("short");
                }
                pipe.readEnd().read(buf);
            });
            Thread.sleep(50);
            pipe.writeEnd().write("abc".getBytes(UTF_8));
            Thread.sleep(50);
            assertThat(reader).isNotDone();
            pipe.readEnd().close();
            assertThat(reader.get(5, TimeUnit.SECONDS)).isInstanceOf(ObjectClosedException.class);
        }
        try (Pipe pipe = Pipe.open()) {
            pipe.writeEnd().fd().setNonBlocking(true);
            pipe.writeEnd().write(new byte[pipe.capacity()]);
            PipeTest.assertInterruptible(() -> pipe.writeEnd().write(new byte[100]));
        }
    }

    // ------------------------------------------------------------------ helpers

    private interface Call {
        void run() throws Exception;
    }

    private static CompletableFuture<Throwable> blocked(Call call) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                call.run();
                return new AssertionError("returned");
            } catch (Throwable t) {
                return t;
            }
        }, runnable -> Thread.ofPlatform().start(runnable));
    }

    /**
     * Waits until thread {@code tid} sleeps (state S) in a system call and returns the call's
     * number from /proc/self/task/TID/syscall: proof of where it waits, and that it burns no CPU.
     */
    private static String awaitSleepingIn(AtomicInteger tid, CompletableFuture<Throwable> call) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String last = "";
        while (System.nanoTime() < deadline) {
            assertThat(call).as("still blocked").isNotDone();
            int t = tid.get();
            if (t != 0) {
                Path task = Path.of("/proc/self/task/" + t);
                String stat = Files.readString(task.resolve("stat"));
                char state = stat.charAt(stat.lastIndexOf(')') + 2);
                last = Files.readString(task.resolve("syscall")).trim();
                String nr = last.split(" ")[0];
                if (state == 'S' && (nr.equals(readSyscallNumber()) || nr.equals(writeSyscallNumber()))) {
                    return nr;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("thread " + tid.get() + " never slept in read/write: " + last);
    }

    private static String readSyscallNumber() {
        return System.getProperty("os.arch").equals("aarch64") ? "63" : "0";
    }

    private static String writeSyscallNumber() {
        return System.getProperty("os.arch").equals("aarch64") ? "64" : "1";
    }
}
