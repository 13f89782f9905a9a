package io.jipc.shm;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.jipc.internal.libc.Unistd;
import io.jipc.pipe.Pipe;
import io.jipc.testing.LeakGuard;
import io.jipc.testing.TestIpc;
import io.jipc.testing.ThreadMeters;
import io.jipc.testing.ThreadSyscalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The mapping itself: copies, bounds, allocation, and closing it while other threads use it. */
class MappingTest {
    private static final int MEASURED = 100_000;

    // ---------------------------------------------------------------- copies and bounds

    @Test
    void everyBufferKindCopiesInAndOut() throws Exception {
        try (MemFd mem = MemFd.create(TestIpc.PREFIX + "copies", 8192); Mapping m = mem.map(); Arena arena = Arena.ofConfined()) {
            m.write(10, "array".getBytes(UTF_8));
            m.write(20, "xxslicexx".getBytes(UTF_8), 2, 5);
            m.write(30, ByteBuffer.wrap("heap buffer".getBytes(UTF_8)));
            ByteBuffer direct = ByteBuffer.allocateDirect(16).put("direct".getBytes(UTF_8)).flip();
            m.write(50, direct);
            assertThat(direct.remaining()).as("position advanced").isZero();
            m.write(60, arena.allocateFrom("segment", UTF_8).asSlice(0, 7));
            m.write(70, ByteBuffer.wrap("read-only".getBytes(UTF_8)).asReadOnlyBuffer());

            byte[] a = new byte[5];
            m.read(10, a);
            assertThat(new String(a, UTF_8)).isEqualTo("array");
            byte[] b = new byte[9];
            m.read(20, b, 2, 5);
            assertThat(new String(b, 2, 5, UTF_8)).isEqualTo("slice");
            ByteBuffer heap = ByteBuffer.allocate(20).position(3).limit(14);
            m.read(30, heap);
            assertThat(heap.position()).isEqualTo(14);
            assertThat(new String(heap.array(), 3, 11, UTF_8)).isEqualTo("heap buffer");
            ByteBuffer d = ByteBuffer.allocateDirect(6);
            m.read(50, d);
            assertThat(UTF_8.decode(d.flip()).toString()).isEqualTo("direct");
            MemorySegment s = arena.allocate(7);
            m.read(60, s);
            assertThat(new String(s.toArray(ValueLayout.JAVA_BYTE), UTF_8)).isEqualTo("segment");
            byte[] ro = new byte[9];
            m.read(70, ro);
            assertThat(new String(ro, UTF_8)).isEqualTo("read-only");
            assertThat(m.segment().getString(10, UTF_8)).isEqualTo("array");
            assertThatThrownBy(() -> m.read(0, ByteBuffer.allocate(4).asReadOnlyBuffer()))
                    .isInstanceOf(ReadOnlyBufferException.class);
            assertThatThrownBy(() -> m.read(0, arena.allocate(4).asReadOnly())).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void rangesAreCheckedBeforeAnyAccess() throws Exception {
        try (MemFd mem = MemFd.create(TestIpc.PREFIX + "bounds", 4096); Mapping m = mem.map(Access.READ_WRITE, 100, 1000)) {
            m.write(0, new byte[1000]);
            assertThatThrownBy(() -> m.write(1, new byte[1000])).isInstanceOf(IndexOutOfBoundsException.class)
                    .hasMessage("bytes 1 to 1+1000 are outside this 1000-byte mapping of memfd:" + TestIpc.PREFIX + "bounds");
            assertThatThrownBy(() -> m.read(-1, new byte[1])).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> m.read(Long.MAX_VALUE, new byte[2])).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> m.read(0, new byte[10], 5, 6)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> m.read(0, new byte[10], 0, -1)).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> m.write(999, ByteBuffer.allocate(2))).isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> m.segment().get(ValueLayout.JAVA_BYTE, 1000)).isInstanceOf(IndexOutOfBoundsException.class);
            m.read(1000, new byte[0]); // an empty range at the end is inside
            assertThat(m).hasToString("Mapping[memfd:" + TestIpc.PREFIX + "bounds, bytes 100..1099, read-write]");
        }
    }

    @Test
    void copiesAllocateNothing() throws Exception {
        try (MemFd mem = MemFd.create(TestIpc.PREFIX + "alloc", 1 << 16); Mapping m = mem.map(); Arena arena = Arena.ofConfined()) {
            m.segment(); // the arena exists too: copies still allocate nothing
            byte[] array = new byte[4096];
            ByteBuffer heap = ByteBuffer.allocate(4096);
            ByteBuffer direct = ByteBuffer.allocateDirect(4096);
            MemorySegment native4k = arena.allocate(4096);
            assertThat(ThreadMeters.allocatedBytes(() -> {
                m.write(64, array);
                m.read(64, array);
            }, MEASURED)).as("byte[]").isLessThan(MEASURED);
            assertThat(ThreadMeters.allocatedBytes(() -> {
                m.write(128, heap.clear());
                m.read(128, heap.clear());
            }, MEASURED)).as("heap ByteBuffer").isLessThan(MEASURED);
            assertThat(ThreadMeters.allocatedBytes(() -> {
                m.write(256, direct.clear());
                m.read(256, direct.clear());
            }, MEASURED)).as("direct ByteBuffer").isLessThan(MEASURED);
            assertThat(ThreadMeters.allocatedBytes(() -> {
                m.write(512, native4k);
                m.read(512, native4k);
            }, MEASURED)).as("MemorySegment").isLessThan(MEASURED);
        }
        try (MemFd mem = MemFd.create(TestIpc.PREFIX + "alloc-big", 1 << 20); Mapping m = mem.map()) {
            byte[] big = new byte[1 << 20];
            int times = 2000;
            assertThat(ThreadMeters.allocatedBytes(() -> {
                m.write(0, big);
                m.read(0, big);
            }, times)).as("1 MiB byte[]").isLessThan(times);
        }
    }

    @Test
    void aClosedMappingRefusesEveryWayIn() throws Exception {
        try (MemFd mem = MemFd.create(TestIpc.PREFIX + "closed", 4096)) {
            Mapping m = mem.map();
            MemorySegment seg = m.segment();
            MemorySegment slice = seg.asSlice(8, 8);
            ByteBuffer view = seg.asByteBuffer();
            Set<String> before = LeakGuard.sharedMappings();
            assertThat(before).anyMatch(l -> l.endsWith("/memfd:" + TestIpc.PREFIX + "closed (deleted)"));
            m.close();
            m.close(); // idempotent
            assertThat(m.isOpen()).isFalse();
            assertThat(LeakGuard.sharedMappings()).as("unmapped at once: nothing held it")
                    .noneMatch(l -> l.endsWith("/memfd:" + TestIpc.PREFIX + "closed (deleted)"));
            String closed = "mapping of memfd:" + TestIpc.PREFIX + "closed is closed";
            assertThatThrownBy(() -> m.read(0, new byte[1])).isInstanceOf(IllegalStateException.class).hasMessage(closed);
            assertThatThrownBy(() -> m.write(0, new byte[1])).isInstanceOf(IllegalStateException.class).hasMessage(closed);
            assertThatThrownBy(m::segment).isInstanceOf(IllegalStateException.class).hasMessage(closed);
            assertThatThrownBy(() -> seg.get(ValueLayout.JAVA_INT, 0)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> slice.set(ValueLayout.JAVA_LONG, 0, 1L)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> view.get(0)).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> MemorySegment.copy(seg, 0, MemorySegment.ofArray(new byte[4]), 0, 4))
                    .isInstanceOf(IllegalStateException.class);
        }
    }

    // ---------------------------------------------------------------- closing while others use it

    /**
     * Rounds of: a fresh memfd filled with the round's byte, mapped; two threads copy out of it as
     * fast as they can, one through {@code read}, one through the segment (a bulk copy and single
     * reads); the main thread closes the mapping at a random moment. Every copy must see the
     * round's byte only (a copy from pages unmapped and reused would see another round's) or be
     * refused with IllegalStateException; nothing else, and never a crash.
     *
     * <p>The JDK refuses an access racing a shared arena's close with an asynchronous exception,
     * which also sets the thread's interrupt status now and then: the segment copier clears it
     * (as a user's code must), the copier through {@code read} never has it set.
     */
    @Test
    void closingWhileOtherThreadsCopyNeverCrashesAndNeverReadsStalePages() throws Exception {
        int rounds = 5_000;
        int size = 64 * 1024;
        AtomicReference<Mapping> current = new AtomicReference<>();
        AtomicReference<MemorySegment> currentSegment = new AtomicReference<>();
        java.util.concurrent.atomic.AtomicInteger currentByte = new java.util.concurrent.atomic.AtomicInteger();
        AtomicReference<Throwable> wrong = new AtomicReference<>();
        AtomicLong completed = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        AtomicLong[] interrupted = {new AtomicLong(), new AtomicLong()};
        AtomicBoolean done = new AtomicBoolean();
        CyclicBarrier start = new CyclicBarrier(3);
        CyclicBarrier end = new CyclicBarrier(3);
        List<Thread> copiers = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            boolean viaSegment = t == 1;
            AtomicLong interrupts = interrupted[t];
            copiers.add(Thread.ofPlatform().name("copier-" + t).start(() -> {
                byte[] buf = new byte[size];
                try {
                    while (true) {
                        start.await(60, TimeUnit.SECONDS);
                        if (done.get()) {
                            return;
                        }
                        Mapping m = current.get();
                        MemorySegment seg = currentSegment.get();
                        byte expected = (byte) currentByte.get();
                        try {
                            while (true) {
                                if (viaSegment) {
                                    MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, 0, buf, 0, size);
                                    byte one = seg.get(ValueLayout.JAVA_BYTE, ThreadLocalRandom.current().nextInt(size));
                                    if (one != expected) {
                                        throw new AssertionError("read " + one + " through the segment, expected " + expected);
                                    }
                                } else {
                                    m.read(0, buf);
                                }
                                for (int i = 0; i < size; i += 997) {
                                    if (buf[i] != expected) {
                                        throw new AssertionError("byte " + i + " is " + buf[i] + ", expected " + expected);
                                    }
                                }
                                completed.incrementAndGet();
                            }
                        } catch (IllegalStateException closed) {
                            refused.incrementAndGet();
                            if (Thread.interrupted()) {
                                interrupts.incrementAndGet();
                            }
                        }
                        end.await(60, TimeUnit.SECONDS);
                    }
                } catch (Throwable e) {
                    if (!wrong.compareAndSet(null, e) && !(e instanceof java.util.concurrent.BrokenBarrierException)) {
                        wrong.get().addSuppressed(e);
                    }
                    start.reset();
                    end.reset();
                }
            }));
        }
        try {
            for (int round = 0; round < rounds && wrong.get() == null; round++) {
                try (MemFd mem = MemFd.create(TestIpc.PREFIX + "race", size)) {
                    Mapping m = mem.map();
                    m.segment().fill((byte) round);
                    currentByte.set(round);
                    current.set(m);
                    currentSegment.set(m.segment());
                    start.await(30, TimeUnit.SECONDS);
                    long spin = ThreadLocalRandom.current().nextLong(200_000);
                    for (long deadline = System.nanoTime() + spin; System.nanoTime() < deadline; ) {
                        Thread.onSpinWait();
                    }
                    m.close();
                    end.await(30, TimeUnit.SECONDS);
                }
            }
            done.set(true);
            start.await(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.BrokenBarrierException | java.util.concurrent.TimeoutException e) {
            throw new AssertionError("a copier failed", wrong.get() != null ? wrong.get() : e);
        } finally {
            done.set(true);
            for (Thread t : copiers) {
                t.join(30_000);
            }
        }
        if (wrong.get() != null) {
            throw new AssertionError("a copier failed", wrong.get());
        }
        assertThat(refused.get()).as("every copier was refused once per round").isEqualTo(2L * rounds);
        assertThat(completed.get()).as("copies that completed").isPositive();
        assertThat(interrupted[0].get()).as("jipc's copies are refused without the JDK's interrupt").isZero();
    }

    /**
     * A system call that was given the segment — here a write to a full pipe, asleep in the
     * kernel — keeps the pages mapped after close() returned; they go once it returns, and what
     * it wrote is what was mapped.
     */
    @Test
    void aSystemCallHoldingTheSegmentKeepsThePagesUntilItReturns() throws Exception {
        int size = 1 << 20; // much more than a pipe holds: the write sleeps
        String mark = "/memfd:" + TestIpc.PREFIX + "held (deleted)";
        try (MemFd mem = MemFd.create(TestIpc.PREFIX + "held", size); Pipe pipe = Pipe.open()) {
            Mapping m = mem.map();
            MemorySegment seg = m.segment();
            for (int i = 0; i < size; i += 8) {
                seg.set(ValueLayout.JAVA_LONG_UNALIGNED, i, i);
            }
            AtomicReference<Throwable> failed = new AtomicReference<>();
            AtomicInteger tid = new AtomicInteger();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                tid.set(Unistd.gettid());
                try {
                    pipe.writeEnd().write(seg);
                } catch (Throwable e) {
                    failed.set(e);
                }
            }, r -> Thread.ofPlatform().name("pipe-writer").start(r));
            // Asleep inside write(2), the segment held by the downcall: the handle counts a kernel
            // waiter a little earlier, before the call is made, and a close in that gap unmaps at once.
            assertThat(ThreadSyscalls.awaitSleepingIn(tid::get, writer, "write")).isEqualTo("write");
            m.close();
            assertThat(m.isOpen()).isFalse();
            assertThat(LeakGuard.sharedMappings()).as("still mapped while the write runs").anyMatch(l -> l.endsWith(mark));
            assertThatThrownBy(() -> m.read(0, new byte[8])).as("closed for copies at once")
                    .isInstanceOf(IllegalStateException.class);
            assertThat(seg.get(ValueLayout.JAVA_LONG, 8)).as("the segment: its arena cannot close while the call holds it")
                    .isEqualTo(8);
            byte[] got = new byte[size];
            int n = 0;
            while (n < size) {
                n += pipe.readEnd().read(got, n, size - n);
            }
            writer.get(30, TimeUnit.SECONDS);
            assertThat(failed.get()).isNull();
            ByteBuffer check = ByteBuffer.wrap(got).order(java.nio.ByteOrder.nativeOrder());
            for (int i = 0; i < size; i += 8) {
                assertThat(check.getLong(i)).isEqualTo(i);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (LeakGuard.sharedMappings().stream().anyMatch(l -> l.endsWith(mark)) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(LeakGuard.sharedMappings()).as("unmapped once the write returned").noneMatch(l -> l.endsWith(mark));
            assertThatThrownBy(() -> seg.get(ValueLayout.JAVA_LONG, 0)).as("and now closed for Java too")
                    .isInstanceOf(IllegalStateException.class);
        }
    }

    /**
     * Another process shrinks the object under a live mapping (jipc refuses this itself, but cannot
     * stop a C program): touching a page past the new end faults, and the JVM turns the fault into
     * an InternalError instead of dying.
     */
    @Test
    void pagesTruncatedByAnotherProcessFaultAsAnErrorNotACrash() throws Exception {
        String name = TestIpc.name("shm-truncated");
        try (SharedMemory shm = SharedMemory.createExclusively(name, 64 * 1024); Mapping m = shm.map()) {
            m.segment().fill((byte) 7);
            assertThat(ShmPeers.c("posix-truncate", name, "4096")).isEqualTo("truncated");
            byte[] b = new byte[8];
            m.read(0, b); // the first page is still there
            assertThat(b).containsOnly(7);
            assertThat(catchThrowable(() -> m.read(32 * 1024, b))).isInstanceOf(InternalError.class)
                    .hasMessageContaining("a fault occurred");
            assertThat(catchThrowable(() -> m.segment().get(ValueLayout.JAVA_LONG, 40 * 1024)))
                    .isInstanceOf(InternalError.class);
            shm.unlink();
        }
    }
}
