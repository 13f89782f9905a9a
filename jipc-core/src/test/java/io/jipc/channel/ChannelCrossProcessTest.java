package io.jipc.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jipc.Transfer;
import io.jipc.testing.CPeer;
import io.jipc.testing.Crash;
import io.jipc.testing.Peer;
import io.jipc.testing.PeerJvm;
import io.jipc.testing.TestIpc;
import io.jipc.testing.ThreadSyscalls;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Channels between processes: jipc and {@code channel_peer.c} (written from the layout document
 * alone) both ways, jipc in two JVMs, and writers and readers killed with SIGKILL mid-record.
 * A 4 KiB ring and payloads up to 300 bytes make the records wrap around the ring's end thousands
 * of times at every alignment.
 */
class ChannelCrossProcessTest {
    static final Duration T = Duration.ofSeconds(60);
    static final int COUNT = 100_000;
    static final long SEED = 12345;
    static final int MAXLEN = 300;
    static final Channel.Options OPTIONS = Channel.Options.defaults().withCapacity(4096);
    /** Room for every record of a crash test, so the writer never waits for the reader. */
    static final Channel.Options ROOMY = Channel.Options.defaults().withCapacity(1 << 20);

    private final List<String> names = new ArrayList<>();

    private String name() {
        String n = TestIpc.name("channel");
        names.add(n);
        return n;
    }

    @AfterEach
    void unlink() {
        for (String n : names) {
            try {
                Channel.unlink(n);
            } catch (Exception gone) {
                // unlinked by the test
            }
        }
    }

    private static String[] args(String mode, String name, long count) {
        return new String[] {mode, name, Long.toString(count), Long.toString(SEED), Integer.toString(MAXLEN)};
    }

    /** Reads to end of stream, checking the pattern; returns the checker. */
    private static ChannelPeer.Checker readAll(ChannelReader r) throws Exception {
        ChannelPeer.Checker c = new ChannelPeer.Checker(SEED, MAXLEN);
        while (r.drain(c, 64) != Transfer.EOF) {
            // more
        }
        return c;
    }

    /** Skips a sleep-barrier case on a kernel without the barrier: the one reason such a channel cannot be made. */
    static void assumeOrdering(Channel.Ordering ordering) {
        Assumptions.assumeTrue(ordering == Channel.Ordering.FENCED || SleepBarrier.available(),
                "this kernel lacks membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED) (Linux 4.16+), or a seccomp filter refuses it");
    }

    @ParameterizedTest
    @EnumSource(Channel.Ordering.class)
    void javaWriterToCReader(Channel.Ordering ordering) throws Exception {
        assumeOrdering(ordering);
        String name = name();
        try (ChannelWriter w = ChannelWriter.createExclusively(name, OPTIONS.withOrdering(ordering));
             Peer c = CPeer.start("channel_peer", args("read", name, COUNT))) {
            c.awaitOutput("ready\n", T);
            ChannelPeer.write(w, 0, COUNT, SEED, MAXLEN);
            w.close();
            c.awaitSuccess(T);
            assertThat(c.stdout()).contains("read " + COUNT);
        }
    }

    @ParameterizedTest
    @EnumSource(Channel.Ordering.class)
    void cWriterToJavaReader(Channel.Ordering ordering) throws Exception {
        assumeOrdering(ordering);
        String name = name();
        try (ChannelReader r = ChannelReader.createExclusively(name, OPTIONS.withOrdering(ordering));
             Peer c = CPeer.start("channel_peer", args("write", name, COUNT))) {
            assertThat(r.ordering()).isEqualTo(ordering);
            assertThat(readAll(r).next).isEqualTo(COUNT);
            c.awaitSuccess(T);
            assertThat(r.peer()).isEqualTo(Channel.PeerState.CLOSED);
        }
    }

    @ParameterizedTest
    @EnumSource(Channel.Ordering.class)
    void aChannelTheCProgramCreatedIsReadByJava(Channel.Ordering ordering) throws Exception {
        assumeOrdering(ordering);
        String name = name();
        List<String> a = new ArrayList<>(List.of(args("write", name, 5000)));
        a.add("2048");
        a.add(Integer.toString(ChannelLayout.features(ordering)));
        try (Peer c = CPeer.start("channel_peer", a.toArray(String[]::new))) {
            c.awaitOutput("ready\n", T);
            try (ChannelReader r = ChannelReader.openExisting(name)) {
                assertThat(r.capacity()).isEqualTo(2048);
                assertThat(r.ordering()).isEqualTo(ordering);
                assertThat(readAll(r).next).isEqualTo(5000);
            }
            c.awaitSuccess(T);
        }
    }

    @Test
    void javaToJavaAcrossTwoJvmsBothWays() throws Exception {
        String toPeer = name();
        String fromPeer = name();
        try (ChannelWriter w = ChannelWriter.createExclusively(toPeer, OPTIONS);
             ChannelReader r = ChannelReader.createExclusively(fromPeer, OPTIONS);
             Peer reader = PeerJvm.start(ChannelPeer.class, args("read", toPeer, COUNT));
             Peer writer = PeerJvm.start(ChannelPeer.class, args("write", fromPeer, COUNT))) {
            reader.awaitOutput("ready\n", T);
            ChannelPeer.write(w, 0, COUNT, SEED, MAXLEN);
            w.close();
            assertThat(readAll(r).next).isEqualTo(COUNT);
            reader.awaitSuccess(T);
            writer.awaitSuccess(T);
            assertThat(reader.stdout()).contains("read " + COUNT);
        }
    }

    static Stream<Arguments> orderingsAndProducers() {
        return Stream.of(Channel.Ordering.values()).flatMap(o -> Stream.of(Arguments.of(o, 1), Arguments.of(o, 4)));
    }

    /**
     * The race a lost wake-up needs, met round after round: the peer JVM sleeps at once whenever
     * its channel is empty — in sleeps that never time out, so a missed wake-up hangs it instead
     * of costing a 100 ms slice — while this side spins for each echo and sends the next record
     * the moment it comes back, so its publication lands within a few hundred nanoseconds of the
     * peer's announcement that it sleeps. Both orderings, one producer and many.
     */
    @ParameterizedTest
    @MethodSource("orderingsAndProducers")
    void aPeerThatSleepsAfterEveryRecordIsWokenForEveryRecord(Channel.Ordering ordering, int producers) throws Exception {
        assumeOrdering(ordering);
        int rounds = 100_000;
        String toPeer = name();
        String fromPeer = name();
        Channel.Options options = OPTIONS.withOrdering(ordering).withProducers(producers).withIdle(10_000, 100);
        MemorySegment echo = Arena.ofAuto().allocate(8);
        try (ChannelWriter w = ChannelWriter.createExclusively(toPeer, options);
             ChannelReader r = ChannelReader.createExclusively(fromPeer, options);
             Peer peer = PeerJvm.start(List.of("-Djipc.channel.slice.ms=3600000"), ChannelPeer.class,
                     "echo", toPeer, Integer.toString(rounds), "0", "0", fromPeer)) {
            peer.awaitOutput("ready\n", T);
            MemorySegment ping = Arena.ofAuto().allocate(8);
            RecordHandler copy = (type, buffer, offset, length) -> MemorySegment.copy(buffer, offset, echo, 0, 8);
            for (long i = 0; i < rounds; i++) {
                ping.set(ValueLayout.JAVA_LONG, 0, i);
                w.send(1, ping);
                int n = r.tryDrain(copy, 1, T);
                assertThat(n).as("round %d: the echo never came (a missed wake-up hangs the peer)", i).isEqualTo(1);
                assertThat(echo.get(ValueLayout.JAVA_LONG, 0)).isEqualTo(i);
            }
            peer.awaitSuccess(T);
            assertThat(peer.stdout()).contains("echoed " + rounds);
        }
    }

    @Test
    void anIdleCReaderSleepsInFutexAndJavaWakesIt() throws Exception {
        String name = name();
        try (ChannelWriter w = ChannelWriter.createExclusively(name, OPTIONS);
             Peer c = CPeer.start("channel_peer", args("read", name, 1))) {
            c.awaitOutput("ready\n", T);
            assertThat(ThreadSyscalls.awaitProcessSleepingIn(c.pid(), c.pid(), "futex")).isEqualTo("futex");
            ChannelPeer.write(w, 0, 1, SEED, MAXLEN);
            w.close();
            c.awaitSuccess(T);
        }
    }

    /**
     * The writer killed with SIGKILL halfway through a record: the reader reads every record it
     * committed, then is told the writer died — never the torn record — and a new writer goes on
     * where the dead one's last committed record ended.
     */
    private void writerKilledMidRecord(Peer writer, String name, ChannelReader r) throws Exception {
        Crash.killAt(writer, "mid-record", T);
        ChannelPeer.Checker c = new ChannelPeer.Checker(SEED, MAXLEN);
        long pid = writer.pid();
        assertThatThrownBy(() -> {
            while (true) {
                r.drain(c, 64);
            }
        }).isInstanceOf(PeerDiedException.class)
                .hasMessage("drain(" + name + "): the writer (process " + pid + ") died without closing its end (EOWNERDEAD)")
                .satisfies(e -> assertThat(((PeerDiedException) e).pid()).isEqualTo((int) pid));
        assertThat(c.next).as("every committed record, and nothing of the torn one").isEqualTo(1000);
        assertThat(r.peer()).isEqualTo(Channel.PeerState.DIED);
        assertThat(r.tryDrain(c, 64)).isEqualTo(Transfer.NOTHING);

        try (ChannelWriter again = ChannelWriter.openExisting(name)) {
            assertThat(r.peer()).isEqualTo(Channel.PeerState.ATTACHED);
            ChannelPeer.write(again, 1000, 3000, SEED, MAXLEN);
        }
        while (r.drain(c, 64) != Transfer.EOF) {
            // more
        }
        assertThat(c.next).as("the recovered channel goes on after the last committed record").isEqualTo(3000);
    }

    @Test
    void aCWriterKilledMidRecordIsToldApartAndTheChannelRecovers() throws Exception {
        String name = name();
        try (ChannelReader r = ChannelReader.createExclusively(name, ROOMY);
             Peer c = CPeer.start("channel_peer", args("crash-write", name, 1000))) {
            writerKilledMidRecord(c, name, r);
        }
    }

    @Test
    void aJvmWriterKilledMidRecordIsToldApartAndTheChannelRecovers() throws Exception {
        String name = name();
        try (ChannelReader r = ChannelReader.createExclusively(name, ROOMY);
             Peer jvm = PeerJvm.start(ChannelPeer.class, args("crash-write", name, 1000))) {
            writerKilledMidRecord(jvm, name, r);
        }
    }

    /**
     * The reader killed with SIGKILL after it handled a record but before it stored the new head:
     * a full channel's writer is told the reader died (no wait forever), and the next reader gets
     * that record again (at least once), then everything after it.
     */
    @Test
    void aReaderKilledMidBatchIsToldApartAndTheNextReaderGoesOn() throws Exception {
        String name = name();
        try (ChannelWriter w = ChannelWriter.createExclusively(name, OPTIONS)) {
            ChannelPeer.write(w, 0, 3, SEED, MAXLEN);
            try (Peer c = CPeer.start("channel_peer", args("crash-read", name, 3))) {
                Crash.killAt(c, "mid-batch", T);
                assertThat(w.peer()).isEqualTo(Channel.PeerState.DIED);
                long pid = c.pid();
                assertThatThrownBy(() -> {
                    while (true) {
                        w.send(0, new byte[300]);
                    }
                }).isInstanceOf(PeerDiedException.class)
                        .hasMessage("claim(" + name + "): the reader (process " + pid + ") died without closing its end"
                                + " (EOWNERDEAD)");
            }
            try (ChannelReader r = ChannelReader.openExisting(name)) {
                ChannelPeer.Checker c = new ChannelPeer.Checker(SEED, MAXLEN);
                assertThat(r.drain(c, 3)).isEqualTo(3);
                assertThat(c.next).isEqualTo(3);
            }
        }
    }
}
