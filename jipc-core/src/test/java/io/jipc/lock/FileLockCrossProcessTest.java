package io.jipc.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jipc.testing.Crash;
import io.jipc.testing.Peer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * FileLock against other processes: a C peer ({@code c/lock_peer.c}, plain libc calls), a second
 * JVM ({@link LockPeer}, jipc) and {@code flock(1)}.
 */
class FileLockCrossProcessTest {
    private static final Duration T = LockPeers.T;

    @TempDir
    static Path dir;

    private static int counter;

    private static Path file() throws Exception {
        Path p = dir.resolve("xlock-" + (++counter));
        Files.writeString(p, "");
        return p;
    }

    private static String k(LockKind kind) {
        return kind.name().toLowerCase(Locale.ROOT);
    }

    private static FileLock.Options options(LockKind kind) {
        return FileLock.Options.defaults().withKind(kind);
    }

    static Stream<Arguments> sidesAndKinds() {
        return Stream.of(LockPeers.Side.values())
                .flatMap(side -> Stream.of(LockKind.values()).map(kind -> Arguments.of(side, kind)));
    }

    private static <T> CompletableFuture<T> onThread(java.util.concurrent.Callable<T> body) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return body.call();
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }, r -> Thread.ofPlatform().start(r));
    }

    // ---------------------------------------------------------------- each kind against itself

    @ParameterizedTest(name = "{1} against a {0} peer")
    @MethodSource("sidesAndKinds")
    void everyKindExcludesItsOwnKindInAnotherProcess(LockPeers.Side side, LockKind kind) throws Exception {
        Path p = file();
        String w = k(kind) + " exclusive 0 0";
        try (FileLock lock = FileLock.open(p, options(kind)); LockPeers peer = side.start(p)) {
            lock.lock();
            assertThat(peer.ask("try " + w)).isEqualTo("busy");
            lock.unlock();
            assertThat(peer.ask("try " + w)).isEqualTo("locked");
            assertThat(lock.tryLock()).isFalse();
            assertThat(lock.tryLock(Duration.ofMillis(100))).isFalse();
            assertThat(lock.holder().orElseThrow().pid()).hasValue(peer.pid());
            assertThat(peer.ask("unlock " + k(kind) + " 0 0")).isEqualTo("unlocked");
            assertThat(lock.tryLock()).isTrue();
            assertThat(lock.holder()).isEmpty();
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(LockKind.class)
    void aBlockedLockWakesWhenTheOtherProcessUnlocks(LockKind kind) throws Exception {
        Path p = file();
        try (FileLock lock = FileLock.open(p, options(kind)); LockPeers peer = LockPeers.Side.C.start(p)) {
            assertThat(peer.ask("try " + k(kind) + " exclusive 0 0")).isEqualTo("locked");
            CompletableFuture<Boolean> got = onThread(() -> {
                lock.lock();
                return true;
            });
            Thread.sleep(200);
            assertThat(got).isNotDone();
            assertThat(peer.ask("unlock " + k(kind) + " 0 0")).isEqualTo("unlocked");
            assertThat(got.get(10, TimeUnit.SECONDS)).isTrue();
            assertThat(peer.ask("try " + k(kind) + " shared 0 0")).isEqualTo("busy");
            // And the other way round: the C peer sleeps in its call until this side unlocks.
            peer.blockOn("lock " + k(kind) + " shared 0 0");
            lock.unlock();
            assertThat(peer.next()).isEqualTo("locked");
        }
    }

    // ---------------------------------------------------------------- shared and exclusive

    @ParameterizedTest(name = "{0}")
    @EnumSource(LockKind.class)
    void sharedLocksCoexistAndExclusiveOnesExcludeEverything(LockKind kind) throws Exception {
        Path p = file();
        String kk = k(kind);
        try (FileLock lock = FileLock.open(p, options(kind)); LockPeers peer = LockPeers.Side.C.start(p)) {
            assertThat(lock.tryLock(LockType.SHARED)).isTrue();
            assertThat(peer.ask("try " + kk + " shared 0 0")).as("shared + shared").isEqualTo("locked");
            assertThat(peer.ask("unlock " + kk + " 0 0")).isEqualTo("unlocked");
            assertThat(peer.ask("try " + kk + " exclusive 0 0")).as("shared, then exclusive").isEqualTo("busy");
            lock.unlock();
            assertThat(peer.ask("try " + kk + " exclusive 0 0")).isEqualTo("locked");
            assertThat(lock.tryLock(LockType.SHARED)).as("exclusive, then shared").isFalse();
            assertThat(lock.tryLock(LockType.EXCLUSIVE)).as("exclusive, then exclusive").isFalse();
            assertThat(peer.ask("unlock " + kk + " 0 0")).isEqualTo("unlocked");
            assertThat(lock.tryLock(LockType.EXCLUSIVE)).isTrue();
            assertThat(peer.ask("try " + kk + " shared 0 0")).isEqualTo("busy");
        }
    }

    // ---------------------------------------------------------------- ranges

    /** This side holds bytes 10..19 exclusively; what the peer asks for, and whether it may have it. */
    static Stream<Arguments> overlaps() {
        return Stream.of(LockKind.POSIX, LockKind.OFD).flatMap(kind -> Stream.of(
                Arguments.of(kind, "disjoint before", 0L, 5L, true),
                Arguments.of(kind, "adjacent before", 0L, 10L, true),
                Arguments.of(kind, "adjacent after", 20L, 5L, true),
                Arguments.of(kind, "disjoint after, to EOF", 30L, 0L, true),
                Arguments.of(kind, "nested", 12L, 3L, false),
                Arguments.of(kind, "same", 10L, 10L, false),
                Arguments.of(kind, "covering", 5L, 20L, false),
                Arguments.of(kind, "overlapping the start", 5L, 6L, false),
                Arguments.of(kind, "overlapping the end", 19L, 5L, false),
                Arguments.of(kind, "from the last byte to EOF", 19L, 0L, false),
                Arguments.of(kind, "the whole file", 0L, 0L, false)));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("overlaps")
    void rangesConflictExactlyWhereTheyOverlap(LockKind kind, String what, long start, long len, boolean free)
            throws Exception {
        Path p = file();
        try (FileLock lock = FileLock.open(p, options(kind).withRange(10, 10)); LockPeers peer = LockPeers.Side.C.start(p)) {
            lock.lock();
            String range = start + " " + len;
            assertThat(peer.ask("try " + k(kind) + " exclusive " + range)).isEqualTo(free ? "locked" : "busy");
            assertThat(peer.ask("getlk " + k(kind) + " shared " + range))
                    .isEqualTo(free ? "free" : "exclusive " + (kind == LockKind.OFD ? -1 : ProcessHandle.current().pid()) + " 10 10");
            if (free) {
                assertThat(peer.ask("unlock " + k(kind) + " " + range)).isEqualTo("unlocked");
            }
            // The mirror image: the peer holds the range, this side asks.
            lock.unlock();
            assertThat(peer.ask("try " + k(kind) + " exclusive 10 10")).isEqualTo("locked");
            try (FileLock other = FileLock.open(p, options(kind).withRange(start, len))) {
                assertThat(other.tryLock()).isEqualTo(free);
                assertThat(other.holder().isEmpty()).isEqualTo(free);
            }
        }
    }

    // ---------------------------------------------------------------- conversions

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = LockKind.class, names = {"POSIX", "OFD"})
    void fcntlConversionsAreAtomic(LockKind kind) throws Exception {
        Path p = file();
        String kk = k(kind);
        try (FileLock lock = FileLock.open(p, options(kind).withType(LockType.SHARED)); LockPeers peer = LockPeers.Side.C.start(p)) {
            lock.lock();
            assertThat(peer.ask("try " + kk + " shared 0 0")).isEqualTo("locked");
            assertThat(lock.tryLock(LockType.EXCLUSIVE)).as("upgrade while another reader holds on").isFalse();
            assertThat(lock.held()).as("a failed fcntl upgrade keeps the shared lock").contains(LockType.SHARED);
            assertThat(lock.tryLock(LockType.EXCLUSIVE, Duration.ofMillis(100))).isFalse();
            assertThat(lock.held()).contains(LockType.SHARED);
            assertThat(peer.ask("unlock " + kk + " 0 0")).isEqualTo("unlocked");
            assertThat(peer.ask("try " + kk + " exclusive 0 0")).as("still shared-locked here").isEqualTo("busy");
            assertThat(lock.tryLock(LockType.EXCLUSIVE)).as("upgrade").isTrue();
            assertThat(peer.ask("try " + kk + " shared 0 0")).isEqualTo("busy");
            lock.lock(LockType.SHARED);
            assertThat(lock.held()).as("downgrade").contains(LockType.SHARED);
            assertThat(peer.ask("try " + kk + " shared 0 0")).isEqualTo("locked");
            // A blocked upgrade keeps its shared lock all along, and gets the exclusive one in the end.
            CompletableFuture<Boolean> upgrade = onThread(() -> {
                lock.lock(LockType.EXCLUSIVE);
                return true;
            });
            Thread.sleep(200);
            assertThat(peer.ask("try " + kk + " exclusive 0 0")).isEqualTo("busy");
            assertThat(peer.ask("unlock " + kk + " 0 0")).isEqualTo("unlocked");
            assertThat(upgrade.get(10, TimeUnit.SECONDS)).isTrue();
            assertThat(lock.held()).contains(LockType.EXCLUSIVE);
        }
    }

    @Test
    void aFlockConversionDropsTheHeldLockFirst() throws Exception {
        Path p = file();
        try (FileLock lock = FileLock.open(p, options(LockKind.FLOCK).withType(LockType.SHARED));
             LockPeers peer = LockPeers.Side.C.start(p)) {
            lock.lock();
            assertThat(peer.ask("try flock shared 0 0")).isEqualTo("locked");
            assertThat(lock.tryLock(LockType.EXCLUSIVE)).isFalse();
            assertThat(lock.held()).as("flock(2): the failed conversion removed the shared lock").isEmpty();
            assertThat(peer.ask("try flock exclusive 0 0")).as("so the peer may upgrade").isEqualTo("locked");
            assertThat(lock.tryLock(LockType.SHARED)).isFalse();
            assertThat(peer.ask("unlock flock 0 0")).isEqualTo("unlocked");
            lock.lock(LockType.EXCLUSIVE);
            lock.lock(LockType.SHARED);
            assertThat(lock.held()).as("downgrade").contains(LockType.SHARED);
            assertThat(peer.ask("try flock shared 0 0")).isEqualTo("locked");
        }
    }

    // ---------------------------------------------------------------- who holds it

    @Test
    void theHolderIsReportedWithKindTypeRangePidCommandAndPath() throws Exception {
        Path p = file();
        try (LockPeers peer = LockPeers.Side.C.start(p)) {
            assertThat(peer.ask("try posix exclusive 10 10")).isEqualTo("locked");
            assertThat(peer.ask("try ofd shared 100 0")).isEqualTo("locked");
            assertThat(peer.ask("try flock shared 0 0")).isEqualTo("locked");
            try (FileLock posix = FileLock.open(p, options(LockKind.POSIX).withRange(15, 1));
                 FileLock ofd = FileLock.open(p, options(LockKind.OFD).withRange(50, 0));
                 FileLock flock = FileLock.open(p, options(LockKind.FLOCK))) {
                LockHolder h = posix.holder().orElseThrow();
                assertThat(h).isEqualTo(new LockHolder(LockKind.POSIX, LockType.EXCLUSIVE, LockRange.of(10, 10),
                        OptionalLong.of(peer.pid()), java.util.Optional.of("lock_peer"), java.util.Optional.of(p),
                        h.device(), h.inode()));
                assertThat(h.inode()).isEqualTo(Files.getAttribute(p, "unix:ino"));
                assertThat(h.device()).isEqualTo(((Number) Files.getAttribute(p, "unix:dev")).longValue());
                assertThat(h).hasToString("POSIX exclusive lock on bytes 10..19 of " + p + ", held by process "
                        + peer.pid() + " (lock_peer)");
                assertThat(posix.holder(LockType.SHARED)).as("a read lock clashes with a write lock too").isPresent();
                LockHolder o = ofd.holder().orElseThrow();
                assertThat(o.kind()).isEqualTo(LockKind.OFD);
                assertThat(o.type()).isEqualTo(LockType.SHARED);
                assertThat(o.range()).isEqualTo(LockRange.from(100));
                assertThat(o.pid()).as("found through /proc/PID/fdinfo").hasValue(peer.pid());
                assertThat(ofd.holder(LockType.SHARED)).isEmpty();
                LockHolder f = flock.holder().orElseThrow();
                assertThat(f.kind()).isEqualTo(LockKind.FLOCK);
                assertThat(f.type()).isEqualTo(LockType.SHARED);
                assertThat(f.range()).isEqualTo(LockRange.WHOLE_FILE);
                assertThat(f.pid()).hasValue(peer.pid());
                assertThat(flock.holder(LockType.SHARED)).isEmpty();
                // This process's own shared flock is not in its own way.
                assertThat(flock.tryLock(LockType.SHARED)).isTrue();
                assertThat(flock.holder(LockType.EXCLUSIVE).orElseThrow().pid()).hasValue(peer.pid());
            }
            assertThat(peer.ask("unlock posix 0 0")).isEqualTo("unlocked");
            assertThat(peer.ask("unlock ofd 0 0")).isEqualTo("unlocked");
            // And C's F_GETLK sees this side's locks: POSIX ones with this pid, OFD ones with -1.
            try (FileLock posix = FileLock.lock(p, options(LockKind.POSIX).withRange(7, 3))) {
                assertThat(peer.ask("getlk posix exclusive 0 0")).isEqualTo("exclusive " + ProcessHandle.current().pid() + " 7 3");
            }
            try (FileLock ofd = FileLock.lock(p, options(LockKind.OFD).withRange(7, 3).withType(LockType.SHARED))) {
                assertThat(peer.ask("getlk ofd exclusive 0 50")).isEqualTo("shared -1 7 3");
            }
        }
    }

    // ---------------------------------------------------------------- crash

    @ParameterizedTest(name = "{1} held by a {0} peer")
    @MethodSource("sidesAndKinds")
    void killMinus9OfTheHolderReleasesTheLock(LockPeers.Side side, LockKind kind) throws Exception {
        Path p = file();
        try (FileLock lock = FileLock.open(p, options(kind).withRange(kind.ranges() ? LockRange.of(0, 64) : LockRange.WHOLE_FILE));
             LockPeers peer = side.start(p)) {
            assertThat(peer.ask("try " + k(kind) + " exclusive 0 " + (kind.ranges() ? 64 : 0))).isEqualTo("locked");
            CompletableFuture<Boolean> got = onThread(() -> {
                lock.lock();
                return true;
            });
            peer.peer().send("point holding");
            Thread.sleep(100);
            assertThat(got).as("waits while the peer holds it").isNotDone();
            Crash.killAt(peer.peer(), "holding", T);
            assertThat(got.get(10, TimeUnit.SECONDS)).isTrue();
            assertThat(lock.holder()).isEmpty();
        }
    }

    // ---------------------------------------------------------------- deadlock

    @ParameterizedTest(name = "against a {0} peer")
    @EnumSource(LockPeers.Side.class)
    void twoProcessesWantingEachOthersRangeGiveOneOfThemTheDeadlockException(LockPeers.Side side) throws Exception {
        Path p = file();
        FileLock.Options posix = options(LockKind.POSIX);
        try (FileLock mine = FileLock.open(p, posix.withRange(0, 10)); FileLock wanted = FileLock.open(p, posix.withRange(10, 10));
             LockPeers peer = side.start(p)) {
            mine.lock();
            assertThat(peer.ask("try posix exclusive 10 10")).isEqualTo("locked");
            peer.blockOn("lock posix exclusive 0 10");
            String command = side == LockPeers.Side.C ? "lock_peer" : "java";
            assertThatThrownBy(wanted::lock).isInstanceOf(DeadlockException.class)
                    .hasMessageStartingWith("fcntl(F_SETLKW)(" + p + "): waiting for bytes 10..19 would deadlock: process "
                            + peer.pid() + " (" + command)
                    .hasMessageEndingWith(" holds bytes 10..19 and waits for bytes 0..9, which this process holds (EDEADLK)")
                    .satisfies(e -> {
                        DeadlockException d = (DeadlockException) e;
                        assertThat(d.wanted()).isEqualTo(LockRange.of(10, 10));
                        assertThat(d.holderWaitsFor()).contains(LockRange.of(0, 10));
                        assertThat(d.holder().orElseThrow().pid()).hasValue(peer.pid());
                        assertThat(d.errno()).isEqualTo(io.jipc.Errno.EDEADLK.number());
                    });
            assertThat(mine.isHeld()).as("nothing changed").isTrue();
            assertThat(wanted.isHeld()).isFalse();
            assertThat(peer.hasNext()).as("the peer still waits").isFalse();
            mine.unlock();
            assertThat(peer.next()).isEqualTo("locked");
        }
        // The other way round: this side waits first, and the peer is refused.
        try (FileLock mine = FileLock.open(p, posix.withRange(0, 10)); FileLock wanted = FileLock.open(p, posix.withRange(10, 10));
             LockPeers peer = side.start(p)) {
            mine.lock();
            assertThat(peer.ask("try posix exclusive 10 10")).isEqualTo("locked");
            CompletableFuture<Boolean> waiting = onThread(() -> {
                wanted.lock();
                return true;
            });
            Thread.sleep(300);
            peer.peer().send("lock posix exclusive 0 10");
            assertThat(peer.next()).startsWith("blocking");
            assertThat(peer.next()).isEqualTo("EDEADLK");
            assertThat(waiting).isNotDone();
            assertThat(peer.ask("unlock posix 10 10")).isEqualTo("unlocked");
            assertThat(waiting.get(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void ofdLocksHaveNoDeadlockDetectionSoTheTimedFormIsTheWayOut() throws Exception {
        Path p = file();
        FileLock.Options ofd = options(LockKind.OFD);
        try (FileLock mine = FileLock.open(p, ofd.withRange(0, 10)); FileLock wanted = FileLock.open(p, ofd.withRange(10, 10));
             LockPeers peer = LockPeers.Side.C.start(p)) {
            mine.lock();
            assertThat(peer.ask("try ofd exclusive 10 10")).isEqualTo("locked");
            peer.blockOn("lock ofd exclusive 0 10");
            assertThat(wanted.tryLock(Duration.ofMillis(300))).isFalse();
            mine.unlock();
            assertThat(peer.next()).isEqualTo("locked");
        }
    }

    // ---------------------------------------------------------------- the traps

    @ParameterizedTest(name = "{0}")
    @EnumSource(LockKind.class)
    void flockAndFcntlLocksDoNotSeeEachOther(LockKind kind) throws Exception {
        Path p = file();
        // (OFD and POSIX locks do see each other, even within one process: different owners.)
        try (FileLock mine = FileLock.lock(p, options(kind)); LockPeers peer = LockPeers.Side.C.start(p)) {
            if (kind == LockKind.FLOCK) {
                assertThat(peer.ask("try posix exclusive 0 0")).isEqualTo("locked");
                assertThat(peer.ask("unlock posix 0 0")).isEqualTo("unlocked"); // its own POSIX lock would stop its OFD one
                assertThat(peer.ask("try ofd exclusive 0 0")).isEqualTo("locked");
            } else {
                assertThat(peer.ask("try flock exclusive 0 0")).isEqualTo("locked");
                assertThat(peer.ask("try " + (kind == LockKind.OFD ? "posix" : "ofd") + " shared 0 0")).isEqualTo("busy");
            }
        }
    }

    @Test
    void closingAnyDescriptorOfTheFileDropsThisProcesssPosixLocksButNotItsOfdLocks() throws Exception {
        Path p = file();
        try (FileLock posix = FileLock.lock(p, options(LockKind.POSIX).withRange(0, 10));
             FileLock ofd = FileLock.lock(p, options(LockKind.OFD).withRange(20, 10));
             LockPeers peer = LockPeers.Side.C.start(p)) {
            assertThat(peer.ask("try posix exclusive 0 10")).isEqualTo("busy");
            assertThat(peer.ask("try ofd exclusive 20 10")).isEqualTo("busy");
            // Some other code of this process opens the file for a moment.
            Files.readAllBytes(p);
            assertThat(peer.ask("try posix exclusive 0 10")).as("the POSIX lock went with that close").isEqualTo("locked");
            assertThat(peer.ask("try ofd exclusive 20 10")).as("the OFD lock did not").isEqualTo("busy");
        }
    }

    // ---------------------------------------------------------------- flock(1)

    private static Peer flock1(String... args) {
        return Peer.start("flock", Stream.concat(Stream.of("flock"), Stream.of(args)).toList());
    }

    @Test
    void flockLocksMeetTheFlockCommand() throws Exception {
        Path p = file();
        try (FileLock shared = FileLock.lock(p, options(LockKind.FLOCK).withType(LockType.SHARED))) {
            try (Peer sh = flock1("-n", "-s", p.toString(), "true"); Peer ex = flock1("-n", "-x", p.toString(), "true")) {
                assertThat(sh.awaitExit(T)).as("flock -s beside a shared lock").isZero();
                assertThat(ex.awaitExit(T)).as("flock -x -n against a shared lock").isEqualTo(1);
            }
            shared.lock(LockType.EXCLUSIVE);
            try (Peer sh = flock1("-n", "-s", p.toString(), "true"); Peer w = flock1("-w", "0.2", p.toString(), "true")) {
                assertThat(sh.awaitExit(T)).isEqualTo(1);
                assertThat(w.awaitExit(T)).isEqualTo(1);
            }
            try (Peer waits = flock1("-x", p.toString(), "echo", "got it")) {
                Thread.sleep(300);
                assertThat(waits.process().isAlive()).isTrue();
                shared.unlock();
                waits.awaitSuccess(T);
                assertThat(waits.stdout()).isEqualTo("got it\n");
            }
        }
        // flock(1) holds it while its command runs; the command shares the open file description.
        try (Peer holder = flock1("-x", p.toString(), "sh", "-c", "echo locked; exec sleep 60");
             FileLock lock = FileLock.open(p, options(LockKind.FLOCK))) {
            holder.awaitOutput("locked\n", T);
            assertThat(lock.tryLock()).isFalse();
            List<LockHolder> holders = lock.holders();
            assertThat(holders).extracting(h -> h.command().orElse("?")).containsExactlyInAnyOrder("flock", "sleep");
            assertThat(holders).allSatisfy(h -> {
                assertThat(h.kind()).isEqualTo(LockKind.FLOCK);
                assertThat(h.type()).isEqualTo(LockType.EXCLUSIVE);
                assertThat(h.path()).contains(p);
            });
            assertThat(holders).extracting(h -> h.pid().orElseThrow()).contains(holder.pid());
            assertThat(lock.holder().orElseThrow().pid()).isPresent();
            holder.kill(); // flock(1) alone: its command still holds the description
            assertThat(holder.process().waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(lock.tryLock()).as("the command still holds it").isFalse();
            ProcessHandle.of(holders.stream().filter(h -> h.command().orElse("").equals("sleep")).findFirst()
                    .orElseThrow().pid().orElseThrow()).ifPresent(ProcessHandle::destroyForcibly);
            assertThat(lock.tryLock(Duration.ofSeconds(10))).isTrue();
        }
    }
}
