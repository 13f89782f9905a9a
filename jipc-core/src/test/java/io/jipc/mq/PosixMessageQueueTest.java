package io.jipc.mq;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jipc.AlreadyExistsException;
import io.jipc.Errno;
import io.jipc.IpcException;
import io.jipc.Transfer;
import io.jipc.IpcInterruptedException;
import io.jipc.MessageTooLargeException;
import io.jipc.NotFoundException;
import io.jipc.ObjectClosedException;
import io.jipc.internal.libc.Fcntl;
import io.jipc.internal.libc.Mqueue;
import io.jipc.internal.libc.Time;
import io.jipc.internal.libc.Unistd;
import io.jipc.poll.Poller;
import io.jipc.poll.Registration;
import io.jipc.poll.Readiness;
import io.jipc.testing.BlockedCalls;
import io.jipc.testing.CPeer;
import io.jipc.testing.MqueueLeakProbe;
import io.jipc.testing.Peer;
import io.jipc.testing.PeerJvm;
import io.jipc.testing.TestIpc;
import io.jipc.testing.ThreadMeters;
import io.jipc.testing.ThreadSyscalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PosixMessageQueueTest {
    private static final Duration T = Duration.ofSeconds(30);

    @BeforeAll
    static void probe() {
        MqueueLeakProbe.register();
    }

    private static PosixMessageQueue create(String what, int maxMessages, int messageSize) throws IpcException {
        return PosixMessageQueue.createExclusively(TestIpc.name(what),
                PosixMessageQueue.Options.defaults().withMaxMessages(maxMessages).withMessageSize(messageSize));
    }

    // ---------------------------------------------------------------- names and options

    @Test
    void namesAreCheckedBeforeAnyCall() {
        assertThatThrownBy(() -> PosixMessageQueue.checkName("jobs"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not start with a slash")
                .hasMessageContaining("one leading slash followed by 1 to 255 bytes");
        assertThatThrownBy(() -> PosixMessageQueue.checkName("/a/b")).hasMessageContaining("slash after the first");
        assertThatThrownBy(() -> PosixMessageQueue.checkName("/")).hasMessageContaining("empty");
        assertThatThrownBy(() -> PosixMessageQueue.checkName("/..")).hasMessageContaining("reserved");
        assertThatThrownBy(() -> PosixMessageQueue.checkName("/a\0b")).hasMessageContaining("NUL");
        assertThatThrownBy(() -> PosixMessageQueue.checkName("/" + "é".repeat(128)))
                .hasMessageContaining("256 bytes after the slash, more than NAME_MAX 255");
        PosixMessageQueue.checkName("/" + "x".repeat(255));
        assertThatThrownBy(() -> PosixMessageQueue.openExisting("no-slash")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PosixMessageQueue.Options.defaults().withMaxMessages(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0 for the system default");
    }

    @Test
    void priorityAndTypeArgumentsAreChecked() throws Exception {
        try (PosixMessageQueue q = create("prio-args", 2, 16)) {
            assertThatThrownBy(() -> q.send(new byte[1], 32768)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("0..32767");
            assertThatThrownBy(() -> q.send(new byte[1], -1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> q.receive(new byte[15], new Envelope()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("room for 15 bytes, less than the queue's message size 16");
            q.unlink();
        }
    }

    @Test
    void createExclusivelyOpenExistingAndUnlink() throws Exception {
        String name = TestIpc.name("lifecycle");
        try (PosixMessageQueue q = PosixMessageQueue.createExclusively(name,
                PosixMessageQueue.Options.defaults().withMaxMessages(3).withMessageSize(100))) {
            assertThat(q.maxMessages()).isEqualTo(3);
            assertThat(q.messageSize()).isEqualTo(100);
            assertThat(q.fd().isCloseOnExec()).isTrue();
            assertThat(q.fd().isNonBlocking()).as("blocking, as in C: untimed calls sleep in the kernel").isFalse();
            assertThatThrownBy(() -> PosixMessageQueue.createExclusively(name)).isInstanceOf(AlreadyExistsException.class)
                    .hasMessage("mq_open(" + name + "): File exists (EEXIST)");
            try (PosixMessageQueue again = PosixMessageQueue.createOrOpen(name, PosixMessageQueue.Options.defaults()
                    .withMaxMessages(7).withMessageSize(7))) {
                assertThat(again.messageSize()).as("an existing queue keeps its sizes").isEqualTo(100);
            }
            try (Peer c = CPeer.start("mq_peer", "attr", name)) {
                c.awaitSuccess(T);
                assertThat(c.stdout().strip()).isEqualTo("3 100 0");
            }
            q.unlink();
            assertThatThrownBy(() -> PosixMessageQueue.openExisting(name)).isInstanceOf(NotFoundException.class)
                    .hasMessage("mq_open(" + name + "): No such file or directory (ENOENT)");
            q.send("still works".getBytes(UTF_8), 0);
            assertThat(q.receive().text()).isEqualTo("still works");
        }
        assertThatThrownBy(() -> PosixMessageQueue.unlink(name)).isInstanceOf(NotFoundException.class);
    }

    @Test
    void defaultSizesComeFromTheSystem() throws Exception {
        try (PosixMessageQueue q = PosixMessageQueue.createExclusively(TestIpc.name("defaults"))) {
            assertThat((long) q.maxMessages()).isEqualTo(MqueueLimits.defaultMaxMessages());
            assertThat((long) q.messageSize()).isEqualTo(MqueueLimits.defaultMessageSize());
            q.unlink();
        }
    }

    /** The mode of an open queue, by stat of its descriptor through /proc (no mqueue mount needed). */
    static int modeOf(PosixMessageQueue q) throws Exception {
        int n = q.fd().acquire("stat");
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self/fd/" + n), "unix:mode") & 07777;
        } finally {
            q.fd().release();
        }
    }

    @Test
    void modeIsExactWhateverTheUmask() throws Exception {
        // 0666 is wider than the usual umask (022) lets mq_open create; jipc sets it with fchmod.
        String name = TestIpc.name("wide-mode");
        PosixMessageQueue.Options wide = PosixMessageQueue.Options.defaults()
                .withMode(PosixFilePermissions.fromString("rw-rw-rw-"));
        try (PosixMessageQueue q = PosixMessageQueue.createExclusively(name, wide)) {
            assertThat(modeOf(q)).isEqualTo(0666);
            q.unlink();
        }
        String other = TestIpc.name("wide-mode");
        try (PosixMessageQueue q = PosixMessageQueue.createOrOpen(other, wide)) {
            assertThat(modeOf(q)).as("created by createOrOpen").isEqualTo(0666);
            try (PosixMessageQueue again = PosixMessageQueue.createOrOpen(other, PosixMessageQueue.Options.defaults())) {
                assertThat(modeOf(again)).as("an existing queue keeps its mode").isEqualTo(0666);
            }
            q.unlink();
        }
    }

    @Test
    void modeIsApplied() throws Exception {
        String name = TestIpc.name("mode");
        try (PosixMessageQueue q = PosixMessageQueue.createExclusively(name, PosixMessageQueue.Options.defaults()
                .withMode(PosixFilePermissions.fromString("rw-r-----")))) {
            Path mounted = Path.of("/dev/mqueue", name.substring(1));
            if (Files.exists(mounted)) {
                assertThat((Integer) Files.getAttribute(mounted, "unix:mode") & 0777).isEqualTo(0640);
            }
            try (PosixMessageQueue r = PosixMessageQueue.openExisting(name, PosixMessageQueue.Options.defaults().withAccess(PosixMessageQueue.Access.READ_ONLY))) {
                assertThatThrownBy(() -> r.send(new byte[1], 0)).isInstanceOf(IpcException.class)
                        .hasMessageContaining("queue opened read-only, not for sending (EBADF)");
            }
            q.unlink();
        }
    }

    @Test
    void theLeakProbeFindsAndRemovesAForgottenQueueWithoutAMount() throws Exception {
        String name = TestIpc.name("forgotten");
        PosixMessageQueue.createExclusively(name).close();
        assertThat(new MqueueLeakProbe().removeLeftovers()).contains("POSIX queue " + name);
        assertThatThrownBy(() -> PosixMessageQueue.openExisting(name)).isInstanceOf(NotFoundException.class);
    }

    // ---------------------------------------------------------------- with C peers

    @Test
    void cSenderPrioritiesArriveHighestFirstFifoWithinOne() throws Exception {
        try (PosixMessageQueue q = create("c-to-java", 10, 64)) {
            try (Peer c = CPeer.start("mq_peer", "send", q.name(), "1:low", "5:high-a", "3:mid", "5:high-b", "0:lowest")) {
                c.awaitSuccess(T);
            }
            assertThat(q.info().currentMessages()).isEqualTo(5);
            List<String> got = new ArrayList<>();
            Envelope r = new Envelope();
            byte[] buf = new byte[64];
            while (q.tryReceive(buf, r) != Transfer.NOTHING) {
                got.add(r.priority() + " " + new String(buf, 0, r.size(), UTF_8));
            }
            assertThat(got).containsExactly("5 high-a", "5 high-b", "3 mid", "1 low", "0 lowest");
            q.unlink();
        }
    }

    @Test
    void javaSenderPrioritiesReachACReceiverInOrder() throws Exception {
        try (PosixMessageQueue q = create("java-to-c", 10, 64); Arena a = Arena.ofConfined()) {
            q.send("two".getBytes(UTF_8), 2);
            q.send(ByteBuffer.wrap("nine".getBytes(UTF_8)), 9);
            q.send(a.allocateFrom("zero", UTF_8).asSlice(0, 4), 0);
            ByteBuffer direct = ByteBuffer.allocateDirect(16).put("nine-b".getBytes(UTF_8)).flip();
            q.send(direct, 9);
            assertThat(direct.hasRemaining()).isFalse();
            q.send(new PosixMessage(32767, "max".getBytes(UTF_8)));
            try (Peer c = CPeer.start("mq_peer", "receive", q.name(), "5")) {
                c.awaitSuccess(T);
                assertThat(c.stdout().lines()).containsExactly("32767 max", "9 nine", "9 nine-b", "2 two", "0 zero");
            }
            q.unlink();
        }
    }

    @Test
    void blockedReceiverWakesWhenACPeerSends() throws Exception {
        try (PosixMessageQueue q = create("wake-on-send", 4, 32)) {
            CompletableFuture<PosixMessage> got = CompletableFuture.supplyAsync(() -> {
                try {
                    return q.receive();
                } catch (IpcException e) {
                    throw new RuntimeException(e);
                }
            }, r -> Thread.ofPlatform().start(r));
            Thread.sleep(200);
            assertThat(got).isNotDone();
            try (Peer c = CPeer.start("mq_peer", "send", q.name(), "7:hello")) {
                c.awaitSuccess(T);
            }
            assertThat(got.get(10, TimeUnit.SECONDS)).isEqualTo(new PosixMessage(7, "hello".getBytes(UTF_8)));
            q.unlink();
        }
    }

    @Test
    void aCReceiverBlockedOnAnEmptyQueueGetsJavasMessage() throws Exception {
        try (PosixMessageQueue q = create("c-waits", 4, 32); Peer c = CPeer.start("mq_peer", "wait", q.name())) {
            c.awaitOutput("ready", T);
            q.send("for-c".getBytes(UTF_8), 4);
            c.awaitSuccess(T);
            assertThat(c.stdout()).contains("4 for-c");
            q.unlink();
        }
    }

    @Test
    void messageLargerThanTheQueueSizeIsEmsgsizeBothWays() throws Exception {
        try (PosixMessageQueue q = create("emsgsize", 2, 64)) {
            assertThatThrownBy(() -> q.send(new byte[65], 0)).isInstanceOf(MessageTooLargeException.class)
                    .hasMessage("mq_send(" + q.name() + "): message of 65 bytes exceeds the queue's message size 64 (EMSGSIZE)");
            try (Arena a = Arena.ofConfined()) {
                assertThatThrownBy(() -> q.send(a.allocate(65), 0)).isInstanceOf(MessageTooLargeException.class);
            }
            q.send(new byte[64], 0);
            try (Peer c = CPeer.start("mq_peer", "sendsize", q.name(), "65")) {
                c.awaitSuccess(T);
                assertThat(c.stdout().strip()).isEqualTo("EMSGSIZE");
            }
            q.unlink();
        }
    }

    @Test
    void fullQueueRefusesTrySendAndTimesOutTimedSend() throws Exception {
        try (PosixMessageQueue q = create("full", 2, 16)) {
            assertThat(q.trySend("1".getBytes(UTF_8), 0)).isTrue();
            assertThat(q.trySend("2".getBytes(UTF_8), 0)).isTrue();
            assertThat(q.trySend("3".getBytes(UTF_8), 0)).as("EAGAIN is a plain no").isFalse();
            long start = System.nanoTime();
            assertThat(q.trySend("3".getBytes(UTF_8), 0, Duration.ofMillis(300))).isFalse();
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(300));
            try (Peer c = CPeer.start("mq_peer", "sendsize", q.name(), "1")) {
                c.awaitSuccess(T);
                assertThat(c.stdout().strip()).as("a C sender sees the same full queue").isEqualTo("EAGAIN");
            }
            // A blocked sender proceeds once a C receiver makes room.
            CompletableFuture<Boolean> sent = CompletableFuture.supplyAsync(() -> {
                try {
                    return q.trySend("3".getBytes(UTF_8), 0, Duration.ofSeconds(20));
                } catch (IpcException e) {
                    throw new RuntimeException(e);
                }
            }, r -> Thread.ofPlatform().start(r));
            Thread.sleep(100);
            try (Peer c = CPeer.start("mq_peer", "receive", q.name(), "1")) {
                c.awaitSuccess(T);
                assertThat(c.stdout().strip()).isEqualTo("0 1");
            }
            assertThat(sent.get(10, TimeUnit.SECONDS)).isTrue();
            assertThat(q.info().currentMessages()).isEqualTo(2);
            q.unlink();
        }
    }

    @Test
    void emptyQueueTryReceiveIsFalseAndTimedReceiveTimesOut() throws Exception {
        try (PosixMessageQueue q = create("empty", 2, 16)) {
            assertThat(q.tryReceive()).isEmpty();
            assertThat(q.tryReceive(new byte[16], new Envelope())).isEqualTo(Transfer.NOTHING);
            long start = System.nanoTime();
            assertThat(q.tryReceive(Duration.ofMillis(250))).isEmpty();
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(250));
            q.send("x".getBytes(UTF_8), 1);
            assertThat(q.info().currentMessages()).isEqualTo(1);
            q.unlink();
        }
    }

    @Test
    void aPollerReportsWhichQueueHasAMessageAndWhichHasRoom() throws Exception {
        try (PosixMessageQueue quiet = create("poll-quiet", 1, 16); PosixMessageQueue busy = create("poll-busy", 1, 16);
             Poller poller = Poller.create()) {
            poller.register(quiet, Set.of(Readiness.READ), quiet);
            Registration busyReg = poller.register(busy, Set.of(Readiness.READ), busy);
            assertThat(poller.tryPoll(Duration.ofMillis(50))).as("both empty").isZero();
            CompletableFuture<Integer> polled = CompletableFuture.supplyAsync(() -> {
                try {
                    return poller.tryPoll(Duration.ofSeconds(20));
                } catch (IpcException e) {
                    throw new RuntimeException(e);
                }
            }, r -> Thread.ofPlatform().start(r));
            Thread.sleep(100);
            assertThat(polled).isNotDone();
            try (Peer c = CPeer.start("mq_peer", "send", busy.name(), "6:job")) {
                c.awaitSuccess(T);
            }
            assertThat(polled.get(10, TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(poller.ready(0).attachment()).isSameAs(busy);
            assertThat(poller.ready(0).isReadable()).isTrue();
            // Level-triggered: still readable until received; full, so not writable.
            busyReg.setInterest(Set.of(Readiness.READ, Readiness.WRITE));
            assertThat(poller.tryPoll()).isEqualTo(1);
            assertThat(poller.ready(0).isWritable()).isFalse();
            assertThat(busy.tryReceive()).contains(new PosixMessage(6, "job".getBytes(UTF_8)));
            assertThat(poller.tryPoll()).isEqualTo(1);
            assertThat(poller.ready(0).isReadable()).isFalse();
            assertThat(poller.ready(0).isWritable()).as("room again").isTrue();
            quiet.unlink();
            busy.unlink();
        }
    }

    @Test
    void closeWakesABlockedReceiver() throws Exception {
        PosixMessageQueue q = create("close-wakes", 2, 16);
        try {
            CompletableFuture<Throwable> outcome = CompletableFuture.supplyAsync(() -> {
                try {
                    q.receive();
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            }, r -> Thread.ofPlatform().start(r));
            Thread.sleep(100);
            q.close();
            assertThat(outcome.get(5, TimeUnit.SECONDS)).isInstanceOf(ObjectClosedException.class)
                    .hasMessage("mq_receive(" + q.name() + "): object is closed");
            assertThatThrownBy(() -> q.trySend(new byte[1], 0)).isInstanceOf(ObjectClosedException.class);
        } finally {
            PosixMessageQueue.unlink(q.name());
        }
    }

    @Test
    void interruptWakesABlockedReceiverWithin100ms() throws Exception {
        try (PosixMessageQueue q = create("interrupt", 2, 16)) {
            BlockedCalls.assertInterruptAnsweredWithin(Duration.ofMillis(100), q::receive);
            q.send("after".getBytes(UTF_8), 0);
            assertThat(q.receive().text()).as("the queue stays usable").isEqualTo("after");
            q.unlink();
        }
    }

    interface Blocking {
        Object call() throws Exception;
    }

    // ---------------------------------------------------------------- kernel waits

    /** A call running on its own platform thread: the thread, its kernel id, and what it returned or threw. */
    record Blocked(Thread thread, int tid, CompletableFuture<Object> outcome) {
        Object result() throws Exception {
            return outcome.get(10, TimeUnit.SECONDS);
        }

        Throwable thrown() throws Exception {
            Object r = result();
            assertThat(r).as("what the call threw").isInstanceOf(Throwable.class);
            return (Throwable) r;
        }
    }

    static Blocked startBlocked(Blocking call) throws Exception {
        CompletableFuture<Integer> tid = new CompletableFuture<>();
        CompletableFuture<Object> outcome = new CompletableFuture<>();
        Thread t = Thread.ofPlatform().name("mq-waiter").start(() -> {
            tid.complete(Unistd.gettid());
            try {
                outcome.complete(call.call());
            } catch (Throwable e) {
                outcome.complete(e);
            }
        });
        return new Blocked(t, tid.get(10, TimeUnit.SECONDS), outcome);
    }

    /**
     * Waits until the thread sleeps in {@code syscall} (failing at once if it sleeps in poll(2)
     * instead) and returns that call's six arguments.
     */
    static long[] awaitSleepingIn(Blocked b, String syscall) throws Exception {
        assertThat(ThreadSyscalls.awaitSleepingIn(b::tid, b.outcome(), syscall, "poll", "ppoll")).isEqualTo(syscall);
        return ThreadSyscalls.arguments(b.tid());
    }

    /** Waits until the thread sleeps in poll(2) (the wait of a non-blocking description), not in the call. */
    static void awaitPolling(Blocked b, String syscall) throws Exception {
        assertThat(ThreadSyscalls.awaitSleepingIn(b::tid, b.outcome(), syscall, "poll", "ppoll")).isIn("poll", "ppoll");
    }

    private static long descriptor(PosixMessageQueue q) throws IpcException {
        int n = q.fd().acquire("test");
        q.fd().release();
        return n;
    }

    @Test
    void aBlockedSendOrReceiveSleepsInsideTheSystemCallAndCloseOrInterruptWakesIt() throws Exception {
        PosixMessageQueue q = create("kernel-wait", 2, 16);
        try (q; PosixMessageQueue other = PosixMessageQueue.openExisting(q.name())) {
            Blocked receiver = startBlocked(q::receive);
            long[] call = awaitSleepingIn(receiver, "mq_timedreceive");
            assertThat(call[0]).as("on the queue's descriptor").isEqualTo(descriptor(q));
            assertThat(call[4]).as("no timeout: mq_receive as C makes it").isZero();
            receiver.thread().interrupt();
            assertThat(receiver.thrown()).isInstanceOf(IpcInterruptedException.class)
                    .hasMessage("mq_receive(" + q.name() + "): interrupted");

            Blocked closed = startBlocked(other::receive);
            awaitSleepingIn(closed, "mq_timedreceive");
            other.close();
            assertThat(closed.thrown()).isInstanceOf(ObjectClosedException.class)
                    .hasMessage("mq_receive(" + q.name() + "): object is closed");

            q.send("1".getBytes(UTF_8), 0);
            q.send("2".getBytes(UTF_8), 0);
            Blocked sender = startBlocked(() -> {
                q.send("3".getBytes(UTF_8), 0);
                return "sent";
            });
            call = awaitSleepingIn(sender, "mq_timedsend");
            assertThat(call[4]).as("no timeout: mq_send as C makes it").isZero();
            sender.thread().interrupt();
            assertThat(sender.result()).isInstanceOf(IpcInterruptedException.class);
            assertThat(q.info().currentMessages()).isEqualTo(2);

            Blocked closedSender = startBlocked(() -> {
                q.send(ByteBuffer.wrap("3".getBytes(UTF_8)), 0);
                return "sent";
            });
            awaitSleepingIn(closedSender, "mq_timedsend");
            q.close();
            assertThat(closedSender.thrown()).isInstanceOf(ObjectClosedException.class)
                    .hasMessage("mq_send(" + q.name() + "): object is closed");
        } finally {
            PosixMessageQueue.unlink(q.name());
        }
    }

    @Test
    void aPendingInterruptEndsOnlyAReceiveOrASendThatMustWait() throws Exception {
        try (PosixMessageQueue q = create("pending-interrupt", 1, 16)) {
            Thread.currentThread().interrupt();
            try {
                q.send("room".getBytes(UTF_8), 1);
                assertThatThrownBy(() -> q.send("full".getBytes(UTF_8), 1)).isInstanceOf(IpcInterruptedException.class);
                assertThat(q.tryReceive(Duration.ofSeconds(60))).as("a message already there is still received")
                        .contains(new PosixMessage(1, "room".getBytes(UTF_8)));
                assertThatThrownBy(() -> q.tryReceive(Duration.ofSeconds(60))).isInstanceOf(IpcInterruptedException.class);
                assertThatThrownBy(q::receive).isInstanceOf(IpcInterruptedException.class);
                assertThat(Thread.currentThread().isInterrupted()).isTrue();
                assertThat(q.tryReceive()).as("the try forms never wait").isEmpty();
            } finally {
                Thread.interrupted();
            }
            q.unlink();
        }
    }

    record Timed(Object result, long nanos) {}

    static Blocking timed(Blocking call) {
        return () -> {
            long start = System.nanoTime();
            Object r = call.call();
            return new Timed(r, System.nanoTime() - start);
        };
    }

    @Test
    void aTimedReceiveSleepsInTheKernelUntilItsDeadlineOrACPeersSend() throws Exception {
        try (PosixMessageQueue q = create("timed-wait", 1, 32)) {
            Blocked expiring = startBlocked(timed(() -> q.tryReceive(Duration.ofMillis(400))));
            long[] call = awaitSleepingIn(expiring, "mq_timedreceive");
            assertThat(call[4]).as("with its absolute timeout").isNotZero();
            Timed t = (Timed) expiring.result();
            assertThat(t.result()).isEqualTo(Optional.empty());
            assertThat(t.nanos()).as("never before the deadline").isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(400));
            assertThat(t.nanos()).as("nor long after it (a bound for a loaded machine, not a speed test)")
                    .isLessThan(TimeUnit.MILLISECONDS.toNanos(400) + TimeUnit.SECONDS.toNanos(5));

            Blocked woken = startBlocked(() -> q.tryReceive(Duration.ofSeconds(60)));
            awaitSleepingIn(woken, "mq_timedreceive");
            try (Peer c = CPeer.start("mq_peer", "send", q.name(), "6:timed-hello")) {
                c.awaitSuccess(T);
            }
            assertThat(woken.result()).isEqualTo(Optional.of(new PosixMessage(6, "timed-hello".getBytes(UTF_8))));

            Blocked interrupted = startBlocked(() -> q.tryReceive(Duration.ofSeconds(60)));
            awaitSleepingIn(interrupted, "mq_timedreceive");
            interrupted.thread().interrupt();
            assertThat(interrupted.thrown()).isInstanceOf(IpcInterruptedException.class);

            q.send("full".getBytes(UTF_8), 1);
            Blocked sender = startBlocked(() -> q.trySend("next".getBytes(UTF_8), 2, Duration.ofSeconds(60)));
            call = awaitSleepingIn(sender, "mq_timedsend");
            assertThat(call[4]).isNotZero();
            try (Peer c = CPeer.start("mq_peer", "receive", q.name(), "1")) {
                c.awaitSuccess(T);
                assertThat(c.stdout().strip()).isEqualTo("1 full");
            }
            assertThat(sender.result()).isEqualTo(true);
            assertThat(q.tryReceive()).contains(new PosixMessage(2, "next".getBytes(UTF_8)));

            Blocked closed = startBlocked(() -> q.tryReceive(Duration.ofSeconds(60)));
            awaitSleepingIn(closed, "mq_timedreceive");
            q.close();
            assertThat(closed.thrown()).isInstanceOf(ObjectClosedException.class);
            q.unlink();
        }
    }

    /** This thread's voluntary context switches: how often it slept. */
    private static long voluntarySwitches() throws Exception {
        return Files.readAllLines(Path.of("/proc/thread-self/status")).stream()
                .filter(l -> l.startsWith("voluntary_ctxt_switches:"))
                .mapToLong(l -> Long.parseLong(l.substring(l.indexOf(':') + 1).strip())).findFirst().orElseThrow();
    }

    @Test
    void tryFormsOnABlockingDescriptorAnswerAtOnceWithoutSleeping() throws Exception {
        try (PosixMessageQueue q = create("try-at-once", 1, 16); Arena a = Arena.ofConfined()) {
            // What the try forms rest on: with a timeout already past ({0, 0}), the kernel answers a
            // blocking description's call on an empty (or full) queue with ETIMEDOUT, not EAGAIN,
            // and does not sleep.
            MemorySegment past = a.allocate(Time.TIMESPEC_SIZE, 8);
            MemorySegment buf = a.allocate(16);
            int n = q.fd().acquire("test");
            try {
                assertThat(Mqueue.mq_timedreceive(n, buf, 16, MemorySegment.NULL, past))
                        .isEqualTo(-Errno.ETIMEDOUT.number());
            } finally {
                q.fd().release();
            }
            byte[] array = new byte[16];
            Envelope got = new Envelope();
            int rounds = 2000;
            for (int i = 0; i < 100; i++) {
                q.tryReceive(array, got); // warm-up: class loading, first compilations
            }
            long before = voluntarySwitches();
            int refused = 0;
            for (int i = 0; i < rounds; i++) {
                refused += q.tryReceive(array, got) == Transfer.NOTHING ? 1 : 0;
            }
            long slept = voluntarySwitches() - before;
            assertThat(refused).isEqualTo(rounds);
            assertThat(slept).as("times the thread slept in %d try-receives on an empty queue", rounds)
                    .isLessThan(rounds / 10);
            assertThat(q.tryReceive(array, got, Duration.ZERO)).as("a zero timeout: the same").isEqualTo(Transfer.NOTHING);

            assertThat(q.trySend("x".getBytes(UTF_8), 3)).isTrue();
            q.fd().acquire("test");
            try {
                assertThat(Mqueue.mq_timedsend(n, buf, 1, 0, past)).isEqualTo(-Errno.ETIMEDOUT.number());
            } finally {
                q.fd().release();
            }
            before = voluntarySwitches();
            refused = 0;
            for (int i = 0; i < rounds; i++) {
                refused += q.trySend(array, 0) ? 0 : 1;
            }
            slept = voluntarySwitches() - before;
            assertThat(refused).isEqualTo(rounds);
            assertThat(slept).as("times the thread slept in %d try-sends on a full queue", rounds).isLessThan(rounds / 10);
            assertThat(q.tryReceive()).contains(new PosixMessage(3, "x".getBytes(UTF_8)));
            q.unlink();
        }
    }

    /**
     * Close and interrupt land at random moments around a thread's entry into the wait — before
     * it acquires, between its checks and the system call, while it sleeps — and always wake it.
     */
    @Test
    void closeOrInterruptAtAnyMomentAlwaysWakesTheWaiter() throws Exception {
        try (PosixMessageQueue empty = create("race-empty", 1, 16); PosixMessageQueue full = create("race-full", 1, 16)) {
            full.send("x".getBytes(UTF_8), 0);
            long seed = System.nanoTime();
            SplittableRandom random = new SplittableRandom(seed);
            for (int round = 0; round < 200; round++) {
                boolean close = round % 2 == 0;
                int kind = (round / 2) % 3;
                PosixMessageQueue q = PosixMessageQueue.openExisting(kind == 2 ? full.name() : empty.name());
                try {
                    CountDownLatch started = new CountDownLatch(1);
                    Blocked b = startBlocked(() -> {
                        started.countDown();
                        return switch (kind) {
                            case 0 -> q.receive();
                            case 1 -> q.tryReceive(Duration.ofSeconds(60));
                            default -> {
                                q.send(new byte[1], 0);
                                yield "sent";
                            }
                        };
                    });
                    started.await();
                    long until = System.nanoTime() + random.nextLong(300_000);
                    while (System.nanoTime() < until) {
                        Thread.onSpinWait();
                    }
                    if (close) {
                        q.close();
                    } else {
                        b.thread().interrupt();
                    }
                    Object outcome;
                    try {
                        outcome = b.result();
                    } catch (TimeoutException e) {
                        throw new AssertionError("round " + round + " (seed " + seed + "): the waiter was not woken", e);
                    }
                    assertThat(outcome).as("round %d (seed %d)", round, seed)
                            .isInstanceOf(close ? ObjectClosedException.class : IpcInterruptedException.class);
                } finally {
                    q.close();
                }
            }
            assertThat(empty.info().currentMessages()).isZero();
            assertThat(full.info().currentMessages()).isEqualTo(1);
            empty.unlink();
            full.unlink();
        }
    }

    @Test
    void aDescriptionMadeNonBlockingKeepsEveryFormWorkingThroughPoll() throws Exception {
        try (PosixMessageQueue q = create("made-nonblocking", 1, 16); Arena a = Arena.ofConfined()) {
            q.fd().setNonBlocking(true);
            assertThat(q.fd().isNonBlocking()).isTrue();
            MemorySegment attr = a.allocate(Mqueue.MQ_ATTR.layout());
            int n = q.fd().acquire("test");
            try {
                assertThat(Mqueue.mq_getattr(n, attr)).isZero();
            } finally {
                q.fd().release();
            }
            assertThat(attr.get(ValueLayout.JAVA_LONG, Mqueue.MQ_FLAGS)).as("mq_getattr agrees")
                    .isEqualTo((long) Fcntl.O_NONBLOCK);

            assertThat(q.tryReceive()).isEmpty();
            long start = System.nanoTime();
            assertThat(q.tryReceive(Duration.ofMillis(200))).isEmpty();
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(200));

            Blocked receiver = startBlocked(q::receive);
            awaitPolling(receiver, "mq_timedreceive");
            try (Peer c = CPeer.start("mq_peer", "send", q.name(), "2:polled")) {
                c.awaitSuccess(T);
            }
            assertThat(receiver.result()).isEqualTo(new PosixMessage(2, "polled".getBytes(UTF_8)));

            q.fd().setNonBlocking(false);
            assertThat(q.fd().isNonBlocking()).isFalse();
            Blocked asleep = startBlocked(q::receive);
            awaitSleepingIn(asleep, "mq_timedreceive");
            q.fd().setNonBlocking(true);
            Blocked polling = startBlocked(() -> q.tryReceive(Duration.ofSeconds(60)));
            awaitPolling(polling, "mq_timedreceive");
            q.close();
            assertThat(asleep.thrown()).as("asleep in the kernel").isInstanceOf(ObjectClosedException.class);
            assertThat(polling.thrown()).as("waiting in poll").isInstanceOf(ObjectClosedException.class);
            q.unlink();
        }
    }

    // ---------------------------------------------------------------- a second JVM

    @Test
    void anotherJvmReceivesWithPriorities() throws Exception {
        try (PosixMessageQueue q = create("jvm", 8, 128)) {
            try (Peer p = PeerJvm.start(MqueuePeer.class, "receive", q.name(), "3")) {
                p.awaitOutput("ready", T);
                q.send("a".getBytes(UTF_8), 1);
                q.send("b".getBytes(UTF_8), 8);
                q.send("c".getBytes(UTF_8), 4);
                p.awaitSuccess(T);
                // The peer starts receiving at once, so the first may overtake; the rest are in priority order.
                assertThat(p.stdout().lines().filter(l -> !l.equals("ready"))).hasSize(3)
                        .containsExactlyInAnyOrder("1 a", "8 b", "4 c");
            }
            for (int i = 0; i < 3; i++) {
                q.send(("m" + i).getBytes(UTF_8), i);
            }
            try (Peer p = PeerJvm.start(MqueuePeer.class, "receive", q.name(), "3")) {
                p.awaitSuccess(T);
                assertThat(p.stdout().lines().filter(l -> !l.equals("ready"))).containsExactly("2 m2", "1 m1", "0 m0");
            }
            q.unlink();
        }
    }

    // ---------------------------------------------------------------- limits

    @Test
    void refusedAttributesNameTheLimitAndItsValue() throws Exception {
        String name = TestIpc.name("limits");
        // Beyond the hard limit: EINVAL whatever the process's capabilities.
        assertThatThrownBy(() -> PosixMessageQueue.createExclusively(name,
                PosixMessageQueue.Options.defaults().withMaxMessages(100_000).withMessageSize(16)))
                .isInstanceOf(IpcException.class)
                .hasMessage("mq_open(" + name + "): max_messages 100000 exceeds the kernel's hard limit 65536 (HARD_MSGMAX)"
                        + " (EINVAL)");
        assertThatThrownBy(() -> PosixMessageQueue.openExisting(name)).isInstanceOf(NotFoundException.class);
    }

    /**
     * The sysctl and rlimit refusals, from a peer JVM without CAP_SYS_RESOURCE (when this runs
     * as root) and with a small RLIMIT_MSGQUEUE, so that both limits surely apply.
     */
    @Test
    void sysctlAndRlimitRefusalsFromAnUnprivilegedPeer() throws Exception {
        MqueueLimits.Snapshot s = MqueueLimits.Snapshot.read();
        for (String tool : List.of("/usr/bin/setpriv", "/usr/bin/prlimit")) {
            if (!Files.isExecutable(Path.of(tool))) {
                org.junit.jupiter.api.Assumptions.abort("needs " + tool + " to drop CAP_SYS_RESOURCE and lower RLIMIT_MSGQUEUE");
            }
        }
        long maxmsg = Math.min(s.msgMax(), 10);
        long msgsize = Math.min(s.msgsizeMax(), 8192);
        long rlimit = maxmsg * msgsize / 2;
        String overSysctl = TestIpc.name("unpriv");
        String overRlimit = TestIpc.name("rlimit");
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/prlimit", "--msgqueue=" + rlimit + ":" + rlimit));
        if (Unistd.getuid() == 0) {
            cmd.addAll(List.of("/usr/bin/setpriv", "--inh-caps=-sys_resource", "--bounding-set=-sys_resource"));
        }
        cmd.addAll(List.of(PeerJvm.javaCommand(), "--enable-native-access=ALL-UNNAMED", "-Xshare:auto",
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), MqueuePeer.class.getName(),
                "create", overSysctl, String.valueOf(s.msgMax() + 1), "16",
                "create", overRlimit, String.valueOf(maxmsg), String.valueOf(msgsize)));
        try (Peer p = Peer.start("MqueuePeer", cmd)) {
            p.awaitSuccess(T);
            assertThat(p.stdout().lines()).containsExactly(
                    "mq_open(" + overSysctl + "): max_messages " + (s.msgMax() + 1) + " exceeds msg_max = " + s.msgMax()
                            + " (/proc/sys/fs/mqueue/msg_max; only CAP_SYS_RESOURCE lifts it, up to 65536) (EINVAL)",
                    "mq_open(" + overRlimit + "): the queue needs at least " + maxmsg * msgsize + " bytes (max_messages "
                            + maxmsg + " x message_size " + msgsize + ", plus kernel bookkeeping) and RLIMIT_MSGQUEUE is "
                            + rlimit + " bytes for all queues of this user together (ulimit -q) (EMFILE)");
        }
    }

    @Test
    void limitTextsForEveryRefusal() {
        var s = new MqueueLimits.Snapshot(10, 8192, 10, 8192, 256, 819200, 1024, 20);
        assertThat(MqueueLimits.explain(22, 11, 9000, s)).isEqualTo(
                "max_messages 11 exceeds msg_max = 10 (/proc/sys/fs/mqueue/msg_max; only CAP_SYS_RESOURCE lifts it, up to"
                        + " 65536); message_size 9000 exceeds msgsize_max = 8192 (/proc/sys/fs/mqueue/msgsize_max; only"
                        + " CAP_SYS_RESOURCE lifts it, up to 16777216)");
        assertThat(MqueueLimits.explain(22, 0, 9000, s)).as("0 is the default, 10, which is within msg_max")
                .startsWith("message_size 9000 exceeds msgsize_max = 8192");
        assertThat(MqueueLimits.explain(22, 10, 20_000_000, s))
                .isEqualTo("message_size 20000000 exceeds the kernel's hard limit 16777216 (HARD_MSGSIZEMAX)");
        assertThat(MqueueLimits.explain(28, 10, 10, s)).isEqualTo(
                "the system already has queues_max = 256 queues (/proc/sys/fs/mqueue/queues_max; processes with"
                        + " CAP_SYS_RESOURCE are exempt)");
        assertThat(MqueueLimits.explain(24, 200, 8192, s)).startsWith(
                "the queue needs at least 1638400 bytes (max_messages 200 x message_size 8192, plus kernel bookkeeping)"
                        + " and RLIMIT_MSGQUEUE is 819200 bytes");
        var outOfFds = new MqueueLimits.Snapshot(10, 8192, 10, 8192, 256, 819200, 1024, 1024);
        assertThat(MqueueLimits.explain(24, 1, 1, outOfFds))
                .isEqualTo("no free descriptor: the process has 1024 open and RLIMIT_NOFILE is 1024");
    }

    // ---------------------------------------------------------------- allocation

    @Test
    void sendAndReceiveInALoopAllocateNothing() throws Exception {
        try (PosixMessageQueue q = create("alloc", 4, 64); Arena a = Arena.ofConfined()) {
            byte[] array = new byte[64];
            ByteBuffer heap = ByteBuffer.allocate(64);
            ByteBuffer direct = ByteBuffer.allocateDirect(64);
            MemorySegment native64 = a.allocate(64);
            Envelope got = new Envelope();
            Duration second = Duration.ofSeconds(1); // made here: the test must not allocate either
            Runnable round = () -> {
                try {
                    q.send(array, 1);
                    q.receive(array, got);
                    q.trySend(heap.clear().limit(32), 2);
                    q.tryReceive(heap.clear(), got, second);
                    q.trySend(direct.clear().limit(16), 3, second);
                    q.tryReceive(direct.clear(), got);
                    q.send(native64, 4);
                    q.receive(native64, got);
                } catch (IpcException e) {
                    throw new RuntimeException(e);
                }
            };
            long allocated = ThreadMeters.allocatedBytes(round, 20_000);
            assertThat(got.priority()).isEqualTo(4);
            assertThat(allocated).as("bytes allocated by 20000 rounds of 8 calls").isLessThan(20_000);
            q.unlink();
        }
    }
}
