package io.jipc.pipe;

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
 * Hot paths allocate nothing: the bytes a thread allocates (as HotSpot counts them) over a window
 * of operations, once the JIT has compiled them ({@link ThreadMeters#allocatedBytesOf}), must
 * stay below one byte per operation. An allocation assertion, not a timing one: a per-call object
 * of even 16 bytes would show as 1.6 MB per 100,000 operations.
 */
class PipeAllocationTest {
    private static final int MEASURED = 100_000;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private static long allocatedBy(ThreadMeters.Body op, int times) {
        return ThreadMeters.allocatedBytesOf(op, times);
    }

    @Test
    void everyBufferKindAndFormIsAllocationFree() throws Exception {
        try (Pipe pipe = Pipe.open(); Arena arena = Arena.ofConfined()) {
            Pipe.ReadEnd r = pipe.readEnd();
            Pipe.WriteEnd w = pipe.writeEnd();
            byte[] src = new byte[64];
            byte[] dst = new byte[64];
            ByteBuffer heapIn = ByteBuffer.allocate(64);
            ByteBuffer heapOut = ByteBuffer.allocate(64);
            ByteBuffer directIn = ByteBuffer.allocateDirect(64);
            ByteBuffer directOut = ByteBuffer.allocateDirect(64);
            MemorySegment segIn = arena.allocate(64);
            MemorySegment segOut = arena.allocate(64);
            MemorySegment heapSeg = MemorySegment.ofArray(new byte[64]);
            MemorySegment bigOut = arena.allocate(200_000);
            MemorySegment bigIn = arena.allocate(65536);

            assertThat(allocatedBy(() -> {
                w.write(src, 0, 64);
                r.read(dst, 0, 64);
            }, MEASURED)).as("byte[] blocking").isLessThan(MEASURED);
            assertThat(allocatedBy(() -> {
                w.tryWrite(src, 0, 64);
                r.tryRead(dst, 0, 64);
                r.tryRead(dst, 0, 64); // empty: EAGAIN is not an exception
            }, MEASURED)).as("byte[] non-blocking").isLessThan(MEASURED);
            assertThat(allocatedBy(() -> {
                w.tryWrite(src, 0, 64, TIMEOUT);
                r.tryRead(dst, 0, 64, TIMEOUT);
            }, MEASURED)).as("byte[] timed").isLessThan(MEASURED);
            assertThat(allocatedBy(() -> {
                heapOut.clear();
                w.write(heapOut);
                heapIn.clear();
                r.read(heapIn);
            }, MEASURED)).as("heap ByteBuffer").isLessThan(MEASURED);
            assertThat(allocatedBy(() -> {
                directOut.clear();
                w.write(directOut);
                directIn.clear();
                r.read(directIn);
            }, MEASURED)).as("direct ByteBuffer").isLessThan(MEASURED);
            assertThat(allocatedBy(() -> {
                directOut.clear().position(3);
                w.write(directOut);
                directIn.clear().position(3);
                r.read(directIn);
            }, MEASURED)).as("direct ByteBuffer, position > 0").isLessThan(MEASURED);
            assertThat(allocatedBy(() -> {
                w.write(segOut);
                r.read(segIn);
                r.tryRead(segIn);
            }, MEASURED)).as("native MemorySegment").isLessThan(MEASURED);
            assertThat(allocatedBy(() -> {
                w.write(heapSeg);
                r.read(heapSeg);
            }, MEASURED)).as("heap MemorySegment").isLessThan(MEASURED);
            // Partial writes: 200 kB into a 64 KiB pipe, written until full, then drained.
            assertThat(allocatedBy(() -> {
                long n = w.tryWrite(bigOut);
                while (n > 0) {
                    n -= r.read(bigIn);
                }
            }, 10_000)).as("partial writes").isLessThan(10_000);
        }
    }

    /**
     * A description that refuses RWF_NOWAIT (a FIFO; here a pipe reopened through /proc, which
     * opens it as one): timed calls sleep in the call under the thread's timer, which arming and
     * disarming must not allocate either.
     */
    @Test
    void timedCallsOnADescriptionWithoutRwfNowaitAreAllocationFree() throws Exception {
        try (Pipe pipe = Pipe.open();
                Pipe.ReadEnd r = pipe.readEnd().reopenBlocking();
                Pipe.WriteEnd w = pipe.writeEnd().reopenBlocking()) {
            byte[] src = new byte[64];
            byte[] dst = new byte[64];
            assertThat(allocatedBy(() -> {
                w.tryWrite(src, 0, 64, TIMEOUT);
                r.tryRead(dst, 0, 64, TIMEOUT);
            }, MEASURED)).as("byte[] timed, no RWF_NOWAIT").isLessThan(MEASURED);
            assertThat(r.isBlocking()).isTrue();
            assertThat(w.isBlocking()).isTrue();
        }
    }

    /**
     * Blocking waits included: a ping-pong between two threads, each measuring itself over the
     * same windows of round trips (the pinging thread's {@link ThreadMeters#allocatedBytesOf}
     * windows; the echoing thread counts its echoes to match them, and keeps its least window).
     * Waking and sleeping threads leave the JVM room for the odd allocation of its own (a few
     * bytes per thousand rounds were seen), so the bound is 8 bytes per round: still half the
     * smallest object a round trip could allocate.
     */
    @Test
    void aPingPongThatWaitsIsAllocationFree() throws Exception {
        int rounds = 50_000;
        try (Pipe ping = Pipe.open(); Pipe pong = Pipe.open()) {
            CompletableFuture<Long> echo = CompletableFuture.supplyAsync(() -> {
                byte[] buf = new byte[64];
                long least = Long.MAX_VALUE;
                try {
                    long before = 0;
                    for (long n = 0; ; n++) {
                        if (n >= rounds && n % rounds == 0) {
                            long now = ThreadMeters.currentThreadAllocatedBytes();
                            if (n > rounds) {
                                least = Math.min(least, now - before);
                            }
                            before = now;
                        }
                        if (ping.readEnd().read(buf, 0, 64) == Transfer.EOF) {
                            return least;
                        }
                        pong.writeEnd().write(buf, 0, 64);
                    }
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }, runnable -> Thread.ofPlatform().start(runnable));
            ByteBuffer out = ByteBuffer.allocateDirect(64);
            ByteBuffer in = ByteBuffer.allocateDirect(64);
            long mine = ThreadMeters.allocatedBytesOf(() -> roundTrip(ping, pong, out, in), rounds);
            ping.writeEnd().close();
            assertThat(mine).as("pinging thread").isLessThan(8L * rounds);
            assertThat(echo.get(60, TimeUnit.SECONDS)).as("echoing thread").isLessThan(8L * rounds);
        }
    }

    private static void roundTrip(Pipe ping, Pipe pong, ByteBuffer out, ByteBuffer in) throws Exception {
        out.clear();
        ping.writeEnd().write(out);
        in.clear();
        while (in.hasRemaining()) {
            pong.readEnd().read(in);
        }
    }
}
