package io.jipc.channel;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jipc.IpcException;
import io.jipc.ObjectClosedException;
import io.jipc.Transfer;
import io.jipc.internal.libc.Unistd;
import io.jipc.shm.MemFd;
import io.jipc.testing.BlockedCalls;
import io.jipc.testing.TestIpc;
import io.jipc.testing.ThreadMeters;
import io.jipc.testing.ThreadSyscalls;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Many producers, one consumer, in one process: writers claiming by CAS on the tail and
 * committing out of order, threads racing, wrap-around, back-pressure on a word all producers
 * share, aborted claims, producer slots. Across processes (and kill -9 between claim and commit):
 * {@link ManyProducerCrossProcessTest}.
 */
class ManyProducerChannelTest {
    static final Channel.Options SMALL = Channel.Options.defaults().withCapacity(Channel.MIN_CAPACITY).withProducers(4);

    /** A many-producer channel in a memfd: its reader and {@code n} writers. */
    record Many(MemFd memfd, ChannelReader reader, List<ChannelWriter> writers) implements AutoCloseable {
        static Many of(Channel.Options options, int n) throws IpcException {
            MemFd memfd = MemFd.create("many-test", Channel.objectSize(options));
            ChannelReader r = ChannelReader.format(memfd, options);
            List<ChannelWriter> ws = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                ws.add(ChannelWriter.open(memfd, options));
            }
            return new Many(memfd, r, ws);
        }

        ChannelWriter writer(int i) {
            return writers.get(i);
        }

        @Override
        public void close() {
            writers.forEach(ChannelWriter::close);
            reader.close();
            memfd.close();
        }
    }

    static List<String> drainAll(ChannelReader r) throws IpcException {
        List<String> got = new ArrayList<>();
        while (r.tryDrain((type, b, o, l) -> got.add(type + ":" + ChannelTest.text(b, o, l)), 1000) > 0) {
            // more
        }
        return got;
    }

    @Test
    void recordsAreReadInClaimOrderOnceCommittedWhateverOrderTheyAreCommittedIn() throws Exception {
        String name = TestIpc.name("many");
        Channel.Options options = Channel.Options.defaults().withProducers(8);
        try (ChannelReader r = ChannelReader.createExclusively(name, options);
             ChannelWriter a = ChannelWriter.openExisting(name);
             ChannelWriter b = ChannelWriter.openExisting(name)) {
            assertThat(Files.size(Path.of("/dev/shm" + name))).isEqualTo(512 + 64 * 8 + 65536);
            assertThat(Channel.objectSize(options)).isEqualTo(512 + 64 * 8 + 65536);
            assertThat(r.peer()).isEqualTo(Channel.PeerState.ATTACHED);
            MemorySegment first = a.claim(1, 3);
            MemorySegment second = b.claim(2, 3);
            second.copyFrom(MemorySegment.ofArray("two".getBytes(UTF_8)));
            b.commit();
            assertThat(drainAll(r)).as("the first claim is not committed: nothing after it is read").isEmpty();
            assertThat(r.pending()).isEqualTo(32);
            first.copyFrom(MemorySegment.ofArray("one".getBytes(UTF_8)));
            a.commit();
            assertThat(drainAll(r)).containsExactly("1:one", "2:two");
            b.send(3, "three".getBytes(UTF_8));
            a.close();
            assertThat(r.peer()).as("one producer still runs").isEqualTo(Channel.PeerState.ATTACHED);
            b.close();
            assertThat(r.peer()).isEqualTo(Channel.PeerState.CLOSED);
            List<String> got = new ArrayList<>();
            assertThat(r.drain((t, buf, o, l) -> got.add(t + ":" + ChannelTest.text(buf, o, l)), 10)).isEqualTo(1);
            assertThat(got).containsExactly("3:three");
            assertThat(r.drain((t, buf, o, l) -> { }, 10)).as("every producer closed: end of stream").isEqualTo(Transfer.EOF);
            Channel.unlink(name);
        }
    }

    @Test
    void producerSlotsAreTakenOneEachAndFreedOnClose() throws Exception {
        Channel.Options two = SMALL.withProducers(2);
        try (Many m = Many.of(two, 2)) {
            assertThatThrownBy(() -> ChannelWriter.open(m.memfd(), two)).isInstanceOf(IpcException.class)
                    .hasMessage("open(memfd:many-test): all 2 producer slots of the channel are taken by running"
                            + " processes: at most 2 writers at a time (EBUSY)");
            m.writer(0).close();
            try (ChannelWriter again = ChannelWriter.open(m.memfd(), two)) {
                again.send(5, "x".getBytes(UTF_8));
                assertThat(drainAll(m.reader())).containsExactly("5:x");
            }
        }
        assertThatThrownBy(() -> Channel.Options.defaults().withProducers(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a channel has 1 to 1024 producers, got 0");
    }

    @Test
    void anAbortedClaimAndAClaimOpenAtCloseBecomePaddingTheReaderSkips() throws Exception {
        try (Many m = Many.of(SMALL, 2)) {
            m.writer(0).claim(1, 40);
            m.writer(1).send(2, "after".getBytes(UTF_8));
            m.writer(0).abort();
            assertThat(drainAll(m.reader())).containsExactly("2:after");
            m.writer(0).claim(3, 16);
            m.writer(1).send(4, "later".getBytes(UTF_8));
            m.writer(0).close();
            assertThat(drainAll(m.reader())).containsExactly("4:later");
        }
    }

    @Test
    void aFullChannelPushesBackInAllThreeFormsAndWakesEveryWaitingProducer() throws Exception {
        try (Many m = Many.of(SMALL.withIdle(0, 0), 3)) {
            byte[] chunk = new byte[120];
            for (int i = 0; i < 8; i++) {
                assertThat(m.writer(i % 2).trySend(i, chunk)).isTrue();
            }
            assertThat(m.writer(0).trySend(9, new byte[0])).isFalse();
            assertThat(m.writer(1).tryClaim(9, 0)).isEmpty();
            long t0 = System.nanoTime();
            assertThat(m.writer(2).trySend(9, chunk, Duration.ofMillis(100))).isFalse();
            assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(100));

            // Two producers asleep on the one word: one drain of everything wakes both.
            AtomicInteger tid0 = new AtomicInteger();
            AtomicInteger tid1 = new AtomicInteger();
            CompletableFuture<Throwable> p0 = BlockedCalls.blocked(() -> {
                tid0.set(Unistd.gettid());
                m.writer(0).send(10, chunk);
            });
            CompletableFuture<Throwable> p1 = BlockedCalls.blocked(() -> {
                tid1.set(Unistd.gettid());
                m.writer(1).send(11, chunk);
            });
            assertThat(ThreadSyscalls.awaitSleepingIn(tid0::get, p0, "futex")).isEqualTo("futex");
            assertThat(ThreadSyscalls.awaitSleepingIn(tid1::get, p1, "futex")).isEqualTo("futex");
            assertThat(m.reader().drain((t, b, o, l) -> { }, 100)).isEqualTo(8);
            assertThat(p0.get(1, TimeUnit.SECONDS)).hasMessage("returned");
            assertThat(p1.get(1, TimeUnit.SECONDS)).hasMessage("returned");
            assertThat(drainAll(m.reader())).hasSize(2);
            Optional<MemorySegment> room = m.writer(2).tryClaim(12, 16, Duration.ofSeconds(1));
            assertThat(room).isPresent();
            m.writer(2).commit();

            for (int i = 0; i < 7; i++) {
                m.writer(0).send(i, chunk);
            }
            m.reader().close();
            assertThatThrownBy(() -> m.writer(1).send(1, chunk)).isInstanceOf(IpcException.class)
                    .hasMessageContaining("has closed its end (EPIPE)");
        }
    }

    @Test
    void wrapAroundWithEveryRecordSizeNearTheBoundary() throws Exception {
        try (Many m = Many.of(SMALL.withIdle(0, 0), 2)) {
            long total = 0;
            for (int size = 0; size <= 80; size++) {
                int count = 3 * 1024 / ChannelLayout.framed(size) + 3;
                int[] seen = {0};
                for (int i = 0; i < count; i++) {
                    byte[] payload = new byte[size];
                    for (int b = 0; b < size; b++) {
                        payload[b] = (byte) (i * 31 + b);
                    }
                    ChannelWriter w = m.writer(i % 2);
                    if (!w.trySend(i, payload)) {
                        drainChecking(m.reader(), size, seen);
                        assertThat(w.trySend(i, payload)).isTrue();
                    }
                    total++;
                }
                drainChecking(m.reader(), size, seen);
                assertThat(seen[0]).as("size %d", size).isEqualTo(count);
            }
            for (int size = 504 - 24; size <= 504; size++) {
                int[] seen = {0};
                for (int i = 0; i < 5; i++) {
                    byte[] payload = new byte[size];
                    for (int b = 0; b < size; b++) {
                        payload[b] = (byte) (i * 31 + b);
                    }
                    m.writer(i % 2).send(i, payload);
                    drainChecking(m.reader(), size, seen);
                    total++;
                }
                assertThat(seen[0]).isEqualTo(5);
            }
            assertThat(total).isGreaterThan(5000);
        }
    }

    private static void drainChecking(ChannelReader r, int size, int[] seen) throws IpcException {
        while (r.tryDrain((type, buffer, offset, length) -> {
            assertThat(type).isEqualTo(seen[0]);
            assertThat(length).isEqualTo(size);
            for (int b = 0; b < size; b++) {
                assertThat(buffer.get(ValueLayout.JAVA_BYTE, offset + b)).isEqualTo((byte) (type * 31 + b));
            }
            seen[0]++;
        }, 1000) > 0) {
            // more
        }
    }

    /** Threads of this process racing on a 4 KiB ring: every record once, each producer's in its order. */
    @Test
    void threadsRacingLoseNothingDuplicateNothingAndKeepEachProducersOrder() throws Exception {
        int producers = 4;
        long count = 50_000;
        Channel.Options options = Channel.Options.defaults().withCapacity(4096).withProducers(producers);
        try (Many m = Many.of(options, producers)) {
            List<CompletableFuture<Void>> running = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                int producer = p;
                running.add(CompletableFuture.runAsync(() -> {
                    try {
                        ChannelPeer.writeMany(m.writer(producer), producer, 0, count, 7, 200);
                        m.writer(producer).close();
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }, r -> Thread.ofPlatform().start(r)));
            }
            ChannelPeer.ManyChecker c = new ChannelPeer.ManyChecker(producers, 7, 200);
            while (m.reader().drain(c, 64) != Transfer.EOF) {
                // more
            }
            for (CompletableFuture<Void> f : running) {
                f.get(60, TimeUnit.SECONDS);
            }
            assertThat(c.next).containsOnly(count);
        }
    }

    /**
     * The property over random record sizes, with several producers holding claims open at once
     * and committing or aborting them in random order, interleaved with drains: every committed
     * record comes out once, whole, in claim order. The seed is printed; {@code -Djipc.seed=N}
     * replays a run.
     */
    @Test
    void anyMixOfSizesClaimsCommitsAndAbortsComesOutWholeAndInClaimOrder() throws Exception {
        long seed = Long.getLong("jipc.seed", System.nanoTime());
        System.out.println("anyMixOfSizesClaimsCommitsAndAbortsComesOutWholeAndInClaimOrder seed " + seed
                + " (-Djipc.seed=" + seed + " replays it)");
        SplittableRandom random = new SplittableRandom(seed);
        for (int round = 0; round < 30; round++) {
            int capacity = 1024 << random.nextInt(5);
            int producers = 2 + random.nextInt(4);
            Channel.Options options = Channel.Options.defaults().withCapacity(capacity).withProducers(producers).withIdle(0, 0);
            try (Many m = Many.of(options, producers)) {
                int max = m.writer(0).maxPayload();
                int bound = random.nextBoolean() ? max + 1 : 1 + random.nextInt(64);
                java.util.ArrayDeque<long[]> expected = new java.util.ArrayDeque<>(); // {seq, length}, committed or not
                long[] open = new long[producers]; // seq + 1 of each producer's open claim, 0 none
                MemorySegment[] rooms = new MemorySegment[producers];
                long[] lengthOf = new long[producers];
                java.util.Set<Long> aborted = new java.util.HashSet<>();
                long[] seq = {0};
                RecordHandler check = (type, buffer, offset, length) -> {
                    long[] e = expected.poll();
                    while (e != null && aborted.remove(e[0])) {
                        e = expected.poll();
                    }
                    assertThat(e).as("seed %d: a record nobody committed", seed).isNotNull();
                    assertThat(type).as("seed %d", seed).isEqualTo((int) e[0]);
                    assertThat((long) length).as("seed %d", seed).isEqualTo(e[1]);
                    for (int b = 0; b < length; b++) {
                        assertThat(buffer.get(ValueLayout.JAVA_BYTE, offset + b)).as("seed %d", seed)
                                .isEqualTo((byte) (e[0] * 31 + b));
                    }
                };
                for (int step = 0; step < 400; step++) {
                    int p = random.nextInt(producers);
                    int action = random.nextInt(10);
                    if (action < 5 && open[p] == 0) {
                        int length = random.nextInt(bound);
                        Optional<MemorySegment> room = m.writer(p).tryClaim((int) seq[0], length);
                        if (room.isPresent()) {
                            open[p] = seq[0] + 1;
                            rooms[p] = room.get();
                            lengthOf[p] = length;
                            expected.add(new long[] {seq[0], length});
                            seq[0]++;
                        }
                    } else if (action < 8 && open[p] != 0) {
                        long s = open[p] - 1;
                        if (random.nextInt(8) == 0) {
                            aborted.add(s);
                            m.writer(p).abort();
                        } else {
                            ChannelPeer.fill(rooms[p], s);
                            m.writer(p).commit();
                        }
                        open[p] = 0;
                    } else {
                        m.reader().tryDrain(check, 1 + random.nextInt(8));
                    }
                }
                for (int p = 0; p < producers; p++) {
                    if (open[p] != 0) {
                        ChannelPeer.fill(rooms[p], open[p] - 1);
                        m.writer(p).commit();
                    }
                }
                while (m.reader().tryDrain(check, 100) > 0) {
                    // the rest
                }
                expected.removeIf(e -> aborted.contains(e[0]));
                assertThat(expected).as("seed %d: committed records never read", seed).isEmpty();
                assertThat(m.reader().pending()).isZero();
            }
        }
    }

    @Test
    void closeAndInterruptWakeABlockedReaderAndProducer() throws Exception {
        try (Many m = Many.of(SMALL, 2)) {
            BlockedCalls.assertInterruptAnsweredWithin(Duration.ofMillis(100), () -> m.reader().drain((t, b, o, l) -> { }, 1));
            while (m.writer(0).trySend(0, new byte[64])) {
                // fill
            }
            BlockedCalls.assertInterruptAnsweredWithin(Duration.ofMillis(100), () -> m.writer(1).send(0, new byte[64]));
            CompletableFuture<Throwable> producer = BlockedCalls.blocked(() -> m.writer(1).send(0, new byte[64]));
            Thread.sleep(100);
            m.writer(1).close();
            assertThat(producer.get(10, TimeUnit.SECONDS)).isInstanceOf(ObjectClosedException.class);
        }
        try (Many m = Many.of(SMALL, 2)) {
            CompletableFuture<Throwable> reader = BlockedCalls.blocked(() -> m.reader().drain((t, b, o, l) -> { }, 1));
            Thread.sleep(100);
            m.reader().close();
            assertThat(reader.get(10, TimeUnit.SECONDS)).isInstanceOf(ObjectClosedException.class);
        }
    }

    @Test
    void closeAndInterruptRacingTheEntryAlwaysWake() throws Exception {
        BlockedCalls.closeAndInterruptRacingTheEntryAlwaysWake(100, () -> {
            Many m = Many.of(SMALL.withIdle(0, 0), 1);
            return new BlockedCalls.WaitTarget() {
                @Override
                public void block() throws Exception {
                    m.reader().drain((t, b, o, l) -> { }, 1);
                }

                @Override
                public void closeObject() {
                    m.reader().close();
                }

                @Override
                public void close() {
                    m.close();
                }
            };
        });
    }

    /**
     * Claim, commit and drain allocate nothing — the slice {@code claim} returns included, even
     * kept where the JIT cannot remove it (an array), in both layouts.
     */
    @Test
    void claimingCommittingAndDrainingAllocateNothing() throws Exception {
        MemorySegment[] kept = new MemorySegment[1];
        long[] sum = {0};
        RecordHandler handler = (type, buffer, offset, length) -> sum[0] += buffer.get(ValueLayout.JAVA_LONG, offset) + type;
        try (Many m = Many.of(Channel.Options.defaults().withProducers(2), 1)) {
            ChannelWriter w = m.writer(0);
            long bytes = ThreadMeters.allocatedBytesOf(() -> {
                kept[0] = w.claim(1, 64);
                kept[0].set(ValueLayout.JAVA_LONG, 0, 42);
                w.commit();
                m.reader().drain(handler, 16);
            }, 20_000);
            assertThat(bytes).as("bytes allocated by 20,000 claim/commit/drain, many producers").isLessThan(1024);
        }
        try (ChannelTest.Pair p = ChannelTest.Pair.of(Channel.Options.defaults())) {
            long bytes = ThreadMeters.allocatedBytesOf(() -> {
                kept[0] = p.writer().claim(1, 64);
                kept[0].set(ValueLayout.JAVA_LONG, 0, 42);
                p.writer().commit();
                p.reader().drain(handler, 16);
            }, 20_000);
            assertThat(bytes).as("bytes allocated by 20,000 claim/commit/drain, one producer").isLessThan(1024);
        }
        assertThat(sum[0]).isPositive();
    }
}
