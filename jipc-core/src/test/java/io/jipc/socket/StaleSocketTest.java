package io.jipc.socket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jipc.Errno;
import io.jipc.IpcException;
import io.jipc.NotFoundException;
import io.jipc.IpcInterruptedException;
import io.jipc.internal.libc.Fcntl;
import io.jipc.internal.libc.SysFile;
import io.jipc.internal.libc.Unistd;
import io.jipc.testing.CPeer;
import io.jipc.testing.Peer;
import io.jipc.testing.TestIpc;
import io.jipc.testing.ThreadSyscalls;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Socket files: a dead server's file is replaced on request, a live one's never; modes; unlink. */
class StaleSocketTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final UnixServerSocket.Options REPLACE_STALE = UnixServerSocket.Options.defaults().withReplaceStale(true);
    private final List<Path> created = new ArrayList<>();

    private UnixAddress address(String what) {
        UnixAddress a = SocketTesting.path(what);
        created.add(a.path());
        return a;
    }

    @AfterEach
    void removeFiles() throws Exception {
        for (Path p : created) {
            Files.deleteIfExists(p);
        }
    }

    /** A C server killed with SIGKILL leaves its socket file; connect says ECONNREFUSED. */
    private static void leaveStaleFile(UnixAddress address, String type) {
        try (Peer dead = CPeer.start("unix_peer", "hold", type, address.toString())) {
            dead.awaitOutput("ready", WAIT);
        } // close() kills -9 and reaps
        assertThat(Files.exists(address.path())).isTrue();
    }

    private static IpcException errorOf(Throwable t) {
        return (IpcException) t;
    }

    @Test
    void aDeadServersFileIsReplacedOnlyWhenAsked() throws Exception {
        UnixAddress address = address("stale");
        leaveStaleFile(address, "stream");
        assertThatThrownBy(() -> UnixSocket.connect(address)).isInstanceOf(IpcException.class)
                .satisfies(e -> assertThat(errorOf(e).error()).isEqualTo(Errno.ECONNREFUSED));
        assertThatThrownBy(() -> UnixServerSocket.bind(address)).isInstanceOf(IpcException.class)
                .hasMessageContaining("bind with replaceStale")
                .satisfies(e -> assertThat(errorOf(e).error()).isEqualTo(Errno.EADDRINUSE));
        try (UnixServerSocket server = UnixServerSocket.bind(address, REPLACE_STALE);
                UnixSocket client = UnixSocket.connect(address);
                UnixSocket accepted = server.tryAccept(WAIT).orElseThrow()) {
            client.send(new byte[] {42});
            assertThat(accepted.receive(new byte[1])).isEqualTo(1);
            server.unlink();
            assertThat(Files.exists(address.path())).isFalse();
        }
    }

    @Test
    void aStaleDatagramFileIsReplacedToo() throws Exception {
        UnixAddress address = address("stale-dgram");
        leaveStaleFile(address, "dgram");
        try (UnixDatagramSocket s = UnixDatagramSocket.bind(address,
                        UnixDatagramSocket.Options.defaults().withReplaceStale(true).withUnlinkOnClose(true));
                UnixDatagramSocket c = UnixDatagramSocket.unbound()) {
            c.sendTo(new byte[] {1, 2}, address);
            assertThat(s.receive(new byte[4])).isEqualTo(2);
        }
        assertThat(Files.exists(address.path())).as("unlinkOnClose").isFalse();
    }

    @Test
    void aLiveServersFileIsNeverTouched() throws Exception {
        for (String type : List.of("stream", "seqpacket", "dgram")) {
            UnixAddress address = address("live-" + type);
            try (Peer live = CPeer.start("unix_peer", "hold", type, address.toString())) {
                live.awaitOutput("ready", WAIT);
                long inode = (long) Files.getAttribute(address.path(), "unix:ino");
                assertThatThrownBy(() -> UnixServerSocket.bind(address, REPLACE_STALE))
                        .isInstanceOf(IpcException.class).hasMessageContaining("live socket")
                        .satisfies(e -> assertThat(errorOf(e).error()).isEqualTo(Errno.EADDRINUSE));
                assertThatThrownBy(() -> UnixDatagramSocket.bind(address, UnixDatagramSocket.Options.defaults().withReplaceStale(true)))
                        .isInstanceOf(IpcException.class).hasMessageContaining("live socket");
                assertThat((long) Files.getAttribute(address.path(), "unix:ino")).isEqualTo(inode);
                if (!type.equals("dgram")) {
                    // still reachable: the probe made no connection and removed nothing
                    try (UnixSocket c = UnixSocket.connect(address, SocketType.parse(type))) {
                        assertThat(c.isOpen()).isTrue();
                    }
                }
            }
        }
    }

    @Test
    void somethingElseAtThePathIsNeverReplaced() throws Exception {
        UnixAddress address = address("regular");
        Files.writeString(address.path(), "precious");
        assertThatThrownBy(() -> UnixServerSocket.bind(address, REPLACE_STALE))
                .isInstanceOf(IpcException.class).hasMessageContaining("not a socket");
        assertThat(Files.readString(address.path())).isEqualTo("precious");
    }

    /** Two replacers race for one stale file: exactly one binds, the other finds a live server. */
    @Test
    void racingReplacersNeverRemoveEachOthersSocket() throws Exception {
        for (int round = 0; round < 10; round++) {
            UnixAddress address = address("race");
            leaveStaleFile(address, "stream");
            CyclicBarrier start = new CyclicBarrier(2);
            List<CompletableFuture<Object>> racers = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                racers.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        start.await();
                        return UnixServerSocket.bind(address, REPLACE_STALE);
                    } catch (Exception e) {
                        return e;
                    }
                }, r -> Thread.ofPlatform().start(r)));
            }
            List<Object> outcomes = new ArrayList<>();
            for (CompletableFuture<Object> r : racers) {
                outcomes.add(r.get(30, TimeUnit.SECONDS));
            }
            List<UnixServerSocket> winners = outcomes.stream().filter(o -> o instanceof UnixServerSocket)
                    .map(o -> (UnixServerSocket) o).toList();
            try {
                assertThat(winners).as("round " + round + ": " + outcomes).hasSize(1);
                assertThat(outcomes).filteredOn(o -> o instanceof IpcException).singleElement()
                        .satisfies(e -> assertThat(((IpcException) e).error()).isEqualTo(Errno.EADDRINUSE));
                try (UnixSocket c = UnixSocket.connect(address); UnixSocket a = winners.get(0).tryAccept(WAIT).orElseThrow()) {
                    assertThat(a.isOpen()).as("the winner's socket is the one at the path").isTrue();
                }
            } finally {
                winners.forEach(UnixServerSocket::close);
                Files.deleteIfExists(address.path());
            }
        }
    }

    /**
     * A replacement waits for another replacer's lock on the directory inside flock(2), asleep
     * rather than retrying, answers interrupt there (leaving the stale file alone), and goes on
     * once the lock is free.
     */
    @Test
    void aReplacementWaitsForTheDirectoryLockInsideFlock() throws Exception {
        Path dir = Files.createDirectory(SocketTesting.DIR.resolve(TestIpc.name("lockdir").substring(1)));
        UnixAddress address = UnixAddress.of(dir.resolve("s"));
        created.add(address.path());
        try {
            leaveStaleFile(address, "stream");
            int held;
            try (Arena a = Arena.ofConfined()) {
                held = Fcntl.open(a.allocateFrom(dir.toString()), Fcntl.O_RDONLY | Fcntl.O_DIRECTORY | Fcntl.O_CLOEXEC, 0);
            }
            assertThat(held).isNotNegative();
            CompletableFuture<Object> waiting;
            AtomicInteger tid = new AtomicInteger();
            try {
                assertThat(SysFile.flock(held, SysFile.LOCK_EX)).isZero();
                AtomicReference<Thread> thread = new AtomicReference<>();
                CompletableFuture<Object> interrupted = bindReplacing(address, tid, thread);
                assertThat(ThreadSyscalls.awaitSleepingIn(tid::get, interrupted, "flock", "clock_nanosleep", "poll", "ppoll"))
                        .isEqualTo("flock");
                thread.get().interrupt();
                assertThat(interrupted.get(5, TimeUnit.SECONDS)).isInstanceOf(IpcInterruptedException.class)
                        .asInstanceOf(InstanceOfAssertFactories.THROWABLE).hasMessageStartingWith("flock(");
                assertThat(Files.exists(address.path())).as("the stale file is still there").isTrue();
                waiting = bindReplacing(address, tid, thread);
                assertThat(ThreadSyscalls.awaitSleepingIn(tid::get, waiting, "flock")).isEqualTo("flock");
            } finally {
                Unistd.close(held);
            }
            Object outcome = waiting.get(10, TimeUnit.SECONDS);
            assertThat(outcome).isInstanceOf(UnixServerSocket.class);
            try (UnixServerSocket server = (UnixServerSocket) outcome; UnixSocket c = UnixSocket.connect(address);
                    UnixSocket accepted = server.tryAccept(WAIT).orElseThrow()) {
                assertThat(accepted.isOpen()).isTrue();
            }
        } finally {
            Files.deleteIfExists(address.path());
            Files.deleteIfExists(dir);
        }
    }

    private static CompletableFuture<Object> bindReplacing(UnixAddress address, AtomicInteger tid,
            AtomicReference<Thread> thread) {
        tid.set(0); // until the new thread has published its own
        return CompletableFuture.supplyAsync(() -> {
            thread.set(Thread.currentThread());
            tid.set(Unistd.gettid());
            try {
                return UnixServerSocket.bind(address, REPLACE_STALE);
            } catch (Throwable t) {
                return t;
            }
        }, r -> Thread.ofPlatform().start(r));
    }

    @Test
    void socketFilesGetExactlyTheModeAsked() throws Exception {
        UnixAddress a = address("mode-default");
        UnixAddress b = address("mode-group");
        try (UnixServerSocket s = UnixServerSocket.bind(a);
                UnixDatagramSocket d = UnixDatagramSocket.bind(b,
                        UnixDatagramSocket.Options.defaults().withMode(PosixFilePermissions.fromString("rw-rw-rw-")))) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(a.path()))).isEqualTo("rw-------");
            // wider than the usual umask allows: widened after bind
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(b.path()))).isEqualTo("rw-rw-rw-");
        }
        assertThat(Files.exists(a.path())).as("close leaves the file; only unlink removes it").isTrue();
    }

    @Test
    void unlinkRemovesOnlyTheFileThisSocketCreated() throws Exception {
        UnixAddress address = address("mine");
        try (UnixServerSocket first = UnixServerSocket.bind(address)) {
            Files.delete(address.path());
            try (UnixServerSocket second = UnixServerSocket.bind(address)) {
                assertThatThrownBy(first::unlink).as("the file at the path is the second server's")
                        .isInstanceOf(NotFoundException.class);
                assertThat(Files.exists(address.path())).isTrue();
                try (UnixSocket c = UnixSocket.connect(address); UnixSocket s = second.tryAccept(WAIT).orElseThrow()) {
                    assertThat(s.isOpen()).isTrue();
                }
                second.unlink();
                assertThat(Files.exists(address.path())).isFalse();
                assertThatThrownBy(second::unlink).isInstanceOf(NotFoundException.class)
                        .hasMessage("unlink(" + address + "): No such file or directory (ENOENT)");
            }
        }
        try (UnixServerSocket abs = UnixServerSocket.bind(SocketTesting.address(SocketTesting.Kind.ABSTRACT, "nofile"))) {
            abs.unlink(); // an abstract name has no file: nothing to do
            assertThat(abs.isOpen()).isTrue();
        }
    }
}
