package io.jipc.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jipc.Errno;
import io.jipc.Fd;
import io.jipc.IpcException;
import io.jipc.ObjectClosedException;
import io.jipc.PassedFiles;
import io.jipc.pipe.Pipe;
import io.jipc.shm.MemFd;
import io.jipc.socket.MessageBatch;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bugs the hostile-input run ({@code HostileInputTest}) found, one test each, so that each
 * stays fixed even when the random run draws other values.
 */
class HostileFindingsTest {
    @Test
    void releaseWithoutAcquireIsRefusedAndLeavesAnOpenDescriptorOpen(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("f"), "x");
        Fd fd = PassedFiles.openReadOnly(file);
        int n = fd.acquire("test");
        fd.release();
        assertThatThrownBy(fd::release).isInstanceOf(IllegalStateException.class).hasMessageContaining("without a matching acquire");
        assertThat(fd.isOpen()).as("an unmatched release must not read as closed").isTrue();
        fd.close();
        assertThat(Files.exists(Path.of("/proc/self/fd/" + n))
                && Files.readSymbolicLink(Path.of("/proc/self/fd/" + n)).equals(file)).as("closed for real").isFalse();
    }

    @Test
    void releaseAfterCloseCannotReopenTheDescriptor(@TempDir Path dir) throws Exception {
        Fd fd = PassedFiles.openReadOnly(Files.writeString(dir.resolve("f"), "x"));
        fd.close();
        assertThatThrownBy(fd::release).isInstanceOf(IllegalStateException.class);
        assertThat(fd.isOpen()).isFalse();
        assertThatThrownBy(() -> fd.acquire("read")).as("a freed number may be another file's by now")
                .isInstanceOf(ObjectClosedException.class);
    }

    @Test
    void messageOfABatchChecksItsIndex() {
        try (MessageBatch batch = MessageBatch.allocate(2, 16)) {
            batch.add(new byte[] {1, 2}, 0, 2);
            assertThat(batch.message(0).byteSize()).isEqualTo(2);
            assertThatThrownBy(() -> batch.message(1)).isExactlyInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> batch.message(64)).isExactlyInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> batch.message(-1)).isExactlyInstanceOf(IndexOutOfBoundsException.class);
        }
    }

    @Test
    void aSegmentWhoseArenaIsClosedIsTheCallersErrorNotAnAssertion() throws Exception {
        MemorySegment gone;
        try (Arena a = Arena.ofConfined()) {
            gone = a.allocate(64);
        }
        try (Pipe p = Pipe.open()) {
            assertThatThrownBy(() -> p.writeEnd().write(gone)).isInstanceOf(IllegalStateException.class);
            assertThat(p.readEnd().tryRead(new byte[8], 0, 8)).as("nothing was written").isEqualTo(io.jipc.Transfer.NOTHING);
        }
    }

    @Test
    void aSegmentConfinedToAnotherThreadIsRefusedByTheJdk() throws Exception {
        try (Arena a = Arena.ofConfined(); Pipe p = Pipe.open()) {
            MemorySegment mine = a.allocate(64);
            Throwable[] thrown = new Throwable[1];
            Thread t = Thread.ofPlatform().start(() -> {
                try {
                    p.writeEnd().write(mine);
                } catch (Throwable e) {
                    thrown[0] = e;
                }
            });
            t.join();
            assertThat(thrown[0]).isInstanceOf(WrongThreadException.class);
        }
    }

    @Test
    void slotsRefuseOffsetsPastTheLargestWithAnArgumentErrorAndReserveNothing() {
        // Both threw ArithmeticException: long overflow, an exception no caller is told to expect.
        assertThatThrownBy(() -> io.jipc.sync.Slots.from(Long.MAX_VALUE)).isInstanceOf(IllegalArgumentException.class);
        io.jipc.sync.Slots slots = io.jipc.sync.Slots.from(8192);
        assertThatThrownBy(() -> slots.bytes(Long.MAX_VALUE - 4096, 2)).isInstanceOf(IllegalArgumentException.class);
        assertThat(slots.size()).as("nothing reserved").isEqualTo(8192);
    }

    @Test
    void reservingMoreMemoryThanIsAvailableFailsInsteadOfWakingTheOomKiller() {
        // Before the fix this fallocate filled every free page of the machine (memfd's tmpfs has
        // no size limit) and the kernel's OOM killer ended a process: the hostile run met it.
        assertThatThrownBy(() -> MemFd.create("huge", 1L << 44, MemFd.Options.defaults().withReserve(true)))
                .isInstanceOfSatisfying(IpcException.class, e -> assertThat(e.error()).isEqualTo(Errno.ENOMEM))
                .hasMessageContaining("MemAvailable");
    }
}
