package io.jipc.reliability;

import static io.jipc.reliability.CrashRun.JVM_ROUNDS;
import static io.jipc.reliability.CrashRun.ROUNDS;
import static io.jipc.reliability.CrashRun.T;
import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.Transfer;
import io.jipc.channel.Channel;
import io.jipc.channel.ChannelPeer;
import io.jipc.channel.ChannelReader;
import io.jipc.channel.ChannelWriter;
import io.jipc.channel.PeerDiedException;
import io.jipc.channel.RecordHandler;
import io.jipc.testing.CPeer;
import io.jipc.testing.Crash;
import io.jipc.testing.Peer;
import io.jipc.testing.PeerJvm;
import io.jipc.testing.TestIpc;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash and fault, the channel: a writer (C, from the layout document alone, or a second JVM)
 * killed with SIGKILL anywhere in its stream of records or halfway through one. The reader gets
 * every committed record in order and intact, never a torn one, then {@link PeerDiedException}
 * naming the dead writer; a new writer attaches and the stream goes on after the last committed
 * record.
 */
class CrashFaultChannelTest {
    private static final long SEED = 12345;
    private static final int MAXLEN = 300;

    @TempDir
    Path dir;

    @AfterAll
    static void report() {
        CrashRun.report("crash-fault channel");
    }

    @Test
    void aKilledWriterLeavesEveryCommittedRecordAndNoTornOne() throws Exception {
        CrashRun.Tally tally = CrashRun.tally("channel");
        SplittableRandom random = CrashRun.random("channel");
        for (int round = 0; round < ROUNDS; round++) {
            boolean midRecord = random.nextInt(3) == 0;
            int capacity = random.nextBoolean() ? 4096 : 1 << 16;
            long count = midRecord ? random.nextInt(200) : 2000 + random.nextInt(100_000);
            long delay = random.nextLong(4000);
            String what = "channel round " + round + " (" + (midRecord ? "mid-record after " + count : "timed")
                    + ", capacity " + capacity + ", seed " + CrashRun.SEED + ")";
            String name = TestIpc.name("crash-channel");
            Path report = dir.resolve("channel" + round + ".report");
            try (ChannelReader r = ChannelReader.createExclusively(name, Channel.Options.defaults().withCapacity(capacity))) {
                try {
                    Checker c = new Checker();
                    CompletableFuture<Integer> died = CrashFaultMessagesTest.background(() -> drain(r, c));
                    long pid;
                    boolean killed;
                    try (Peer w = CPeer.start("channel_peer", midRecord ? "crash-write" : "report-write", name,
                            Long.toString(count), Long.toString(SEED), Integer.toString(MAXLEN), "0", report.toString())) {
                        pid = w.pid();
                        w.awaitOutput("ready\n", T);
                        if (midRecord) {
                            Crash.killAt(w, "mid-record", T);
                            killed = true;
                            synchronized (tally) {
                                tally.rounds++;
                                tally.kills++;
                                tally.points.merge("mid-record", 1, Integer::sum);
                            }
                        } else {
                            killed = CrashRun.strike(w, CrashRun.TIMED, delay, tally);
                        }
                    }
                    int diedPid = died.get(T.toSeconds(), TimeUnit.SECONDS);
                    if (killed) {
                        assertThat(diedPid).as("%s: the reader was told the writer died", what).isEqualTo((int) pid);
                    } else {
                        assertThat(diedPid).as("%s: end of stream", what).isZero();
                    }
                    long reported = midRecord ? count : CrashRun.reported(report);
                    assertThat(c.next).as("%s: records read vs. commits the writer saw", what)
                            .isBetween(reported, midRecord || !killed ? reported : reported + 1);
                    CrashRun.count(tally, c.next, c.bytes);
                    if (killed) {
                        goOnWithANewWriter(name, r, c, what);
                    }
                } finally {
                    Channel.unlink(name);
                }
            }
        }
    }

    @Test
    void aKilledJvmWriterLeavesEveryCommittedRecordAndNoTornOne() throws Exception {
        CrashRun.Tally tally = CrashRun.tally("channel (jvm writer)");
        SplittableRandom random = CrashRun.random("channel jvm");
        for (int round = 0; round < JVM_ROUNDS; round++) {
            long count = random.nextInt(2000);
            String name = TestIpc.name("crash-channel-jvm");
            try (ChannelReader r = ChannelReader.createExclusively(name, Channel.Options.defaults().withCapacity(1 << 20))) {
                try {
                    Checker c = new Checker();
                    long pid;
                    try (Peer w = PeerJvm.start(ChannelPeer.class, "crash-write", name, Long.toString(count),
                            Long.toString(SEED), Integer.toString(MAXLEN))) {
                        pid = w.pid();
                        Crash.killAt(w, "mid-record", T);
                    }
                    assertThat(drain(r, c)).isEqualTo((int) pid);
                    assertThat(c.next).as("every committed record, nothing of the torn one").isEqualTo(count);
                    synchronized (tally) {
                        tally.rounds++;
                        tally.kills++;
                        tally.points.merge("mid-record", 1, Integer::sum);
                    }
                    CrashRun.count(tally, c.next, c.bytes);
                    goOnWithANewWriter(name, r, c, "jvm round " + round);
                } finally {
                    Channel.unlink(name);
                }
            }
        }
    }

    /** Drains to the end: the dead writer's pid from {@link PeerDiedException}, or 0 at end of stream. */
    private static int drain(ChannelReader r, Checker c) throws Exception {
        try {
            while (r.drain(c, 64) != Transfer.EOF) {
                // more
            }
            return 0;
        } catch (PeerDiedException e) {
            assertThat(e.getMessage()).endsWith("died without closing its end (EOWNERDEAD)");
            assertThat(r.tryDrain(c, 64)).as("nothing after the death").isEqualTo(Transfer.NOTHING);
            return e.pid();
        }
    }

    /** A new writer attaches to the channel the dead one left and the stream goes on where it ended. */
    private static void goOnWithANewWriter(String name, ChannelReader r, Checker c, String what) throws Exception {
        long from = c.next;
        try (ChannelWriter w = ChannelWriter.openExisting(name)) {
            for (long i = from; i < from + 20; i++) {
                MemorySegment room = w.claim((int) (i & 0x7fffffff), Checker.length(i));
                for (int b = 0; b < room.byteSize(); b++) {
                    room.set(ValueLayout.JAVA_BYTE, b, (byte) (i * 31 + b));
                }
                w.commit();
            }
        }
        while (r.drain(c, 64) != Transfer.EOF) {
            // more
        }
        assertThat(c.next).as("%s: the next writer goes on after the last committed record", what).isEqualTo(from + 20);
    }

    /** Records in order against channel_peer.c's pattern: type i, len(i) bytes of (i * 31 + b) mod 256. */
    private static final class Checker implements RecordHandler {
        long next;
        long bytes;

        static int length(long i) {
            return (int) Long.remainderUnsigned(i * 2654435761L + SEED, MAXLEN + 1);
        }

        @Override
        public void onRecord(int type, MemorySegment buffer, long offset, int length) {
            long i = next;
            if (type != (int) (i & 0x7fffffff) || length != length(i)) {
                throw new AssertionError("record " + i + ": type " + type + ", length " + length + " (expected "
                        + length(i) + "): lost, duplicated or torn");
            }
            for (int b = 0; b < length; b++) {
                if (buffer.get(ValueLayout.JAVA_BYTE, offset + b) != (byte) (i * 31 + b)) {
                    throw new AssertionError("record " + i + ": byte " + b + " wrong (a torn record)");
                }
            }
            next++;
            bytes += length;
        }
    }
}
