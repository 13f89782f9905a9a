package io.jipc.socket;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.IpcInterruptedException;
import io.jipc.ObjectClosedException;
import io.jipc.Transfer;
import io.jipc.internal.libc.Fcntl;
import io.jipc.internal.libc.SignalH;
import io.jipc.internal.libc.Unistd;
import io.jipc.internal.wait.Waiter;
import io.jipc.testing.BlockedCalls;
import io.jipc.testing.ThreadMeters;
import io.jipc.testing.ThreadSyscalls;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;

/**
 * Connected and datagram sockets are blocking descriptions: an untimed call sleeps inside the
 * socket call itself (one system call, as in C), and close and interrupt still wake it; the try
 * forms say MSG_DONTWAIT and never sleep past their deadline. Calls with nothing to poll for —
 * sendto an unconnected receiver, connect to a full backlog — sleep inside the call even when
 * timed, under the thread's timer; accept sleeps inside accept4 until a try form needs the
 * listener non-blocking.
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

    // ------------------------------------------------------------------ sendto, connect, accept4

    /** Runs {@code call} on a new platform thread that publishes its tid and Thread; the future gives what it returned or threw. */
    private static CompletableFuture<Object> started(AtomicInteger tid, AtomicReference<Thread> thread,
            java.util.concurrent.Callable<Object> call) {
        tid.set(0); // until the new thread has published its own
        return CompletableFuture.supplyAsync(() -> {
            thread.set(Thread.currentThread());
            tid.set(Unistd.gettid());
            try {
                return call.call();
            } catch (Throwable t) {
                return t;
            }
        }, r -> Thread.ofPlatform().start(r));
    }

    /**
     * A sendto to an unconnected receiver whose queue is full: poll(2) says the sender is
     * writable (it speaks of the sender's own buffer), so there is nothing to wait for there. The
     * send sleeps inside sendto — untimed, and timed under the thread's timer — and room, close,
     * interrupt and the deadline each end it.
     */
    @Test
    void aSendtoToAFullReceiverSleepsInsideSendto() throws Exception {
        UnixAddress address = SocketTesting.address(SocketTesting.Kind.ABSTRACT, "full-dgram");
        byte[] datagram = new byte[64];
        try (UnixDatagramSocket receiver = UnixDatagramSocket.bind(address)) {
            UnixDatagramSocket sender = UnixDatagramSocket.unbound();
            try {
                int queued = 0;
                while (sender.trySendTo(datagram, address)) {
                    queued++;
                }
                assertThat(queued).as("datagrams queued before the receiver was full").isPositive();

                // Timed: asleep in sendto until the deadline, using no CPU.
                AtomicInteger tid = new AtomicInteger();
                AtomicReference<Thread> thread = new AtomicReference<>();
                CompletableFuture<Object> timed = started(tid, thread, () -> {
                    long cpu = ThreadMeters.currentThreadCpuNanos();
                    long start = System.nanoTime();
                    boolean sent = sender.trySendTo(datagram, address, Duration.ofMillis(600));
                    return List.of(sent, System.nanoTime() - start, ThreadMeters.currentThreadCpuNanos() - cpu);
                });
                assertThat(ThreadSyscalls.awaitSleepingIn(tid::get, timed, "sendto", "poll", "ppoll", "clock_nanosleep"))
                        .isEqualTo("sendto");
                List<?> timedOut = (List<?>) timed.get(10, TimeUnit.SECONDS);
                assertThat(timedOut.get(0)).as("not sent").isEqualTo(false);
                assertThat((Long) timedOut.get(1)).as("waited until the deadline").isGreaterThanOrEqualTo(600_000_000L);
                assertThat((Long) timedOut.get(2)).as("CPU while waiting").isLessThan(100_000_000L);

                // Untimed: asleep in sendto until the receiver takes a datagram.
                CompletableFuture<Object> untimed = started(tid, thread, () -> {
                    sender.sendTo(ByteBuffer.wrap("last".getBytes(UTF_8)), address);
                    return "sent";
                });
                assertThat(ThreadSyscalls.awaitSleepingIn(tid::get, untimed, "sendto", "poll", "ppoll", "clock_nanosleep"))
                        .isEqualTo("sendto");
                assertThat(receiver.receive(new byte[64])).isEqualTo(64);
                assertThat(untimed.get(10, TimeUnit.SECONDS)).isEqualTo("sent");

                // Interrupt, then close, end the sleep.
                CompletableFuture<Object> interrupted = started(tid, thread, () -> {
                    sender.sendTo(datagram, address);
                    return "sent";
                });
                ThreadSyscalls.awaitSleepingIn(tid::get, interrupted, "sendto");
                thread.get().interrupt();
                assertThat(interrupted.get(5, TimeUnit.SECONDS)).isInstanceOf(IpcInterruptedException.class);
                CompletableFuture<Object> closed = started(tid, thread, () -> {
                    sender.sendTo(datagram, address);
                    return "sent";
                });
                ThreadSyscalls.awaitSleepingIn(tid::get, closed, "sendto");
                sender.close();
                assertThat(closed.get(5, TimeUnit.SECONDS)).isInstanceOf(ObjectClosedException.class)
                        .asInstanceOf(InstanceOfAssertFactories.THROWABLE).hasMessage("sendto(unix dgram): object is closed");
            } finally {
                sender.close();
            }
        }
    }

    /**
     * A connect to a listener whose backlog is full sleeps inside connect(2), before the socket's
     * state changes. A signal that is neither close, interrupt nor deadline only makes the engine
     * call connect again, and that connect, once the listener makes room, gives a working
     * connection; interrupt and the deadline end the sleep.
     */
    @Test
    void aConnectToAFullBacklogSleepsInsideConnectAndARetryAfterASignalIsSound() throws Exception {
        UnixAddress address = SocketTesting.address(SocketTesting.Kind.ABSTRACT, "full-backlog");
        List<UnixSocket> queued = new ArrayList<>();
        try (UnixServerSocket server = UnixServerSocket.bind(address, UnixServerSocket.Options.defaults().withBacklog(0))) {
            Optional<UnixSocket> next;
            while ((next = UnixSocket.tryConnect(address)).isPresent()) {
                queued.add(next.get());
                assertThat(queued).hasSizeLessThan(10);
            }
            assertThat(queued).as("backlog 0 still queues one").isNotEmpty();

            AtomicInteger tid = new AtomicInteger();
            AtomicReference<Thread> thread = new AtomicReference<>();
            CompletableFuture<Object> connecting = started(tid, thread, () -> UnixSocket.connect(address));
            assertThat(ThreadSyscalls.awaitSleepingIn(tid::get, connecting, "connect", "poll", "ppoll", "clock_nanosleep"))
                    .isEqualTo("connect");
            // The wake signal alone: connect fails with EINTR, the engine finds no reason to stop
            // and connects again, and sleeps in connect again.
            assertThat(SignalH.tgkill(Unistd.getpid(), tid.get(), Waiter.signal())).isZero();
            Thread.sleep(50);
            assertThat(ThreadSyscalls.awaitSleepingIn(tid::get, connecting, "connect")).isEqualTo("connect");
            for (int i = 0; i < queued.size(); i++) {
                server.accept().close();
            }
            Object outcome = connecting.get(10, TimeUnit.SECONDS);
            assertThat(outcome).isInstanceOf(UnixSocket.class);
            try (UnixSocket client = (UnixSocket) outcome; UnixSocket accepted = server.tryAccept(WAIT).orElseThrow()) {
                client.send("after EINTR".getBytes(UTF_8));
                byte[] got = new byte[32];
                assertThat(new String(got, 0, accepted.receive(got), UTF_8)).isEqualTo("after EINTR");
                queued.add(UnixSocket.tryConnect(address).orElseThrow()); // full again
            }
            assertThat(UnixSocket.tryConnect(address)).isEmpty();

            // Timed: asleep in connect until the deadline (the thread's timer).
            CompletableFuture<Object> timed = started(tid, thread, () -> {
                long start = System.nanoTime();
                Optional<UnixSocket> c = UnixSocket.tryConnect(address, Duration.ofMillis(600));
                return List.of(c.isPresent(), System.nanoTime() - start);
            });
            assertThat(ThreadSyscalls.awaitSleepingIn(tid::get, timed, "connect", "poll", "ppoll", "clock_nanosleep"))
                    .isEqualTo("connect");
            List<?> timedOut = (List<?>) timed.get(10, TimeUnit.SECONDS);
            assertThat(timedOut.get(0)).as("not connected").isEqualTo(false);
            assertThat((Long) timedOut.get(1)).as("waited until the deadline").isGreaterThanOrEqualTo(600_000_000L);

            BlockedCalls.assertInterruptAnsweredWithin(Duration.ofMillis(100), () -> UnixSocket.connect(address));
        } finally {
            queued.forEach(UnixSocket::close);
        }
    }

    /**
     * An untimed accept sleeps inside accept4; accept4 has no per-call non-blocking flag, so the
     * first try form sets O_NONBLOCK on the listener, and later untimed accepts wait in poll.
     */
    @Test
    void anUntimedAcceptSleepsInsideAccept4UntilATryFormMakesTheListenerNonBlocking() throws Exception {
        UnixAddress address = SocketTesting.address(SocketTesting.Kind.ABSTRACT, "accept4");
        try (UnixServerSocket server = UnixServerSocket.bind(address)) {
            assertThat(server.fd().isNonBlocking()).isFalse();
            AtomicInteger tid = new AtomicInteger();
            AtomicReference<Thread> thread = new AtomicReference<>();
            CompletableFuture<Object> accepting = started(tid, thread, server::accept);
            assertThat(ThreadSyscalls.awaitSleepingIn(tid::get, accepting, "accept4", "poll", "ppoll")).isEqualTo("accept4");
            try (UnixSocket client = UnixSocket.connect(address)) {
                Object accepted = accepting.get(10, TimeUnit.SECONDS);
                assertThat(accepted).isInstanceOf(UnixSocket.class);
                try (UnixSocket a = (UnixSocket) accepted) {
                    client.send(new byte[] {7});
                    assertThat(a.receive(new byte[1])).isEqualTo(1);
                }
            }
            CompletableFuture<Object> interrupted = started(tid, thread, server::accept);
            ThreadSyscalls.awaitSleepingIn(tid::get, interrupted, "accept4");
            thread.get().interrupt();
            assertThat(interrupted.get(5, TimeUnit.SECONDS)).isInstanceOf(IpcInterruptedException.class);

            assertThat(server.tryAccept()).isEmpty();
            assertThat(server.fd().isNonBlocking()).as("the try form needed O_NONBLOCK").isTrue();
            CompletableFuture<Object> polling = started(tid, thread, server::accept);
            assertThat(ThreadSyscalls.awaitSleepingIn(tid::get, polling, "accept4", "poll", "ppoll")).isIn("poll", "ppoll");
            server.close();
            assertThat(polling.get(5, TimeUnit.SECONDS)).isInstanceOf(ObjectClosedException.class)
                    .asInstanceOf(InstanceOfAssertFactories.THROWABLE).hasMessage("accept4(" + address + "): object is closed");
        }
    }

    /**
     * A child process handed the listener gets it blocking: jipc clears O_NONBLOCK on the shared
     * description behind the server object's back. A try form must still never sleep in accept4.
     */
    @Test
    void aTryAcceptNeverSleepsWhenTheListenersModeWasChangedBehindItsBack() throws Exception {
        UnixAddress address = SocketTesting.address(SocketTesting.Kind.ABSTRACT, "accept-mode");
        try (UnixServerSocket server = UnixServerSocket.bind(address)) {
            assertThat(server.tryAccept()).isEmpty();
            int n = server.fd().acquire("fcntl");
            try {
                int flags = Fcntl.fcntl(n, Fcntl.F_GETFL, 0);
                assertThat(Fcntl.fcntl(n, Fcntl.F_SETFL, flags & ~Fcntl.O_NONBLOCK)).isZero();
            } finally {
                server.fd().release();
            }
            CompletableFuture<Object> tries = CompletableFuture.supplyAsync(() -> {
                try {
                    return server.tryAccept();
                } catch (Throwable t) {
                    return t;
                }
            }, r -> Thread.ofPlatform().start(r));
            assertThat(tries.get(5, TimeUnit.SECONDS)).isEqualTo(Optional.empty());
            assertThat(server.tryAccept(Duration.ofMillis(20))).isEmpty();
        }
    }

    @Test
    void closeAndInterruptRacingTheEntryIntoAccept4AlwaysWake() throws Exception {
        BlockedCalls.closeAndInterruptRacingTheEntryAlwaysWake(300, () -> {
            UnixServerSocket server = UnixServerSocket.bind(SocketTesting.address(SocketTesting.Kind.ABSTRACT, "race-accept"));
            return new BlockedCalls.WaitTarget() {
                @Override
                public void block() throws Exception {
                    server.accept();
                }

                @Override
                public void closeObject() {
                    server.close();
                }

                @Override
                public void close() {
                    server.close();
                }
            };
        });
    }

    @Test
    void closeAndInterruptRacingTheEntryIntoSendtoAlwaysWake() throws Exception {
        UnixAddress address = SocketTesting.address(SocketTesting.Kind.ABSTRACT, "race-sendto");
        byte[] datagram = new byte[64];
        try (UnixDatagramSocket receiver = UnixDatagramSocket.bind(address)) {
            BlockedCalls.closeAndInterruptRacingTheEntryAlwaysWake(300, () -> {
                UnixDatagramSocket sender = UnixDatagramSocket.unbound();
                while (sender.trySendTo(datagram, address)) {
                    // the receiver's queue stays full: nobody reads it
                }
                return new BlockedCalls.WaitTarget() {
                    @Override
                    public void block() throws Exception {
                        sender.sendTo(datagram, address);
                    }

                    @Override
                    public void closeObject() {
                        sender.close();
                    }

                    @Override
                    public void close() {
                        sender.close();
                    }
                };
            });
        }
    }
}
