package io.jipc.pipe;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jipc.AlreadyExistsException;
import io.jipc.Errno;
import io.jipc.IpcException;
import io.jipc.NotFoundException;
import io.jipc.Transfer;
import io.jipc.internal.libc.Unistd;
import io.jipc.testing.BlockedCalls;
import io.jipc.testing.CPeer;
import io.jipc.testing.Peer;
import io.jipc.testing.PeerJvm;
import io.jipc.testing.ThreadMeters;
import io.jipc.testing.ThreadSyscalls;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * FIFOs: creation rules, opens that wait inside open(2) (and give up), and interop with C
 * programs (blocked in their own open or not) and a second JVM.
 */
class FifoTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Duration SHORT = Duration.ofMillis(200);

    private final Path path = TestFifos.path("fifo");

    @AfterEach
    void removeTheFifo() throws Exception {
        Files.deleteIfExists(path);
    }

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void createExclusivelyMakesAFifoWithExactlyTheModeAskedFor() throws Exception {
        Fifo fifo = Fifo.createExclusively(path);
        assertThat(fifo.path()).isEqualTo(path);
        assertThat(Files.isRegularFile(path)).isFalse();
        assertThat(Files.readAttributes(path, "unix:mode").get("mode")).satisfies(
                m -> assertThat((Integer) m & 0170000).isEqualTo(0010000));
        assertThat(mode(path)).isEqualTo("rw-------");
        assertThatThrownBy(() -> Fifo.createExclusively(path)).isInstanceOf(AlreadyExistsException.class)
                .hasMessage("mkfifo(" + path + "): File exists (EEXIST)");
        fifo.unlink();

        // The umask (typically 022) does not apply: the mode is set as asked.
        Fifo.createExclusively(path, Fifo.Options.defaults().withMode(PosixFilePermissions.fromString("rw-rw-rw-")));
        assertThat(mode(path)).isEqualTo("rw-rw-rw-");
    }

    @Test
    void createOrOpenReusesAFifoAndRefusesAnythingElse() throws Exception {
        Fifo.createExclusively(path, Fifo.Options.defaults().withMode(PosixFilePermissions.fromString("rw-r-----")));
        Fifo again = Fifo.createOrOpen(path);
        assertThat(again.path()).isEqualTo(path);
        assertThat(mode(path)).as("an existing FIFO keeps its mode").isEqualTo("rw-r-----");
        Files.delete(path);

        Files.writeString(path, "a regular file");
        assertThatThrownBy(() -> Fifo.createOrOpen(path)).isInstanceOf(IpcException.class)
                .hasMessage("mkfifo(" + path + "): exists and is a regular file, not a FIFO (EEXIST)");
        assertThatThrownBy(() -> Fifo.openExisting(path)).isInstanceOf(IpcException.class)
                .hasMessage("stat(" + path + "): is a regular file, not a FIFO (EINVAL)");
        assertThatThrownBy(() -> Fifo.tryOpenForWriting(path, SHORT)).isInstanceOf(IpcException.class)
                .hasMessage("open(" + path + "): is a regular file, not a FIFO (EINVAL)");
        assertThatThrownBy(() -> Fifo.tryOpenForReading(path)).isInstanceOf(IpcException.class)
                .hasMessage("open(" + path + "): is a regular file, not a FIFO (EINVAL)");
        assertThatThrownBy(() -> Fifo.openForReading(path)).isInstanceOf(IpcException.class)
                .hasMessage("open(" + path + "): is a regular file, not a FIFO (EINVAL)");
        assertThat(Files.readString(path)).as("never opened, never touched").isEqualTo("a regular file");
        // A device is refused before any open of its own runs (O_PATH runs none).
        assertThatThrownBy(() -> Fifo.tryOpenForWriting(Path.of("/dev/null"))).isInstanceOf(IpcException.class)
                .hasMessage("open(/dev/null): is a character device, not a FIFO (EINVAL)");
    }

    @Test
    void missingPathsAndUnlink() throws Exception {
        assertThatThrownBy(() -> Fifo.openExisting(path)).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> Fifo.tryOpenForReading(path, SHORT)).isInstanceOf(NotFoundException.class)
                .hasMessage("open(" + path + "): No such file or directory (ENOENT)");
        Fifo fifo = Fifo.createExclusively(path);
        assertThat(Fifo.openExisting(path).path()).isEqualTo(path);
        fifo.unlink();
        assertThat(Files.exists(path, LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThatThrownBy(fifo::unlink).isInstanceOf(NotFoundException.class);

        Files.writeString(path, "replaced");
        assertThatThrownBy(fifo::unlink).isInstanceOf(IpcException.class)
                .hasMessage("unlink(" + path + "): is a regular file, not a FIFO: left in place (EINVAL)");
        assertThat(Files.exists(path)).isTrue();
        assertThatThrownBy(() -> Fifo.createExclusively(path, null)).isInstanceOf(NullPointerException.class);
    }

    /**
     * A timed open with nobody on the other side sleeps inside open(2) until its deadline, on
     * either side, using no CPU; the non-blocking form gives up at once.
     */
    @Test
    void opensWithNobodyOnTheOtherSideSleepInOpenAndGiveUpCleanly() throws Exception {
        Fifo fifo = Fifo.createExclusively(path);
        assertThat(fifo.tryOpenForWriting()).isEmpty();
        assertThat(fifo.tryOpenForReading()).isEmpty();
        for (boolean writing : new boolean[] {true, false}) {
            AtomicInteger tid = new AtomicInteger();
            CompletableFuture<long[]> open = CompletableFuture.supplyAsync(() -> {
                tid.set(Unistd.gettid());
                long cpu = ThreadMeters.currentThreadCpuNanos();
                long start = System.nanoTime();
                try {
                    Optional<? extends Pipe.End> end = writing
                            ? fifo.tryOpenForWriting(Duration.ofMillis(500))
                            : fifo.tryOpenForReading(Duration.ofMillis(500));
                    return new long[] {end.isPresent() ? 1 : 0, System.nanoTime() - start,
                        ThreadMeters.currentThreadCpuNanos() - cpu};
                } catch (IpcException e) {
                    throw new AssertionError(e);
                }
            }, runnable -> Thread.ofPlatform().start(runnable));
            assertThat(ThreadSyscalls.awaitSleepingIn(tid::get, open, "openat", "poll", "ppoll", "clock_nanosleep"))
                    .as("asleep in open(2), as C").isEqualTo("openat");
            long[] outcome = open.get(10, TimeUnit.SECONDS);
            assertThat(outcome[0]).as("nobody came").isZero();
            assertThat(outcome[1]).isGreaterThanOrEqualTo(Duration.ofMillis(500).toNanos());
            assertThat(outcome[2]).as("CPU while waiting 500 ms").isLessThan(100_000_000L);
        }
        assertThat(fifo.tryOpenForReading(Duration.ZERO)).isEmpty();
    }

    @Test
    void aWaitingOpenSleepsInOpenUntilTheOtherSideComes() throws Exception {
        Fifo fifo = Fifo.createExclusively(path);
        AtomicInteger tid = new AtomicInteger();
        CompletableFuture<Pipe.ReadEnd> reader = CompletableFuture.supplyAsync(() -> {
            tid.set(Unistd.gettid());
            try {
                return fifo.openForReading();
            } catch (IpcException e) {
                throw new AssertionError(e);
            }
        }, runnable -> Thread.ofPlatform().start(runnable));
        assertThat(ThreadSyscalls.awaitSleepingIn(tid::get, reader, "openat", "poll", "ppoll", "clock_nanosleep"))
                .isEqualTo("openat");
        try (Pipe.WriteEnd out = fifo.tryOpenForWriting().orElseThrow();
                Pipe.ReadEnd in = reader.get(10, TimeUnit.SECONDS)) {
            assertThat(in.isBlocking()).isTrue();
            assertThat(out.isBlocking()).as("opened without waiting, then made blocking").isTrue();
            assertThat(out.fd().isNonBlocking()).isFalse();
            out.write("met".getBytes(UTF_8));
            assertThat(in.read(new byte[8])).isEqualTo(3);
        }
    }

    @Test
    void aJipcReaderAndWriterMeetWhicheverComesFirst() throws Exception {
        Fifo fifo = Fifo.createExclusively(path);
        for (boolean readerFirst : new boolean[] {true, false}) {
            CompletableFuture<String> reader = CompletableFuture.supplyAsync(() -> {
                try (Pipe.ReadEnd in = fifo.openForReading()) {
                    return new String(in.inputStream().readAllBytes(), UTF_8);
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }, runnable -> Thread.ofPlatform().start(runnable));
            if (readerFirst) {
                Thread.sleep(100);
            }
            try (Pipe.WriteEnd out = fifo.tryOpenForWriting(WAIT).orElseThrow()) {
                out.write("met".getBytes(UTF_8));
            }
            assertThat(reader.get(60, TimeUnit.SECONDS)).isEqualTo("met");
        }
    }

    @Test
    void aReaderSeesACWriterThatOpensAndStaysSilent() throws Exception {
        Fifo fifo = Fifo.createExclusively(path);
        CompletableFuture<Optional<Pipe.ReadEnd>> reader = CompletableFuture.supplyAsync(() -> {
            try {
                return fifo.tryOpenForReading(WAIT);
            } catch (IpcException e) {
                throw new AssertionError(e);
            }
        });
        try (Peer writer = CPeer.start("pipe_peer", "fifo-hold", path.toString())) {
            writer.awaitOutput("opened", WAIT);
            try (Pipe.ReadEnd in = reader.get(60, TimeUnit.SECONDS).orElseThrow()) {
                assertThat(in.tryRead(new byte[8], 0, 8)).as("open, silent: no EOF").isEqualTo(Transfer.NOTHING);
                assertThat(Fifo.tryOpenForReading(path)).as("a writer is there now").hasValueSatisfying(Pipe.ReadEnd::close);
                writer.stdin().close();
                assertThat(in.read(new byte[8])).as("the writer closed").isEqualTo(Transfer.EOF);
            }
            writer.awaitSuccess(WAIT);
        }
    }

    @Test
    void aReaderGetsWhatACWriterWrites() throws Exception {
        Fifo fifo = Fifo.createExclusively(path);
        try (Peer writer = CPeer.start("pipe_peer", "fifo-write", path.toString(), "from C ✓", "100");
                Pipe.ReadEnd in = fifo.tryOpenForReading(WAIT).orElseThrow()) {
            assertThat(new String(in.inputStream().readAllBytes(), UTF_8)).isEqualTo("from C ✓");
            writer.awaitSuccess(WAIT);
        }
    }

    /** A C reader blocked in its open(2) counts as a reader: a writer's open completes both. */
    @Test
    void aWriterFindsACReaderBlockedInItsOpen() throws Exception {
        Fifo fifo = Fifo.createExclusively(path);
        try (Peer reader = CPeer.start("pipe_peer", "fifo-read", path.toString())) {
            try (Pipe.WriteEnd out = fifo.tryOpenForWriting(WAIT).orElseThrow()) {
                out.write("to C".getBytes(UTF_8));
            }
            reader.awaitSuccess(WAIT);
            assertThat(reader.stdout()).isEqualTo("to C");
        }
        try (Peer reader = CPeer.start("pipe_peer", "fifo-hold-reader", path.toString());
                Pipe.WriteEnd out = fifo.tryOpenForWriting(WAIT).orElseThrow()) {
            reader.awaitOutput("opened", WAIT);
            assertThat(fifo.tryOpenForWriting()).as("a reader is there now").hasValueSatisfying(Pipe.WriteEnd::close);
            reader.stdin().close();
            reader.awaitSuccess(WAIT);
            assertThatThrownBy(() -> out.write(new byte[1])).isInstanceOf(IpcException.class)
                    .satisfies(e -> assertThat(((IpcException) e).error()).isEqualTo(Errno.EPIPE));
        }
    }

    @Test
    void aSecondJvmWritesAndReads() throws Exception {
        Fifo fifo = Fifo.createExclusively(path);
        try (Peer peer = PeerJvm.start(PipePeer.class, "fifo-write", path.toString(), "from a JVM");
                Pipe.ReadEnd in = fifo.tryOpenForReading(WAIT).orElseThrow()) {
            assertThat(new String(in.inputStream().readAllBytes(), UTF_8)).isEqualTo("from a JVM");
            peer.awaitSuccess(WAIT);
        }
        try (Peer peer = PeerJvm.start(PipePeer.class, "fifo-read", path.toString())) {
            try (Pipe.WriteEnd out = fifo.tryOpenForWriting(WAIT).orElseThrow()) {
                out.write("to a JVM".getBytes(UTF_8));
            }
            peer.awaitSuccess(WAIT);
            assertThat(peer.stdout()).isEqualTo("to a JVM");
        }
    }

    @Test
    void waitingOpensAnswerInterruptWithin100Ms() throws Exception {
        Fifo fifo = Fifo.createExclusively(path);
        BlockedCalls.assertInterruptAnsweredWithin(Duration.ofMillis(100), () -> fifo.openForReading().close());
        BlockedCalls.assertInterruptAnsweredWithin(Duration.ofMillis(100), () -> fifo.openForWriting().close());
    }

    @Test
    void fifoEndsAreOrdinaryPipeEndsNamedByThePath() throws Exception {
        Fifo fifo = Fifo.createExclusively(path);
        CompletableFuture<Pipe.ReadEnd> reader = CompletableFuture.supplyAsync(() -> {
            try {
                return fifo.openForReading();
            } catch (IpcException e) {
                throw new AssertionError(e);
            }
        });
        try (Pipe.WriteEnd out = fifo.tryOpenForWriting(WAIT).orElseThrow();
                Pipe.ReadEnd in = reader.get(60, TimeUnit.SECONDS)) {
            assertThat(out.capacity()).isEqualTo(in.capacity()).isPositive();
            assertThat(in.tryRead(new byte[4], 0, 4)).isEqualTo(Transfer.NOTHING);
            try (Pipe.WriteEnd second = out.reopenBlocking()) {
                second.write("via a reopened end".getBytes(UTF_8));
            }
            assertThat(new String(in.inputStream().readNBytes(18), UTF_8)).isEqualTo("via a reopened end");
            in.close();
            assertThatThrownBy(() -> out.write(new byte[1])).isInstanceOf(IpcException.class)
                    .hasMessage("write(" + path + "): Broken pipe (EPIPE)");
        }
    }

    /** Shell tools open FIFOs with a plain blocking open(2): cat as the reader, a redirection as the writer. */
    @Test
    void shellToolsBlockedInTheirOpenMeetJipc() throws Exception {
        Fifo fifo = Fifo.createExclusively(path);
        try (Peer cat = Peer.start("cat", List.of("cat", path.toString()))) {
            awaitBlockedInOpen(cat);
            try (Pipe.WriteEnd out = fifo.openForWriting()) {
                out.write("to cat\n".getBytes(UTF_8));
            }
            cat.awaitSuccess(WAIT);
            assertThat(cat.stdout()).isEqualTo("to cat\n");
        }
        try (Peer sh = Peer.start("sh", List.of("sh", "-c", "printf 'from sh' > \"$0\"", path.toString()))) {
            awaitBlockedInOpen(sh);
            try (Pipe.ReadEnd in = fifo.openForReading()) {
                assertThat(new String(in.inputStream().readAllBytes(), UTF_8)).isEqualTo("from sh");
            }
            sh.awaitSuccess(WAIT);
        }
    }

    /** The non-blocking forms see a C program blocked in its own open as the other side: it is one. */
    @Test
    void nonBlockingOpensFindACProgramBlockedInItsOpen() throws Exception {
        Fifo fifo = Fifo.createExclusively(path);
        try (Peer writer = CPeer.start("pipe_peer", "fifo-write", path.toString(), "found")) {
            awaitBlockedInOpen(writer);
            try (Pipe.ReadEnd in = fifo.tryOpenForReading().orElseThrow()) {
                assertThat(in.isBlocking()).isTrue();
                assertThat(new String(in.inputStream().readAllBytes(), UTF_8)).isEqualTo("found");
            }
            writer.awaitSuccess(WAIT);
        }
        try (Peer reader = CPeer.start("pipe_peer", "fifo-read", path.toString())) {
            awaitBlockedInOpen(reader);
            try (Pipe.WriteEnd out = fifo.tryOpenForWriting().orElseThrow()) {
                out.write("found too".getBytes(UTF_8));
            }
            reader.awaitSuccess(WAIT);
            assertThat(reader.stdout()).isEqualTo("found too");
        }
    }

    /** Waits until the peer's only thread sleeps in openat(2) (its blocking open of the FIFO). */
    private static void awaitBlockedInOpen(Peer peer) throws Exception {
        Path syscall = Path.of("/proc/" + peer.pid() + "/syscall");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String openat = System.getProperty("os.arch").equals("aarch64") ? "56 " : "257 ";
        while (!Files.readString(syscall).startsWith(openat)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(peer + " never blocked in open(2): " + Files.readString(syscall));
            }
            Thread.sleep(10);
        }
    }
}
