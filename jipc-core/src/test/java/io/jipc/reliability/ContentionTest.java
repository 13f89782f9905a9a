package io.jipc.reliability;

import static io.jipc.reliability.CrashRun.T;
import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.IpcKey;
import io.jipc.Transfer;
import io.jipc.lock.FileLock;
import io.jipc.lock.LockKind;
import io.jipc.mq.Envelope;
import io.jipc.mq.PosixMessageQueue;
import io.jipc.mq.SysVMessageQueue;
import io.jipc.mq.TypeSelector;
import io.jipc.sem.PermitPool;
import io.jipc.shm.Mapping;
import io.jipc.shm.SharedMemory;
import io.jipc.socket.UnixAddress;
import io.jipc.socket.UnixDatagramSocket;
import io.jipc.sync.SharedMutex;
import io.jipc.testing.CPeer;
import io.jipc.testing.Crash;
import io.jipc.testing.Peer;
import io.jipc.testing.TestIpc;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Concurrency, contention: many threads of this JVM and a C process on one object at once.
 * Queues and datagram sockets lose and duplicate nothing (every message of every sender received
 * exactly once by one of several receiving threads); locks, PermitPool and the robust mutex
 * exclude each other across threads and processes (a plain counter counts every increment; the
 * C peer's two-step update is never seen half done).
 */
class ContentionTest {
    private static final int THREADS = 4;
    private static final int PER_THREAD = Integer.getInteger("jipc.contention.messages", 3000);
    private static final int C_MESSAGES = PER_THREAD * 2;
    private static final int JAVA_SIZE = 40;
    private static final int C_SIZE = 64;

    @TempDir
    Path dir;

    private static final List<String> FIGURES = new ArrayList<>();

    @AfterAll
    static void report() {
        List<String> lines = new ArrayList<>();
        lines.add("# contention: " + THREADS + " threads + 1 C process per object");
        lines.addAll(FIGURES);
        CrashRun.write(lines);
    }

    private interface Sender {
        void send(byte[] message) throws Exception;
    }

    private interface Receiver {
        int receive(byte[] buf, Duration timeout) throws Exception;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"mq", "msg", "dgram"})
    void manySendersAndReceiversLoseAndDuplicateNothing(String mode) throws Exception {
        List<AutoCloseable> cleanup = new ArrayList<>();
        String target;
        List<Sender> senders = new ArrayList<>();
        Receiver receiver;
        switch (mode) {
            case "mq" -> {
                PosixMessageQueue q = PosixMessageQueue.createExclusively(TestIpc.name("contended"),
                        PosixMessageQueue.Options.defaults().withMaxMessages(10).withMessageSize(C_SIZE));
                cleanup.add(q::unlink);
                cleanup.add(q);
                target = q.name();
                for (int t = 0; t < THREADS; t++) {
                    senders.add(m -> q.send(m, 0));
                }
                receiver = (buf, timeout) -> q.tryReceive(buf, new Envelope(), timeout);
            }
            case "msg" -> {
                SysVMessageQueue q = SysVMessageQueue.createExclusively(IpcKey.of(TestIpc.key()));
                cleanup.add(q);
                cleanup.add(q::remove);
                target = Integer.toString(q.id());
                for (int t = 0; t < THREADS; t++) {
                    senders.add(m -> q.send(m, 1));
                }
                receiver = (buf, timeout) -> q.tryReceive(buf, new Envelope(), TypeSelector.any(), timeout);
            }
            default -> {
                Path path = dir.resolve("contended");
                UnixDatagramSocket s = UnixDatagramSocket.bind(UnixAddress.of(path),
                        UnixDatagramSocket.Options.defaults().withUnlinkOnClose(true));
                cleanup.add(s);
                target = path.toString();
                for (int t = 0; t < THREADS; t++) {
                    UnixDatagramSocket out = UnixDatagramSocket.unbound();
                    cleanup.add(out);
                    senders.add(m -> out.sendTo(m, UnixAddress.of(path)));
                }
                receiver = s::tryReceive;
            }
        }
        try {
            long expected = (long) THREADS * PER_THREAD + C_MESSAGES;
            BitSet[] seen = new BitSet[THREADS + 1];
            for (int i = 0; i <= THREADS; i++) {
                seen[i] = new BitSet();
            }
            AtomicLong received = new AtomicLong();
            List<CompletableFuture<Void>> work = new ArrayList<>();
            for (int r = 0; r < 3; r++) {
                work.add(CrashFaultMessagesTest.background(() -> {
                    byte[] buf = new byte[C_SIZE + 8];
                    long deadline = System.nanoTime() + T.toNanos();
                    while (received.get() < expected && System.nanoTime() < deadline) {
                        int n = receiver.receive(buf, Duration.ofMillis(20));
                        if (n == Transfer.NOTHING) {
                            continue;
                        }
                        long word = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
                        int sender = n == C_SIZE ? THREADS : (int) (word >>> 40);
                        int seq = (int) (n == C_SIZE ? word : word & 0xFF_FFFF_FFFFL);
                        assertThat(n).as("size").isIn(C_SIZE, JAVA_SIZE);
                        synchronized (seen) {
                            assertThat(seen[sender].get(seq)).as("sender %d message %d twice", sender, seq).isFalse();
                            seen[sender].set(seq);
                        }
                        received.incrementAndGet();
                    }
                    return null;
                }));
            }
            Path report = dir.resolve(mode + ".report");
            try (Peer c = CPeer.start("crash_fault", mode, target, "" + C_MESSAGES, "" + C_SIZE, "none", "0",
                    report.toString())) {
                c.awaitOutput("ready\n", T);
                Crash.pass(c, "start", T);
                for (int t = 0; t < THREADS; t++) {
                    Sender s = senders.get(t);
                    long id = t;
                    work.add(CrashFaultMessagesTest.background(() -> {
                        byte[] m = new byte[JAVA_SIZE];
                        ByteBuffer bb = ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN);
                        for (long seq = 0; seq < PER_THREAD; seq++) {
                            bb.putLong(0, (id << 40) | seq);
                            s.send(m);
                        }
                        return null;
                    }));
                }
                for (CompletableFuture<Void> f : work) {
                    f.get(T.toSeconds() * 2, TimeUnit.SECONDS);
                }
                c.awaitSuccess(T);
            }
            assertThat(received.get()).as("messages received").isEqualTo(expected);
            for (int i = 0; i <= THREADS; i++) {
                assertThat(seen[i].cardinality()).as("sender %d: every message", i)
                        .isEqualTo(i == THREADS ? C_MESSAGES : PER_THREAD);
            }
            synchronized (FIGURES) {
                FIGURES.add(String.format("%-8s %d Java senders x %d + C sender x %d, 3 receiving threads: %d received,"
                        + " 0 lost, 0 duplicated", mode, THREADS, PER_THREAD, C_MESSAGES, received.get()));
            }
        } finally {
            for (int i = cleanup.size() - 1; i >= 0; i--) {
                cleanup.get(i).close();
            }
        }
    }

    private interface Guard {
        /** Runs {@code body} while holding the resource; false if it was not taken (never here). */
        void locked(Runnable body) throws Exception;
    }

    private interface Guards {
        Guard forThread() throws Exception;
    }

    /** A plain counter incremented under the guard by every thread, while the C peer takes it too. */
    private static long exclude(String what, int perThread, Guards guards, Peer c) throws Exception {
        long[] counter = {0};
        List<CompletableFuture<Void>> work = new ArrayList<>();
        c.awaitOutput("ready\n", T);
        Crash.pass(c, "start", T);
        for (int t = 0; t < THREADS; t++) {
            Guard g = guards.forThread();
            work.add(CrashFaultMessagesTest.background(() -> {
                for (int i = 0; i < perThread; i++) {
                    g.locked(() -> counter[0] = counter[0] + 1);
                }
                return null;
            }));
        }
        for (CompletableFuture<Void> f : work) {
            f.get(T.toSeconds() * 2, TimeUnit.SECONDS);
        }
        c.awaitSuccess(T);
        assertThat(counter[0]).as("%s: every increment counted once", what).isEqualTo((long) THREADS * perThread);
        synchronized (FIGURES) {
            FIGURES.add(String.format("%-10s %d threads x %d + C process x %d acquisitions: exclusion held", what,
                    THREADS, perThread, perThread * 2));
        }
        return counter[0];
    }

    @Test
    void theRobustMutexExcludesThreadsAndProcesses() throws Exception {
        String name = TestIpc.name("contended-mutex");
        int per = 5000;
        try (SharedMemory shm = SharedMemory.createExclusively(name, 4096); Mapping map = shm.map();
             SharedMutex m = SharedMutex.createExclusively(map, 0);
             Peer c = CPeer.start("crash_fault", "mutex", name, "" + per * 2, "1", "none", "0",
                     dir.resolve("mutex.report").toString())) {
            MemorySegment pair = map.segment().asSlice(256, 16);
            try {
                exclude("mutex", per, () -> body -> {
                    m.lock();
                    try {
                        assertThat(pair.get(ValueLayout.JAVA_LONG, 0)).as("the C peer's update is never half done")
                                .isEqualTo(pair.get(ValueLayout.JAVA_LONG, 8));
                        body.run();
                    } finally {
                        m.unlock();
                    }
                }, c);
            } finally {
                shm.unlink();
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"FLOCK", "OFD"})
    void fileLocksHeldPerOpenFileExcludeThreadsAndProcesses(String kindName) throws Exception {
        LockKind kind = LockKind.valueOf(kindName);
        Path file = Files.createFile(dir.resolve("contended-" + kind));
        FileLock.Options options = FileLock.Options.defaults().withKind(kind);
        int per = 2000;
        List<FileLock> locks = new ArrayList<>();
        try (Peer c = CPeer.start("crash_fault", kindName.toLowerCase(java.util.Locale.ROOT), file.toString(),
                "" + per * 2, "1", "none", "0", dir.resolve(kind + ".report").toString())) {
            exclude(kindName.toLowerCase(java.util.Locale.ROOT), per, () -> {
                FileLock l = FileLock.open(file, options); // each thread its own open file: its own lock
                locks.add(l);
                return body -> {
                    l.lock();
                    try {
                        body.run();
                    } finally {
                        l.unlock();
                    }
                };
            }, c);
        } finally {
            locks.forEach(FileLock::close);
        }
    }

    @Test
    void aPermitPoolOfOneExcludesThreadsAndProcesses() throws Exception {
        int per = 2000;
        try (PermitPool pool = PermitPool.createExclusively(IpcKey.of(TestIpc.key()), 1);
             Peer c = CPeer.start("crash_fault", "semundo", Integer.toString(pool.id()), "" + per * 2, "1", "none", "0",
                     dir.resolve("pool.report").toString())) {
            try {
                exclude("permitpool", per, () -> body -> {
                    pool.acquire();
                    try {
                        body.run();
                    } finally {
                        pool.release();
                    }
                }, c);
                assertThat(pool.available()).isEqualTo(1);
            } finally {
                pool.remove();
            }
        }
    }
}
