package io.jipc.socket;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.Transfer;
import io.jipc.testing.ThreadMeters;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link UnixSocket#send(ByteBuffer[])} and its try forms: a stream gets every byte in order, a
 * SEQPACKET socket one record made of all the buffers; positions move past exactly what went.
 */
class GatheringSendTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static ByteBuffer[] pieces() {
        return new ByteBuffer[] {
            ByteBuffer.allocateDirect(8).put("head|".getBytes(UTF_8)).flip(),
            ByteBuffer.wrap("body|".getBytes(UTF_8)),
            ByteBuffer.wrap("tail".getBytes(UTF_8)).asReadOnlyBuffer()};
    }

    @Test
    void aStreamGetsEveryByteInOrder() throws Exception {
        try (UnixSocket.Pair p = UnixSocket.pair(SocketType.STREAM)) {
            ByteBuffer[] srcs = pieces();
            p.first().send(srcs);
            assertThat(srcs[2].hasRemaining()).isFalse();
            byte[] b = new byte[64];
            assertThat(p.second().tryReceive(b)).as("in one send").isEqualTo(14);
            assertThat(new String(b, 0, 14, UTF_8)).isEqualTo("head|body|tail");
        }
    }

    @Test
    void aStreamTrySendTakesWhatFitsAndTheTimedOneTheRest() throws Exception {
        try (UnixSocket.Pair p = UnixSocket.pair(SocketType.STREAM)) {
            p.first().setSendBufferSize(1);
            ByteBuffer[] srcs = new ByteBuffer[20];
            for (int i = 0; i < srcs.length; i++) {
                byte[] b = new byte[50_000];
                java.util.Arrays.fill(b, (byte) i);
                srcs[i] = ByteBuffer.wrap(b);
            }
            long first = p.first().trySend(srcs);
            assertThat(first).isBetween(1L, 999_999L);
            long before = 0;
            for (ByteBuffer b : srcs) {
                before += b.position();
            }
            assertThat(before).as("the positions moved past exactly what went").isEqualTo(first);
            CompletableFuture<byte[]> reader = CompletableFuture.supplyAsync(() -> {
                byte[] all = new byte[1_000_000];
                int got = 0;
                try {
                    while (got < all.length) {
                        got += p.second().receive(all, got, all.length - got);
                    }
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
                return all;
            });
            assertThat(p.first().trySend(srcs, WAIT)).isEqualTo(1_000_000 - first);
            byte[] all = reader.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            for (int i = 0; i < 20; i++) {
                assertThat(all[i * 50_000]).isEqualTo((byte) i);
                assertThat(all[i * 50_000 + 49_999]).isEqualTo((byte) i);
            }
            assertThat(p.first().trySend(new ByteBuffer[0])).isZero();
        }
    }

    @Test
    void aSeqpacketSocketSendsOneRecordOfAllTheBuffers() throws Exception {
        try (UnixSocket.Pair p = UnixSocket.pair(SocketType.SEQPACKET)) {
            ByteBuffer[] srcs = pieces();
            assertThat(p.first().trySend(srcs)).isEqualTo(14);
            p.first().send(new ByteBuffer[] {ByteBuffer.wrap("second".getBytes(UTF_8))});
            p.first().send(new ByteBuffer[0]); // an empty record
            byte[] b = new byte[64];
            assertThat(p.second().receive(b)).isEqualTo(14);
            assertThat(new String(b, 0, 14, UTF_8)).isEqualTo("head|body|tail");
            assertThat(p.second().receive(b)).isEqualTo(6);
            assertThat(p.second().tryReceive(b)).isZero();
            assertThat(p.second().tryReceive(b)).isEqualTo(Transfer.NOTHING);
        }
    }

    @Test
    void gatheringSendsAllocateNothing() throws Exception {
        try (UnixSocket.Pair s = UnixSocket.pair(SocketType.STREAM)) {
            ByteBuffer[] srcs = {ByteBuffer.allocateDirect(64), ByteBuffer.allocate(64), ByteBuffer.allocateDirect(64)};
            MemorySegment in = Arena.global().allocate(256);
            int measured = 20_000;
            assertThat(ThreadMeters.allocatedBytesOf(() -> {
                for (ByteBuffer b : srcs) {
                    b.clear();
                }
                s.first().send(srcs);
                s.second().receive(in);
            }, measured)).as("gathering").isLessThan(measured);
            ByteBuffer direct = ByteBuffer.allocateDirect(64);
            ByteBuffer directIn = ByteBuffer.allocateDirect(256);
            assertThat(ThreadMeters.allocatedBytesOf(() -> {
                s.first().send(direct.clear());
                s.second().receive(directIn.clear());
            }, measured)).as("direct buffers").isLessThan(measured);
            assertThat(ThreadMeters.allocatedBytesOf(() -> {
                s.first().send(direct.clear().position(8));
                s.second().receive(directIn.clear());
            }, measured)).as("direct send, position > 0").isLessThan(measured);
            assertThat(ThreadMeters.allocatedBytesOf(() -> {
                s.first().send(direct.clear());
                s.second().receive(directIn.clear().position(16));
            }, measured)).as("direct receive, position > 0").isLessThan(measured);
        }
    }
}
