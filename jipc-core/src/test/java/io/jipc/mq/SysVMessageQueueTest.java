package io.jipc.mq;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jipc.AlreadyExistsException;
import io.jipc.IpcException;
import io.jipc.IpcInterruptedException;
import io.jipc.IpcKey;
import io.jipc.Transfer;
import io.jipc.NotFoundException;
import io.jipc.ObjectClosedException;
import io.jipc.ObjectRemovedException;
import io.jipc.internal.libc.Unistd;
import io.jipc.testing.BlockedCalls;
import io.jipc.testing.CPeer;
import io.jipc.testing.Peer;
import io.jipc.testing.TestIpc;
import io.jipc.testing.ThreadMeters;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class SysVMessageQueueTest {
    private static final Duration T = Duration.ofSeconds(30);

    private static SysVMessageQueue create() throws IpcException {
        return SysVMessageQueue.createExclusively(IpcKey.of(TestIpc.key()));
    }

    private static Peer c(String... args) {
        return CPeer.start("msg_peer", args);
    }

    private static String cOut(String... args) {
        try (Peer p = c(args)) {
            p.awaitSuccess(T);
            return p.stdout().strip();
        }
    }

    private static <T> CompletableFuture<T> onThread(java.util.concurrent.Callable<T> body) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return body.call();
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }, r -> Thread.ofPlatform().start(r));
    }

    private static Throwable failure(CompletableFuture<?> f) throws Exception {
        try {
            Object v = f.get(10, TimeUnit.SECONDS);
            throw new AssertionError("returned " + v);
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause() instanceof java.util.concurrent.CompletionException ce ? ce.getCause() : e.getCause();
        }
    }

    // ---------------------------------------------------------------- creation

    @Test
    void createOpenExclusiveAndRemove() throws Exception {
        IpcKey key = IpcKey.of(TestIpc.key());
        try (SysVMessageQueue q = SysVMessageQueue.createExclusively(key)) {
            assertThat(q.key()).isEqualTo(key);
            assertThatThrownBy(() -> SysVMessageQueue.createExclusively(key)).isInstanceOf(AlreadyExistsException.class)
                    .hasMessage("msgget(key " + key + "): File exists (EEXIST)");
            try (SysVMessageQueue same = SysVMessageQueue.openExisting(key);
                 SysVMessageQueue again = SysVMessageQueue.createOrOpen(key);
                 SysVMessageQueue byId = SysVMessageQueue.openId(q.id())) {
                assertThat(same.id()).isEqualTo(q.id()).isEqualTo(again.id());
                assertThat(byId.key()).isEqualTo(key);
            }
            assertThat(cOut("get", key.toString())).isEqualTo(String.valueOf(q.id()));
            q.remove();
            assertThatThrownBy(() -> SysVMessageQueue.openExisting(key)).isInstanceOf(NotFoundException.class)
                    .hasMessage("msgget(key " + key + "): No such file or directory (ENOENT)");
            assertThatThrownBy(() -> SysVMessageQueue.openId(q.id())).isInstanceOf(IpcException.class)
                    .hasMessage("msgctl(IPC_STAT)(msqid " + q.id() + "): no queue has msqid " + q.id()
                            + " (removed?) (EINVAL)");
            assertThatThrownBy(() -> q.trySend(new byte[1], 1)).isInstanceOf(IpcException.class)
                    .hasMessageContaining("no queue has msqid");
        }
    }

    /**
     * A stranger (uid 65534) may write to a 0622 queue but not read it: opening it by id must not
     * need the read permission msgctl(IPC_STAT) asks for. The peer JVM runs from the build's own
     * class directories, the part of the class path that user can read.
     */
    @Test
    void aQueueThatMayOnlyBeWrittenIsOpenedByIdForSending() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Unistd.getuid() == 0, "needs root to start a peer as uid 65534");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isExecutable(java.nio.file.Path.of("/usr/bin/setpriv")),
                "needs setpriv (util-linux) to start a peer as uid 65534");
        try (SysVMessageQueue q = SysVMessageQueue.createExclusively(IpcKey.of(TestIpc.key()),
                SysVMessageQueue.Options.defaults().withMode(PosixFilePermissions.fromString("rw--w--w-")))) {
            try {
                String classPath = java.util.Arrays.stream(System.getProperty("java.class.path").split(":"))
                        .filter(e -> e.endsWith("/classes") || e.endsWith("/test-classes"))
                        .collect(java.util.stream.Collectors.joining(":"));
                List<String> cmd = List.of("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                        io.jipc.testing.PeerJvm.javaCommand(), "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC",
                        "-XX:TieredStopAtLevel=1", "-cp", classPath, MqueuePeer.class.getName(),
                        "sysv-send-id", String.valueOf(q.id()), "5", "from a stranger");
                try (Peer stranger = Peer.start("stranger", cmd)) {
                    stranger.awaitSuccess(T);
                    assertThat(stranger.stdout()).isEqualTo("sent\nmsgrcv(msqid " + q.id()
                            + "): Permission denied (EACCES)\n");
                }
                SysVMessage m = q.tryReceive(TypeSelector.any()).orElseThrow();
                assertThat(m.type()).isEqualTo(5);
                assertThat(new String(m.data(), UTF_8)).isEqualTo("from a stranger");
            } finally {
                q.remove();
            }
        }
    }

    @Test
    void privateQueuesAreReachedById() throws Exception {
        try (SysVMessageQueue a = SysVMessageQueue.createExclusively(IpcKey.PRIVATE);
             SysVMessageQueue b = SysVMessageQueue.createOrOpen(IpcKey.PRIVATE)) {
            try {
                assertThat(a.id()).isNotEqualTo(b.id());
                assertThat(a.info().perm().key()).isEqualTo(IpcKey.PRIVATE);
                assertThatThrownBy(() -> SysVMessageQueue.openExisting(IpcKey.PRIVATE))
                        .isInstanceOf(IllegalArgumentException.class);
                a.send("x".getBytes(UTF_8), 1);
                assertThat(cOut("receive", String.valueOf(a.id()), "0", "0", "1")).isEqualTo("1 x");
            } finally {
                a.remove();
                b.remove();
            }
        }
    }

    @Test
    void argumentsAreCheckedBeforeAnyCall() throws Exception {
        assertThatThrownBy(() -> TypeSelector.exactly(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("message type must be positive (1..9223372036854775807), got 0");
        assertThatThrownBy(() -> TypeSelector.of(-3, true)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("MSG_EXCEPT needs a positive type");
        assertThat(TypeSelector.of(-3, false)).isEqualTo(TypeSelector.lowestUpTo(3));
        assertThat(TypeSelector.of(0, false)).isSameAs(TypeSelector.any());
        assertThat(TypeSelector.anyExcept(2).truncating()).hasToString("anyExcept(2).truncating()");
        assertThatThrownBy(() -> SysVMessageQueue.openId(-1)).isInstanceOf(IllegalArgumentException.class);
        try (SysVMessageQueue q = create()) {
            assertThatThrownBy(() -> q.send(new byte[1], 0)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> q.setMaxBytes(-1)).isInstanceOf(IllegalArgumentException.class);
            q.remove();
        }
    }

    // ---------------------------------------------------------------- selectors, both ways

    @Test
    void everySelectorKindPicksFromACSendersMessages() throws Exception {
        try (SysVMessageQueue q = create()) {
            assertThat(cOut("send", String.valueOf(q.id()), "3:c1", "1:a1", "2:b1", "1:a2", "5:e1")).isEqualTo("sent 5");
            byte[] buf = new byte[64];
            Envelope got = new Envelope();
            List<String> seen = new ArrayList<>();
            for (TypeSelector s : List.of(TypeSelector.exactly(1), TypeSelector.anyExcept(1), TypeSelector.lowestUpTo(2),
                    TypeSelector.lowestUpTo(4), TypeSelector.any())) {
                assertThat(q.tryReceive(buf, got, s)).as(s.toString()).isNotEqualTo(Transfer.NOTHING);
                seen.add(got.type() + " " + new String(buf, 0, got.size(), UTF_8));
            }
            assertThat(seen).containsExactly("1 a1", "3 c1", "1 a2", "2 b1", "5 e1");
            assertThat(q.tryReceive(buf, got, TypeSelector.any())).isEqualTo(Transfer.NOTHING);
            q.remove();
        }
    }

    @Test
    void aCReceiverSelectsJavasMessagesWithEverySelectorKind() throws Exception {
        try (SysVMessageQueue q = create(); Arena a = Arena.ofConfined()) {
            String id = String.valueOf(q.id());
            q.send("c1".getBytes(UTF_8), 3);
            q.send(ByteBuffer.wrap("a1".getBytes(UTF_8)), 1);
            q.send(a.allocateFrom("b1", UTF_8).asSlice(0, 2), 2);
            q.send(ByteBuffer.allocateDirect(8).put("a2".getBytes(UTF_8)).flip(), 1);
            q.send(new SysVMessage(5, "e1".getBytes(UTF_8)));
            assertThat(cOut("receive", id, "1", "0", "1")).isEqualTo("1 a1");
            assertThat(cOut("receive", id, "1", "8192", "1")).as("MSG_EXCEPT").isEqualTo("3 c1");
            assertThat(cOut("receive", id, "-2", "0", "1")).isEqualTo("1 a2");
            assertThat(cOut("receive", id, "-4", "0", "1")).isEqualTo("2 b1");
            assertThat(cOut("receive", id, "0", "0", "2")).isEqualTo("5 e1\nENOMSG");
            q.remove();
        }
    }

    @Test
    void longerMessagesFailWithE2bigUnlessTruncating() throws Exception {
        try (SysVMessageQueue q = create()) {
            q.send("0123456789abcdef".getBytes(UTF_8), 4);
            byte[] small = new byte[10];
            Envelope got = new Envelope();
            assertThatThrownBy(() -> q.tryReceive(small, got, TypeSelector.any())).isInstanceOf(IpcException.class)
                    .hasMessage("msgrcv(msqid " + q.id() + "): the message is longer than the 10-byte buffer and stays"
                            + " queued (use a larger buffer, or TypeSelector.truncating() for MSG_NOERROR) (E2BIG)");
            assertThat(q.info().messages()).isEqualTo(1);
            assertThat(q.receive(small, got, TypeSelector.any().truncating())).isEqualTo(10);
            assertThat(new String(small, UTF_8)).isEqualTo("0123456789");
            assertThat(got.type()).isEqualTo(4);
            assertThat(q.info().messages()).isZero();
            q.remove();
        }
    }

    @Test
    void messagesBeyondMsgmaxAreRefusedWithTheLimit() throws Exception {
        try (SysVMessageQueue q = create()) {
            long msgmax = SysVMessageQueue.maxMessageSize();
            // readAllLines reads in one call: a sysctl file answers a read at a later offset with EOF.
            assertThat(msgmax).isEqualTo(Long.parseLong(java.nio.file.Files.readAllLines(
                    java.nio.file.Path.of("/proc/sys/kernel/msgmax")).get(0).strip()));
            assertThat(q.trySend(new byte[(int) msgmax], 1)).as("msgmax itself is allowed").isTrue();
            assertThatThrownBy(() -> q.trySend(new byte[(int) msgmax + 1], 1)).isInstanceOf(IpcException.class)
                    .hasMessage("msgsnd(msqid " + q.id() + "): message of " + (msgmax + 1) + " bytes exceeds msgmax = "
                            + msgmax + " (/proc/sys/kernel/msgmax) (EINVAL)");
            q.remove();
        }
    }

    // ---------------------------------------------------------------- full and empty

    @Test
    void fullQueueRefusesTrySendTimesOutAndWakesWhenACReceiverMakesRoom() throws Exception {
        try (SysVMessageQueue q = create()) {
            q.setMaxBytes(16);
            assertThat(q.info().maxBytes()).isEqualTo(16);
            assertThat(cOut("stat", String.valueOf(q.id())).split(" ")[2]).isEqualTo("16");
            assertThat(q.trySend(new byte[16], 1)).isTrue();
            assertThat(q.trySend(new byte[1], 2)).as("EAGAIN is a plain no").isFalse();
            long start = System.nanoTime();
            assertThat(q.trySend(new byte[1], 2, Duration.ofMillis(300))).isFalse();
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(300));
            CompletableFuture<Boolean> sent = onThread(() -> q.trySend("late".getBytes(UTF_8), 2, Duration.ofSeconds(20)));
            Thread.sleep(100);
            assertThat(sent).isNotDone();
            assertThat(cOut("receive", String.valueOf(q.id()), "1", "0", "1")).as("the 16 zero bytes, as %s").isEqualTo("1");
            assertThat(sent.get(10, TimeUnit.SECONDS)).isTrue();
            assertThat(q.receive(TypeSelector.exactly(2)).text()).isEqualTo("late");
            q.remove();
        }
    }

    @Test
    void emptyQueueTimedReceiveReturnsOnTimeWithoutBurningCpu() throws Exception {
        try (SysVMessageQueue q = create()) {
            assertThat(q.tryReceive(TypeSelector.any())).isEmpty();
            assertThat(q.tryReceive(TypeSelector.any(), Duration.ZERO)).isEmpty();
            long[] cpu = new long[1];
            long[] wall = new long[1];
            CompletableFuture<Boolean> got = onThread(() -> {
                Envelope r = new Envelope();
                byte[] buf = new byte[16];
                q.tryReceive(buf, r, TypeSelector.any(), Duration.ofMillis(10)); // creates the thread's timer
                long c0 = ThreadMeters.currentThreadCpuNanos();
                long w0 = System.nanoTime();
                boolean b = q.tryReceive(buf, r, TypeSelector.any(), Duration.ofSeconds(1)) != Transfer.NOTHING;
                wall[0] = System.nanoTime() - w0;
                cpu[0] = ThreadMeters.currentThreadCpuNanos() - c0;
                return b;
            });
            assertThat(got.get(20, TimeUnit.SECONDS)).isFalse();
            assertThat(wall[0]).isGreaterThanOrEqualTo(TimeUnit.SECONDS.toNanos(1));
            assertThat(cpu[0]).as("CPU used by a thread waiting 1 s in msgrcv").isLessThan(TimeUnit.MILLISECONDS.toNanos(20));
            q.remove();
        }
    }

    @Test
    void tinyTimeoutsNeverHang() throws Exception {
        // Deadlines that fire before, during and after the thread enters msgrcv: the timer's repeat
        // must get it out every time.
        try (SysVMessageQueue q = create()) {
            Envelope r = new Envelope();
            byte[] buf = new byte[16];
            for (int i = 0; i < 300; i++) {
                Duration d = Duration.ofNanos(ThreadLocalRandom.current().nextLong(1, 2_000_000));
                assertThat(q.tryReceive(buf, r, TypeSelector.any(), d)).isEqualTo(Transfer.NOTHING);
            }
            q.remove();
        }
    }

    @Test
    void blockedReceiverWakesWhenACPeerSends() throws Exception {
        try (SysVMessageQueue q = create()) {
            CompletableFuture<SysVMessage> got = onThread(() -> q.receive(TypeSelector.exactly(9)));
            Thread.sleep(150);
            assertThat(cOut("send", String.valueOf(q.id()), "8:not-this", "9:this")).isEqualTo("sent 2");
            assertThat(got.get(10, TimeUnit.SECONDS)).isEqualTo(new SysVMessage(9, "this".getBytes(UTF_8)));
            assertThat(q.info().messages()).isEqualTo(1);
            q.remove();
        }
    }

    // ---------------------------------------------------------------- removal, close, interrupt

    @Test
    void removalByACPeerWakesABlockedReceiverWithObjectRemoved() throws Exception {
        try (SysVMessageQueue q = create()) {
            CompletableFuture<SysVMessage> got = onThread(() -> q.receive(TypeSelector.any()));
            Thread.sleep(150);
            assertThat(cOut("remove", String.valueOf(q.id()))).isEqualTo("removed");
            assertThat(failure(got)).isInstanceOf(ObjectRemovedException.class)
                    .hasMessage("msgrcv(msqid " + q.id() + "): Identifier removed (EIDRM)");
        }
    }

    @Test
    void removalByJavaWakesABlockedCReceiver() throws Exception {
        try (SysVMessageQueue q = create(); Peer c = c("wait", String.valueOf(q.id()))) {
            c.awaitOutput("ready", T);
            Thread.sleep(100);
            q.remove();
            c.awaitSuccess(T);
            assertThat(c.stdout()).contains("EIDRM");
        }
    }

    @Test
    void closeWakesBlockedReceiversAndSenders() throws Exception {
        SysVMessageQueue q = create();
        try {
            q.setMaxBytes(1);
            q.send(new byte[1], 1);
            CompletableFuture<SysVMessage> receiver = onThread(() -> q.receive(TypeSelector.exactly(2)));
            CompletableFuture<Void> sender = onThread(() -> {
                q.send(new byte[1], 3);
                return null;
            });
            Thread.sleep(150);
            q.close();
            assertThat(failure(receiver)).isInstanceOf(ObjectClosedException.class)
                    .hasMessage("msgrcv(msqid " + q.id() + "): object is closed");
            assertThat(failure(sender)).isInstanceOf(ObjectClosedException.class);
            q.close();
            assertThatThrownBy(q::info).isInstanceOf(ObjectClosedException.class);
        } finally {
            SysVMessageQueue.openId(q.id()).remove();
        }
    }

    @Test
    void closeRacingTheStartOfAWaitAlwaysWakesIt() throws Exception {
        IpcKey key = IpcKey.of(TestIpc.key());
        try (SysVMessageQueue keep = SysVMessageQueue.createExclusively(key)) {
            for (int round = 0; round < 200; round++) {
                SysVMessageQueue q = SysVMessageQueue.openExisting(key);
                CompletableFuture<SysVMessage> got = onThread(() -> q.receive(TypeSelector.any()));
                if (round % 3 == 1) {
                    Thread.onSpinWait();
                } else if (round % 3 == 2) {
                    Thread.sleep(0, ThreadLocalRandom.current().nextInt(500_000));
                }
                q.close();
                assertThat(failure(got)).as("round " + round).isInstanceOf(ObjectClosedException.class);
            }
            keep.remove();
        }
    }

    @Test
    void interruptWakesABlockedReceiverWithin100ms() throws Exception {
        try (SysVMessageQueue q = create()) {
            BlockedCalls.assertInterruptAnsweredWithin(Duration.ofMillis(100), () -> q.receive(TypeSelector.any()));
            q.send("after".getBytes(UTF_8), 1);
            assertThat(q.receive(TypeSelector.any()).text()).as("the queue stays usable").isEqualTo("after");
            q.remove();
        }
    }

    @Test
    void aPendingInterruptEndsOnlyAReceiveThatMustWait() throws Exception {
        try (SysVMessageQueue q = create()) {
            q.send("waiting".getBytes(UTF_8), 3);
            Thread.currentThread().interrupt();
            try {
                assertThat(q.receive(TypeSelector.any()).text()).as("a message already there is still received")
                        .isEqualTo("waiting");
                assertThatThrownBy(() -> q.receive(TypeSelector.any())).isInstanceOf(IpcInterruptedException.class);
                assertThat(Thread.currentThread().isInterrupted()).isTrue();
            } finally {
                Thread.interrupted();
            }
            q.remove();
        }
    }

    @Test
    void aVirtualThreadBlockedInMsgrcvAnswersInterrupt() throws Exception {
        try (SysVMessageQueue q = create()) {
            AtomicReference<Throwable> outcome = new AtomicReference<>();
            for (int i = 0; i < 3; i++) { // on whatever carrier it lands each time
                Thread t = Thread.ofVirtual().start(() -> {
                    try {
                        q.receive(TypeSelector.any());
                    } catch (Throwable e) {
                        outcome.set(e);
                    }
                });
                Thread.sleep(100);
                t.interrupt();
                t.join(10_000);
                assertThat(t.isAlive()).isFalse();
                assertThat(outcome.get()).isInstanceOf(IpcInterruptedException.class);
            }
            q.remove();
        }
    }

    // ---------------------------------------------------------------- stat and set

    @Test
    void statReportsCountsPidsOwnerAndMode() throws Exception {
        try (SysVMessageQueue q = SysVMessageQueue.createExclusively(IpcKey.of(TestIpc.key()),
                SysVMessageQueue.Options.defaults().withMode(PosixFilePermissions.fromString("rw-r-----")))) {
            SysVMessageQueue.Info empty = q.info();
            assertThat(empty.messages()).isZero();
            assertThat(empty.lastSend()).isEmpty();
            assertThat(empty.perm().modeBits()).isEqualTo(0640);
            assertThat(empty.perm().ownerUid()).isEqualTo(Unistd.getuid()).isEqualTo(empty.perm().creatorUid());
            long cPid;
            try (Peer c = c("send", String.valueOf(q.id()), "1:hello", "2:world!")) {
                c.awaitSuccess(T);
                cPid = c.pid();
            }
            SysVMessageQueue.Info s = q.info();
            assertThat(s.messages()).isEqualTo(2);
            assertThat(s.bytes()).isEqualTo(11);
            assertThat(s.lastSendPid()).isEqualTo(cPid);
            assertThat(s.lastSend()).isPresent();
            q.receive(TypeSelector.exactly(2));
            s = q.info();
            assertThat(s.lastReceivePid()).isEqualTo(ProcessHandle.current().pid());
            assertThat(s.lastReceive()).isPresent();
            q.setMode(PosixFilePermissions.fromString("rw-rw-rw-"));
            q.setMaxBytes(4096);
            assertThat(cOut("stat", String.valueOf(q.id()))).isEqualTo("1 5 4096 " + cPid + " " + ProcessHandle.current().pid()
                    + " 666");
            q.remove();
        }
    }

    // ---------------------------------------------------------------- allocation

    @Test
    void sendAndReceiveInALoopAllocateNothing() throws Exception {
        try (SysVMessageQueue q = create(); Arena a = Arena.ofConfined()) {
            byte[] array = new byte[64];
            ByteBuffer heap = ByteBuffer.allocate(64);
            ByteBuffer direct = ByteBuffer.allocateDirect(64);
            MemorySegment native64 = a.allocate(64);
            Envelope got = new Envelope();
            Duration second = Duration.ofSeconds(1); // made here: the test must not allocate either
            TypeSelector two = TypeSelector.exactly(2);
            TypeSelector upTo3 = TypeSelector.lowestUpTo(3);
            Runnable round = () -> {
                try {
                    q.send(array, 1);
                    q.receive(array, got, TypeSelector.any());
                    q.trySend(heap.clear().limit(32), 2);
                    q.tryReceive(heap.clear(), got, two, second);
                    q.trySend(direct.clear().limit(16), 3, second);
                    q.tryReceive(direct.clear(), got, upTo3);
                    q.send(native64, 4);
                    q.receive(native64, got, TypeSelector.any());
                } catch (IpcException e) {
                    throw new RuntimeException(e);
                }
            };
            long allocated = ThreadMeters.allocatedBytes(round, 20_000);
            assertThat(got.type()).isEqualTo(4);
            assertThat(allocated).as("bytes allocated by 20000 rounds of 8 calls").isLessThan(20_000);
            q.remove();
        }
    }
}
