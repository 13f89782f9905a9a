package io.jipc.socket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jipc.Fd;
import io.jipc.ObjectClosedException;
import io.jipc.PassedFiles;
import io.jipc.Transfer;
import io.jipc.internal.libc.Fcntl;
import io.jipc.internal.libc.Unistd;
import io.jipc.testing.CPeer;
import io.jipc.testing.LeakGuard;
import io.jipc.testing.Peer;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** SCM_RIGHTS both ways with C peers, several descriptors per message, and MSG_CTRUNC. */
class FdPassingTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    static Stream<Arguments> typesAndKinds() {
        List<Arguments> all = new ArrayList<>();
        for (SocketType type : SocketType.values()) {
            for (SocketTesting.Kind kind : SocketTesting.Kind.values()) {
                all.add(Arguments.of(type, kind));
            }
        }
        return all.stream();
    }

    private static String word(SocketType type) {
        return type.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Something that receives: an accepted connection or the bound datagram socket, with a reply path. */
    private interface Receiver extends AutoCloseable {
        ReceivedMessage receive(ByteBuffer buf, int maxFds) throws Exception;

        void reply(ReceivedMessage m) throws Exception;

        @Override
        void close();
    }

    private static Receiver serve(SocketType type, UnixAddress address, Runnable startPeer) throws Exception {
        if (type == SocketType.DGRAM) {
            UnixDatagramSocket s = UnixDatagramSocket.bind(address, UnixDatagramSocket.Options.defaults().withUnlinkOnClose(true));
            startPeer.run();
            return new Receiver() {
                @Override
                public ReceivedMessage receive(ByteBuffer buf, int maxFds) throws Exception {
                    return s.tryReceiveMessage(buf, maxFds, WAIT).orElseThrow();
                }

                @Override
                public void reply(ReceivedMessage m) throws Exception {
                    s.sendTo(ByteBuffer.wrap(new byte[] {'k'}), m.sender());
                }

                @Override
                public void close() {
                    s.close();
                }
            };
        }
        UnixServerSocket server = UnixServerSocket.bind(address,
                UnixServerSocket.Options.defaults().withType(type).withUnlinkOnClose(true));
        startPeer.run();
        UnixSocket c;
        try {
            c = server.tryAccept(WAIT).orElseThrow();
        } finally {
            server.close();
        }
        return new Receiver() {
            @Override
            public ReceivedMessage receive(ByteBuffer buf, int maxFds) throws Exception {
                return c.tryReceiveMessage(buf, maxFds, WAIT).orElseThrow();
            }

            @Override
            public void reply(ReceivedMessage m) throws Exception {
                c.send(new byte[] {'k'});
            }

            @Override
            public void close() {
                c.close();
            }
        };
    }

    private static String readAll(Fd fd) throws Exception {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(256);
            int n = fd.acquire("read");
            try {
                long r = Unistd.read(n, buf, 256);
                assertThat(r).as("read from the received descriptor").isNotNegative();
                return new String(buf.asSlice(0, r).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
            } finally {
                fd.release();
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("typesAndKinds")
    void aCProgramPassesPipeEndsAndJipcReadsThem(SocketType type, SocketTesting.Kind kind) throws Exception {
        UnixAddress address = SocketTesting.address(kind, "fds-in");
        Peer[] peer = new Peer[1];
        try (Receiver r = serve(type, address, () -> peer[0] = CPeer.start("unix_peer", "send-pipe", word(type), address.toString(), "3"));
                Peer c = peer[0];
                ReceivedMessage m = r.receive(ByteBuffer.allocate(16), 3)) {
            assertThat(m.bytes()).isEqualTo(1);
            assertThat(m.controlTruncated()).isFalse();
            assertThat(m.fdCount()).isEqualTo(3);
            List<Fd> fds = m.takeFds();
            try {
                for (int i = 0; i < 3; i++) {
                    assertThat(fds.get(i).isCloseOnExec()).as("MSG_CMSG_CLOEXEC").isTrue();
                    assertThat(readAll(fds.get(i))).isEqualTo("pipe-" + i);
                }
            } finally {
                fds.forEach(Fd::close);
            }
            r.reply(m);
            c.awaitSuccess(WAIT);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("typesAndKinds")
    void jipcPassesAMemfdAndAFileAndCReadsThem(SocketType type, SocketTesting.Kind kind) throws Exception {
        UnixAddress address = SocketTesting.address(kind, "fds-out");
        Path file = Files.createTempFile("jipct-passed", ".txt");
        try (Peer c = CPeer.start("unix_peer", "recv-fd", word(type), address.toString());
                Fd memfd = memfd("jipc-memfd", "from a memfd");
                Fd regular = openReadOnly(file, "from a file")) {
            c.awaitOutput("ready", WAIT);
            ByteBuffer data = ByteBuffer.wrap("two fds".getBytes(StandardCharsets.UTF_8));
            if (type == SocketType.DGRAM) {
                try (UnixDatagramSocket s = UnixDatagramSocket.unbound()) {
                    s.connect(address);
                    s.sendFds(data, List.of(memfd, regular));
                }
            } else {
                try (UnixSocket s = UnixSocket.connect(address, type)) {
                    s.sendFds(data, List.of(memfd, regular));
                    assertThat(s.receive(new byte[1])).as("the C peer's ack").isEqualTo(1);
                }
            }
            assertThat(data.hasRemaining()).as("every byte sent").isFalse();
            c.awaitSuccess(WAIT);
            String out = c.stdout();
            assertThat(out).contains("data=two fds")
                    .contains("fd-content=from a memfd link=/memfd:jipc-memfd (deleted) cloexec=1")
                    .contains("fd-content=from a file link=" + file.toRealPath())
                    .contains("ctrunc=0");
            assertThat(memfd.isOpen()).as("the sender keeps its descriptors").isTrue();
        } finally {
            Files.deleteIfExists(file);
            if (address.isPath()) {
                Files.deleteIfExists(address.path());
            }
        }
    }

    /**
     * Three descriptors sent, room for one: the kernel installs one, closes two and sets
     * MSG_CTRUNC; jipc reports it and owns the one that arrived (the leak guard checks the rest).
     */
    @Test
    void aControlBufferTooSmallIsReportedAndLeaksNothing() throws Exception {
        UnixAddress address = SocketTesting.address(SocketTesting.Kind.ABSTRACT, "ctrunc");
        Peer[] peer = new Peer[1];
        var before = LeakGuard.openDescriptors().keySet();
        try (Receiver r = serve(SocketType.SEQPACKET, address,
                () -> peer[0] = CPeer.start("unix_peer", "send-pipe", "seqpacket", address.toString(), "3"));
                Peer c = peer[0]) {
            try (ReceivedMessage m = r.receive(ByteBuffer.allocate(16), 1)) {
                assertThat(m.controlTruncated()).isTrue();
                assertThat(m.fdCount()).isEqualTo(1);
                assertThat(readAll(m.fds().get(0))).isEqualTo("pipe-0");
                assertThat(m.toString()).contains("MSG_CTRUNC");
                r.reply(m);
            }
            c.awaitSuccess(WAIT);
        }
        assertThat(LeakGuard.openDescriptors().keySet()).as("no received descriptor left open").isSubsetOf(before);
    }

    @Test
    void noRoomAtAllStillReportsAndAPlainReceiveDiscardsSafely() throws Exception {
        try (UnixSocket.Pair p = UnixSocket.pair(SocketType.SEQPACKET); UnixSocket.Pair carried = UnixSocket.pair(SocketType.STREAM)) {
            var before = LeakGuard.openDescriptors().keySet();
            p.first().sendFds(ByteBuffer.wrap(new byte[] {1}), List.of(carried.first(), carried.second()));
            try (ReceivedMessage m = p.second().receiveMessage(ByteBuffer.allocate(4), 0)) {
                assertThat(m.controlTruncated()).isTrue();
                assertThat(m.fdCount()).isZero();
            }
            p.first().sendFds(ByteBuffer.wrap(new byte[] {2}), List.of(carried.first()));
            assertThat(p.second().receive(new byte[4])).isEqualTo(1);
            assertThat(LeakGuard.openDescriptors().keySet()).isSubsetOf(before);
        }
    }

    @Test
    void jipcObjectsAndRawFdsTravelTogetherAndWorkOnTheOtherSide() throws Exception {
        try (UnixSocket.Pair p = UnixSocket.pair(SocketType.STREAM);
                UnixSocket.Pair inner = UnixSocket.pair(SocketType.SEQPACKET);
                Fd memfd = memfd("raw", "raw fd content")) {
            // A jipc object and a bare Fd in one list: both are FdBacked.
            assertThat(p.first().trySendFds(ByteBuffer.wrap("xy".getBytes(StandardCharsets.UTF_8)), List.of(inner.second(), memfd),
                    Duration.ofSeconds(5))).isEqualTo(2);
            try (ReceivedMessage m = p.second().receiveMessage(ByteBuffer.allocate(8), 4)) {
                assertThat(m.bytes()).isEqualTo(2);
                List<Fd> fds = m.takeFds();
                assertThat(fds).hasSize(2);
                assertThat(m.fdCount()).isZero();
                try (UnixSocket received = UnixSocket.adopt(fds.get(0)); Fd content = fds.get(1)) {
                    received.send("through the passed socket".getBytes(StandardCharsets.UTF_8));
                    byte[] b = new byte[64];
                    int n = inner.first().receive(b);
                    assertThat(new String(b, 0, n, StandardCharsets.UTF_8)).isEqualTo("through the passed socket");
                    try (FileChannel ch = PassedFiles.openChannel(content)) {
                        ByteBuffer bb = ByteBuffer.allocate(64);
                        ch.read(bb, 0);
                        assertThat(new String(bb.array(), 0, bb.position(), StandardCharsets.UTF_8)).isEqualTo("raw fd content");
                    }
                }
            }
        }
    }

    /** Linux ends a stream receive with the bytes that carried descriptors: what came after waits for the next one. */
    @Test
    void aStreamReceiveStopsAfterTheBytesThatCarriedDescriptors() throws Exception {
        try (UnixSocket.Pair p = UnixSocket.pair(SocketType.STREAM); Fd memfd = memfd("m", "m")) {
            p.first().send("before".getBytes(StandardCharsets.UTF_8));
            p.first().sendFds(ByteBuffer.wrap("with".getBytes(StandardCharsets.UTF_8)), List.of(memfd));
            p.first().send("after".getBytes(StandardCharsets.UTF_8));
            ByteBuffer b = ByteBuffer.allocate(64);
            try (ReceivedMessage m = p.second().receiveMessage(b, 1)) {
                assertThat(new String(b.array(), 0, m.bytes(), StandardCharsets.UTF_8)).isEqualTo("beforewith");
                assertThat(m.fdCount()).isEqualTo(1);
            }
            try (ReceivedMessage m = p.second().receiveMessage(b.clear(), 1)) {
                assertThat(new String(b.array(), 0, m.bytes(), StandardCharsets.UTF_8)).isEqualTo("after");
                assertThat(m.fdCount()).isZero();
            }
        }
    }

    @Test
    void badArgumentsAreRefusedBeforeAnySyscall() throws Exception {
        try (UnixSocket.Pair p = UnixSocket.pair(SocketType.STREAM); UnixSocket.Pair q = UnixSocket.pair(SocketType.SEQPACKET);
                Fd memfd = memfd("bad", "")) {
            assertThatThrownBy(() -> p.first().sendFds(ByteBuffer.allocate(0), List.of(memfd)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one data byte");
            // a seqpacket record may be empty
            assertThat(q.first().trySendFds(ByteBuffer.allocate(0), List.of(memfd))).as("an empty record is 0 bytes sent").isZero();
            try (ReceivedMessage m = q.second().receiveMessage(ByteBuffer.allocate(4), 1)) {
                assertThat(m.bytes()).isZero();
                assertThat(m.fdCount()).isEqualTo(1);
            }
            List<Fd> tooMany = java.util.Collections.nCopies(254, memfd);
            assertThatThrownBy(() -> q.first().sendFds(ByteBuffer.allocate(1), tooMany))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SCM_MAX_FD");
            assertThatThrownBy(() -> q.second().receiveMessage(ByteBuffer.allocate(1), 254))
                    .isInstanceOf(IllegalArgumentException.class);
            Fd closed = memfd("closed", "");
            closed.close();
            assertThatThrownBy(() -> q.first().sendFds(ByteBuffer.allocate(1), List.of(closed)))
                    .isInstanceOf(ObjectClosedException.class);
            assertThat(q.second().tryReceive(ByteBuffer.allocate(1))).as("nothing was sent")
                    .isEqualTo(Transfer.NOTHING);
        }
    }

    @Test
    void onlyRegularFilesReopenAsFileChannels() throws Exception {
        try (UnixSocket.Pair p = UnixSocket.pair(SocketType.STREAM)) {
            assertThatThrownBy(() -> PassedFiles.openChannel(p.first().fd()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a regular file");
        }
        try (Fd memfd = memfd("opts", "")) {
            assertThatThrownBy(() -> PassedFiles.openChannel(memfd, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    // ------------------------------------------------------------------ raw bindings (no jipc type yet)

    private static final MethodHandle MEMFD_CREATE = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("memfd_create").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

    /** A memfd (MFD_CLOEXEC) holding {@code content}, through a raw binding. */
    static Fd memfd(String name, String content) {
        try (Arena a = Arena.ofConfined()) {
            int fd;
            try {
                fd = (int) MEMFD_CREATE.invokeExact(a.allocateFrom(name), 1);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
            assertThat(fd).isNotNegative();
            byte[] b = content.getBytes(StandardCharsets.UTF_8);
            MemorySegment s = a.allocate(Math.max(1, b.length));
            MemorySegment.copy(b, 0, s, ValueLayout.JAVA_BYTE, 0, b.length);
            assertThat(Unistd.write(fd, s, b.length)).isEqualTo(b.length);
            return Fd.adopt(fd, "memfd " + name);
        }
    }

    /** A regular file opened read-only with open(2). */
    static Fd openReadOnly(Path file, String content) throws Exception {
        Files.writeString(file, content);
        try (Arena a = Arena.ofConfined()) {
            int fd = Fcntl.open(a.allocateFrom(file.toString()), Fcntl.O_RDONLY | Fcntl.O_CLOEXEC, 0);
            assertThat(fd).isNotNegative();
            return Fd.adopt(fd, file.toString());
        }
    }
}
