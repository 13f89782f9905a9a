package io.jipc.socket;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jipc.IpcInterruptedException;
import io.jipc.ObjectClosedException;
import io.jipc.Transfer;
import io.jipc.internal.libc.Unistd;
import io.jipc.testing.BlockedCalls;
import io.jipc.testing.CPeer;
import io.jipc.testing.Peer;
import io.jipc.testing.ThreadMeters;
import io.jipc.testing.ThreadSyscalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@link MessageBatch}: many datagrams or records per system call (sendmmsg, recvmmsg) in the
 * three forms of every jipc wait, message boundaries and lengths kept, truncation told, the
 * position telling what went, close and interrupt answered, nothing allocated — and the same
 * bytes as a C program sending and receiving one message per call.
 */
class MessageBatchTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static String text(MessageBatch b, int i) {
        return new String(b.message(i).toArray(ValueLayout.JAVA_BYTE), UTF_8);
    }

    @Test
    void allocateRefusesSizesOutOfRange() {
        assertThatThrownBy(() -> MessageBatch.allocate(0, 64)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1 to 1024");
        assertThatThrownBy(() -> MessageBatch.allocate(1025, 64)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MessageBatch.allocate(4, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MessageBatch.allocate(1024, Integer.MAX_VALUE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 GiB");
    }

    @Test
    void addRefusesWhatDoesNotFitAndChangesNothing() {
        try (MessageBatch b = MessageBatch.allocate(2, 4)) {
            assertThatThrownBy(() -> b.add("toolong".getBytes(UTF_8))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("0 to 4 bytes");
            assertThatThrownBy(() -> b.add(-1)).isInstanceOf(IllegalArgumentException.class);
            assertThat(b.count()).isZero();
            b.add("a".getBytes(UTF_8));
            ByteBuffer two = ByteBuffer.wrap("xbc".getBytes(UTF_8)).position(1);
            assertThat(b.add(two)).isEqualTo(1);
            assertThat(two.hasRemaining()).as("the buffer's position moved to its limit").isFalse();
            assertThat(b.isFull()).isTrue();
            assertThatThrownBy(() -> b.add(1)).isInstanceOf(BufferOverflowException.class);
            assertThat(text(b, 0) + text(b, 1)).isEqualTo("abc");
            assertThatThrownBy(() -> b.length(2)).isInstanceOf(IndexOutOfBoundsException.class);
        }
    }

    @Test
    void aBatchOfDatagramsGoesInOneCallAndComesBackWithItsBoundaries() throws Exception {
        try (UnixDatagramSocket.Pair p = UnixDatagramSocket.pair();
                MessageBatch out = MessageBatch.allocate(16, 32);
                MessageBatch in = MessageBatch.allocate(16, 32)) {
            for (int i = 0; i < 10; i++) {
                out.add(("message " + i).getBytes(UTF_8));
            }
            out.add(0); // an empty datagram is a datagram
            p.first().sendBatch(out);
            assertThat(out.position()).isEqualTo(out.count()).isEqualTo(11);
            assertThat(out.remaining()).isZero();

            assertThat(p.second().receiveBatch(in)).as("everything queued comes in one call").isEqualTo(11);
            assertThat(in.count()).isEqualTo(11);
            for (int i = 0; i < 10; i++) {
                assertThat(text(in, i)).isEqualTo("message " + i);
                assertThat(in.truncated(i)).isFalse();
            }
            assertThat(in.length(10)).isZero();
            assertThat(p.second().tryReceiveBatch(in)).as("nothing left").isEqualTo(Transfer.NOTHING);
            assertThat(in.count()).isZero();
            // An empty batch sends nothing and says so without waiting.
            assertThat(p.first().trySendBatch(out.clear())).isZero();
        }
    }

    @Test
    void aDatagramLongerThanItsSlotIsCutAndSaysItsRealLength() throws Exception {
        try (UnixDatagramSocket.Pair p = UnixDatagramSocket.pair(); MessageBatch in = MessageBatch.allocate(4, 8)) {
            p.first().send("twenty bytes exactly".getBytes(UTF_8));
            p.first().send("short".getBytes(UTF_8));
            assertThat(p.second().receiveBatch(in)).isEqualTo(2);
            assertThat(in.length(0)).isEqualTo(20);
            assertThat(in.truncated(0)).isTrue();
            assertThat(text(in, 0)).isEqualTo("twenty b");
            assertThat(in.length(1)).isEqualTo(5);
            assertThat(in.truncated(1)).isFalse();
            ByteBuffer copy = ByteBuffer.allocate(8);
            assertThat(in.get(1, copy)).isEqualTo(5);
            assertThat(copy.position()).isEqualTo(5);
            assertThatThrownBy(() -> in.get(0, ByteBuffer.allocate(7))).isInstanceOf(BufferOverflowException.class);
        }
    }

    @Test
    void aReceivedBatchCanBeSentOnAsItIs() throws Exception {
        try (UnixDatagramSocket.Pair a = UnixDatagramSocket.pair(); UnixDatagramSocket.Pair b = UnixDatagramSocket.pair();
                MessageBatch batch = MessageBatch.allocate(8, 6);
                MessageBatch last = MessageBatch.allocate(8, 64)) {
            a.first().send("one".getBytes(UTF_8));
            a.first().send("".getBytes(UTF_8));
            a.first().send("a longer one".getBytes(UTF_8));
            assertThat(a.second().receiveBatch(batch)).isEqualTo(3);
            b.first().sendBatch(batch);
            assertThat(b.second().receiveBatch(last)).isEqualTo(3);
            assertThat(text(last, 0)).isEqualTo("one");
            assertThat(last.length(1)).isZero();
            assertThat(text(last, 2)).as("what the slot held of the cut one").isEqualTo("a long");
            // and a batch filled again after a receive has its slots whole for the next receive
            a.first().send("sixsix".getBytes(UTF_8));
            assertThat(a.second().receiveBatch(batch)).isEqualTo(1);
            assertThat(text(batch, 0)).isEqualTo("sixsix");
        }
    }

    @Test
    void theTryFormsNeverWaitAndTheTimedOnesWaitTheirTime() throws Exception {
        try (UnixDatagramSocket.Pair p = UnixDatagramSocket.pair();
                MessageBatch out = MessageBatch.allocate(64, 1000);
                MessageBatch in = MessageBatch.allocate(64, 1000)) {
            assertThat(p.second().tryReceiveBatch(in)).isEqualTo(Transfer.NOTHING);
            long t0 = System.nanoTime();
            assertThat(p.second().tryReceiveBatch(in, Duration.ofMillis(100))).isEqualTo(Transfer.NOTHING);
            assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(Duration.ofMillis(100).toNanos());

            p.first().setSendBufferSize(1); // the kernel's least: a few datagrams of 1000 bytes
            for (int i = 0; i < 64; i++) {
                out.slot(out.add(1000)).set(ValueLayout.JAVA_INT, 0, i);
            }
            int first = p.first().trySendBatch(out);
            assertThat(first).as("some went, not all").isBetween(1, 63);
            assertThat(out.position()).isEqualTo(first);
            assertThat(p.first().trySendBatch(out)).as("the queue is full").isEqualTo(Transfer.NOTHING);
            assertThat(out.position()).isEqualTo(first);
            assertThat(p.first().trySendBatch(out, Duration.ofMillis(50))).isEqualTo(Transfer.NOTHING);

            // A reader drains; the timed send then sends the rest by its deadline.
            AtomicInteger seen = new AtomicInteger();
            CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
                try {
                    while (seen.get() < 64) {
                        int n = p.second().receiveBatch(in);
                        for (int i = 0; i < n; i++) {
                            assertThat(in.slot(i).get(ValueLayout.JAVA_INT, 0)).isEqualTo(seen.getAndIncrement());
                        }
                    }
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            assertThat(p.first().trySendBatch(out, WAIT)).isEqualTo(64 - first);
            assertThat(out.remaining()).isZero();
            reader.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(seen.get()).isEqualTo(64);
        }
    }

    @Test
    void anUntimedReceiveSleepsInsideRecvmmsgAndTakesWhatCame() throws Exception {
        try (UnixDatagramSocket.Pair p = UnixDatagramSocket.pair(); MessageBatch in = MessageBatch.allocate(8, 16)) {
            AtomicInteger tid = new AtomicInteger();
            CompletableFuture<Integer> reader = CompletableFuture.supplyAsync(() -> {
                tid.set(Unistd.gettid());
                try {
                    return p.second().receiveBatch(in);
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }, r -> Thread.ofPlatform().start(r));
            assertThat(ThreadSyscalls.awaitSleepingIn(tid::get, reader, "recvmmsg", "poll", "ppoll")).isEqualTo("recvmmsg");
            p.first().send("wake".getBytes(UTF_8));
            assertThat(reader.get(5, TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(text(in, 0)).isEqualTo("wake");
        }
    }

    @Test
    void closeAndInterruptEndABlockedReceive() throws Exception {
        try (UnixDatagramSocket.Pair p = UnixDatagramSocket.pair(); MessageBatch in = MessageBatch.allocate(8, 16)) {
            BlockedCalls.assertInterruptAnsweredWithin(Duration.ofMillis(100), () -> p.second().receiveBatch(in));
            CompletableFuture<Throwable> blocked = BlockedCalls.blocked(() -> p.second().receiveBatch(in));
            Thread.sleep(100);
            p.second().close();
            assertThat(blocked.get(5, TimeUnit.SECONDS)).isInstanceOf(ObjectClosedException.class)
                    .hasMessage("recvmmsg(socketpair): object is closed");
        }
        BlockedCalls.closeAndInterruptRacingTheEntryAlwaysWake(200, () -> {
            UnixDatagramSocket.Pair p = UnixDatagramSocket.pair();
            MessageBatch b = MessageBatch.allocate(4, 8);
            return new BlockedCalls.WaitTarget() {
                @Override
                public void block() throws Exception {
                    p.second().receiveBatch(b);
                }

                @Override
                public void closeObject() {
                    p.second().close();
                }

                @Override
                public void close() {
                    p.close();
                    b.close();
                }
            };
        });
    }

    @Test
    void aSendEndedPartWayLeavesThePositionAtTheFirstDatagramThatDidNotGo() throws Exception {
        try (UnixDatagramSocket.Pair p = UnixDatagramSocket.pair();
                MessageBatch out = MessageBatch.allocate(100, 1000);
                MessageBatch in = MessageBatch.allocate(100, 1000)) {
            p.first().setSendBufferSize(1);
            for (int i = 0; i < 100; i++) {
                out.slot(out.add(1000)).set(ValueLayout.JAVA_INT, 0, i);
            }
            AtomicInteger tid = new AtomicInteger();
            AtomicReference<Thread> sender = new AtomicReference<>();
            CompletableFuture<Throwable> sending = BlockedCalls.blocked(() -> {
                sender.set(Thread.currentThread());
                tid.set(Unistd.gettid());
                p.first().sendBatch(out);
            });
            assertThat(ThreadSyscalls.awaitSleepingIn(tid::get, sending, "sendmmsg", "poll", "ppoll")).isEqualTo("sendmmsg");
            sender.get().interrupt();
            assertThat(sending.get(5, TimeUnit.SECONDS)).isInstanceOf(IpcInterruptedException.class);
            int went = out.position();
            assertThat(went).isBetween(1, 99);
            int got = 0;
            while (got < went) {
                int n = p.second().tryReceiveBatch(in);
                assertThat(n).isPositive();
                for (int i = 0; i < n; i++) {
                    assertThat(in.slot(i).get(ValueLayout.JAVA_INT, 0)).isEqualTo(got++);
                }
            }
            assertThat(p.second().tryReceiveBatch(in)).as("exactly the first %d went", went).isEqualTo(Transfer.NOTHING);

            // Closing the socket under a blocked batch send ends it the same way.
            AtomicInteger tid2 = new AtomicInteger();
            CompletableFuture<Throwable> again = BlockedCalls.blocked(() -> {
                tid2.set(Unistd.gettid());
                p.first().sendBatch(out);
            });
            assertThat(ThreadSyscalls.awaitSleepingIn(tid2::get, again, "sendmmsg", "poll", "ppoll")).isEqualTo("sendmmsg");
            p.first().close();
            assertThat(again.get(5, TimeUnit.SECONDS)).isInstanceOf(ObjectClosedException.class);
            assertThat(out.position()).isGreaterThan(went).isLessThan(100);
        }
    }

    @Test
    void aClosedBatchIsRefusedAndOneClosedDuringACallIsFreedAfterIt() throws Exception {
        try (UnixDatagramSocket.Pair p = UnixDatagramSocket.pair()) {
            MessageBatch closed = MessageBatch.allocate(2, 8);
            closed.add(1);
            closed.close();
            closed.close();
            assertThat(closed.isOpen()).isFalse();
            assertThatThrownBy(() -> p.first().sendBatch(closed)).isInstanceOf(ObjectClosedException.class)
                    .hasMessage("sendmmsg(message batch): object is closed");
            assertThatThrownBy(() -> closed.add(1)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> closed.slot(0).get(ValueLayout.JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);

            MessageBatch inUse = MessageBatch.allocate(2, 8);
            AtomicInteger tid = new AtomicInteger();
            CompletableFuture<Integer> reader = CompletableFuture.supplyAsync(() -> {
                tid.set(Unistd.gettid());
                try {
                    return p.second().receiveBatch(inUse);
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }, r -> Thread.ofPlatform().start(r));
            ThreadSyscalls.awaitSleepingIn(tid::get, reader, "recvmmsg", "poll", "ppoll");
            inUse.close(); // the memory stays until the receive returns
            p.first().send("late".getBytes(UTF_8));
            assertThat(reader.get(5, TimeUnit.SECONDS)).isEqualTo(1);
            assertThatThrownBy(() -> inUse.slot(0).get(ValueLayout.JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void seqpacketBatchesKeepRecordsAndSeeTheEnd() throws Exception {
        try (UnixSocket.Pair p = UnixSocket.pair(SocketType.SEQPACKET);
                MessageBatch out = MessageBatch.allocate(8, 16);
                MessageBatch in = MessageBatch.allocate(8, 16)) {
            out.add("a".getBytes(UTF_8));
            out.add(0);
            out.add("bc".getBytes(UTF_8));
            p.first().sendBatch(out);
            assertThat(p.second().receiveBatch(in)).isEqualTo(3);
            assertThat(in.length(1)).as("an empty record, the peer still there").isZero();
            assertThat(text(in, 2)).isEqualTo("bc");

            out.clear().add("last".getBytes(UTF_8));
            assertThat(p.first().trySendBatch(out)).isEqualTo(1);
            p.first().shutdownOutput();
            assertThat(p.second().receiveBatch(in)).as("the record, not the end's empty reads").isEqualTo(1);
            assertThat(text(in, 0)).isEqualTo("last");
            assertThat(p.second().receiveBatch(in)).isEqualTo(Transfer.EOF);
            assertThat(p.second().tryReceiveBatch(in)).isEqualTo(Transfer.EOF);
        }
        try (UnixSocket.Pair s = UnixSocket.pair(SocketType.STREAM); MessageBatch b = MessageBatch.allocate(1, 1)) {
            assertThatThrownBy(() -> s.first().sendBatch(b)).isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("send(ByteBuffer[])");
            assertThatThrownBy(() -> s.first().tryReceiveBatch(b)).isInstanceOf(UnsupportedOperationException.class);
        }
    }

    @Test
    void batchesAllocateNothing() throws Exception {
        try (UnixDatagramSocket.Pair d = UnixDatagramSocket.pair(); UnixSocket.Pair s = UnixSocket.pair(SocketType.SEQPACKET);
                MessageBatch out = MessageBatch.allocate(16, 64); MessageBatch in = MessageBatch.allocate(16, 64);
                Arena arena = Arena.ofConfined()) {
            MemorySegment message = arena.allocate(64);
            ByteBuffer direct = ByteBuffer.allocateDirect(64);
            int measured = 20_000;
            assertThat(ThreadMeters.allocatedBytesOf(() -> {
                out.clear();
                for (int i = 0; i < 16; i++) {
                    out.add(message);
                }
                d.first().sendBatch(out);
                d.second().receiveBatch(in);
                in.get(0, direct.clear());
                d.second().tryReceiveBatch(in); // nothing there: no exception, no garbage
            }, measured)).as("datagram batches").isLessThan(measured);
            assertThat(ThreadMeters.allocatedBytesOf(() -> {
                out.clear().add(direct.clear());
                s.first().trySendBatch(out);
                s.second().tryReceiveBatch(in, WAIT);
            }, measured)).as("seqpacket batches, try forms").isLessThan(measured);
        }
    }

    /** The same bytes as a C program sending and receiving one message per call, both ways. */
    @Test
    void aCProgramSeesEveryMessageAndItsSendmmsgComesBackWhole() throws Exception {
        for (SocketType type : new SocketType[] {SocketType.DGRAM, SocketType.SEQPACKET}) {
            UnixAddress address = SocketTesting.address(SocketTesting.Kind.ABSTRACT, "mmsg");
            String word = type.name().toLowerCase(java.util.Locale.ROOT);
            try (Peer c = CPeer.start("unix_peer", "mmsg-echo", word, address.toString(), "5");
                    MessageBatch out = MessageBatch.allocate(5, 32);
                    MessageBatch in = MessageBatch.allocate(5, 32)) {
                c.awaitOutput("ready", WAIT);
                for (int i = 0; i < 5; i++) {
                    out.add(("rec-" + i + "-" + "x".repeat(i)).getBytes(UTF_8));
                }
                int got = 0;
                StringBuilder back = new StringBuilder();
                if (type == SocketType.DGRAM) {
                    try (UnixDatagramSocket s = UnixDatagramSocket.bindAutomatically()) {
                        s.connect(address);
                        s.sendBatch(out);
                        while (got < 5) {
                            int n = s.tryReceiveBatch(in, WAIT);
                            assertThat(n).isPositive();
                            for (int i = 0; i < n; i++) {
                                back.append(text(in, i)).append(' ');
                            }
                            got += n;
                        }
                    }
                } else {
                    try (UnixSocket s = UnixSocket.connect(address, type)) {
                        s.sendBatch(out);
                        int n;
                        while ((n = s.tryReceiveBatch(in, WAIT)) != Transfer.EOF) {
                            assertThat(n).isPositive();
                            for (int i = 0; i < n; i++) {
                                back.append(text(in, i)).append(' ');
                            }
                            got += n;
                        }
                    }
                }
                c.awaitSuccess(WAIT);
                assertThat(got).isEqualTo(5);
                assertThat(back.toString()).isEqualTo("rec-0- rec-1-x rec-2-xx rec-3-xxx rec-4-xxxx ");
                assertThat(c.stdout()).contains("got=6:rec-0-\ngot=7:rec-1-x\ngot=8:rec-2-xx\ngot=9:rec-3-xxx\n"
                        + "got=10:rec-4-xxxx\nsent=5");
            }
        }
    }
}
