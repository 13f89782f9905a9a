package io.jipc.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The semaphore and mutex handoffs, which have no end-of-file to tell a side its peer has gone. */
class HandoffTest {
    /**
     * A peer that fails in the middle of a round ends the round with an error instead of leaving
     * this side asleep in a wait for ever: told to serve 10 round trips where this side makes 20,
     * it takes the 11th as a streamed message, finds the wrong sequence number and exits 1, and
     * the harness's guard closes this side's link, which wakes its wait — jipc's, and the bare
     * FFM calls' (which the guard's close posts out of sem_wait, as C's break_handoff does).
     */
    @ParameterizedTest
    @CsvSource({"sem,jipc", "sem,ffm", "sysv-sem,jipc", "sysv-sem,ffm", "mutex,jipc"})
    @Timeout(120)
    void aPeerThatDiesMidRoundFailsTheRoundInsteadOfHanging(String name, String impl) throws IOException {
        Mechanism mechanism = Mechanisms.byName(name);
        Path scratch = Files.createTempDirectory("jbt");
        try (JavaPeer peer = new JavaPeer(mechanism, impl, scratch); Arena arena = Arena.ofConfined()) {
            Link link = mechanism.javaImpl(impl).connect().connect(peer, Files.createDirectory(scratch.resolve(impl)));
            try (link) {
                peer.guard(link);
                peer.beginRound(new RoundSpec(64, 0, 10, 5, 10), -1);
                MemorySegment buf = arena.allocate(64);
                assertThatThrownBy(() -> Exchange.pingPong(link, buf, new RoundSpec(64, 0, 20, 0, 10), Exchange.newHistogram()))
                        .isInstanceOf(IOException.class);
                // The mutex handoff can learn first: the peer's robust mutexes say EOWNERDEAD while
                // it is still exiting.
                for (long end = System.nanoTime() + 10_000_000_000L; peer.isAlive() && System.nanoTime() < end; ) {
                    Thread.onSpinWait();
                }
                assertThat(peer.isAlive()).isFalse();
                assertThat(peer.output()).contains("message 0 arrived out of order");
            }
        } finally {
            Harness.deleteTree(scratch);
        }
        assertThat(namedSemaphores()).as("the names were unlinked once both sides had them open").isEmpty();
        assertThat(setsTouchedBy(ProcessHandle.current().pid())).as("the set was removed").isEmpty();
    }

    /** A handoff carries the first 64 bytes of a message in a slot; shorter messages whole. */
    @Test
    void aRingSlotCarriesTheHeadOfAMessage(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        HandoffRing us = HandoffRing.create(dir.resolve("ring"));
        HandoffRing peer = HandoffRing.open(dir.resolve("ring"));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment big = a.allocate(100);
            for (int i = 0; i < 100; i++) {
                big.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) i);
            }
            MemorySegment got = a.allocate(100);
            for (int round = 0; round < HandoffRing.SLOTS + 3; round++) {
                us.put(big);
                got.fill((byte) -1);
                peer.take(got);
                assertThat(got.asSlice(0, HandoffRing.SLOT).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))
                        .isEqualTo(big.asSlice(0, HandoffRing.SLOT).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                assertThat(got.get(java.lang.foreign.ValueLayout.JAVA_BYTE, HandoffRing.SLOT)).as("not carried").isEqualTo((byte) -1);
            }
            MemorySegment three = a.allocate(3).fill((byte) 7);
            peer.put(three);
            MemorySegment back = a.allocate(3);
            us.take(back);
            assertThat(back.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)).containsExactly(7, 7, 7);
        }
    }

    private static List<String> namedSemaphores() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/dev/shm"))) {
            return s.map(p -> p.getFileName().toString())
                    .filter(f -> f.startsWith("sem.jipc-bench-" + ProcessHandle.current().pid() + "-")).toList();
        }
    }

    /** The ids of the semaphore sets with a semaphore {@code pid} operated on last. */
    static List<Integer> setsTouchedBy(long pid) throws IOException {
        List<Integer> found = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/sysvipc/sem")).stream().skip(1).toList()) {
            String[] f = line.trim().split("\\s+");
            int id = Integer.parseInt(f[1]);
            try (io.jipc.sem.SysVSemaphoreSet set = io.jipc.sem.SysVSemaphoreSet.openId(id)) {
                for (int i = 0; i < set.count(); i++) {
                    if (set.lastPid(i) == pid) {
                        found.add(id);
                        break;
                    }
                }
            } catch (io.jipc.IpcException gone) {
                // removed meanwhile, or not ours to read
            }
        }
        return found;
    }
}
