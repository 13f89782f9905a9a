package io.jipc.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jipc.IpcException;
import io.jipc.NotFoundException;
import io.jipc.ObjectClosedException;
import io.jipc.pipe.Fifo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** FileLock within one JVM: options, opening, the states of one lock, and owners in one process. */
class FileLockTest {
    @TempDir
    static Path dir;

    private static int counter;

    static Path file() throws Exception {
        Path p = dir.resolve("lock-" + (++counter));
        Files.writeString(p, "");
        return p;
    }

    private static FileLock.Options ofd() {
        return FileLock.Options.defaults();
    }

    // ---------------------------------------------------------------- bad input

    @Test
    void rangesAndOptionsAreCheckedBeforeAnyCall() {
        assertThatThrownBy(() -> LockRange.of(-1, 10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a lock range starts at byte 0 or later, got start -1");
        assertThatThrownBy(() -> LockRange.of(0, -5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a lock range's length is 0 (to the end of the file) or more, got -5");
        assertThatThrownBy(() -> LockRange.of(Long.MAX_VALUE, 2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("goes beyond");
        assertThat(LockRange.of(Long.MAX_VALUE, 1).end()).isEqualTo(Long.MAX_VALUE);
        assertThatThrownBy(() -> ofd().withRange(-3, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ofd().withRange(10, 5).withKind(LockKind.FLOCK))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("flock locks the whole file, not bytes 10..14: use LockKind.OFD (or POSIX) for byte ranges");
        assertThatThrownBy(() -> ofd().withKind(LockKind.FLOCK).withRange(1, 0)).isInstanceOf(IllegalArgumentException.class);
        FileLock.Options d = FileLock.Options.defaults();
        assertThat(d.kind()).isEqualTo(LockKind.OFD);
        assertThat(d.type()).isEqualTo(LockType.EXCLUSIVE);
        assertThat(d.range()).isEqualTo(LockRange.WHOLE_FILE);
        assertThat(d.create()).isFalse();
        assertThat(d.mode()).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(LockRange.of(10, 10)).hasToString("bytes 10..19");
        assertThat(LockRange.from(10)).hasToString("bytes 10..EOF");
        assertThat(LockRange.WHOLE_FILE).hasToString("the whole file");
        assertThat(LockRange.of(10, 10).overlaps(LockRange.of(19, 1))).isTrue();
        assertThat(LockRange.of(10, 10).overlaps(LockRange.of(20, 1))).isFalse();
        assertThat(LockRange.from(10).overlaps(LockRange.of(Long.MAX_VALUE, 1))).isTrue();
    }

    @Test
    void aMissingFileIsNotCreatedUnlessAsked() throws Exception {
        Path p = dir.resolve("missing");
        assertThatThrownBy(() -> FileLock.open(p, ofd())).isInstanceOf(NotFoundException.class)
                .hasMessage("open(" + p + "): No such file or directory (ENOENT)");
        assertThatThrownBy(() -> FileLock.lock(p, ofd().withKind(LockKind.FLOCK))).isInstanceOf(NotFoundException.class);
        assertThat(p).doesNotExist();
        try (FileLock l = FileLock.lock(p, ofd().withCreate(true))) {
            assertThat(l.isHeld()).isTrue();
            assertThat(Files.getPosixFilePermissions(p)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        }
        Path shared = dir.resolve("created-0640");
        try (FileLock l = FileLock.open(shared, ofd().withCreate(true).withMode(PosixFilePermissions.fromString("rw-r-----")))) {
            assertThat(Files.getPosixFilePermissions(shared)).isEqualTo(PosixFilePermissions.fromString("rw-r-----"));
        }
    }

    @ParameterizedTest
    @EnumSource(LockKind.class)
    void directoriesAndFifosAreRefusedWithoutWaitingOrCreating(LockKind kind) throws Exception {
        Path d = Files.createDirectories(dir.resolve("a-directory"));
        assertThatThrownBy(() -> FileLock.open(d, ofd().withKind(kind).withCreate(true)))
                .isInstanceOf(IpcException.class)
                .hasMessage("open(" + d + "): Is a directory: jipc locks files, not directories (EISDIR)");
        assertThatThrownBy(() -> FileLock.open(d, ofd().withKind(kind).withType(LockType.SHARED)))
                .hasMessage("open(" + d + "): Is a directory: jipc locks files, not directories (EISDIR)");
        Path fifo = dir.resolve("a-fifo-" + kind);
        Fifo.createExclusively(fifo);
        try {
            // No writer: a plain read-only open would wait for one.
            assertThatThrownBy(() -> FileLock.open(fifo, ofd().withKind(kind))).isInstanceOf(IpcException.class)
                    .hasMessage("open(" + fifo + "): a FIFO, not a file: jipc locks files (EINVAL)");
        } finally {
            Files.delete(fifo);
        }
        assertThatThrownBy(() -> FileLock.open(Path.of(""), ofd())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FileLock.open(Path.of("/tmp/with\0nul"), ofd())).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @EnumSource(LockKind.class)
    void unlockingALockNotHeldIsRefusedAndChangesNothing(LockKind kind) throws Exception {
        Path p = file();
        try (FileLock a = FileLock.open(p, ofd().withKind(kind)); FileLock other = FileLock.open(p, ofd().withKind(kind))) {
            assertThatThrownBy(a::unlock).isInstanceOf(IllegalStateException.class)
                    .hasMessage("nothing to unlock: FileLock[" + kind + " the whole file of " + p + ", not held]");
            a.lock();
            a.unlock();
            assertThatThrownBy(a::unlock).isInstanceOf(IllegalStateException.class);
            if (kind != LockKind.POSIX) { // POSIX locks of one process never conflict
                assertThat(other.tryLock()).isTrue();
                assertThatThrownBy(a::unlock).as("another owner's lock is not this one's to release")
                        .isInstanceOf(IllegalStateException.class);
                assertThat(a.tryLock()).isFalse();
                assertThat(other.isHeld()).isTrue();
            }
            a.close();
            assertThatThrownBy(a::unlock).isInstanceOf(ObjectClosedException.class);
            assertThatThrownBy(a::lock).isInstanceOf(ObjectClosedException.class);
            assertThatThrownBy(a::tryLock).isInstanceOf(ObjectClosedException.class);
        }
    }

    @Test
    void anExclusiveFcntlLockOnADescriptorOpenForReadingSaysWhy() throws Exception {
        Path p = file();
        try (FileLock reader = FileLock.open(p, ofd().withKind(LockKind.FLOCK))) { // flock needs only a read-only descriptor
            try (FileLock l = FileLock.on(reader.fd(), ofd())) {
                assertThatThrownBy(l::tryLock).isInstanceOf(IpcException.class)
                        .hasMessage("fcntl(F_OFD_SETLK)(" + p + "): an exclusive OFD lock needs a descriptor open for writing (EBADF)");
                assertThat(l.tryLock(LockType.SHARED)).isTrue();
                assertThat(l.isHeld()).isTrue();
            }
        }
    }

    // ---------------------------------------------------------------- one lock's states

    @ParameterizedTest
    @EnumSource(LockKind.class)
    void lockingAgainWithTheSameTypeDoesNothingAndCloseIsIdempotent(LockKind kind) throws Exception {
        Path p = file();
        FileLock l = FileLock.open(p, ofd().withKind(kind));
        l.lock();
        l.lock();
        assertThat(l.tryLock()).isTrue();
        assertThat(l.tryLock(Duration.ofMillis(10))).isTrue();
        assertThat(l.held()).contains(LockType.EXCLUSIVE);
        l.unlock();
        assertThat(l.held()).isEmpty();
        l.close();
        l.close();
        assertThat(l.isOpen()).isFalse();
        assertThat(l.isHeld()).isFalse();
        assertThat(l.toString()).endsWith(", not held, closed]");
    }

    @Test
    void theFactoriesOpenLockAndCloseTheFileWhenTheLockIsBusy() throws Exception {
        Path p = file();
        try (FileLock first = FileLock.lock(p, ofd())) {
            assertThat(first.isHeld()).isTrue();
            assertThat(FileLock.tryLock(p, ofd())).isEmpty();
            long start = System.nanoTime();
            assertThat(FileLock.tryLock(p, ofd(), Duration.ofMillis(200))).isEmpty();
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(200));
            Optional<FileLock> shared = FileLock.tryLock(p, ofd().withRange(100, 0).withType(LockType.SHARED));
            assertThat(shared).isEmpty(); // the whole file is exclusively locked
        }
        Optional<FileLock> now = FileLock.tryLock(p, ofd());
        assertThat(now).isPresent();
        now.get().close();
    }

    // ---------------------------------------------------------------- owners within one process

    @Test
    void threadsWithTheirOwnOfdLocksExcludeEachOther() throws Exception {
        Path p = file();
        try (FileLock mine = FileLock.open(p, ofd()); FileLock theirs = FileLock.open(p, ofd())) {
            mine.lock();
            CompletableFuture<Boolean> other = CompletableFuture.supplyAsync(() -> {
                try {
                    if (theirs.tryLock() || theirs.tryLock(Duration.ofMillis(100))) {
                        return false;
                    }
                    theirs.lock();
                    return true;
                } catch (IpcException e) {
                    throw new RuntimeException(e);
                }
            }, r -> Thread.ofPlatform().start(r));
            Thread.sleep(400);
            assertThat(other).as("the other thread's lock waits").isNotDone();
            assertThat(theirs.holder().orElseThrow()).satisfies(h -> {
                assertThat(h.kind()).isEqualTo(LockKind.OFD);
                assertThat(h.isThisProcess()).isTrue();
                assertThat(h.path()).contains(p);
            });
            mine.unlock();
            assertThat(other.get(10, TimeUnit.SECONDS)).isTrue();
            assertThat(mine.tryLock()).isFalse();
            assertThat(mine.tryLock(LockType.SHARED)).isFalse();
        }
    }

    @Test
    void posixLocksOfOneProcessAreOneOwnerAndMerge() throws Exception {
        Path p = file();
        FileLock.Options posix = ofd().withKind(LockKind.POSIX);
        try (FileLock a = FileLock.open(p, posix.withRange(0, 10)); FileLock b = FileLock.open(p, posix.withRange(5, 10))) {
            a.lock();
            assertThat(b.tryLock()).as("threads of one process never conflict with POSIX locks").isTrue();
            assertThat(b.holder()).isEmpty();
        }
    }

    @Test
    void aLockOnACallersDescriptorUnlocksOnCloseAndLeavesTheDescriptorOpen() throws Exception {
        Path p = file();
        try (FileLock owner = FileLock.open(p, ofd()); FileLock rival = FileLock.open(p, ofd())) {
            FileLock onFd = FileLock.on(owner.fd(), ofd().withRange(0, 1));
            onFd.lock();
            assertThat(onFd.path()).isEmpty();
            assertThat(rival.tryLock()).isFalse();
            onFd.close();
            assertThat(owner.fd().isOpen()).isTrue();
            assertThat(rival.tryLock()).isTrue();
        }
    }

    @Test
    void closingAnOwnedDescriptorReleasesTheLock() throws Exception {
        Path p = file();
        FileLock l = FileLock.lock(p, ofd());
        try (FileLock rival = FileLock.open(p, ofd())) {
            assertThat(rival.tryLock()).isFalse();
            l.close();
            assertThat(l.fd().isOpen()).isFalse();
            assertThat(rival.tryLock()).isTrue();
        }
    }
}
