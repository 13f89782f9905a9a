package io.jipc.pipe;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jipc.IpcException;
import io.jipc.IpcInterruptedException;
import io.jipc.ObjectClosedException;
import io.jipc.Transfer;
import io.jipc.internal.libc.Fcntl;
import io.jipc.internal.libc.SignalH;
import io.jipc.internal.libc.Time;
import io.jipc.internal.libc.Unistd;
import io.jipc.internal.wait.Waiter;
import io.jipc.process.ChildProcess;
import io.jipc.process.Redirect;
import io.jipc.testing.BlockedCalls;
import io.jipc.testing.Peer;
import io.jipc.testing.PeerJvm;
import io.jipc.testing.ThreadSyscalls;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Where pipe and FIFO calls sleep: an untimed read or write inside read(2)/write(2) on the
 * blocking description jipc makes, woken by signal for close and interrupt; the non-blocking and
 * timed forms with RWF_NOWAIT on that same description where it takes it, and where it does not
 * (FIFOs) timed calls inside the call under the thread's timer. Also the edges: adopted
 * descriptors, a child's copy, and a thread without its wake-up timer (poll instead).
 */
class PipeKernelWaitTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static void assumeRwfNowaitOnPipes() {
        assumeTrue(PipeDescriptors.pipesTakeNowait(), "this kernel's pipes refuse RWF_NOWAIT: their non-blocking"
                + " and timed forms are a FIFO's (see the FIFO tests here)");
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
            CompletableFuture<Throwable> reader = BlockedCalls.blocked(() -> {
                tid.set(Unistd.gettid());
                pipe.readEnd().read(new byte[8]);
            });
            assertThat(ThreadSyscalls.awaitSleepingIn(tid::get, reader, "read", "poll", "ppoll"))
                    .as("asleep in read(2), not in poll(2)").isEqualTo("read");
            pipe.readEnd().close();
            assertThat(reader.get(5, TimeUnit.SECONDS)).isInstanceOf(ObjectClosedException.class)
                    .hasMessage("read(pipe): object is closed");
        }
    }

    @Test
    void aWriterSleepsInsideWriteAndAnInterruptWakesIt() throws Exception {
        try (Pipe pipe = Pipe.open()) {
            pipe.writeEnd().write(new byte[pipe.capacity()]);
            BlockedCalls.assertInterruptAnsweredWithin(Duration.ofMillis(100), () -> pipe.writeEnd().write(new byte[100]));
            AtomicInteger tid = new AtomicInteger();
            CompletableFuture<Throwable> writer = BlockedCalls.blocked(() -> {
                tid.set(Unistd.gettid());
                pipe.writeEnd().write(new byte[10]);
            });
            assertThat(ThreadSyscalls.awaitSleepingIn(tid::get, writer, "write", "poll", "ppoll")).isEqualTo("write");
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
        BlockedCalls.closeAndInterruptRacingTheEntryAlwaysWake(400, () -> {
            Pipe pipe = Pipe.open();
            return new BlockedCalls.WaitTarget() {
                @Override
                public void block() throws Exception {
                    pipe.readEnd().read(new byte[8]);
                }

                @Override
                public void closeObject() {
                    pipe.readEnd().close();
                }

                @Override
                public void close() {
                    pipe.close();
                }
            };
        });
    }

    @Test
    void nonBlockingAndTimedFormsNeverSleepInTheKernelOnTheBlockingDescription() throws Exception {
        assumeRwfNowaitOnPipes();
        try (Pipe pipe = Pipe.open(); Arena arena = Arena.ofConfined()) {
            Pipe.ReadEnd r = pipe.readEnd();
            Pipe.WriteEnd w = pipe.writeEnd();
            assertThat(r.fd().isNonBlocking()).isFalse();
            byte[] buf = new byte[16];
            assertThat(r.tryRead(buf, 0, 16)).isEqualTo(Transfer.NOTHING);
            long start = System.nanoTime();
            assertThat(r.tryRead(buf, 0, 16, Duration.ofMillis(50))).isEqualTo(Transfer.NOTHING);
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(45));

            int capacity = pipe.capacity();
            MemorySegment big = arena.allocate(capacity + 4096);
            assertThat(w.tryWrite(big)).as("what fits now").isEqualTo(capacity);
            assertThat(w.tryWrite(big)).isEqualTo(Transfer.NOTHING);
            assertThat(w.tryWrite(big, Duration.ofMillis(50))).isEqualTo(Transfer.NOTHING);
            assertThat(r.tryRead(arena.allocate(capacity))).isEqualTo(capacity);

            // A timed read waits in poll(2), is woken by a write from another thread, and reads it at once.
            AtomicInteger tid = new AtomicInteger();
            CompletableFuture<Integer> timed = CompletableFuture.supplyAsync(() -> {
                tid.set(Unistd.gettid());
                try {
                    return r.tryRead(new byte[8], 0, 8, WAIT);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }, runnable -> Thread.ofPlatform().start(runnable));
            assertThat(ThreadSyscalls.awaitSleepingIn(tid::get, timed, "read", "poll", "ppoll")).isIn("poll", "ppoll");
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
            CompletableFuture<Throwable> reader = BlockedCalls.blocked(() -> {
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
            BlockedCalls.assertInterruptAnsweredWithin(Duration.ofMillis(100), () -> pipe.writeEnd().write(new byte[100]));
        }
    }

    @Test
    void aChildIsHandedThePipesOwnBlockingDescriptionNotAReopenedCopy() throws Exception {
        try (Pipe pipe = Pipe.open();
                ChildProcess child = ChildProcess.builder("sleep", "60")
                        .fd(3, Redirect.of(pipe.writeEnd())).start()) {
            Path fdinfo = Path.of("/proc/" + child.pid() + "/fdinfo/3");
            assertThat(statusFlags(fdinfo) & Fcntl.O_NONBLOCK).as("blocking, as a child expects").isZero();
            pipe.writeEnd().setBlocking(false);
            assertThat(statusFlags(fdinfo) & Fcntl.O_NONBLOCK).as("one description, shared with the child")
                    .isNotZero();
        }
    }

    /** The "flags:" line of a /proc fdinfo file: the description's status flags, in octal. */
    private static int statusFlags(Path fdinfo) throws IOException {
        for (String line : Files.readAllLines(fdinfo)) {
            if (line.startsWith("flags:")) {
                return Integer.parseInt(line.substring(6).trim(), 8);
            }
        }
        throw new AssertionError("no flags in " + fdinfo);
    }

    @Test
    void anInterruptIsAnsweredWhenTheCallMustWaitAsInThePollModel() throws Exception {
        try (Pipe pipe = Pipe.open()) {
            byte[] buf = new byte[8];
            pipe.writeEnd().write("abc".getBytes(UTF_8));
            Thread.currentThread().interrupt();
            try {
                assertThat(pipe.readEnd().read(buf)).as("data there: no wait, no interrupt").isEqualTo(3);
                pipe.writeEnd().write("d".getBytes(UTF_8));
                assertThat(pipe.readEnd().read(buf)).isEqualTo(1);
                long start = System.nanoTime();
                assertThatThrownBy(() -> pipe.readEnd().read(buf)).isInstanceOf(IpcInterruptedException.class)
                        .hasMessage("read(pipe): interrupted");
                assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(5));
                assertThat(Thread.currentThread().isInterrupted()).as("the status is kept").isTrue();
            } finally {
                Thread.interrupted();
            }
            assertThat(pipe.readEnd().isOpen()).isTrue();
        }
    }

    /**
     * A new FIFO with both ends as {@link Fifo} opens them (the reader on a thread of its own, as
     * it waits for the writer); closing closes both and unlinks the FIFO.
     */
    private record FifoEnds(Fifo fifo, Path path, Pipe.WriteEnd out, Pipe.ReadEnd in) implements AutoCloseable {
        static FifoEnds create(String name) throws Exception {
            Path path = TestFifos.path(name);
            Fifo fifo = Fifo.createExclusively(path);
            try {
                CompletableFuture<Pipe.ReadEnd> opening = CompletableFuture.supplyAsync(() -> {
                    try {
                        return fifo.tryOpenForReading(WAIT).orElseThrow();
                    } catch (IpcException e) {
                        throw new IllegalStateException(e);
                    }
                }, runnable -> Thread.ofPlatform().start(runnable));
                Pipe.WriteEnd out = fifo.tryOpenForWriting(WAIT).orElseThrow();
                try {
                    return new FifoEnds(fifo, path, out, opening.get(30, TimeUnit.SECONDS));
                } catch (Exception e) {
                    out.close();
                    throw e;
                }
            } catch (Exception e) {
                fifo.unlink();
                throw e;
            }
        }

        @Override
        public void close() throws IpcException {
            in.close();
            out.close();
            fifo.unlink();
        }
    }

    @Test
    void aFifoEndSleepsInsideTheCallForUntimedAndTimedCallsUntilItsFirstNonBlockingCall() throws Exception {
        try (FifoEnds ends = FifoEnds.create("kwait-owned")) {
            Path path = ends.path();
            Pipe.WriteEnd out = ends.out();
            Pipe.ReadEnd in = ends.in();
            assertThat(out.isBlocking()).isTrue();
            assertThat(in.isBlocking()).isTrue();
            AtomicInteger tid = new AtomicInteger();
            CompletableFuture<Integer> reader = CompletableFuture.supplyAsync(() -> {
                tid.set(Unistd.gettid());
                try {
                    return in.read(new byte[8]);
                } catch (IpcException e) {
                    throw new IllegalStateException(e);
                }
            }, runnable -> Thread.ofPlatform().start(runnable));
            assertThat(ThreadSyscalls.awaitSleepingIn(tid::get, reader, "read", "poll", "ppoll"))
                    .as("an untimed read asleep in read(2), as in C").isEqualTo("read");
            out.write("abc".getBytes(UTF_8));
            assertThat(reader.get(5, TimeUnit.SECONDS)).isEqualTo(3);

            // A timed read sleeps in read(2) too, under the thread's timer: the FIFO needs no
            // non-blocking description for it (it refuses RWF_NOWAIT, the poll model's way).
            tid.set(0);
            CompletableFuture<Integer> timedReader = CompletableFuture.supplyAsync(() -> {
                tid.set(Unistd.gettid());
                try {
                    return in.tryRead(new byte[8], WAIT);
                } catch (IpcException e) {
                    throw new IllegalStateException(e);
                }
            }, runnable -> Thread.ofPlatform().start(runnable));
            assertThat(ThreadSyscalls.awaitSleepingIn(tid::get, timedReader, "read", "poll", "ppoll"))
                    .as("a timed read asleep in read(2)").isEqualTo("read");
            out.write("de".getBytes(UTF_8));
            assertThat(timedReader.get(5, TimeUnit.SECONDS)).isEqualTo(2);
            byte[] buf = new byte[8];
            long start = System.nanoTime();
            assertThat(in.tryRead(buf, 0, 8, Duration.ofMillis(50))).isEqualTo(Transfer.NOTHING);
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(45));
            assertThat(in.isBlocking()).as("timed calls leave the mode alone").isTrue();
            assertThat(in.fd().isNonBlocking()).isFalse();

            // A timed write into a full FIFO sleeps in write(2) the same way.
            int capacity = out.capacity();
            out.write(new byte[capacity]);
            tid.set(0);
            CompletableFuture<Integer> timedWriter = CompletableFuture.supplyAsync(() -> {
                tid.set(Unistd.gettid());
                try {
                    return out.tryWrite(new byte[10], WAIT);
                } catch (IpcException e) {
                    throw new IllegalStateException(e);
                }
            }, runnable -> Thread.ofPlatform().start(runnable));
            assertThat(ThreadSyscalls.awaitSleepingIn(tid::get, timedWriter, "write", "poll", "ppoll"))
                    .as("a timed write asleep in write(2)").isEqualTo("write");
            assertThat(in.inputStream().readNBytes(capacity)).hasSize(capacity);
            assertThat(timedWriter.get(5, TimeUnit.SECONDS)).isEqualTo(10);
            // A timed write that times out after writing part answers that part.
            int fitted = out.tryWrite(new byte[capacity], Duration.ofMillis(50));
            assertThat(fitted).as("what fitted").isPositive().isLessThan(capacity);
            assertThat(out.tryWrite(new byte[1], Duration.ofMillis(50))).isEqualTo(Transfer.NOTHING);
            assertThat(out.isBlocking()).isTrue();
            assertThat(in.inputStream().readNBytes(10 + fitted)).hasSize(10 + fitted);

            // The first non-blocking call (a zero timeout is one) has no other way than a
            // non-blocking description.
            out.write("fg".getBytes(UTF_8));
            assertThat(in.tryRead(buf, Duration.ZERO)).as("what is there").isEqualTo(2);
            assertThat(in.isBlocking()).as("a non-blocking call needs the poll model on a FIFO").isFalse();
            assertThat(in.tryRead(buf, 0, 8)).isEqualTo(Transfer.NOTHING);
            assertThat(in.fd().isNonBlocking()).isTrue();
            tid.set(0);
            CompletableFuture<Throwable> waiting = BlockedCalls.blocked(() -> {
                tid.set(Unistd.gettid());
                in.read(new byte[8]);
            });
            assertThat(ThreadSyscalls.awaitSleepingIn(tid::get, waiting, "read", "poll", "ppoll"))
                    .as("from then on in poll(2)").isIn("poll", "ppoll");
            in.close();
            assertThat(waiting.get(5, TimeUnit.SECONDS)).isInstanceOf(ObjectClosedException.class)
                    .hasMessage("read(" + path + "): object is closed");
        }
    }

    @Test
    void aFifoEndMadeBlockingByTheUserKeepsItsModeAndItsTimedFormsTheirDeadline() throws Exception {
        try (FifoEnds ends = FifoEnds.create("kwait")) {
            Path path = ends.path();
            Pipe.WriteEnd out = ends.out();
            Pipe.ReadEnd in = ends.in();
            assertThat(in.isBlocking()).as("FIFO ends jipc opens are blocking").isTrue();
            assertThat(in.fd().isNonBlocking()).isFalse();
            in.setBlocking(true);
            out.setBlocking(true);
            byte[] buf = new byte[8];
            // The non-blocking form polls first, so it never sleeps in read(2) on an empty FIFO.
            assertThat(in.tryRead(buf, 0, 8)).isEqualTo(Transfer.NOTHING);
            long start = System.nanoTime();
            assertThat(in.tryRead(buf, 0, 8, Duration.ofMillis(50))).isEqualTo(Transfer.NOTHING);
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(45));
            assertThat(in.isBlocking()).as("the user's choice of mode stays").isTrue();
            assertThat(in.fd().isNonBlocking()).isFalse();
            out.write("abc".getBytes(UTF_8));
            assertThat(in.tryRead(buf, 0, 8)).isEqualTo(3);
            out.write("abc".getBytes(UTF_8));
            assertThat(in.tryRead(buf, 0, 8, WAIT)).isEqualTo(3);
            assertThat(out.tryWrite(new byte[2 * PipeIo.PIPE_BUF]))
                    .as("cut to PIPE_BUF: more could sleep, were the room taken meanwhile").isEqualTo(PipeIo.PIPE_BUF);
            in.inputStream().readNBytes(PipeIo.PIPE_BUF);

            BlockedCalls.assertInterruptAnsweredWithin(Duration.ofMillis(100), () -> in.read(new byte[8]));
            BlockedCalls.assertInterruptAnsweredWithin(Duration.ofMillis(100), () -> in.tryRead(new byte[8], WAIT));
            AtomicInteger tid = new AtomicInteger();
            CompletableFuture<Throwable> reader = BlockedCalls.blocked(() -> {
                tid.set(Unistd.gettid());
                in.tryRead(new byte[8], WAIT);
            });
            assertThat(ThreadSyscalls.awaitSleepingIn(tid::get, reader, "read", "poll", "ppoll"))
                    .as("a timed read asleep in read(2)").isEqualTo("read");
            in.close();
            assertThat(reader.get(5, TimeUnit.SECONDS)).isInstanceOf(ObjectClosedException.class)
                    .hasMessage("read(" + path + "): object is closed");
            assertThat(in.fd().isOpen()).isFalse();
        }
    }

    @Test
    void adoptedDescriptionsKeepTheirModeUntilANonBlockingCallNeedsAnother() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(ValueLayout.JAVA_INT, 2);
            assertThat(Unistd.pipe2(fds, Fcntl.O_CLOEXEC)).isZero();
            try (Pipe.ReadEnd in = Pipe.ReadEnd.adopt(fds.getAtIndex(ValueLayout.JAVA_INT, 0));
                    Pipe.WriteEnd out = Pipe.WriteEnd.adopt(fds.getAtIndex(ValueLayout.JAVA_INT, 1))) {
                assertThat(in.isBlocking()).isTrue();
                assertThat(out.fd().isNonBlocking()).isFalse();
                assertThat(in.tryRead(new byte[4], 0, 4)).isEqualTo(Transfer.NOTHING);
                out.write("x".getBytes(UTF_8));
                assertThat(in.tryRead(new byte[4], 0, 4, WAIT)).isEqualTo(1);
                assertThat(in.isBlocking()).as("RWF_NOWAIT taken: the mode never changed")
                        .isEqualTo(PipeDescriptors.pipesTakeNowait());
            }

            // A FIFO in a file system (O_RDWR: an open of a FIFO that waits for nobody, on Linux).
            Path path = TestFifos.path("adopt");
            Fifo fifo = Fifo.createExclusively(path);
            try {
                int raw = Fcntl.open(arena.allocateFrom(path.toString()), Fcntl.O_RDWR | Fcntl.O_CLOEXEC, 0);
                assertThat(raw).isNotNegative();
                try (Pipe.ReadEnd in = Pipe.ReadEnd.adopt(raw)) {
                    assertThat(in.isBlocking()).isTrue();
                    assertThat(in.fd().isNonBlocking()).isFalse();
                    assertThat(in.tryRead(new byte[4], 0, 4, Duration.ofMillis(20))).isEqualTo(Transfer.NOTHING);
                    assertThat(in.isBlocking()).isTrue();
                    assertThat(in.tryRead(new byte[4], 0, 4)).isEqualTo(Transfer.NOTHING);
                    assertThat(in.isBlocking()).isEqualTo(PipeDescriptors.fifosTakeNowait());
                    assertThat(in.fd().isNonBlocking()).isEqualTo(!PipeDescriptors.fifosTakeNowait());
                }
            } finally {
                fifo.unlink();
            }
        }
    }

    /**
     * A thread that cannot have its wake-up timer (timer_create fails: here RLIMIT_SIGPENDING is
     * 0 in a second JVM) waits in poll(2) with RWF_NOWAIT instead, still woken by data, interrupt
     * and close.
     */
    @Test
    void withoutAWakeUpTimerABlockingPipeWaitsInPollAndStillWakes() throws Exception {
        assumeRwfNowaitOnPipes();
        Path prlimit = Path.of("/usr/bin/prlimit");
        assumeTrue(Files.isExecutable(prlimit), "prlimit(1) (util-linux) sets the second JVM's limit");
        List<String> cmd = new ArrayList<>(List.of(prlimit.toString(), "--sigpending=0", PeerJvm.javaCommand(),
                "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "-cp", System.getProperty("java.class.path"), PipePeer.class.getName(), "no-wake-timer"));
        try (Peer peer = Peer.start("PipePeer", cmd)) {
            peer.awaitSuccess(Duration.ofSeconds(60));
            assertThat(peer.stdout()).isEqualTo("""
                    timer refused true, blocking true
                    read waits in poll
                    read 3
                    read interrupted
                    read closed
                    write waits in poll
                    write interrupted
                    timed write nothing
                    """);
        }
    }

    /** The peer side of {@link #withoutAWakeUpTimerABlockingPipeWaitsInPollAndStillWakes()}. */
    static void noWakeTimer() throws Exception {
        try (Pipe pipe = Pipe.open()) {
            Pipe.ReadEnd in = pipe.readEnd();
            System.out.println("timer refused " + wakeUpTimerRefused() + ", blocking " + in.isBlocking());

            AtomicInteger tid = new AtomicInteger();
            AtomicReference<Thread> thread = new AtomicReference<>();
            CompletableFuture<Throwable> reader = BlockedCalls.blocked(() -> {
                tid.set(Unistd.gettid());
                thread.set(Thread.currentThread());
                byte[] buf = new byte[8];
                System.out.println("read " + in.read(buf));
                in.read(buf);
            });
            awaitInPoll(tid, reader);
            System.out.println("read waits in poll");
            pipe.writeEnd().write("abc".getBytes(UTF_8));
            awaitInPoll(tid, reader);
            thread.get().interrupt();
            System.out.println("read " + outcome(reader.get(5, TimeUnit.SECONDS)));
            AtomicInteger secondTid = new AtomicInteger();
            reader = BlockedCalls.blocked(() -> {
                secondTid.set(Unistd.gettid());
                in.read(new byte[8]);
            });
            awaitInPoll(secondTid, reader);
            in.close();
            System.out.println("read " + outcome(reader.get(5, TimeUnit.SECONDS)));
        }
        try (Pipe pipe = Pipe.open()) {
            Pipe.WriteEnd out = pipe.writeEnd();
            out.write(new byte[pipe.capacity()]);
            AtomicInteger tid = new AtomicInteger();
            AtomicReference<Thread> thread = new AtomicReference<>();
            CompletableFuture<Throwable> writer = BlockedCalls.blocked(() -> {
                tid.set(Unistd.gettid());
                thread.set(Thread.currentThread());
                out.write(new byte[10]);
            });
            awaitInPoll(tid, writer);
            System.out.println("write waits in poll");
            thread.get().interrupt();
            System.out.println("write " + outcome(writer.get(5, TimeUnit.SECONDS)));
            int n = out.tryWrite(new byte[10], 0, 10, Duration.ofMillis(20));
            System.out.println("timed write " + (n == Transfer.NOTHING ? "nothing" : n));
        }
        System.out.flush();
    }

    /** Whether this thread is refused the kind of timer the engine wakes its sleeping calls with. */
    private static boolean wakeUpTimerRefused() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sigevent = arena.allocate(SignalH.SIGEVENT.layout());
            sigevent.set(ValueLayout.JAVA_INT, SignalH.SIGEV_SIGNO, Waiter.signal());
            sigevent.set(ValueLayout.JAVA_INT, SignalH.SIGEV_NOTIFY, SignalH.SIGEV_THREAD_ID);
            sigevent.set(ValueLayout.JAVA_INT, SignalH.SIGEV_TID, Unistd.gettid());
            MemorySegment timer = arena.allocate(ValueLayout.ADDRESS);
            if (Time.timer_create(Time.CLOCK_MONOTONIC, sigevent, timer) < 0) {
                return true;
            }
            Time.timer_delete(timer.get(ValueLayout.ADDRESS, 0));
            return false;
        }
    }

    /** Waits until the thread sleeps in poll(2) (or ppoll, which glibc may use instead), not in read/write. */
    private static void awaitInPoll(AtomicInteger tid, CompletableFuture<Throwable> call) throws Exception {
        String where = ThreadSyscalls.awaitSleepingIn(tid::get, call, "poll", "ppoll", "read", "write");
        if (!where.endsWith("poll")) {
            throw new AssertionError("asleep in " + where + ", not in poll");
        }
    }

    private static String outcome(Throwable t) {
        return t instanceof IpcInterruptedException ? "interrupted" : t instanceof ObjectClosedException ? "closed" : t.toString();
    }
}
