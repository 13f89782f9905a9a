package io.jipc.pipe;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Hot paths allocate nothing: the bytes a thread allocates (as HotSpot counts them) over 100,000
 * operations after a warm-up must stay below one byte per operation. An allocation assertion, not
 * a timing one: a per-call object of even 16 bytes would show as 1.6 MB.
 */
class PipeAllocationTest {
    private static final int WARM_UP = 200_000;
    private static final int MEASURED = 100_000;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /**
     * {@code com.sun.management.ThreadMXBean::getCurrentThreadAllocatedBytes}, looked up at run
     * time: the tests compile inside module io.jipc, which does not read jdk.management.
     */
    private static final MethodHandle ALLOCATED;

    static {
        try {
            Object bean = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean")
                    .invoke(null);
            ALLOCATED = MethodHandles.publicLookup()
                    .findVirtual(Class.forName("com.sun.management.ThreadMXBean"), "getCurrentThreadAllocatedBytes",
                            MethodType.methodType(long.class))
                    .bindTo(bean);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Bytes the current thread has allocated so far. */
    private static long allocatedSoFar() {
        try {
            return (long) ALLOCATED.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private interface Op {
        void run() throws Exception;
    }

    private static long allocatedBy(Op op, int times) throws Exception {
        return allocatedBy(op, WARM_UP, times);
    }

    private static long allocatedBy(Op op, int warmUp, int times) throws Exception {
        for (int i = 0; i < warmUp; i++) {
            op.run();
        }
        long before = allocatedSoFar();
        for (int i = 0; i < times; i++) {
            op.run();
        }
        return allocatedSoFar() - before;
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
            }, 30_000, 10_000)).as("partial writes").isLessThan(10_000);
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
            }, 50_000, MEASURED)).as("byte[] timed, no RWF_NOWAIT").isLessThan(MEASURED);
            assertThat(r.isBlocking()).isTrue();
            assertThat(w.isBlocking()).isTrue();
        }
    }

    /**
     * Blocking waits included: a ping-pong between two threads, each measuring itself. Waking and
     * sleeping threads leave the JVM room for the odd allocation of its own (a few bytes per
     * thousand rounds were seen), so the bound is 8 bytes per round: still half the smallest
     * object a round trip could allocate.
     */
    @Test
    void aPingPongThatWaitsIsAllocationFree() throws Exception {
        int rounds = 50_000;
        try (Pipe ping = Pipe.open(); Pipe pong = Pipe.open()) {
            CompletableFuture<Long> echo = CompletableFuture.supplyAsync(() -> {
                byte[] buf = new byte[64];
                try {
                    for (int i = 0; i < rounds; i++) {
                        ping.readEnd().read(buf, 0, 64);
                        pong.writeEnd().write(buf, 0, 64);
                    }
                    long before = allocatedSoFar();
                    for (int i = 0; i < rounds; i++) {
                        ping.readEnd().read(buf, 0, 64);
                        pong.writeEnd().write(buf, 0, 64);
                    }
                    return allocatedSoFar() - before;
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }, runnable -> Thread.ofPlatform().start(runnable));
            ByteBuffer out = ByteBuffer.allocateDirect(64);
            ByteBuffer in = ByteBuffer.allocateDirect(64);
            for (int i = 0; i < rounds; i++) {
                roundTrip(ping, pong, out, in);
            }
            long before = allocatedSoFar();
            for (int i = 0; i < rounds; i++) {
                roundTrip(ping, pong, out, in);
            }
            long mine = allocatedSoFar() - before;
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
