package io.jipc.shm;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jipc.IpcException;
import io.jipc.PermissionDeniedException;
import io.jipc.internal.ProcFiles;
import io.jipc.process.ChildProcess;
import io.jipc.process.Redirect;
import io.jipc.socket.ReceivedMessage;
import io.jipc.socket.UnixAddress;
import io.jipc.socket.UnixServerSocket;
import io.jipc.socket.UnixSocket;
import io.jipc.testing.CPeer;
import io.jipc.testing.Peer;
import io.jipc.testing.TestIpc;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MemFdTest {
    private static final Duration T = ShmPeers.T;

    @TempDir
    Path dir;

    private static String name(String what) {
        return TestIpc.PREFIX + what;
    }

    private static String text(Mapping m, long offset, int length) {
        byte[] b = new byte[length];
        m.read(offset, b);
        return new String(b, UTF_8);
    }

    private static MemFd filled(String name, String contents) throws IpcException {
        MemFd mem = MemFd.create(name, 4096);
        try (Mapping m = mem.map()) {
            m.write(0, contents.getBytes(UTF_8));
        }
        return mem;
    }

    /** Passes {@code mem} to {@code shm_peer memfd-recv} and returns what it says: the seals, the verdicts, the content. */
    private static List<String> cReceiver(MemFd mem) throws Exception {
        String addr = "@" + TestIpc.name("memfd-sock").substring(1);
        try (Peer c = ShmPeers.start("memfd-recv", addr)) {
            c.awaitOutput("ready", T);
            try (UnixSocket s = UnixSocket.connect(UnixAddress.parse(addr))) {
                s.sendFds(ByteBuffer.wrap(new byte[] {1}), List.of(mem));
            }
            c.awaitSuccess(T);
            return c.stdout().lines().skip(1).toList();
        }
    }

    // ---------------------------------------------------------------- seals

    @Test
    void sealsAreAddedReadBackAndKept() throws Exception {
        try (MemFd mem = filled(name("sealed"), "sealed data")) {
            assertThat(mem.name()).isEqualTo(name("sealed"));
            assertThat(mem.seals()).isEmpty();
            mem.addSeals(Seal.WRITE, Seal.SHRINK, Seal.GROW);
            mem.addSeals(EnumSet.of(Seal.GROW)); // again: no error
            assertThat(mem.seals()).containsExactlyInAnyOrder(Seal.WRITE, Seal.SHRINK, Seal.GROW);
            assertThat(mem.info()).isEqualTo(new MemFd.Info(name("sealed"), 4096, Set.of(Seal.WRITE, Seal.SHRINK, Seal.GROW)));
            String label = "memfd:" + name("sealed");
            assertThatThrownBy(() -> mem.map(Access.READ_WRITE)).isInstanceOf(PermissionDeniedException.class)
                    .hasMessage("mmap(" + label + "): sealed against writing (F_SEAL_WRITE): it can only be mapped"
                            + " READ_ONLY (EPERM)");
            assertThatThrownBy(() -> mem.resize(8192)).isInstanceOf(PermissionDeniedException.class)
                    .hasMessage("ftruncate(" + label + "): sealed against growing (F_SEAL_GROW): its size stays 4096"
                            + " bytes (EPERM)");
            assertThatThrownBy(() -> mem.resize(100)).isInstanceOf(PermissionDeniedException.class)
                    .hasMessageContaining("sealed against shrinking (F_SEAL_SHRINK)");
            try (Mapping m = mem.map(Access.READ_ONLY)) {
                assertThat(text(m, 0, 11)).isEqualTo("sealed data");
            }
            mem.addSeals(Seal.SEAL);
            assertThatThrownBy(() -> mem.addSeals(Seal.FUTURE_WRITE)).isInstanceOf(PermissionDeniedException.class)
                    .hasMessage("fcntl(F_ADD_SEALS)(" + label + "): no seal can be added: it carries F_SEAL_SEAL (added,"
                            + " or it was created without sealing) (EPERM)");
        }
    }

    /** The kernel enforces the seals on a C program that received the memfd over a socket. */
    @Test
    void aCWriterIsRefusedWhatTheSealsForbid() throws Exception {
        try (MemFd mem = filled(name("to-c"), "trust me")) {
            mem.addSeals(Seal.WRITE, Seal.SHRINK, Seal.GROW, Seal.SEAL);
            assertThat(cReceiver(mem)).containsExactly("seals=15",
                    "write=EPERM ftruncate-grow=EPERM ftruncate-shrink=EPERM mmap-write=EPERM add-seal=EPERM",
                    "content=trust me");
            assertThat(mem.size()).isEqualTo(4096);
        }
        try (MemFd open = filled(name("to-c-unsealed"), "change me")) {
            assertThat(cReceiver(open)).containsExactly("seals=0",
                    "write=ok ftruncate-grow=ok ftruncate-shrink=ok mmap-write=ok add-seal=ok", "content=Xhange me");
            assertThat(open.seals()).as("the C program sealed it").containsExactly(Seal.GROW);
            assertThat(open.size()).isEqualTo(2048);
        }
    }

    /** A C program seals a memfd and passes it; Java checks the seals before it trusts the contents. */
    @Test
    void aReceiverChecksTheSealsOfACSendersMemfd() throws Exception {
        UnixAddress addr = UnixAddress.parse("@" + TestIpc.name("memfd-from-c").substring(1));
        try (UnixServerSocket server = UnixServerSocket.bind(addr);
             Peer c = ShmPeers.start("memfd-send", addr.toString(), "from c, sealed", "14")) {
            try (UnixSocket s = server.tryAccept(T).orElseThrow();
                 ReceivedMessage m = s.tryReceiveMessage(ByteBuffer.allocate(4), 1, T).orElseThrow();
                 MemFd mem = MemFd.adopt(m.takeFds().get(0))) {
                c.awaitSuccess(T);
                assertThat(mem.name()).isEqualTo("from-c");
                assertThat(mem.seals()).containsExactlyInAnyOrder(Seal.WRITE, Seal.SHRINK, Seal.GROW);
                assertThat(mem.seals().containsAll(Set.of(Seal.WRITE, Seal.SHRINK))).isTrue();
                try (Mapping map = mem.map(Access.READ_ONLY)) {
                    assertThat(text(map, 0, 14)).isEqualTo("from c, sealed");
                }
                assertThatThrownBy(() -> mem.map(Access.READ_WRITE)).isInstanceOf(PermissionDeniedException.class);
            }
        }
    }

    @Test
    void futureWriteKeepsTheWritableMappingsMadeBefore() throws Exception {
        try (MemFd mem = MemFd.create(name("future"), 4096); Mapping producer = mem.map()) {
            mem.addSeals(Seal.FUTURE_WRITE);
            producer.write(0, "still writable".getBytes(UTF_8));
            assertThatThrownBy(() -> mem.map(Access.READ_WRITE)).isInstanceOf(PermissionDeniedException.class)
                    .hasMessageContaining("sealed against writing (F_SEAL_FUTURE_WRITE)");
            try (Mapping consumer = mem.map(Access.READ_ONLY)) {
                assertThat(text(consumer, 0, 14)).isEqualTo("still writable");
            }
        }
    }

    @Test
    void sealsTheKernelRefusesSayWhy() throws Exception {
        try (MemFd mem = MemFd.create(name("busy"), 4096); Mapping writable = mem.map()) {
            assertThatThrownBy(() -> mem.addSeals(Seal.WRITE)).isInstanceOf(IpcException.class)
                    .hasMessage("fcntl(F_ADD_SEALS)(memfd:" + name("busy") + "): it has a writable shared mapping (1 in"
                            + " this process), which F_SEAL_WRITE cannot be added over: close them first, or use"
                            + " F_SEAL_FUTURE_WRITE to keep them (EBUSY)");
            assertThat(mem.seals()).as("nothing added").isEmpty();
            assertThatThrownBy(() -> mem.addSeals(Set.of())).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("no seal to add");
            writable.close();
            mem.addSeals(Seal.WRITE);
        }
        try (MemFd plain = MemFd.create(name("unsealable"), 10, MemFd.Options.defaults().withSealing(false))) {
            assertThat(plain.seals()).containsExactly(Seal.SEAL);
            assertThatThrownBy(() -> plain.addSeals(Seal.GROW)).isInstanceOf(PermissionDeniedException.class)
                    .hasMessageContaining("it carries F_SEAL_SEAL");
        }
    }

    // ---------------------------------------------------------------- creation

    @Test
    void badNamesSizesAndHugePageSizesAreRefused() throws Exception {
        assertThatThrownBy(() -> MemFd.create("a\0b", 10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a memfd name contains no NUL character");
        assertThatThrownBy(() -> MemFd.create("x".repeat(250), 10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a memfd name is at most 249 bytes of UTF-8, got 250");
        assertThatThrownBy(() -> MemFd.create(name("zero"), 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("size must be at least 1 byte, got 0");
        assertThatThrownBy(() -> MemFd.Options.defaults().withHugePages(3000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MemFd.create(name("huge"), 1 << 16, MemFd.Options.defaults().withHugePages(1 << 16)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("this kernel offers no huge pages of 65536 bytes");
        try (MemFd longName = MemFd.create("x".repeat(249), 1)) {
            assertThat(longName.size()).isEqualTo(1);
        }
        try (io.jipc.pipe.Pipe pipe = io.jipc.pipe.Pipe.open(); io.jipc.Fd end = pipe.readEnd().fd().duplicate()) {
            assertThatThrownBy(() -> MemFd.adopt(end)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is not a memfd (it is pipe:[");
        }
    }

    /**
     * Huge pages where the kernel has them: mapped and used when the pool has free ones, else the
     * mapping fails with ENOMEM naming the pool's counts. (The pool is the machine's; the test
     * does not fill it.)
     */
    @Test
    void hugePagesWhereTheKernelHasThem() throws Exception {
        long huge = 2L << 20;
        Assumptions.assumeTrue(MemFd.hugePageSizes().contains(huge), "the kernel has no 2 MiB huge pages (no hugetlbfs)");
        assertThatThrownBy(() -> MemFd.create(name("huge-odd"), 4096, MemFd.Options.defaults().withHugePages(huge)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a memfd of 2097152-byte huge pages has a size that is a multiple of 2097152, got 4096");
        Path pool = Path.of("/sys/kernel/mm/hugepages/hugepages-2048kB");
        try (MemFd mem = MemFd.create(name("huge"), huge, MemFd.Options.defaults().withHugePages(huge))) {
            if (ProcFiles.readLong(pool.resolve("free_hugepages"), 0) == 0) {
                assertThatThrownBy(mem::map).isInstanceOf(IpcException.class)
                        .hasMessage("mmap(memfd:" + name("huge") + "): not enough free huge pages of 2097152 bytes ("
                                + pool.resolve("free_hugepages") + " = 0, nr_hugepages = "
                                + ProcFiles.readText(pool.resolve("nr_hugepages")) + ") (ENOMEM)");
            } else {
                try (Mapping m = mem.map(Access.READ_WRITE, huge - 10, 10)) {
                    m.write(0, "huge page!".getBytes(UTF_8));
                    assertThat(text(m, 0, 10)).isEqualTo("huge page!");
                }
            }
        }
    }

    @Test
    void aChildGetsTheMemfdAtAChosenNumber() throws Exception {
        try (MemFd mem = filled(name("child"), "for the child")) {
            Path out = dir.resolve("out");
            try (ChildProcess child = ChildProcess.builder(CPeer.compile("shm_peer").toString(), "fd-dump", "5", "13")
                    .fd(5, mem).stdout(Redirect.to(out)).start()) {
                assertThat(child.waitFor().success()).isTrue();
            }
            assertThat(Files.readString(out)).isEqualTo("for the child\n");
        }
    }

    @Test
    void resizingFollowsTheSameRulesAsSharedMemory() throws Exception {
        try (MemFd mem = MemFd.create(name("resize"), 4096)) {
            Mapping m = mem.map();
            mem.resize(1 << 20);
            assertThat(mem.size()).isEqualTo(1 << 20);
            assertThatThrownBy(() -> mem.resize(100)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("a mapping in this process reaches byte 4096");
            m.close();
            mem.resize(100);
            assertThat(mem.info().size()).isEqualTo(100);
        }
    }
}
