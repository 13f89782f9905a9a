package io.jipc.shm;

import static io.jipc.shm.ShmPeers.c;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jipc.AlreadyExistsException;
import io.jipc.IpcException;
import io.jipc.NotFoundException;
import io.jipc.PermissionDeniedException;
import io.jipc.internal.libc.Unistd;
import io.jipc.process.ChildProcess;
import io.jipc.process.Redirect;
import io.jipc.socket.ReceivedMessage;
import io.jipc.socket.SocketType;
import io.jipc.socket.UnixSocket;
import io.jipc.testing.TestIpc;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SharedMemoryTest {
    @TempDir
    Path dir;

    private static String text(Mapping m, long offset, int length) {
        byte[] b = new byte[length];
        m.read(offset, b);
        return new String(b, UTF_8);
    }

    // ---------------------------------------------------------------- creation and names

    @Test
    void createOpenExclusiveInfoAndUnlink() throws Exception {
        String name = TestIpc.name("shm");
        try (SharedMemory shm = SharedMemory.createExclusively(name, 10_000)) {
            assertThat(shm.name()).isEqualTo(name);
            assertThat(shm.size()).isEqualTo(10_000);
            SharedMemory.Info info = shm.info();
            assertThat(info.name()).isEqualTo(name);
            assertThat(info.size()).isEqualTo(10_000);
            assertThat(info.mode()).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            assertThat(info.ownerUid()).isEqualTo(Unistd.getuid());
            assertThat(info.ownerGid()).isEqualTo(Unistd.getgid());
            assertThat(Files.exists(Path.of("/dev/shm" + name))).isTrue();

            assertThatThrownBy(() -> SharedMemory.createExclusively(name, 10)).isInstanceOf(AlreadyExistsException.class)
                    .hasMessage("shm_open(" + name + "): File exists (EEXIST)");
            try (SharedMemory smaller = SharedMemory.createOrOpen(name, 5_000)) {
                assertThat(smaller.size()).as("an existing object is never shrunk").isEqualTo(10_000);
            }
            try (SharedMemory larger = SharedMemory.createOrOpen(name, 20_000);
                 SharedMemory reader = SharedMemory.openExisting(name,
                         SharedMemory.Options.defaults().withAccess(Access.READ_ONLY))) {
                assertThat(larger.size()).as("a smaller one is grown").isEqualTo(20_000);
                assertThat(reader.access()).isEqualTo(Access.READ_ONLY);
                assertThat(reader.size()).isEqualTo(20_000);
            }
            assertThat(c("posix-mode", name)).isEqualTo("20000 0600");

            shm.unlink();
            assertThat(Files.exists(Path.of("/dev/shm" + name))).isFalse();
            assertThatThrownBy(() -> SharedMemory.openExisting(name)).isInstanceOf(NotFoundException.class)
                    .hasMessage("shm_open(" + name + "): No such file or directory (ENOENT)");
            assertThatThrownBy(shm::unlink).isInstanceOf(NotFoundException.class)
                    .hasMessage("shm_unlink(" + name + "): No such file or directory (ENOENT)");
            try (Mapping m = shm.map()) {
                m.write(0, "still here".getBytes(UTF_8));
                assertThat(text(m, 0, 10)).as("an unlinked object stays usable by who has it").isEqualTo("still here");
            }
        }
    }

    @Test
    void theModeIsExactWhateverTheUmask() throws Exception {
        String name = TestIpc.name("shm-mode");
        try (SharedMemory shm = SharedMemory.createExclusively(name, 100,
                SharedMemory.Options.defaults().withMode(PosixFilePermissions.fromString("rw-rw-rw-")))) {
            assertThat(c("posix-mode", name)).as("shm_open alone would apply the umask").isEqualTo("100 0666");
            shm.setMode(PosixFilePermissions.fromString("rw-r-----"));
            assertThat(shm.info().mode()).isEqualTo(PosixFilePermissions.fromString("rw-r-----"));
            shm.unlink();
        }
    }

    @Test
    void badNamesAndSizesAreRefusedBeforeAnyCall() throws Exception {
        String why = "(a POSIX shared-memory object name is one leading slash followed by 1 to 255 bytes with no"
                + " other slash and no NUL, e.g. /frames)";
        assertThatThrownBy(() -> SharedMemory.createExclusively("frames", 10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("shared-memory object name \"frames\" does not start with a slash " + why);
        assertThatThrownBy(() -> SharedMemory.openExisting("/a/b")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("shared-memory object name \"/a/b\" has a slash after the first " + why);
        assertThatThrownBy(() -> SharedMemory.unlink("/")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SharedMemory.createOrOpen("/" + "x".repeat(256), 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than NAME_MAX 255");
        String name = TestIpc.name("shm-bad");
        assertThatThrownBy(() -> SharedMemory.createExclusively(name, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("size must be at least 1 byte, got 0");
        assertThatThrownBy(() -> SharedMemory.createOrOpen(name, -5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("size must be at least 1 byte, got -5");
        assertThatThrownBy(() -> SharedMemory.createExclusively(name, 10,
                SharedMemory.Options.defaults().withAccess(Access.READ_ONLY)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs Access.READ_WRITE");
        long tmpfs = Files.getFileStore(Path.of("/dev/shm")).getTotalSpace();
        assertThatThrownBy(() -> SharedMemory.createExclusively(name, tmpfs + 1)).isInstanceOf(IpcException.class)
                .hasMessage("ftruncate(" + name + "): size " + (tmpfs + 1) + " is more than the tmpfs at /dev/shm (its"
                        + " size= mount option) can ever hold, " + tmpfs + " bytes (ENOSPC)");
        assertThat(Files.exists(Path.of("/dev/shm" + name))).as("nothing half-made is left").isFalse();
        assertThatThrownBy(() -> SharedMemory.openExisting(name)).isInstanceOf(NotFoundException.class);
    }

    // ---------------------------------------------------------------- C and Python on the other end

    @Test
    void javaAndCSeeTheSameBytes() throws Exception {
        String name = TestIpc.name("shm-c");
        try (SharedMemory shm = SharedMemory.createExclusively(name, 4096); Mapping m = shm.map()) {
            m.write(100, "from java".getBytes(UTF_8));
            assertThat(c("posix-read", name, "100", "9")).isEqualTo("from java");
            assertThat(c("posix-write", name, "200", "from c")).isEqualTo("wrote 4096");
            assertThat(text(m, 200, 6)).isEqualTo("from c");
            assertThat(m.segment().get(ValueLayout.JAVA_BYTE, 205)).isEqualTo((byte) 'c');
            shm.unlink();
        }
        String made = TestIpc.name("shm-from-c");
        assertThat(c("posix-create", made, "8192", "made in c")).isEqualTo("created");
        try (SharedMemory shm = SharedMemory.openExisting(made, SharedMemory.Options.defaults().withAccess(Access.READ_ONLY));
             Mapping m = shm.map()) {
            assertThat(m.size()).isEqualTo(8192);
            assertThat(m.access()).isEqualTo(Access.READ_ONLY);
            assertThat(text(m, 0, 9)).isEqualTo("made in c");
            SharedMemory.unlink(made);
        }
    }

    /** Python's multiprocessing.shared_memory opens jipc's objects by name, and jipc opens Python's. */
    @Test
    void pythonSharedMemoryAndJipcShareObjects() throws Exception {
        String program = """
                import sys
                from multiprocessing import resource_tracker, shared_memory
                name, create = sys.argv[1], sys.argv[2] == "create"
                if create:
                    s = shared_memory.SharedMemory(name=name, create=True, size=5000)
                    s.buf[0:11] = b"from python"
                    print(s.size)
                else:
                    s = shared_memory.SharedMemory(name=name)
                    print(s.size, bytes(s.buf[0:9]).decode())
                    s.buf[300:310] = b"python was"
                # Python < 3.13 would unlink the object at exit even when it only attached to it.
                resource_tracker.unregister(s._name, "shared_memory")
                s.close()
                """;
        String name = TestIpc.name("shm-py");
        try (SharedMemory shm = SharedMemory.createExclusively(name, 12_345); Mapping m = shm.map()) {
            m.write(0, "from jipc".getBytes(UTF_8));
            assertThat(ShmPeers.python(program, name.substring(1), "open")).isEqualTo("12345 from jipc");
            assertThat(text(m, 300, 10)).isEqualTo("python was");
            shm.unlink();
        }
        String made = TestIpc.name("shm-py-made");
        assertThat(ShmPeers.python(program, made.substring(1), "create")).isEqualTo("5000");
        try (SharedMemory shm = SharedMemory.openExisting(made); Mapping m = shm.map()) {
            assertThat(text(m, 0, 11)).isEqualTo("from python");
            assertThat(m.size()).as("Python rounds nothing: fstat's size").isEqualTo(5000);
            shm.unlink();
        }
    }

    // ---------------------------------------------------------------- mapping ranges and access

    @Test
    void anyRangeInsideTheObjectMapsAndNothingOutside() throws Exception {
        String name = TestIpc.name("shm-range");
        long size = 3 * 4096 + 100;
        try (SharedMemory shm = SharedMemory.createExclusively(name, size)) {
            try (Mapping whole = shm.map(); Mapping part = shm.map(Access.READ_WRITE, 5000, 100)) {
                assertThat(part.offset()).isEqualTo(5000);
                assertThat(part.size()).isEqualTo(100);
                assertThat(part.segment().address() % MemoryFile.PAGE_SIZE).as("aligned as in the object")
                        .isEqualTo(5000 % MemoryFile.PAGE_SIZE);
                part.write(0, "at 5000".getBytes(UTF_8));
                assertThat(text(whole, 5000, 7)).isEqualTo("at 5000");
                whole.write(size - 3, "end".getBytes(UTF_8));
                try (Mapping tail = shm.map(Access.READ_ONLY, size - 3, 3)) {
                    assertThat(text(tail, 0, 3)).isEqualTo("end");
                }
            }
            assertThatThrownBy(() -> shm.map(Access.READ_WRITE, size, 1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("mapping offset " + size + " is past the end of " + name + ", which has " + size + " bytes");
            assertThatThrownBy(() -> shm.map(Access.READ_WRITE, 4096, size)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("mapping " + size + " bytes from offset 4096 passes the end of " + name + ", which has "
                            + size + " bytes");
            assertThatThrownBy(() -> shm.map(Access.READ_WRITE, 4096, Long.MAX_VALUE))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("passes the end");
            assertThatThrownBy(() -> shm.map(Access.READ_WRITE, -1, 10)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("mapping offset must be >= 0, got -1");
            assertThatThrownBy(() -> shm.map(Access.READ_WRITE, 0, 0)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("mapping length must be at least 1 byte, got 0");
            assertThatThrownBy(() -> shm.map(Access.READ_WRITE, 0, -1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> shm.map(Access.READ_WRITE, Long.MAX_VALUE - 1, 10))
                    .isInstanceOf(IllegalArgumentException.class);
            shm.unlink();
        }
    }

    @Test
    void aReadOnlyDescriptorCannotBeMappedWritableAndReadOnlyMappingsRefuseWrites() throws Exception {
        String name = TestIpc.name("shm-ro");
        try (SharedMemory shm = SharedMemory.createExclusively(name, 4096);
             SharedMemory reader = SharedMemory.openExisting(name, SharedMemory.Options.defaults().withAccess(Access.READ_ONLY))) {
            try (Mapping w = shm.map()) {
                w.write(0, "written".getBytes(UTF_8));
            }
            assertThatThrownBy(() -> reader.map(Access.READ_WRITE)).isInstanceOf(PermissionDeniedException.class)
                    .hasMessage("mmap(" + name + "): the descriptor was opened read-only, so it cannot be mapped read-write"
                            + " (open it with Access.READ_WRITE, or map it READ_ONLY) (EACCES)");
            assertThatThrownBy(() -> reader.resize(8192)).isInstanceOf(IpcException.class)
                    .hasMessage("ftruncate(" + name + "): the descriptor was opened read-only; resizing needs"
                            + " Access.READ_WRITE (EINVAL)");
            for (Mapping m : List.of(reader.map(), shm.map(Access.READ_ONLY))) {
                try (m) {
                    assertThat(m.access()).isEqualTo(Access.READ_ONLY);
                    assertThat(text(m, 0, 7)).isEqualTo("written");
                    assertThatThrownBy(() -> m.write(0, new byte[1])).isInstanceOf(IllegalArgumentException.class)
                            .hasMessage("mapping of " + name + " is read-only: map it READ_WRITE to write");
                    assertThatThrownBy(() -> m.write(0, ByteBuffer.allocate(1))).isInstanceOf(IllegalArgumentException.class);
                    assertThat(m.segment().isReadOnly()).isTrue();
                    assertThatThrownBy(() -> m.segment().set(ValueLayout.JAVA_BYTE, 0, (byte) 1))
                            .isInstanceOf(IllegalArgumentException.class);
                    assertThatThrownBy(() -> m.segment().asByteBuffer().put(0, (byte) 1))
                            .isInstanceOf(java.nio.ReadOnlyBufferException.class);
                    assertThat(text(m, 0, 7)).as("nothing was written").isEqualTo("written");
                }
            }
            shm.unlink();
        }
    }

    // ---------------------------------------------------------------- resizing

    @Test
    void growingKeepsMappingsAndShrinkingBelowOneIsRefused() throws Exception {
        String name = TestIpc.name("shm-resize");
        try (SharedMemory shm = SharedMemory.createExclusively(name, 4096)) {
            Mapping first = shm.map();
            shm.resize(8192);
            assertThat(shm.size()).isEqualTo(8192);
            assertThat(first.size()).as("an existing mapping keeps its size").isEqualTo(4096);
            assertThat(c("posix-write", name, "6000", "grown")).isEqualTo("wrote 8192");
            Mapping second = shm.map();
            assertThat(text(second, 6000, 5)).isEqualTo("grown");

            assertThatThrownBy(() -> shm.resize(2048)).isInstanceOf(IllegalStateException.class)
                    .hasMessage("cannot shrink " + name + " to 2048 bytes: a mapping in this process reaches byte 8192"
                            + " (close it first; a page past the end of the object faults when touched)");
            second.close();
            assertThatThrownBy(() -> shm.resize(2048)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("reaches byte 4096");
            try (SharedMemory other = SharedMemory.openExisting(name)) {
                assertThatThrownBy(() -> other.resize(100)).as("whichever object of the same file")
                        .isInstanceOf(IllegalStateException.class);
            }
            first.close();
            shm.resize(2048);
            assertThat(shm.size()).isEqualTo(2048);
            assertThat(c("posix-mode", name)).isEqualTo("2048 0600");
            assertThatThrownBy(() -> shm.resize(0)).isInstanceOf(IllegalArgumentException.class);
            shm.unlink();
        }
    }

    @Test
    void reservingAllocatesThePagesAtOnce() throws Exception {
        String name = TestIpc.name("shm-reserve");
        String sparse = TestIpc.name("shm-sparse");
        try (SharedMemory r = SharedMemory.createExclusively(name, 1 << 20, SharedMemory.Options.defaults().withReserve(true));
             SharedMemory s = SharedMemory.createExclusively(sparse, 1 << 20)) {
            assertThat(blocks(name)).as("1 MiB allocated").isGreaterThanOrEqualTo((1 << 20) / 512);
            assertThat(blocks(sparse)).as("nothing allocated until touched").isZero();
            r.resize(2 << 20);
            assertThat(blocks(name)).isGreaterThanOrEqualTo((2 << 20) / 512);
            r.unlink();
            s.unlink();
        }
    }

    /** 512-byte blocks allocated to the object ({@code stat -c %b}). */
    private static long blocks(String name) throws Exception {
        Process p = new ProcessBuilder("stat", "-c", "%b", "/dev/shm" + name).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), UTF_8).strip();
        assertThat(p.waitFor()).isZero();
        return Long.parseLong(out);
    }

    // ---------------------------------------------------------------- the descriptor travels

    @Test
    void theDescriptorPassesOverASocketAndToAChild() throws Exception {
        String name = TestIpc.name("shm-fd");
        try (SharedMemory shm = SharedMemory.createExclusively(name, 4096); UnixSocket.Pair pair = UnixSocket.pair(SocketType.STREAM)) {
            try (Mapping m = shm.map()) {
                m.write(0, "passed along".getBytes(UTF_8));
            }
            pair.first().sendFds(ByteBuffer.wrap(new byte[] {1}), List.of(shm));
            try (ReceivedMessage got = pair.second().receiveMessage(ByteBuffer.allocate(4), 1);
                 SharedMemory received = SharedMemory.adopt(got.takeFds().get(0));
                 Mapping m = received.map(Access.READ_ONLY)) {
                assertThat(received.name()).isEqualTo(name);
                assertThat(received.access()).isEqualTo(Access.READ_WRITE);
                assertThat(text(m, 0, 12)).isEqualTo("passed along");
            }
            Path out = dir.resolve("out");
            try (ChildProcess child = ChildProcess.builder(io.jipc.testing.CPeer.compile("shm_peer").toString(),
                    "fd-dump", "3", "12").fd(3, shm).stdout(Redirect.to(out)).start()) {
                assertThat(child.waitFor().success()).isTrue();
            }
            assertThat(Files.readString(out)).isEqualTo("passed along\n");
            try (io.jipc.pipe.Pipe pipe = io.jipc.pipe.Pipe.open(); io.jipc.Fd end = pipe.readEnd().fd().duplicate()) {
                assertThatThrownBy(() -> SharedMemory.adopt(end))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not a POSIX shared-memory object");
            }
            shm.unlink();
        }
    }
}
