package io.jipc.pipe;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jipc.IpcException;
import io.jipc.Transfer;
import io.jipc.internal.libc.Unistd;
import io.jipc.testing.ThreadMeters;
import io.jipc.testing.ThreadSyscalls;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The gathering write of a pipe ({@link Pipe.WriteEnd#write(ByteBuffer[])} and its try forms, and
 * the {@link GatheringByteChannel} view): every kind of buffer, in order, in one system call per
 * 64 KiB, positions moved past exactly what was written, nothing allocated.
 */
class GatheringWriteTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static ByteBuffer[] mixed() {
        ByteBuffer direct = ByteBuffer.allocateDirect(16).put("direct|".getBytes(UTF_8)).flip();
        ByteBuffer heap = ByteBuffer.wrap("..heap|..".getBytes(UTF_8)).position(2).limit(7);
        ByteBuffer readOnly = ByteBuffer.wrap("read-only|".getBytes(UTF_8)).asReadOnlyBuffer();
        return new ByteBuffer[] {direct, ByteBuffer.allocate(0), heap, readOnly};
    }

    private static String readAll(Pipe.ReadEnd in, int n) throws IpcException {
        byte[] b = new byte[n];
        int got = 0;
        while (got < n) {
            got += in.read(b, got, n - got);
        }
        return new String(b, UTF_8);
    }

    @Test
    void everyKindOfBufferGoesInOrderInOneWrite() throws Exception {
        try (Pipe p = Pipe.open()) {
            ByteBuffer[] srcs = mixed();
            p.writeEnd().write(srcs);
            for (ByteBuffer b : srcs) {
                assertThat(b.hasRemaining()).isFalse();
            }
            byte[] all = new byte[64];
            assertThat(p.readEnd().tryRead(all)).as("one write: all of it is there at once").isEqualTo(22);
            assertThat(new String(all, 0, 22, UTF_8)).isEqualTo("direct|heap|read-only|");
            assertThat(p.writeEnd().tryWrite(new ByteBuffer[0])).isZero();
        }
    }

    @Test
    void aTryWriteTakesWhatFitsAndMovesThePositionsPastIt() throws Exception {
        try (Pipe p = Pipe.open()) {
            int capacity = p.capacity();
            ByteBuffer[] srcs = new ByteBuffer[8];
            for (int i = 0; i < srcs.length; i++) {
                byte[] b = new byte[capacity / 4];
                Arrays.fill(b, (byte) ('a' + i));
                srcs[i] = ByteBuffer.wrap(b);
            }
            long first = p.writeEnd().tryWrite(srcs);
            assertThat(first).isEqualTo(capacity);
            assertThat(srcs[3].hasRemaining()).isFalse();
            assertThat(srcs[4].position()).isZero();
            assertThat(p.writeEnd().tryWrite(srcs)).isEqualTo(Transfer.NOTHING);
            assertThat(p.writeEnd().tryWrite(srcs, Duration.ofMillis(50))).isEqualTo(Transfer.NOTHING);
            assertThat(srcs[4].position()).isZero();

            CompletableFuture<String> reader = CompletableFuture.supplyAsync(() -> {
                try {
                    return readAll(p.readEnd(), 2 * capacity);
                } catch (IpcException e) {
                    throw new AssertionError(e);
                }
            });
            assertThat(p.writeEnd().tryWrite(srcs, WAIT)).isEqualTo(capacity);
            String got = reader.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            for (int i = 0; i < 8; i++) {
                assertThat(got.charAt(i * capacity / 4)).isEqualTo((char) ('a' + i));
                assertThat(got.charAt((i + 1) * capacity / 4 - 1)).isEqualTo((char) ('a' + i));
            }
        }
    }

    @Test
    void aBlockingGatheringWriteOfMoreThanThePipeHoldsSleepsInWriteUntilAllIsRead() throws Exception {
        try (Pipe p = Pipe.open()) {
            ByteBuffer[] srcs = new ByteBuffer[40];
            for (int i = 0; i < srcs.length; i++) {
                srcs[i] = ByteBuffer.allocateDirect(10_000);
                while (srcs[i].hasRemaining()) {
                    srcs[i].put((byte) i);
                }
                srcs[i].flip();
            }
            AtomicInteger tid = new AtomicInteger();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                tid.set(Unistd.gettid());
                try {
                    p.writeEnd().write(srcs);
                } catch (IpcException e) {
                    throw new AssertionError(e);
                }
            }, r -> Thread.ofPlatform().start(r));
            assertThat(ThreadSyscalls.awaitSleepingIn(tid::get, writer, "write", "poll", "ppoll")).isEqualTo("write");
            byte[] all = new byte[400_000];
            int got = 0;
            while (got < all.length) {
                got += p.readEnd().read(all, got, all.length - got);
            }
            writer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            for (int i = 0; i < 40; i++) {
                assertThat(all[i * 10_000]).isEqualTo((byte) i);
                assertThat(all[i * 10_000 + 9_999]).isEqualTo((byte) i);
            }
        }
    }

    @Test
    void theChannelViewIsAGatheringByteChannel() throws Exception {
        try (Pipe p = Pipe.open()) {
            GatheringByteChannel ch = p.writeEnd().channel();
            ByteBuffer[] srcs = mixed();
            assertThat(ch.write(srcs, 2, 2)).isEqualTo(15);
            assertThat(srcs[0].remaining()).as("outside the range: untouched").isEqualTo(7);
            assertThat(ch.write(srcs)).isEqualTo(7);
            assertThat(readAll(p.readEnd(), 22)).isEqualTo("heap|read-only|direct|");
            assertThatThrownBy(() -> ch.write(srcs, 3, 2)).isInstanceOf(IndexOutOfBoundsException.class);
        }
    }

    @Test
    void aNullBufferIsRefusedBeforeAnythingIsWritten() throws Exception {
        try (Pipe p = Pipe.open()) {
            ByteBuffer[] srcs = {ByteBuffer.wrap(new byte[3]), null};
            assertThatThrownBy(() -> p.writeEnd().write(srcs)).isInstanceOf(NullPointerException.class);
            assertThat(srcs[0].position()).isZero();
            assertThat(p.readEnd().tryRead(new byte[8])).isEqualTo(Transfer.NOTHING);
        }
    }

    @Test
    void gatheringWritesAllocateNothing() throws Exception {
        try (Pipe p = Pipe.open()) {
            ByteBuffer[] srcs = new ByteBuffer[16];
            ByteBuffer backing = ByteBuffer.allocateDirect(16 * 64);
            for (int i = 0; i < 16; i++) {
                srcs[i] = i % 2 == 0 ? backing.slice(i * 64, 64) : ByteBuffer.allocate(64);
            }
            ByteBuffer in = ByteBuffer.allocateDirect(16 * 64);
            int measured = 20_000;
            assertThat(ThreadMeters.allocatedBytesOf(() -> {
                for (ByteBuffer b : srcs) {
                    b.clear();
                }
                p.writeEnd().write(srcs);
                in.clear();
                p.readEnd().read(in);
            }, measured)).isLessThan(measured);
        }
    }
}
