package io.jipc.socket;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.IpcInterruptedException;
import io.jipc.ObjectClosedException;
import io.jipc.Transfer;
import io.jipc.internal.libc.Unistd;
import io.jipc.testing.BlockedCalls;
import io.jipc.testing.ThreadSyscalls;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Connected and datagram sockets are blocking descriptions: an untimed call sleeps inside the
 * socket call itself (one system call, as in C), and close and interrupt still wake it; the try
 * forms say MSG_DONTWAIT and never sleep past their deadline.
 */
class SocketKernelWaitTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void anUntimedReceiveSleepsInsideRecvAndCloseWakesIt() throws Exception {
        for (SocketType type : new SocketType[] {SocketType.STREAM, SocketType.SEQPACKET}) {
            try (UnixSocket.Pair p = UnixSocket.pair(type)) {
                assertThat(p.first().fd().isNonBlocking()).isFalse();
                AtomicInteger tid = new AtomicInteger();
                CompletableFuture<Throwable> reader = BlockedCalls.blocked(() -> {
                    tid.set(Unistd.gettid());
                    p.first().receive(new byte[8]);
                });
                assertThat(ThreadSyscalls.awaitSleepingIn(tid::get, reader, "recvfrom", "poll", "ppoll"))
                        .as("%s: asleep in recv itself, not in poll", type).isEqualTo("recvfrom");
                p.first().close();
                assertThat(reader.get(5, TimeUnit.SECONDS)).isInstanceOf(ObjectClosedException.class)
                        .hasMessage("recv(socketpair): object is closed");
            }
        }
    }

    @Test
    void anUntimedDatagramReceiveWithDescriptorsSleepsInsideRecvmsgAndAnInterruptWakesIt() throws Exception {
        try (UnixDatagramSocket.Pair d = UnixDatagramSocket.pair()) {
            AtomicInteger tid = new AtomicInteger();
            AtomicReference<Thread> thread = new AtomicReference<>();
            CompletableFuture<Throwable> reader = BlockedCalls.blocked(() -> {
                thread.set(Thread.currentThread());
                tid.set(Unistd.gettid());
                d.second().receiveMessage(ByteBuffer.allocate(8), 4);
            });
            assertThat(ThreadSyscalls.awaitSleepingIn(tid::get, reader, "recvmsg", "poll", "ppoll")).isEqualTo("recvmsg");
            thread.get().interrupt();
            assertThat(reader.get(5, TimeUnit.SECONDS)).isInstanceOf(IpcInterruptedException.class);
            // The socket is still usable, and a blocking receive still finds data at once.
            d.first().send(ByteBuffer.wrap("after".getBytes(UTF_8)));
            assertThat(d.second().receive(ByteBuffer.allocate(8))).isEqualTo(5);
        }
    }

    @Test
    void aSenderSleepsInsideSendWhileTheBufferIsFullAndCloseWakesIt() throws Exception {
        try (UnixSocket.Pair p = UnixSocket.pair(SocketType.STREAM)) {
            byte[] chunk = new byte[64 * 1024];
            while (p.first().trySend(chunk) > 0) {
                // fill the send and receive buffers
            }
            AtomicInteger tid = new AtomicInteger();
            CompletableFuture<Throwable> writer = BlockedCalls.blocked(() -> {
                tid.set(Unistd.gettid());
                p.first().send(chunk);
            });
            assertThat(ThreadSyscalls.awaitSleepingIn(tid::get, writer, "sendto", "poll", "ppoll")).isEqualTo("sendto");
            p.first().close();
            assertThat(writer.get(5, TimeUnit.SECONDS)).isInstanceOf(ObjectClosedException.class);
        }
    }

    /**
     * The race of every signal-based wake-up: close or interrupt landing just before the thread
     * enters recv. Each round wakes a fresh receive at a random moment around its entry; every
     * one must end with the right exception (the wake signal repeats until the thread has left).
     */
    @Test
    void closeAndInterruptRacingTheEntryIntoRecvAlwaysWake() throws Exception {
        BlockedCalls.closeAndInterruptRacingTheEntryAlwaysWake(300, () -> {
            UnixSocket.Pair p = UnixSocket.pair(SocketType.STREAM);
            return new BlockedCalls.WaitTarget() {
                @Override
                public void block() throws Exception {
                    p.first().receive(new byte[8]);
                }

                @Override
                public void closeObject() {
                    p.first().close();
                }

                @Override
                public void close() {
                    p.close();
                }
            };
        });
    }

    @Test
    void aVirtualThreadSleepingInRecvAnswersInterruptAndClose() throws Exception {
        try (UnixSocket.Pair p = UnixSocket.pair(SocketType.SEQPACKET)) {
            for (boolean close : new boolean[] {false, true}) {
                CompletableFuture<Throwable> outcome = new CompletableFuture<>();
                Thread vt = Thread.ofVirtual().start(() -> {
                    try {
                        p.first().receive(new byte[8]);
                        outcome.complete(new AssertionError("returned"));
                    } catch (Throwable t) {
                        outcome.complete(t);
                    }
                });
                Thread.sleep(100);
                assertThat(outcome).isNotDone();
                if (close) {
                    p.first().close();
                } else {
                    vt.interrupt();
                }
                assertThat(outcome.get(5, TimeUnit.SECONDS))
                        .isInstanceOf(close ? ObjectClosedException.class : IpcInterruptedException.class);
                vt.join(5_000);
            }
        }
    }

    @Test
    void timedAndNonBlockingFormsNeverSleepInTheKernelOnTheBlockingDescription() throws Exception {
        try (UnixSocket.Pair p = UnixSocket.pair(SocketType.SEQPACKET);
                UnixDatagramSocket.Pair d = UnixDatagramSocket.pair()) {
            byte[] buf = new byte[16];
            assertThat(p.first().tryReceive(buf, 0, 16)).isEqualTo(Transfer.NOTHING);
            long start = System.nanoTime();
            assertThat(p.first().tryReceive(buf, 0, 16, Duration.ofMillis(50))).isEqualTo(Transfer.NOTHING);
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(45));
            assertThat(d.first().tryReceive(ByteBuffer.allocate(8))).isEqualTo(Transfer.NOTHING);

            // A timed receive is woken by a send from another thread.
            CompletableFuture<Integer> timed = CompletableFuture.supplyAsync(() -> {
                try {
                    return p.first().tryReceive(new byte[8], 0, 8, WAIT);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, r -> Thread.ofPlatform().start(r));
            Thread.sleep(50);
            p.second().send("hi".getBytes(UTF_8));
            assertThat(timed.get(10, TimeUnit.SECONDS)).isEqualTo(2);
            assertThat(p.first().fd().isNonBlocking()).as("the mode never changed").isFalse();
        }
    }

    @Test
    void aDescriptionMadeNonBlockingBehindTheSocketsBackStillWaitsAndWakes() throws Exception {
        // As if a process sharing the description had set O_NONBLOCK: the blocking call meets
        // EAGAIN and waits in poll instead, still woken by data and by close.
        try (UnixSocket.Pair p = UnixSocket.pair(SocketType.STREAM)) {
            p.first().fd().setNonBlocking(true);
            AtomicInteger tid = new AtomicInteger();
            CompletableFuture<Throwable> reader = BlockedCalls.blocked(() -> {
                tid.set(Unistd.gettid());
                byte[] buf = new byte[8];
                if (p.first().receive(buf) != 3) {
                    throw new AssertionError("short");
                }
                p.first().receive(buf);
            });
            assertThat(ThreadSyscalls.awaitSleepingIn(tid::get, reader, "recvfrom", "poll", "ppoll")).isEqualTo("poll");
            p.second().send("abc".getBytes(UTF_8));
            Thread.sleep(50);
            assertThat(reader).isNotDone();
            p.first().close();
            assertThat(reader.get(5, TimeUnit.SECONDS)).isInstanceOf(ObjectClosedException.class);
        }
    }
}
