package io.jipc.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jipc.NotFoundException;
import io.jipc.process.ChildProcess;
import io.jipc.process.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lock table: /proc/locks parsed, holders found through /proc/PID/fdinfo, paths through /proc/PID/fd. */
class LockTableTest {
    @TempDir
    static Path dir;

    @Test
    void everyShapeOfProcLocksLineIsReadOrLeftOut() {
        ProcLocks.Line posix = ProcLocks.parseLine("1: POSIX  ADVISORY  WRITE 1234 fe:00:2146882 10 19");
        assertThat(posix).isEqualTo(new ProcLocks.Line(LockKind.POSIX, LockType.EXCLUSIVE, 1234,
                FileKey.of(0xfe, 0, 2146882), 10, 19, false));
        assertThat(posix.range()).isEqualTo(LockRange.of(10, 10));
        ProcLocks.Line ofd = ProcLocks.parseLine("2: OFDLCK ADVISORY  READ -1 08:11:77 100 EOF");
        assertThat(ofd.kind()).isEqualTo(LockKind.OFD);
        assertThat(ofd.type()).isEqualTo(LockType.SHARED);
        assertThat(ofd.pid()).isEqualTo(-1);
        assertThat(ofd.range()).isEqualTo(LockRange.from(100));
        assertThat(ofd.file().major()).isEqualTo(8);
        assertThat(ofd.file().minor()).isEqualTo(0x11);
        ProcLocks.Line flock = ProcLocks.parseLine("3: FLOCK  ADVISORY  WRITE 5678 00:1b:9 0 EOF");
        assertThat(flock.range()).isEqualTo(LockRange.WHOLE_FILE);
        ProcLocks.Line waiter = ProcLocks.parseLine("3: -> FLOCK  ADVISORY  WRITE 5690 00:1b:9 0 EOF");
        assertThat(waiter.waiting()).isTrue();
        assertThat(waiter.pid()).isEqualTo(5690);
        assertThat(ProcLocks.parseLine("4: POSIX  MANDATORY WRITE 1 08:01:5 0 EOF").kind()).as("old kernels")
                .isEqualTo(LockKind.POSIX);
        assertThat(ProcLocks.parseLine("5: LEASE  ACTIVE    READ 99 08:01:5 0 EOF")).as("leases are no locks").isNull();
        assertThat(ProcLocks.parseLine("6: DELEG  ACTIVE    READ 99 08:01:5 0 EOF")).isNull();
        assertThat(ProcLocks.parseLine("7: POSIX  ADVISORY  WRITE 1 <none>:0 0 EOF")).isNull();
        assertThat(ProcLocks.parseLine("garbage")).isNull();
        assertThat(ProcLocks.ofFdinfo("pos:\t0\nflags:\t02\nlock:\t1: FLOCK  ADVISORY  READ 42 fe:00:12 0 EOF\n"))
                .containsExactly(new ProcLocks.Line(LockKind.FLOCK, LockType.SHARED, 42, FileKey.of(0xfe, 0, 12), 0, -1, false));
        // Large device numbers split like glibc's major()/minor().
        FileKey big = FileKey.of(0x1234, 0x56789, 1);
        assertThat(big.major()).isEqualTo(0x1234);
        assertThat(big.minor()).isEqualTo(0x56789);
        assertThat(big).hasToString("1234:56789:1");
    }

    @Test
    void theTableListsEveryKindWithItsHoldersCommandsAndPaths() throws Exception {
        Path records = dir.resolve("records");
        Path whole = dir.resolve("whole");
        Files.writeString(records, "");
        long self = ProcessHandle.current().pid();
        try (LockPeers peer = LockPeers.Side.C.start(records);
             FileLock flock = FileLock.lock(whole, FileLock.Options.defaults().withKind(LockKind.FLOCK).withCreate(true));
             FileLock shared = FileLock.lock(records, FileLock.Options.defaults().withRange(50, 10))) {
            assertThat(peer.ask("try posix exclusive 0 10")).isEqualTo("locked");
            assertThat(peer.ask("try ofd shared 20 10")).isEqualTo("locked");
            // The OFD lock's open file description, handed to a child: both processes hold the lock.
            try (ChildProcess child = ChildProcess.builder("sleep", "60").fd(3, Redirect.of(shared.fd())).start()) {
                // posix_spawn returns once exec has replaced the child's memory, a moment before the
                // kernel renames the task: until then its comm is still "java".
                awaitCommand(child.pid(), "sleep");
                List<LockHolder> onRecords = LockTable.on(records);
                long inode = (Long) Files.getAttribute(records, "unix:ino");
                long device = ((Number) Files.getAttribute(records, "unix:dev")).longValue();
                // Sorted by range, then pid: this JVM's and its child's rows at 50 come in pid order,
                // which wraps around.
                String selfCommand = onRecords.stream().filter(h -> h.pid().equals(OptionalLong.of(self))).findFirst()
                        .flatMap(LockHolder::command).orElse("?");
                assertThat(onRecords).containsExactlyInAnyOrder(
                        new LockHolder(LockKind.POSIX, LockType.EXCLUSIVE, LockRange.of(0, 10), OptionalLong.of(peer.pid()),
                                Optional.of("lock_peer"), Optional.of(records), device, inode),
                        new LockHolder(LockKind.OFD, LockType.SHARED, LockRange.of(20, 10), OptionalLong.of(peer.pid()),
                                Optional.of("lock_peer"), Optional.of(records), device, inode),
                        new LockHolder(LockKind.OFD, LockType.EXCLUSIVE, LockRange.of(50, 10), OptionalLong.of(self),
                                Optional.of(selfCommand), Optional.of(records), device, inode),
                        new LockHolder(LockKind.OFD, LockType.EXCLUSIVE, LockRange.of(50, 10), OptionalLong.of(child.pid()),
                                Optional.of("sleep"), Optional.of(records), device, inode));
                assertThat(onRecords.subList(0, 2)).extracting(LockHolder::pid).containsOnly(OptionalLong.of(peer.pid()));
                assertThat(onRecords.subList(2, 4)).extracting(h -> h.range().start()).containsOnly(50L);
                assertThat(shared.holders()).isEqualTo(onRecords);
                List<LockHolder> all = LockTable.all();
                assertThat(all).containsAll(onRecords);
                assertThat(all).filteredOn(h -> h.path().equals(Optional.of(whole))).singleElement().satisfies(h -> {
                    assertThat(h.kind()).isEqualTo(LockKind.FLOCK);
                    assertThat(h.pid()).hasValue(self);
                    assertThat(h.range()).isEqualTo(LockRange.WHOLE_FILE);
                });
            }
            assertThat(LockTable.on(whole)).singleElement().satisfies(h -> assertThat(h.isThisProcess()).isTrue());
        }
        assertThat(LockTable.on(records)).as("all released").isEmpty();
    }

    private static void awaitCommand(long pid, String command) throws Exception {
        Path comm = Path.of("/proc/" + pid + "/comm");
        long giveUp = System.nanoTime() + 10_000_000_000L;
        while (!Files.readString(comm).strip().equals(command)) {
            assertThat(System.nanoTime()).as("child " + pid + " never became " + command).isLessThan(giveUp);
            Thread.sleep(1);
        }
    }

    @Test
    void aLockKeptAliveOnlyByAMappingIsFoundWithItsPath() throws Exception {
        Path mapped = dir.resolve("mapped-only");
        Files.writeString(mapped, "");
        try (LockPeers peer = LockPeers.Side.C.start(mapped)) {
            assertThat(peer.ask("try flock exclusive 0 0")).isEqualTo("locked");
            assertThat(peer.ask("mapclose")).isEqualTo("mapped");
            long inode = (Long) Files.getAttribute(mapped, "unix:ino");
            assertThat(LockTable.all()).filteredOn(h -> h.inode() == inode).singleElement().satisfies(h -> {
                assertThat(h.kind()).isEqualTo(LockKind.FLOCK);
                assertThat(h.pid()).hasValue(peer.pid());
                assertThat(h.path()).as("from /proc/PID/maps").contains(mapped);
            });
            try (FileLock lock = FileLock.open(mapped, FileLock.Options.defaults().withKind(LockKind.FLOCK))) {
                assertThat(lock.tryLock()).as("the mapping holds the lock").isFalse();
            }
        }
    }

    @Test
    void aMissingFileIsNotFound() {
        Path missing = dir.resolve("missing");
        assertThatThrownBy(() -> LockTable.on(missing)).isInstanceOf(NotFoundException.class)
                .hasMessage("stat(" + missing + "): No such file or directory (ENOENT)");
        assertThatThrownBy(() -> LockTable.on(Path.of(""))).isInstanceOf(IllegalArgumentException.class);
    }
}
