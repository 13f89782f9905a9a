package io.jipc.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jipc.Transfer;
import io.jipc.testing.CPeer;
import io.jipc.testing.Crash;
import io.jipc.testing.Peer;
import io.jipc.testing.PeerJvm;
import io.jipc.testing.TestIpc;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Many producers across processes: JVMs, {@code channel_peer.c} (written from the layout document
 * alone) and threads of this JVM racing into one 4 KiB ring, a C reader of Java producers, and
 * producers killed with SIGKILL between claim and commit — with the record's header written
 * (in progress, naming the pid) and before it (just after the CAS of the tail).
 */
class ManyProducerCrossProcessTest {
    static final Duration T = Duration.ofSeconds(90);
    static final long SEED = 4242;
    static final int MAXLEN = 300;
    static final Channel.Options RACING = Channel.Options.defaults().withCapacity(4096).withProducers(16);
    static final Channel.Options ROOMY = Channel.Options.defaults().withCapacity(1 << 20).withProducers(4);

    private final List<String> names = new ArrayList<>();

    private String name() {
        String n = TestIpc.name("many");
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

    private static String[] args(String mode, String name, int producer, long count) {
        return new String[] {mode, name, Integer.toString(producer), Long.toString(count), Long.toString(SEED),
            Integer.toString(MAXLEN)};
    }

    private static CompletableFuture<Void> writing(ChannelWriter w, int producer, long count) {
        return CompletableFuture.runAsync(() -> {
            try (w) {
                ChannelPeer.writeMany(w, producer, 0, count, SEED, MAXLEN);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        }, r -> Thread.ofPlatform().start(r));
    }

    /** Two JVMs, a C process and two threads of this JVM write at once; every record is checked. */
    @Test
    void jvmsACProgramAndThreadsRacingLoseNothingDuplicateNothingAndKeepEachProducersOrder() throws Exception {
        String name = name();
        long count = 20_000;
        try (ChannelReader r = ChannelReader.createExclusively(name, RACING)) {
            // The threads' writers attach first: the channel has a producer until every one is done.
            ChannelWriter t3 = ChannelWriter.openExisting(name);
            ChannelWriter t4 = ChannelWriter.openExisting(name);
            try (Peer jvm0 = PeerJvm.start(ChannelPeer.class, args("mwrite", name, 0, count));
                 Peer jvm1 = PeerJvm.start(ChannelPeer.class, args("mwrite", name, 1, count));
                 Peer c = CPeer.start("channel_peer", args("mwrite", name, 2, count))) {
                ChannelPeer.ManyChecker check = new ChannelPeer.ManyChecker(5, SEED, MAXLEN);
                for (Peer p : List.of(jvm0, jvm1, c)) {
                    while (!p.stdout().contains("ready\n")) {
                        r.tryDrain(check, 64, Duration.ofMillis(10)); // keep room coming while they start
                    }
                }
                CompletableFuture<Void> w3 = writing(t3, 3, count);
                CompletableFuture<Void> w4 = writing(t4, 4, count);
                while (r.drain(check, 64) != Transfer.EOF) {
                    // more
                }
                w3.get(10, TimeUnit.SECONDS);
                w4.get(10, TimeUnit.SECONDS);
                jvm0.awaitSuccess(T);
                jvm1.awaitSuccess(T);
                c.awaitSuccess(T);
                assertThat(check.next).containsOnly(count);
                assertThat(check.total).isEqualTo(5 * count);
            }
        }
    }

    /** channel_peer.c reads what threads of this JVM and another JVM wrote. */
    @Test
    void aCReaderGetsEveryRecordOfJavaProducers() throws Exception {
        String name = name();
        long count = 20_000;
        try (ChannelWriter first = ChannelWriter.createExclusively(name, RACING);
             Peer c = CPeer.start("channel_peer", args("mread", name, 3, count))) {
            c.awaitOutput("ready\n", T);
            ChannelWriter second = ChannelWriter.openExisting(name);
            try (Peer jvm = PeerJvm.start(ChannelPeer.class, args("mwrite", name, 2, count))) {
                jvm.awaitOutput("ready\n", T);
                CompletableFuture<Void> w0 = writing(first, 0, count);
                CompletableFuture<Void> w1 = writing(second, 1, count);
                w0.get(60, TimeUnit.SECONDS);
                w1.get(60, TimeUnit.SECONDS);
                jvm.awaitSuccess(T);
                c.awaitSuccess(T);
                assertThat(c.stdout()).contains("read " + 3 * count);
            }
        }
    }

    /**
     * A producer killed with SIGKILL between claim and commit: a producer still running goes on
     * writing after the dead one's claim, and the reader gets every record both committed — never
     * the torn one, never stuck behind it — then, with no producer left running, is told one died;
     * a new producer takes a slot and the channel goes on.
     */
    private void producerKilledBetweenClaimAndCommit(Peer crasher, String point, String name, ChannelReader r)
            throws Exception {
        ChannelWriter live = ChannelWriter.openExisting(name);
        Crash.killAt(crasher, point, T);
        ChannelPeer.writeMany(live, 0, 0, 1000, SEED, MAXLEN);
        live.close();
        ChannelPeer.ManyChecker check = new ChannelPeer.ManyChecker(2, SEED, MAXLEN);
        long pid = crasher.pid();
        assertThatThrownBy(() -> {
            while (true) {
                r.drain(check, 64);
            }
        }).isInstanceOf(PeerDiedException.class)
                .hasMessage("drain(" + name + "): the writer (process " + pid + ") died without closing its end (EOWNERDEAD)");
        assertThat(check.next).as("every committed record of both, nothing of the torn one").containsExactly(1000, 1000);
        assertThat(r.peer()).isEqualTo(Channel.PeerState.DIED);
        assertThat(r.pending()).isZero();

        try (ChannelWriter again = ChannelWriter.openExisting(name)) {
            assertThat(r.peer()).isEqualTo(Channel.PeerState.ATTACHED);
            ChannelPeer.writeMany(again, 0, 1000, 2000, SEED, MAXLEN);
            while (check.next[0] < 2000) {
                r.drain(check, 64);
            }
        }
        assertThat(check.next).containsExactly(2000, 1000);
    }

    @Test
    void aCProducerKilledMidRecordIsGotPast() throws Exception {
        String name = name();
        try (ChannelReader r = ChannelReader.createExclusively(name, ROOMY);
             Peer c = CPeer.start("channel_peer", args("crash-mwrite", name, 1, 1000))) {
            producerKilledBetweenClaimAndCommit(c, "mid-record", name, r);
        }
    }

    @Test
    void aCProducerKilledRightAfterItsClaimBeforeItsHeaderIsGotPast() throws Exception {
        String name = name();
        try (ChannelReader r = ChannelReader.createExclusively(name, ROOMY);
             Peer c = CPeer.start("channel_peer", args("crash-mclaim", name, 1, 1000))) {
            producerKilledBetweenClaimAndCommit(c, "claimed", name, r);
        }
    }

    @Test
    void aJvmProducerKilledMidRecordIsGotPast() throws Exception {
        String name = name();
        try (ChannelReader r = ChannelReader.createExclusively(name, ROOMY);
             Peer jvm = PeerJvm.start(ChannelPeer.class, args("crash-mwrite", name, 1, 1000))) {
            producerKilledBetweenClaimAndCommit(jvm, "mid-record", name, r);
        }
    }

    /** The C reader gets past a Java producer killed mid-record too (its recovery, from the document). */
    @Test
    void aCReaderGetsPastAJvmProducerKilledMidRecord() throws Exception {
        String name = name();
        try (ChannelWriter live = ChannelWriter.createExclusively(name, ROOMY);
             Peer jvm = PeerJvm.start(ChannelPeer.class, args("crash-mwrite", name, 1, 1000))) {
            Crash.killAt(jvm, "mid-record", T);
            ChannelPeer.writeMany(live, 0, 0, 1000, SEED, MAXLEN);
            try (Peer c = CPeer.start("channel_peer", args("mread", name, 2, 1000))) {
                c.awaitOutput("ready\n", T);
                live.close();
                assertThat(c.awaitExit(T)).as("the C reader: everything read, then a dead producer and none running")
                        .isEqualTo(3);
                assertThat(c.stderr()).contains("read 2000, then a producer died and none runs");
            }
        }
    }
}
