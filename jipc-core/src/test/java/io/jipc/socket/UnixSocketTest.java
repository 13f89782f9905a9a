package io.jipc.socket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jipc.Errno;
import io.jipc.IpcException;
import io.jipc.MessageTooLargeException;
import io.jipc.NotFoundException;
import io.jipc.ObjectClosedException;
import io.jipc.Transfer;
import io.jipc.internal.libc.Unistd;
import io.jipc.testing.BlockedCalls;
import io.jipc.testing.ThreadMeters;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** One process, both ends: the semantics of each socket type through socketpairs and named sockets. */
class UnixSocketTest {
    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @EnumSource(value = SocketType.class, names = {"STREAM", "SEQPACKET"})
    void everyBufferKindGoesBothWays(SocketType type) throws Exception {
        try (UnixSocket.Pair p = UnixSocket.pair(type); Arena arena = Arena.ofConfined()) {
            UnixSocket a = p.first();
            UnixSocket b = p.second();
            a.send(bytes("array"));
            byte[] in = new byte[16];
            assertThat(b.receive(in)).isEqualTo(5);
            assertThat(new String(in, 0, 5, StandardCharsets.UTF_8)).isEqualTo("array");

            ByteBuffer heap = ByteBuffer.wrap(bytes("heap"));
            b.send(heap);
            assertThat(heap.hasRemaining()).isFalse();
            ByteBuffer direct = ByteBuffer.allocateDirect(16);
            assertThat(a.receive(direct)).isEqualTo(4);
            assertThat(direct.position()).isEqualTo(4);

            MemorySegment seg = arena.allocateFrom("segment");
            a.send(seg.asSlice(0, 7));
            MemorySegment into = arena.allocate(16);
            assertThat(b.receive(into)).isEqualTo(7);
            assertThat(into.getString(0)).startsWith("segment");

            ByteBuffer ro = ByteBuffer.wrap(bytes("read-only")).asReadOnlyBuffer();
            b.send(ro);
            assertThat(ro.hasRemaining()).isFalse();
            ByteBuffer heapIn = ByteBuffer.allocate(32);
            heapIn.position(3);
            assertThat(a.receive(heapIn)).isEqualTo(9);
            assertThat(new String(heapIn.array(), 3, 9, StandardCharsets.UTF_8)).isEqualTo("read-only");
            assertThatThrownBy(() -> a.receive(ByteBuffer.allocate(4).asReadOnlyBuffer()))
                    .isInstanceOf(java.nio.ReadOnlyBufferException.class);
        }
    }

    @Test
    void streamSendsEveryByteOfALargeArrayWhileThePeerReads() throws Exception {
        byte[] big = new byte[3 * 1024 * 1024 + 17];
        new java.util.Random(7).nextBytes(big);
        try (UnixSocket.Pair p = UnixSocket.pair(SocketType.STREAM)) {
            CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
                try {
                    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
                    byte[] buf = new byte[100_000];
                    int n;
                    while ((n = p.second().receive(buf)) != Transfer.EOF) {
                        out.write(buf, 0, n);
                    }
                    return out.toByteArray();
                } catch (IpcException e) {
                    throw new RuntimeException(e);
                }
            });
            p.first().send(big);
            p.first().shutdownOutput();
            assertThat(read.get(30, TimeUnit.SECONDS)).isEqualTo(big);
        }
    }

    @Test
    void recordsKeepTheirBoundariesAndReportTheirRealLength() throws Exception {
        try (UnixSocket.Pair p = UnixSocket.pair(SocketType.SEQPACKET); UnixDatagramSocket.Pair d = UnixDatagramSocket.pair()) {
            p.first().send(bytes("one"));
            p.first().send(bytes("two-two"));
            p.first().send(new byte[0]);
            byte[] small = new byte[4];
            assertThat(p.second().receive(small)).isEqualTo(3);
            // cut short: the record's real length comes back, the rest is gone
            assertThat(p.second().receive(small)).isEqualTo(7);
            assertThat(new String(small, StandardCharsets.UTF_8)).isEqualTo("two-");
            assertThat(p.second().receive(small)).as("an empty record").isZero();
            p.first().close();
            assertThat(p.second().receive(small)).as("peer closed").isEqualTo(Transfer.EOF);

            d.first().send(bytes("datagram!"));
            ByteBuffer b = ByteBuffer.allocate(4);
            assertThat(d.second().receive(b)).isEqualTo(9);
            assertThat(b.position()).isEqualTo(4);
            d.first().send(bytes("x".repeat(10)));
            try (ReceivedMessage m = d.second().receiveMessage(ByteBuffer.allocate(4), 0)) {
                assertThat(m.dataTruncated()).isTrue();
                assertThat(m.bytes()).isEqualTo(4);
                assertThat(m.messageLength()).isEqualTo(10);
            }
        }
    }

    @Test
    void peekLeavesTheDataInPlace() throws Exception {
        try (UnixSocket.Pair p = UnixSocket.pair(SocketType.STREAM); UnixDatagramSocket.Pair d = UnixDatagramSocket.pair()) {
            p.first().send(bytes("peekaboo"));
            ByteBuffer b = ByteBuffer.allocate(4);
            assertThat(p.second().peek(b)).isEqualTo(4);
            byte[] all = new byte[16];
            assertThat(p.second().receive(all)).isEqualTo(8);
            assertThat(new String(all, 0, 8, StandardCharsets.UTF_8)).isEqualTo("peekaboo");
            assertThat(p.second().tryPeek(ByteBuffer.allocate(4))).isEqualTo(Transfer.NOTHING);
            assertThat(p.second().tryPeek(ByteBuffer.allocate(4), Duration.ofMillis(20))).isEqualTo(Transfer.NOTHING);

            d.first().send(bytes("dg"));
            assertThat(d.second().peek(ByteBuffer.allocate(8))).isEqualTo(2);
            assertThat(d.second().tryPeek(ByteBuffer.allocate(8))).isEqualTo(2);
            assertThat(d.second().receive(ByteBuffer.allocate(8))).isEqualTo(2);
            assertThat(d.second().tryPeek(ByteBuffer.allocate(8))).isEqualTo(Transfer.NOTHING);
            d.first().send(new byte[0]);
            assertThat(d.second().tryPeek(ByteBuffer.allocate(8), Duration.ofSeconds(5))).as("an empty datagram is 0, not nothing")
                    .isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(SocketType.class)
    void tryFormsSayNothingHappened(SocketType type) throws Exception {
        if (type == SocketType.DGRAM) {
            try (UnixDatagramSocket.Pair d = UnixDatagramSocket.pair()) {
                assertThat(d.second().tryReceive(ByteBuffer.allocate(8))).isEqualTo(Transfer.NOTHING);
                long start = System.nanoTime();
                assertThat(d.second().tryReceive(ByteBuffer.allocate(8), Duration.ofMillis(100))).isEqualTo(Transfer.NOTHING);
                assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
                assertThat(d.second().tryReceiveMessage(ByteBuffer.allocate(8), 0)).isEmpty();
                // fill the peer's queue: the sender says it did not send
                int sent = 0;
                while (d.first().trySend(ByteBuffer.wrap(new byte[1024]))) {
                    sent++;
                }
                assertThat(sent).isPositive();
                assertThat(d.first().trySend(new byte[1], Duration.ofMillis(50))).isFalse();
                assertThat(d.second().tryReceiveMessage(ByteBuffer.allocate(2048), 0)).isPresent().get()
                        .satisfies(m -> assertThat(m.bytes()).isEqualTo(1024));
                assertThat(d.first().trySend(new byte[1], Duration.ofSeconds(5))).as("room again").isTrue();
            }
            return;
        }
        try (UnixSocket.Pair p = UnixSocket.pair(type)) {
            assertThat(p.second().tryReceive(ByteBuffer.allocate(8))).isEqualTo(Transfer.NOTHING);
            assertThat(p.second().tryReceive(new byte[8], 0, 8, Duration.ofMillis(50))).isEqualTo(Transfer.NOTHING);
            assertThat(p.second().tryReceive(Arena.global().allocate(8))).isEqualTo(Transfer.NOTHING);
            assertThat(p.second().tryReceiveMessage(ByteBuffer.allocate(8), 1)).isEmpty();
            assertThat(p.second().tryReceiveMessage(ByteBuffer.allocate(8), 1, Duration.ofMillis(20))).isEmpty();
            long total = 0;
            int r;
            while ((r = p.first().trySend(ByteBuffer.wrap(new byte[4096]))) != Transfer.NOTHING) {
                assertThat(r).isPositive();
                total += r;
            }
            assertThat(total).isPositive();
            assertThat(p.first().trySend(ByteBuffer.wrap(new byte[1]), Duration.ofMillis(50))).isEqualTo(Transfer.NOTHING);
            assertThat(p.first().trySend(new byte[1])).isEqualTo(Transfer.NOTHING);
        }
    }

    /** A timed stream send that moved part of its bytes says how many; the rest was not sent. */
    @Test
    void aTimedStreamSendReturnsWhatWentBeforeTheDeadline() throws Exception {
        try (UnixSocket.Pair p = UnixSocket.pair(SocketType.STREAM)) {
            byte[] big = new byte[16 * 1024 * 1024];
            int sent = p.first().trySend(big, Duration.ofMillis(100));
            assertThat(sent).as("some went, not all").isPositive().isLessThan(big.length);
            long drained = 0;
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = p.second().tryReceive(buf)) != Transfer.NOTHING) {
                drained += n;
            }
            assertThat(drained).isEqualTo(sent);
        }
    }

    /**
     * Two senders on one stream take turns (the send lock): a try form that finds the other
     * sender mid-send says NOTHING and leaves a pending interrupt alone; a timed one waits its
     * turn, and every byte of each send arrives in one piece.
     */
    @Test
    void streamSendersTakeTurnsAndATryFormDoesNotWaitForTheOther() throws Exception {
        try (UnixSocket.Pair p = UnixSocket.pair(SocketType.STREAM)) {
            byte[] big = new byte[8 * 1024 * 1024];
            java.util.Arrays.fill(big, (byte) 'a');
            CompletableFuture<Throwable> first = blocked(() -> {
                p.first().send(big);
                throw new IllegalStateException("sent");
            });
            // Wait until the first sender holds the lock and sleeps in send with the buffers full.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (p.second().tryPeek(ByteBuffer.allocate(1)) == Transfer.NOTHING && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            Thread.sleep(50);
            Thread.currentThread().interrupt();
            try {
                assertThat(p.first().trySend(new byte[] {'b'})).isEqualTo(Transfer.NOTHING);
                assertThat(Thread.currentThread().isInterrupted()).isTrue();
            } finally {
                Thread.interrupted();
            }
            CompletableFuture<Integer> second = CompletableFuture.supplyAsync(() -> {
                try {
                    return p.first().trySend("bbbb".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(20));
                } catch (IpcException e) {
                    throw new IllegalStateException(e);
                }
            }, r -> Thread.ofPlatform().start(r));
            byte[] all = new byte[big.length + 4];
            int got = 0;
            while (got < all.length) {
                int n = p.second().receive(all, got, all.length - got);
                assertThat(n).isPositive();
                got += n;
            }
            assertThat(first.get(10, TimeUnit.SECONDS)).hasMessage("sent");
            assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo(4);
            String text = new String(all, StandardCharsets.US_ASCII);
            assertThat(text.indexOf('b')).as("the second send after every byte of the first").isEqualTo(big.length);
            assertThat(text.substring(big.length)).isEqualTo("bbbb");
        }
    }

    @Test
    void shutdownEachDirection() throws Exception {
        try (UnixSocket.Pair p = UnixSocket.pair(SocketType.STREAM)) {
            p.first().send(bytes("last"));
            p.first().shutdownOutput();
            byte[] b = new byte[8];
            assertThat(p.second().receive(b)).isEqualTo(4);
            assertThat(p.second().receive(b)).isEqualTo(Transfer.EOF);
            // the other direction still works
            p.second().send(bytes("back"));
            assertThat(p.first().receive(b)).isEqualTo(4);
            p.first().shutdownInput();
            assertThat(p.first().receive(b)).isEqualTo(Transfer.EOF);
            assertThatThrownBy(() -> p.second().send(bytes("nobody"))).isInstanceOf(IpcException.class)
                    .satisfies(e -> assertThat(((IpcException) e).error()).isEqualTo(Errno.EPIPE));
        }
    }

    @Test
    void writingToAClosedPeerIsEpipeNotSigpipe() throws Exception {
        UnixSocket.Pair p = UnixSocket.pair(SocketType.STREAM);
        try (UnixSocket a = p.first()) {
            p.second().close();
            assertThatThrownBy(() -> a.send(bytes("x"))).isInstanceOf(IpcException.class)
                    .hasMessage("send(socketpair): Broken pipe (EPIPE)");
        }
    }

    /**
     * recv returns 0 for an empty SEQPACKET record and for the end alike: an empty record with
     * more queued behind it is a record, even when the peer has already closed.
     */
    @Test
    void anEmptyRecordBeforeMoreDataIsNotTheEnd() throws Exception {
        try (UnixSocket.Pair p = UnixSocket.pair(SocketType.SEQPACKET)) {
            p.first().send(new byte[] {1, 2});
            p.first().send(new byte[0]);
            p.first().send(bytes("three"));
            p.first().close();
            byte[] buf = new byte[16];
            assertThat(p.second().receive(buf)).isEqualTo(2);
            assertThat(p.second().receive(buf)).as("the empty record").isZero();
            assertThat(p.second().receive(buf)).isEqualTo(5);
            assertThat(p.second().receive(buf)).isEqualTo(Transfer.EOF);
        }
    }

    @Test
    void aRecordLargerThanTheSendBufferIsEmsgsize() throws Exception {
        try (UnixSocket.Pair p = UnixSocket.pair(SocketType.SEQPACKET)) {
            p.first().setSendBufferSize(8192);
            assertThat(p.first().sendBufferSize()).isEqualTo(16384); // the kernel doubles it
            assertThatThrownBy(() -> p.first().send(new byte[64 * 1024])).isInstanceOf(MessageTooLargeException.class);
            p.second().setReceiveBufferSize(32768);
            assertThat(p.second().receiveBufferSize()).isEqualTo(65536);
        }
    }

    @Test
    void streamViewsSpeakJavaIo() throws Exception {
        try (UnixSocket.Pair p = UnixSocket.pair(SocketType.STREAM)) {
            try (var out = p.first().outputStream()) {
                out.write(bytes("via streams"));
            }
            assertThat(p.second().inputStream().readAllBytes()).isEqualTo(bytes("via streams"));
        }
    }

    @Test
    void namedServerAcceptsAndTellsAddresses() throws Exception {
        for (SocketTesting.Kind kind : SocketTesting.Kind.values()) {
            UnixAddress address = SocketTesting.address(kind, "accept");
            try (UnixServerSocket server = UnixServerSocket.bind(address, UnixServerSocket.Options.defaults()
                    .withType(SocketType.SEQPACKET).withBacklog(4).withUnlinkOnClose(true))) {
                assertThat(server.tryAccept()).isEmpty();
                assertThat(server.tryAccept(Duration.ofMillis(20))).isEmpty();
                try (UnixSocket client = UnixSocket.connect(address, SocketType.SEQPACKET);
                        UnixSocket accepted = server.tryAccept(Duration.ofSeconds(5)).orElseThrow()) {
                    assertThat(client.remoteAddress()).isEqualTo(address);
                    assertThat(accepted.localAddress()).isEqualTo(address);
                    assertThat(accepted.remoteAddress().isUnnamed()).isTrue();
                    assertThat(accepted.type()).isEqualTo(SocketType.SEQPACKET);
                    assertThat(accepted.peerCredentials().pid()).isEqualTo((int) ProcessHandle.current().pid());
                    assertThat(accepted.fd().isCloseOnExec()).isTrue();
                    // Blocking, so that untimed calls sleep inside recv/send as in C.
                    assertThat(accepted.fd().isNonBlocking()).isFalse();
                    assertThat(client.fd().isNonBlocking()).isFalse();
                }
            }
        }
    }

    @Test
    void connectErrorsNameTheAddress() {
        UnixAddress missing = SocketTesting.path("missing");
        assertThatThrownBy(() -> UnixSocket.connect(missing)).isInstanceOf(NotFoundException.class)
                .hasMessage("connect(" + missing + "): No such file or directory (ENOENT)");
        UnixAddress free = SocketTesting.address(SocketTesting.Kind.ABSTRACT, "free");
        assertThatThrownBy(() -> UnixSocket.connect(free)).isInstanceOf(IpcException.class)
                .hasMessage("connect(" + free + "): Connection refused (ECONNREFUSED)");
        assertThatThrownBy(() -> UnixSocket.connect(free, SocketType.DGRAM)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> UnixSocket.pair(SocketType.DGRAM)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aFullBacklogMakesConnectWaitAndTimeOut() throws Exception {
        UnixAddress address = SocketTesting.address(SocketTesting.Kind.ABSTRACT, "backlog");
        try (UnixServerSocket server = UnixServerSocket.bind(address, UnixServerSocket.Options.defaults().withBacklog(0))) {
            // backlog 0 still queues one connection; the next ones find it full
            java.util.List<UnixSocket> queued = new java.util.ArrayList<>();
            try {
                while (true) {
                    var c = UnixSocket.tryConnect(address, SocketType.STREAM, Duration.ofMillis(100));
                    if (c.isEmpty()) {
                        break;
                    }
                    queued.add(c.get());
                    assertThat(queued).hasSizeLessThan(10);
                }
                CompletableFuture<UnixSocket> waiting = CompletableFuture.supplyAsync(() -> {
                    try {
                        return UnixSocket.tryConnect(address, SocketType.STREAM, Duration.ofSeconds(10)).orElseThrow();
                    } catch (IpcException e) {
                        throw new RuntimeException(e);
                    }
                });
                Thread.sleep(50);
                assertThat(waiting).isNotDone();
                assertThat(UnixSocket.tryConnect(address)).as("the backlog is full now").isEmpty();
                server.accept().close();
                try (UnixSocket c = waiting.get(10, TimeUnit.SECONDS)) {
                    assertThat(c.isOpen()).isTrue();
                    assertThat(c.fd().isNonBlocking()).as("connected sockets are blocking").isFalse();
                }
            } finally {
                queued.forEach(UnixSocket::close);
            }
        }
    }

    @Test
    void closeFromAnotherThreadWakesABlockedReceive() throws Exception {
        UnixSocket.Pair p = UnixSocket.pair(SocketType.STREAM);
        try (UnixSocket other = p.second()) {
            UnixSocket s = p.first();
            CompletableFuture<Throwable> outcome = blocked(() -> s.receive(new byte[8]));
            Thread.sleep(100);
            assertThat(outcome).isNotDone();
            s.close();
            assertThat(outcome.get(5, TimeUnit.SECONDS)).isInstanceOf(ObjectClosedException.class);
            assertThatThrownBy(() -> s.send(bytes("x"))).isInstanceOf(ObjectClosedException.class);
        }
    }

    @Test
    void closeWakesABlockedAccept() throws Exception {
        UnixServerSocket server = UnixServerSocket.bind(SocketTesting.address(SocketTesting.Kind.ABSTRACT, "close-accept"));
        CompletableFuture<Throwable> outcome = blocked(server::accept);
        Thread.sleep(100);
        server.close();
        assertThat(outcome.get(5, TimeUnit.SECONDS)).isInstanceOf(ObjectClosedException.class);
    }

    @Test
    void interruptIsAnsweredWithin100msAndTheSocketStaysUsable() throws Exception {
        try (UnixDatagramSocket.Pair d = UnixDatagramSocket.pair()) {
            BlockedCalls.assertInterruptAnsweredWithin(Duration.ofMillis(100), () -> d.second().receive(ByteBuffer.allocate(8)));
            d.first().send(bytes("after"));
            assertThat(d.second().receive(ByteBuffer.allocate(8))).isEqualTo(5);
        }
    }

    @Test
    void pairsAreCloseOnExecAndKnowTheirPeer() throws Exception {
        try (UnixSocket.Pair p = UnixSocket.pair(SocketType.STREAM); UnixDatagramSocket.Pair d = UnixDatagramSocket.pair()) {
            assertThat(p.first().fd().isCloseOnExec()).isTrue();
            assertThat(p.first().peerCredentials())
                    .isEqualTo(new PeerCredentials((int) ProcessHandle.current().pid(), Unistd.getuid(), Unistd.getgid()));
            assertThat(d.first().peerCredentials().pid()).isEqualTo((int) ProcessHandle.current().pid());
        }
    }

    @Test
    void adoptingChecksWhatTheDescriptorIs() throws Exception {
        try (UnixSocket.Pair p = UnixSocket.pair(SocketType.SEQPACKET); UnixDatagramSocket.Pair d = UnixDatagramSocket.pair()) {
            try (UnixSocket again = UnixSocket.adopt(p.first().fd().duplicate())) {
                assertThat(again.type()).isEqualTo(SocketType.SEQPACKET);
                again.send(bytes("dup"));
                assertThat(p.second().receive(new byte[8])).isEqualTo(3);
            }
            try (io.jipc.Fd dup = d.first().fd().duplicate()) {
                assertThatThrownBy(() -> UnixSocket.adopt(dup)).isInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(() -> UnixServerSocket.adopt(dup)).isInstanceOf(IllegalArgumentException.class);
            }
            try (UnixDatagramSocket again = UnixDatagramSocket.adopt(d.first().fd().duplicate())) {
                again.send(bytes("dg"));
                assertThat(d.second().receive(new byte[8])).isEqualTo(2);
            }
        }
    }

    /**
     * Steady-state sends and receives make no garbage: measured with the JVM's per-thread
     * allocation counter after the loop has been compiled. Not a timing assertion.
     */
    @Test
    void sendAndReceiveAllocateNothingInTheSteadyState() throws Exception {
        try (UnixSocket.Pair p = UnixSocket.pair(SocketType.SEQPACKET); Arena arena = Arena.ofConfined()) {
            byte[] out = new byte[64];
            byte[] in = new byte[64];
            MemorySegment segOut = arena.allocate(64);
            MemorySegment segIn = arena.allocate(64);
            long allocated = ThreadMeters.allocatedBytesOf(() -> exchange(p, out, in, segOut, segIn), 10_000);
            assertThat(allocated).as("bytes allocated by 10,000 exchanges").isLessThan(10_000);
        }
    }

    /** The same for a stream (its send lock) and for datagrams sent to an address (the per-thread sockaddr). */
    @Test
    void streamAndAddressedDatagramSendsAllocateNothingInTheSteadyState() throws Exception {
        UnixAddress address = SocketTesting.address(SocketTesting.Kind.ABSTRACT, "alloc");
        try (UnixSocket.Pair p = UnixSocket.pair(SocketType.STREAM);
                UnixDatagramSocket server = UnixDatagramSocket.bind(address);
                UnixDatagramSocket client = UnixDatagramSocket.unbound()) {
            byte[] out = new byte[64];
            byte[] in = new byte[64];
            ThreadMeters.Body round = () -> {
                p.first().send(out);
                if (p.first().trySend(out) != 64 || p.second().receive(in) < 1) {
                    throw new AssertionError("stream");
                }
                client.sendTo(out, address);
                if (!client.trySendTo(out, address) || server.receive(in) != 64 || server.tryReceive(in) != 64) {
                    throw new AssertionError("datagram");
                }
                while (p.second().tryReceive(in) != Transfer.NOTHING) {
                    // drain the stream
                }
            };
            long allocated = ThreadMeters.allocatedBytesOf(round, 10_000);
            assertThat(allocated).as("bytes allocated by 10,000 rounds").isLessThan(10_000);
        }
    }

    private static void exchange(UnixSocket.Pair p, byte[] out, byte[] in, MemorySegment segOut, MemorySegment segIn)
            throws IpcException {
        p.first().send(out);
        p.second().receive(in);
        p.second().send(segOut);
        p.first().receive(segIn);
    }

    interface Call {
        Object run() throws Exception;
    }

    static CompletableFuture<Throwable> blocked(Call call) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                Object r = call.run();
                return new AssertionError("returned " + (r instanceof byte[] b ? Arrays.toString(b) : r));
            } catch (Throwable t) {
                return t;
            }
        }, r -> Thread.ofPlatform().start(r));
    }
}
