package io.jipc.pipe;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jipc.Errno;
import io.jipc.Fd;
import io.jipc.IpcException;
import io.jipc.ObjectClosedException;
import io.jipc.Transfer;
import io.jipc.internal.libc.Eventfd;
import io.jipc.internal.libc.Unistd;
import io.jipc.testing.BlockedCalls;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** One process, two threads at most: every form of every call, and the errors. */
class PipeTest {
    private static final Duration SHORT = Duration.ofMillis(150);

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void bytesFlowThroughEveryBufferKind() throws Exception {
        try (Pipe pipe = Pipe.open(); Arena arena = Arena.ofConfined()) {
            Pipe.ReadEnd r = pipe.readEnd();
            Pipe.WriteEnd w = pipe.writeEnd();

            w.write("array".getBytes(UTF_8));
            byte[] buf = new byte[16];
            assertThat(r.read(buf, 3, 10)).isEqualTo(5);
            assertThat(new String(buf, 3, 5, UTF_8)).isEqualTo("array");

            ByteBuffer heap = ByteBuffer.wrap("xxheapxx".getBytes(UTF_8), 2, 4);
            w.write(heap);
            assertThat(heap.hasRemaining()).isFalse();
            ByteBuffer direct = ByteBuffer.allocateDirect(16).position(1);
            assertThat(r.read(direct)).isEqualTo(4);
            assertThat(direct.position()).isEqualTo(5);
            assertThat(UTF_8.decode(direct.flip().position(1)).toString()).isEqualTo("heap");

            ByteBuffer directOut = ByteBuffer.allocateDirect(8).put("direct".getBytes(UTF_8)).flip();
            w.write(directOut);
            ByteBuffer heapIn = ByteBuffer.allocate(8);
            assertThat(r.read(heapIn)).isEqualTo(6);
            assertThat(new String(heapIn.array(), 0, 6, UTF_8)).isEqualTo("direct");

            w.write(ByteBuffer.wrap("ro".getBytes(UTF_8)).asReadOnlyBuffer());
            assertThat(r.read(buf, 0, 2)).isEqualTo(2);
            assertThat(new String(buf, 0, 2, UTF_8)).isEqualTo("ro");

            MemorySegment nativeOut = arena.allocateFrom("segment", UTF_8);
            w.write(nativeOut.asSlice(0, 7));
            MemorySegment nativeIn = arena.allocate(32);
            assertThat(r.read(nativeIn)).isEqualTo(7);
            assertThat(nativeIn.getString(0, UTF_8)).isEqualTo("segment");

            w.write(MemorySegment.ofArray("heapseg".getBytes(UTF_8)));
            MemorySegment heapIn2 = MemorySegment.ofArray(new byte[7]);
            assertThat(r.read(heapIn2)).isEqualTo(7);
            assertThat(new String(heapIn2.toArray(ValueLayout.JAVA_BYTE), UTF_8)).isEqualTo("heapseg");
            assertThat(r.available()).isZero();
        }
    }

    @Test
    void largeHeapTransfersGoThroughTheScratchBufferInChunks() throws Exception {
        byte[] data = bytes(1_000_000, 1);
        try (Pipe pipe = Pipe.open()) {
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try (Pipe.WriteEnd w = pipe.writeEnd()) {
                    w.write(data);
                } catch (IpcException e) {
                    throw new AssertionError(e);
                }
            });
            byte[] got = pipe.readEnd().inputStream().readAllBytes();
            writer.get(30, TimeUnit.SECONDS);
            assertThat(got).isEqualTo(data);
        }
    }

    @Test
    void readReturnsMinusOneOnceEveryWriterIsClosed() throws Exception {
        try (Pipe pipe = Pipe.open(); Arena arena = Arena.ofConfined()) {
            Fd second = pipe.writeEnd().fd().duplicate();
            pipe.writeEnd().write(new byte[] {1, 2});
            pipe.writeEnd().close();
            byte[] buf = new byte[8];
            assertThat(pipe.readEnd().read(buf)).isEqualTo(2);
            assertThat(pipe.readEnd().tryRead(buf, 0, 8)).as("a writer is still open").isEqualTo(Transfer.NOTHING);
            second.close();
            assertThat(pipe.readEnd().read(buf)).isEqualTo(Transfer.EOF);
            assertThat(pipe.readEnd().tryRead(buf, 0, 8)).isEqualTo(Transfer.EOF);
            assertThat(pipe.readEnd().tryRead(buf, 0, 8, SHORT)).isEqualTo(Transfer.EOF);
            assertThat(pipe.readEnd().tryRead(ByteBuffer.allocate(4))).isEqualTo(Transfer.EOF);
            assertThat(pipe.readEnd().read(ByteBuffer.allocateDirect(4))).isEqualTo(-1);
            assertThat(pipe.readEnd().read(arena.allocate(4))).isEqualTo(-1);
        }
    }

    /**
     * The JVM must not die of SIGPIPE: HotSpot catches it with a handler that ignores it (SigCgt
     * in /proc/self/status, not SigIgn), so write(2) fails with EPIPE and jipc throws.
     */
    @Test
    void writingWithNoReaderThrowsEpipeAndTheJvmSurvives() throws Exception {
        String status = "\n" + String.join("\n", Files.readAllLines(Path.of("/proc/self/status"))) + "\n";
        long sigpipeBit = 1L << (13 - 1);
        long ignored = Long.parseLong(status.replaceAll("(?s).*\nSigIgn:\\s*(\\p{XDigit}+).*", "$1"), 16);
        long caught = Long.parseLong(status.replaceAll("(?s).*\nSigCgt:\\s*(\\p{XDigit}+).*", "$1"), 16);
        assertThat((ignored | caught) & sigpipeBit).as("SIGPIPE is ignored or handled by the JVM").isNotZero();

        try (Pipe pipe = Pipe.open(); Arena arena = Arena.ofConfined()) {
            pipe.readEnd().close();
            for (ThrowingWrite call : new ThrowingWrite[] {
                    () -> pipe.writeEnd().write(new byte[10]),
                    () -> pipe.writeEnd().tryWrite(new byte[10], 0, 10),
                    () -> pipe.writeEnd().tryWrite(new byte[10], 0, 10, SHORT),
                    () -> pipe.writeEnd().write(ByteBuffer.allocateDirect(10)),
                    () -> pipe.writeEnd().write(arena.allocate(10))}) {
                assertThatThrownBy(call::run).isInstanceOf(IpcException.class)
                        .hasMessage("write(pipe): Broken pipe (EPIPE)")
                        .satisfies(e -> assertThat(((IpcException) e).error()).isEqualTo(Errno.EPIPE));
            }
        }
    }

    interface ThrowingWrite {
        void run() throws Exception;
    }

    @Test
    void nonBlockingFormsAnswerNothingInsteadOfWaiting() throws Exception {
        try (Pipe pipe = Pipe.open(); Pipe other = Pipe.open(); Arena arena = Arena.ofConfined()) {
            Pipe.ReadEnd r = pipe.readEnd();
            Pipe.WriteEnd w = pipe.writeEnd();
            assertThat(r.tryRead(new byte[8], 0, 8)).isEqualTo(Transfer.NOTHING);
            assertThat(r.tryRead(new byte[8])).isEqualTo(Transfer.NOTHING);
            assertThat(r.tryRead(ByteBuffer.allocate(8))).isEqualTo(Transfer.NOTHING);
            assertThat(r.tryRead(ByteBuffer.allocateDirect(8))).isEqualTo(Transfer.NOTHING);
            assertThat(r.tryRead(arena.allocate(8))).isEqualTo(Transfer.NOTHING);
            assertThat(r.tryRead(MemorySegment.ofArray(new byte[8]))).isEqualTo(Transfer.NOTHING);
            assertThat(r.tryRead(new byte[0])).as("a read of nothing").isZero();
            assertThat(r.tryTransferTo(other.writeEnd(), 8)).isEqualTo(Transfer.NOTHING);
            assertThat(r.tryTeeTo(other.writeEnd(), 8)).isEqualTo(Transfer.NOTHING);
            assertThat(other.writeEnd().tryTransferFrom(r, 8)).isEqualTo(Transfer.NOTHING);
            assertThatThrownBy(() -> r.tryTransferTo(w, 8)).as("a pipe into itself")
                    .isInstanceOf(IpcException.class).hasMessage("splice(pipe -> pipe): Invalid argument (EINVAL)");

            int capacity = w.capacity();
            byte[] chunk = new byte[4096];
            long written = 0;
            int n;
            while ((n = w.tryWrite(chunk, 0, chunk.length)) > 0) {
                written += n;
            }
            assertThat(written).isEqualTo(capacity);
            assertThat(w.tryWrite(ByteBuffer.allocateDirect(1))).isEqualTo(Transfer.NOTHING);
            assertThat(w.tryWrite(ByteBuffer.allocate(1))).isEqualTo(Transfer.NOTHING);
            assertThat(w.tryWrite(arena.allocate(1))).isEqualTo(Transfer.NOTHING);
            assertThat(w.tryWrite(MemorySegment.ofArray(new byte[1]))).isEqualTo(Transfer.NOTHING);
            assertThat(w.tryWrite(new byte[1], 0, 1)).isEqualTo(Transfer.NOTHING);
            assertThat(w.tryWrite(new byte[1])).isEqualTo(Transfer.NOTHING);
            assertThat(w.tryWrite(new byte[0])).as("a write of nothing").isZero();
            assertThat(r.available()).isEqualTo(capacity);
        }
    }

    @Test
    void timedFormsGiveUpAfterTheTimeout() throws Exception {
        try (Pipe pipe = Pipe.open()) {
            long start = System.nanoTime();
            assertThat(pipe.readEnd().tryRead(new byte[8], 0, 8, SHORT)).isEqualTo(Transfer.NOTHING);
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(SHORT.toNanos());
            assertThat(pipe.readEnd().tryRead(new byte[8], Duration.ZERO)).isEqualTo(Transfer.NOTHING);

            // A timed write writes what fits, then gives up, answering what it wrote.
            byte[] big = new byte[pipe.writeEnd().capacity() + 5000];
            start = System.nanoTime();
            assertThat(pipe.writeEnd().tryWrite(big, 0, big.length, SHORT)).isEqualTo(pipe.writeEnd().capacity());
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(SHORT.toNanos());
            assertThat(pipe.writeEnd().tryWrite(big, SHORT)).as("full: nothing written").isEqualTo(Transfer.NOTHING);
            assertThatThrownBy(() -> pipe.readEnd().tryRead(new byte[1], 0, 1, Duration.ofMillis(-1)))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void capacityCanBeReadAndSet() throws Exception {
        try (Pipe pipe = Pipe.open()) {
            assertThat(pipe.capacity()).isEqualTo(65536);
            assertThat(pipe.setCapacity(100_000)).isEqualTo(131072);
            assertThat(pipe.readEnd().capacity()).isEqualTo(131072);
            assertThat(pipe.writeEnd().setCapacity(4096)).isEqualTo(4096);
            assertThat(pipe.readEnd().capacity()).isEqualTo(4096);
            assertThatThrownBy(() -> pipe.setCapacity(0)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("> 0");
        }
    }

    @Test
    void shrinkingBelowTheDataHeldIsRefusedNamingTheSystemLimit() throws Exception {
        try (Pipe pipe = Pipe.open()) {
            pipe.writeEnd().write(new byte[20_000]);
            String max = Files.readAllLines(Path.of("/proc/sys/fs/pipe-max-size")).get(0).trim();
            assertThatThrownBy(() -> pipe.setCapacity(4096)).isInstanceOf(IpcException.class)
                    .hasMessage("fcntl(F_SETPIPE_SZ)(pipe): cannot set the capacity to 4096 bytes: the pipe holds"
                            + " more data than that; /proc/sys/fs/pipe-max-size is " + max + " (EBUSY)");
        }
    }

    @Test
    void packetModeKeepsWriteBoundaries() throws Exception {
        try (Pipe pipe = Pipe.open(Pipe.Options.defaults().withPacket(true))) {
            pipe.writeEnd().write("one".getBytes(UTF_8));
            pipe.writeEnd().write("two!".getBytes(UTF_8));
            byte[] buf = new byte[64];
            assertThat(pipe.readEnd().read(buf)).isEqualTo(3);
            assertThat(pipe.readEnd().read(buf)).isEqualTo(4);
            assertThat(new String(buf, 0, 4, UTF_8)).isEqualTo("two!");
        }
        try (Pipe pipe = Pipe.open()) {
            pipe.writeEnd().write("one".getBytes(UTF_8));
            pipe.writeEnd().write("two!".getBytes(UTF_8));
            assertThat(pipe.readEnd().read(new byte[64])).as("a plain pipe is a byte stream").isEqualTo(7);
        }
    }

    @Test
    void closeFromAnotherThreadWakesABlockedReaderAndWriter() throws Exception {
        try (Pipe pipe = Pipe.open()) {
            CompletableFuture<Throwable> reader = BlockedCalls.blocked(() -> pipe.readEnd().read(new byte[8]));
            Thread.sleep(100);
            assertThat(reader).isNotDone();
            pipe.readEnd().close();
            assertThat(reader.get(5, TimeUnit.SECONDS)).isInstanceOf(ObjectClosedException.class)
                    .hasMessage("read(pipe): object is closed");
        }
        try (Pipe pipe = Pipe.open()) {
            pipe.writeEnd().write(new byte[pipe.capacity()]);
            CompletableFuture<Throwable> writer = BlockedCalls.blocked(() -> pipe.writeEnd().write(new byte[1]));
            Thread.sleep(100);
            assertThat(writer).isNotDone();
            pipe.writeEnd().close();
            assertThat(writer.get(5, TimeUnit.SECONDS)).isInstanceOf(ObjectClosedException.class);
        }
    }

    @Test
    void interruptWakesABlockedReaderAndWriterWithin100Ms() throws Exception {
        try (Pipe pipe = Pipe.open()) {
            BlockedCalls.assertInterruptAnsweredWithin(Duration.ofMillis(100), () -> pipe.readEnd().read(ByteBuffer.allocateDirect(8)));
            pipe.writeEnd().write(new byte[pipe.capacity()]);
            BlockedCalls.assertInterruptAnsweredWithin(Duration.ofMillis(100), () -> pipe.writeEnd().write(new byte[10]));
            assertThat(pipe.readEnd().isOpen()).as("an interrupt leaves the end open").isTrue();
            assertThat(pipe.readEnd().read(new byte[100])).isEqualTo(100);
        }
    }

    @Test
    void streamAndChannelViews() throws Exception {
        try (Pipe pipe = Pipe.open()) {
            OutputStream out = pipe.writeEnd().outputStream();
            InputStream in = pipe.readEnd().inputStream();
            out.write('A');
            out.write("BCD".getBytes(UTF_8));
            out.flush();
            assertThat(in.available()).isEqualTo(4);
            assertThat(in.read()).isEqualTo('A');
            assertThat(in.readNBytes(3)).isEqualTo("BCD".getBytes(UTF_8));
            out.write(new byte[] {(byte) 0xFF});
            assertThat(in.read()).as("bytes are unsigned").isEqualTo(255);

            WritableByteChannel wc = pipe.writeEnd().channel();
            ReadableByteChannel rc = pipe.readEnd().channel();
            assertThat(wc.write(ByteBuffer.wrap("chan".getBytes(UTF_8)))).isEqualTo(4);
            ByteBuffer got = ByteBuffer.allocate(10);
            assertThat(rc.read(got)).isEqualTo(4);
            wc.close();
            assertThat(pipe.writeEnd().isOpen()).as("closing the view closes the end").isFalse();
            assertThat(rc.read(got)).isEqualTo(-1);
            assertThat(in.read()).isEqualTo(-1);
            in.close();
            assertThat(rc.isOpen()).isFalse();
        }
    }

    @Test
    void argumentsAreCheckedBeforeAnySystemCall() throws Exception {
        try (Pipe pipe = Pipe.open(); Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> pipe.readEnd().read(new byte[4], 2, 3)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> pipe.writeEnd().write(new byte[4], -1, 2)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> pipe.readEnd().read(ByteBuffer.allocate(4).asReadOnlyBuffer()))
                    .isInstanceOf(ReadOnlyBufferException.class);
            assertThatThrownBy(() -> pipe.readEnd().read(arena.allocate(4).asReadOnly()))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(pipe.readEnd().read(new byte[0])).isZero();
            pipe.writeEnd().write(new byte[0]);
            pipe.readEnd().close();
            assertThatThrownBy(() -> pipe.readEnd().read(new byte[0])).isInstanceOf(ObjectClosedException.class);
        }
    }

    @Test
    void adoptChecksWhatItIsGiven() throws Exception {
        try (Pipe pipe = Pipe.open()) {
            int writeNumber = pipe.writeEnd().fd().acquire("test");
            pipe.writeEnd().fd().release();
            assertThatThrownBy(() -> Pipe.ReadEnd.adopt(writeNumber)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("fd " + writeNumber + " is open for writing only: a write end, not a read end");
            int ev = Eventfd.eventfd(0, Eventfd.EFD_CLOEXEC);
            try {
                assertThatThrownBy(() -> Pipe.WriteEnd.adopt(ev)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("not a pipe or FIFO");
            } finally {
                Unistd.close(ev);
            }
            assertThatThrownBy(() -> Pipe.ReadEnd.adopt(-3)).isInstanceOf(IllegalArgumentException.class);

            // A blocking, inheritable copy (as a child would get it) becomes a jipc end.
            Fd raw = pipe.readEnd().reopenBlocking().fd();
            raw.setCloseOnExec(false);
            try (Pipe.ReadEnd adopted = Pipe.ReadEnd.adopt(raw)) {
                // Its mode stays. This /proc copy refuses RWF_NOWAIT, so its first non-blocking call
                // makes it non-blocking (jipc took the descriptor over, and with it the mode).
                assertThat(raw.isNonBlocking()).isFalse();
                assertThat(raw.isCloseOnExec()).isTrue();
                assertThat(adopted.isBlocking()).isTrue();
                pipe.writeEnd().write("xy".getBytes(UTF_8));
                assertThat(adopted.tryRead(new byte[1], 0, 1, SHORT)).as("a timed call keeps the mode").isEqualTo(1);
                assertThat(adopted.isBlocking()).isTrue();
                assertThat(adopted.tryRead(new byte[4], 0, 4)).isEqualTo(1);
                assertThat(adopted.tryRead(new byte[4], 0, 4)).isEqualTo(Transfer.NOTHING);
                assertThat(adopted.isBlocking()).isFalse();
                assertThat(raw.isNonBlocking()).isTrue();
            }
        }
    }

    @Test
    void reopenBlockingGivesAChildItsOwnBlockingDescription() throws Exception {
        try (Pipe pipe = Pipe.open(Pipe.Options.defaults().withPacket(true));
                Pipe.WriteEnd child = pipe.writeEnd().reopenBlocking()) {
            assertThat(child.fd().isNonBlocking()).isFalse();
            assertThat(child.fd().isCloseOnExec()).isTrue();
            assertThat(child.isBlocking()).isTrue();
            assertThat(pipe.writeEnd().fd().isNonBlocking()).as("the parent's description is untouched").isFalse();
            child.write("ab".getBytes(UTF_8));
            child.write("cd".getBytes(UTF_8));
            assertThat(pipe.readEnd().read(new byte[8])).as("packet mode is copied").isEqualTo(2);
            pipe.writeEnd().close();
            assertThat(pipe.readEnd().read(new byte[8])).isEqualTo(2);
            assertThat(pipe.readEnd().tryRead(new byte[8], 0, 8)).as("the copy still counts as a writer")
                    .isEqualTo(Transfer.NOTHING);
            child.close();
            assertThat(pipe.readEnd().read(new byte[8])).isEqualTo(-1);
        }
    }

    @Test
    void aBlockingDescriptionStillHonoursEveryForm() throws Exception {
        try (Pipe pipe = Pipe.open()) {
            Pipe.ReadEnd r = pipe.readEnd();
            r.setBlocking(true);
            assertThat(r.isBlocking()).isTrue();
            assertThat(r.fd().isNonBlocking()).isFalse();
            assertThat(r.tryRead(new byte[4], 0, 4)).isEqualTo(Transfer.NOTHING);
            assertThat(r.tryRead(new byte[4], 0, 4, SHORT)).isEqualTo(Transfer.NOTHING);
            BlockedCalls.assertInterruptAnsweredWithin(Duration.ofMillis(100), () -> r.read(new byte[4]));
            pipe.writeEnd().write("abc".getBytes(UTF_8));
            assertThat(r.read(new byte[4])).isEqualTo(3);
            r.setBlocking(false);
            assertThat(r.fd().isNonBlocking()).isTrue();
        }
    }

    @Test
    void useAfterCloseThrowsAndCloseIsIdempotent() throws Exception {
        Pipe pipe = Pipe.open();
        pipe.close();
        pipe.close();
        assertThatThrownBy(() -> pipe.readEnd().read(new byte[1])).isInstanceOf(ObjectClosedException.class);
        assertThatThrownBy(() -> pipe.writeEnd().write(new byte[1])).isInstanceOf(ObjectClosedException.class);
        assertThatThrownBy(pipe::capacity).isInstanceOf(ObjectClosedException.class);
        assertThat(pipe.toString()).contains("closed");
        assertThat(Arrays.asList(pipe.readEnd().isOpen(), pipe.writeEnd().isOpen())).containsOnly(false);
    }
}
