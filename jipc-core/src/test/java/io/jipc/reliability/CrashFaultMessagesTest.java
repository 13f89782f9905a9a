package io.jipc.reliability;

import static io.jipc.reliability.CrashRun.ROUNDS;
import static io.jipc.reliability.CrashRun.T;
import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.FdBacked;
import io.jipc.IpcKey;
import io.jipc.Transfer;
import io.jipc.mq.Envelope;
import io.jipc.mq.PosixMessageQueue;
import io.jipc.mq.SysVMessageQueue;
import io.jipc.mq.TypeSelector;
import io.jipc.pipe.Fifo;
import io.jipc.pipe.Pipe;
import io.jipc.sem.PosixSemaphore;
import io.jipc.shm.Mapping;
import io.jipc.shm.SharedMemory;
import io.jipc.socket.ReceivedMessage;
import io.jipc.socket.SocketType;
import io.jipc.socket.UnixAddress;
import io.jipc.socket.UnixDatagramSocket;
import io.jipc.socket.UnixServerSocket;
import io.jipc.socket.UnixSocket;
import io.jipc.testing.CPeer;
import io.jipc.testing.Peer;
import io.jipc.testing.TestIpc;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Crash and fault, the mechanisms that carry data: a C sender killed with SIGKILL at random points
 * of its protocol. A byte stream (pipe, FIFO, stream socket) delivers every byte a write() of the
 * dead writer returned for, in order and intact, then end of stream; a message mechanism (seqpacket
 * and datagram sockets, fd passing, POSIX and System V queues, a POSIX semaphore's posts, stores
 * into shared memory) keeps every message whose send returned, exactly once, in order, intact — and
 * at most the one more whose send returned just before the kill, before the peer could say so.
 */
class CrashFaultMessagesTest {
    @TempDir
    Path dir;

    @AfterAll
    static void report() {
        CrashRun.report("crash-fault messages");
    }

    private static final Duration POLL = Duration.ofMillis(20);

    // ---------------------------------------------------------------- byte streams

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"pipe", "fifo", "stream"})
    void aByteStreamDeliversEveryByteTheKilledWriterWroteThenEndOfStream(String mode) throws Exception {
        CrashRun.Tally tally = CrashRun.tally(mode);
        SplittableRandom random = CrashRun.random(mode);
        for (int round = 0; round < ROUNDS; round++) {
            int size = 1 + random.nextInt(8192);
            int count = 20 + random.nextInt(300);
            String point = CrashRun.drawPoint(random, List.of("before-write", "mid-write", "after-write"));
            int at = random.nextInt(Math.min(count, 30));
            long delay = random.nextLong(4000);
            Path report = dir.resolve(mode + round + ".report");
            Path path = dir.resolve(mode + round);
            String what = mode + " round " + round + " (" + point + " at " + at + ", size " + size + ", seed "
                    + CrashRun.SEED + ")";
            try (Stream s = Stream.open(mode, path)) {
                CompletableFuture<Long> read = background(s::readToEnd);
                try (Peer peer = CPeer.start("crash_fault", mode, s.target, "" + count, "" + size, point, "" + at, report.toString())) {
                    peer.awaitOutput("ready\n", T);
                    s.peerOpened();
                    boolean killed = CrashRun.strike(peer, point, delay, tally);
                    long got = read.get(T.toSeconds(), TimeUnit.SECONDS);
                    long reported = CrashRun.reported(report);
                    assertThat(got).as("%s: bytes read to end of stream vs. bytes the writer was told it wrote", what)
                            .isBetween(reported, reported + size);
                    if (!killed) {
                        assertThat(got).as(what).isEqualTo((long) count * size);
                    }
                    CrashRun.count(tally, 0, got);
                }
            }
        }
    }

    /** One byte stream under test: the reading end and the writer's target. */
    private static final class Stream implements AutoCloseable {
        final String target;
        private final Pipe pipe;
        private final Fifo fifo;
        private final UnixServerSocket server;

        private Stream(String target, Pipe pipe, Fifo fifo, UnixServerSocket server) {
            this.target = target;
            this.pipe = pipe;
            this.fifo = fifo;
            this.server = server;
        }

        static Stream open(String mode, Path path) throws Exception {
            return switch (mode) {
                case "pipe" -> {
                    Pipe p = Pipe.open();
                    yield new Stream("/proc/" + ProcessHandle.current().pid() + "/fd/" + number(p.writeEnd()), p, null,
                            null);
                }
                case "fifo" -> new Stream(path.toString(), null, Fifo.createExclusively(path), null);
                default -> new Stream(path.toString(), null, null, UnixServerSocket.bind(UnixAddress.of(path),
                        UnixServerSocket.Options.defaults().withUnlinkOnClose(true)));
            };
        }

        /** The writer has its own end: ours goes, so the reader sees end of stream when the writer dies. */
        void peerOpened() {
            if (pipe != null) {
                pipe.writeEnd().close();
            }
        }

        long readToEnd() throws Exception {
            byte[] buf = new byte[65536];
            long offset = 0;
            if (pipe != null) {
                for (int n; (n = pipe.readEnd().read(buf)) != Transfer.EOF; offset += n) {
                    checkPattern(buf, n, offset);
                }
            } else if (fifo != null) {
                try (Pipe.ReadEnd r = fifo.openForReading()) {
                    for (int n; (n = r.read(buf)) != Transfer.EOF; offset += n) {
                        checkPattern(buf, n, offset);
                    }
                }
            } else {
                try (UnixSocket s = server.accept()) {
                    for (int n; (n = s.receive(buf)) != Transfer.EOF; offset += n) {
                        checkPattern(buf, n, offset);
                    }
                }
            }
            return offset;
        }

        @Override
        public void close() throws Exception {
            if (pipe != null) {
                pipe.close();
            }
            if (fifo != null) {
                fifo.unlink();
            }
            if (server != null) {
                server.close();
            }
        }
    }

    /** Stream byte {@code o} as crash_fault.c writes it. */
    private static void checkPattern(byte[] buf, int n, long offset) {
        for (int k = 0; k < n; k++) {
            long o = offset + k;
            if (buf[k] != (byte) ((o * 7) ^ (o >> 9))) {
                throw new AssertionError("stream byte " + o + " is " + buf[k] + ": corrupt or out of order");
            }
        }
    }

    // ---------------------------------------------------------------- messages

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"seqpacket", "dgram", "fdpass", "mq", "msg"})
    void everyMessageWhoseSendReturnedIsReceivedExactlyOnce(String mode) throws Exception {
        CrashRun.Tally tally = CrashRun.tally(mode);
        SplittableRandom random = CrashRun.random(mode);
        List<String> points = mode.equals("seqpacket") ? List.of("before-write", "after-write")
                : List.of("before-send", "after-send");
        for (int round = 0; round < ROUNDS; round++) {
            int size = 8 + random.nextInt(mode.equals("msg") ? 1024 : 4096);
            int count = 20 + random.nextInt(600);
            String point = CrashRun.drawPoint(random, points);
            int at = random.nextInt(Math.min(count, 30));
            long delay = random.nextLong(4000);
            Path report = dir.resolve(mode + round + ".report");
            String what = mode + " round " + round + " (" + point + " at " + at + ", size " + size + ", seed "
                    + CrashRun.SEED + ")";
            try (Inbox inbox = Inbox.open(mode, dir.resolve(mode + round), size)) {
                AtomicBoolean gone = new AtomicBoolean();
                CompletableFuture<Long> received = background(() -> inbox.receiveAll(size, gone));
                try (Peer peer = CPeer.start("crash_fault", mode, inbox.target, "" + count, "" + size, point, "" + at, report.toString())) {
                    peer.awaitOutput("ready\n", T);
                    boolean killed = CrashRun.strike(peer, point, delay, tally);
                    gone.set(true);
                    long got = received.get(T.toSeconds(), TimeUnit.SECONDS);
                    long reported = CrashRun.reported(report);
                    assertThat(got).as("%s: messages received vs. sends that returned", what)
                            .isBetween(reported, reported + 1);
                    if (!killed) {
                        assertThat(got).as(what).isEqualTo(count);
                    }
                    CrashRun.count(tally, got, got * size);
                }
            }
        }
    }

    /** One message mechanism under test: where the sender sends, and the receiving side. */
    private static final class Inbox implements AutoCloseable {
        final String target;
        private final AutoCloseable object;
        private final Receive receive;

        interface Receive {
            /** A message's size, or {@link Transfer#NOTHING} when none came in time, {@link Transfer#EOF} at the end. */
            int next(byte[] buf, Duration timeout) throws Exception;
        }

        private Inbox(String target, AutoCloseable object, Receive receive) {
            this.target = target;
            this.object = object;
            this.receive = receive;
        }

        static Inbox open(String mode, Path path, int size) throws Exception {
            switch (mode) {
                case "seqpacket" -> {
                    UnixServerSocket server = UnixServerSocket.bind(UnixAddress.of(path), UnixServerSocket.Options
                            .defaults().withType(SocketType.SEQPACKET).withUnlinkOnClose(true));
                    UnixSocket[] accepted = new UnixSocket[1];
                    return new Inbox(path.toString(), () -> {
                        if (accepted[0] != null) {
                            accepted[0].close();
                        }
                        server.close();
                    }, (buf, timeout) -> {
                        if (accepted[0] == null) {
                            accepted[0] = server.accept();
                        }
                        return accepted[0].receive(buf);
                    });
                }
                case "dgram" -> {
                    UnixDatagramSocket s = UnixDatagramSocket.bind(UnixAddress.of(path),
                            UnixDatagramSocket.Options.defaults().withUnlinkOnClose(true));
                    return new Inbox(path.toString(), s, (buf, timeout) -> s.tryReceive(buf, timeout));
                }
                case "fdpass" -> {
                    UnixDatagramSocket s = UnixDatagramSocket.bind(UnixAddress.of(path),
                            UnixDatagramSocket.Options.defaults().withUnlinkOnClose(true));
                    return new Inbox(path.toString(), s, (buf, timeout) -> receiveWithFd(s, buf, timeout));
                }
                case "mq" -> {
                    PosixMessageQueue q = PosixMessageQueue.createExclusively(TestIpc.name("crash-mq"),
                            PosixMessageQueue.Options.defaults().withMaxMessages(10).withMessageSize(size));
                    Envelope envelope = new Envelope();
                    return new Inbox(q.name(), () -> {
                        q.close();
                        q.unlink();
                    }, (buf, timeout) -> q.tryReceive(buf, envelope, timeout));
                }
                default -> {
                    SysVMessageQueue q = SysVMessageQueue.createExclusively(IpcKey.of(TestIpc.key()));
                    Envelope envelope = new Envelope();
                    return new Inbox(Integer.toString(q.id()), () -> {
                        q.remove();
                        q.close();
                    }, (buf, timeout) -> q.tryReceive(buf, envelope, TypeSelector.any(), timeout));
                }
            }
        }

        /**
         * Receives until the sender is {@code gone} and nothing is left (its completed sends are all
         * in the kernel once it is reaped), or end of stream; checks each message; returns how many.
         */
        long receiveAll(int size, AtomicBoolean gone) throws Exception {
            byte[] buf = new byte[size + 64];
            long next = 0;
            while (true) {
                boolean last = gone.get();
                int n = receive.next(buf, POLL);
                if (n == Transfer.EOF || (n == Transfer.NOTHING && last)) {
                    return next;
                }
                if (n == Transfer.NOTHING) {
                    continue;
                }
                checkMessage(buf, n, size, next);
                next++;
            }
        }

        @Override
        public void close() throws Exception {
            object.close();
        }
    }

    /** A datagram and the memfd that came with it, which holds the message's index. */
    private static int receiveWithFd(UnixDatagramSocket s, byte[] buf, Duration timeout) throws Exception {
        ByteBuffer dst = ByteBuffer.wrap(buf);
        Optional<ReceivedMessage> got = s.tryReceiveMessage(dst, 2, timeout);
        if (got.isEmpty()) {
            return Transfer.NOTHING;
        }
        try (ReceivedMessage m = got.get()) {
            List<io.jipc.Fd> fds = m.takeFds();
            try {
                assertThat(fds).as("the descriptor sent with the message").hasSize(1);
                byte[] content = Files.readAllBytes(Path.of("/proc/self/fd/" + number(fds.get(0))));
                assertThat(ByteBuffer.wrap(content).order(ByteOrder.LITTLE_ENDIAN).getLong(0))
                        .as("the memfd's index").isEqualTo(index(buf));
            } finally {
                fds.forEach(io.jipc.Fd::close);
            }
            return m.bytes();
        }
    }

    private static long index(byte[] buf) {
        return ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    }

    /** Message {@code i} as crash_fault.c sends it: the index, then (i * 31 + k) mod 256. */
    private static void checkMessage(byte[] buf, int n, int size, long i) {
        if (n != size) {
            throw new AssertionError("message " + i + ": " + n + " bytes, sent " + size);
        }
        if (index(buf) != i) {
            throw new AssertionError("message " + index(buf) + " where " + i + " was due: lost, duplicated or reordered");
        }
        for (int k = 8; k < n; k++) {
            if (buf[k] != (byte) (i * 31 + k)) {
                throw new AssertionError("message " + i + ": byte " + k + " corrupt");
            }
        }
    }

    // ---------------------------------------------------------------- posts and stores

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"sem", "shm"})
    void everyPostAndStoreThatReturnedIsKept(String mode) throws Exception {
        CrashRun.Tally tally = CrashRun.tally(mode);
        SplittableRandom random = CrashRun.random(mode);
        for (int round = 0; round < ROUNDS; round++) {
            int count = 1000 + random.nextInt(20_000);
            String point = CrashRun.drawPoint(random, List.of("before-send", "after-send"));
            int at = random.nextInt(Math.min(count, 30));
            long delay = random.nextLong(4000);
            Path report = dir.resolve(mode + round + ".report");
            String what = mode + " round " + round + " (" + point + " at " + at + ", seed " + CrashRun.SEED + ")";
            String name = TestIpc.name("crash-" + mode);
            if (mode.equals("sem")) {
                try (PosixSemaphore sem = PosixSemaphore.createExclusively(name)) {
                    try (Peer peer = CPeer.start("crash_fault", mode, name, "" + count, "8", point, "" + at, report.toString())) {
                        peer.awaitOutput("ready\n", T);
                        boolean killed = CrashRun.strike(peer, point, delay, tally);
                        long reported = CrashRun.reported(report);
                        assertThat((long) sem.value()).as("%s: the value vs. posts that returned", what)
                                .isBetween(reported, killed ? reported + 1 : count);
                        CrashRun.count(tally, sem.value(), 0);
                    } finally {
                        sem.unlink();
                    }
                }
            } else {
                try (SharedMemory shm = SharedMemory.createExclusively(name, count * 8L); Mapping map = shm.map()) {
                    try (Peer peer = CPeer.start("crash_fault", mode, name, "" + count, "8", point, "" + at, report.toString())) {
                        peer.awaitOutput("ready\n", T);
                        CrashRun.strike(peer, point, delay, tally);
                        long reported = CrashRun.reported(report);
                        long stored = 0;
                        while (stored < count && map.segment().getAtIndex(ValueLayout.JAVA_LONG, stored) == stored + 1) {
                            stored++;
                        }
                        for (long i = stored; i < count; i++) {
                            assertThat(map.segment().getAtIndex(ValueLayout.JAVA_LONG, i)).as("%s: slot %d", what, i)
                                    .isZero();
                        }
                        assertThat(stored).as("%s: stores kept vs. stores reported", what)
                                .isBetween(reported, reported + 1);
                        CrashRun.count(tally, stored, stored * 8);
                    } finally {
                        shm.unlink();
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    interface Task<T> {
        T run() throws Exception;
    }

    static <T> CompletableFuture<T> background(Task<T> task) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return task.run();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, r -> Thread.ofPlatform().daemon().name("crash-receiver").start(r));
    }

    static int number(FdBacked f) throws Exception {
        int n = f.fd().acquire("test");
        f.fd().release();
        return n;
    }
}
