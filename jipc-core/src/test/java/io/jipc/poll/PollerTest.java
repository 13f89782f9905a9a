package io.jipc.poll;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jipc.AlreadyExistsException;
import io.jipc.Fd;
import io.jipc.FdBacked;
import io.jipc.IpcException;
import io.jipc.IpcInterruptedException;
import io.jipc.ObjectClosedException;
import io.jipc.internal.libc.Fcntl;
import io.jipc.internal.libc.Unistd;
import io.jipc.Transfer;
import io.jipc.socket.SocketType;
import io.jipc.socket.UnixAddress;
import io.jipc.socket.UnixServerSocket;
import io.jipc.socket.UnixSocket;
import io.jipc.testing.ThreadMeters;
import io.jipc.testing.BlockedCalls;
import io.jipc.testing.CPeer;
import io.jipc.testing.Peer;
import io.jipc.testing.TestIpc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class PollerTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Set<Readiness> READ = Set.of(Readiness.READ);

    /** A pipe end as a jipc object; the pipe type of io.jipc.pipe is another issue's. */
    record PipeEnd(Fd fd) implements FdBacked {
        @Override
        public void close() {
            fd.close();
        }
    }

    /** [read end, write end], non-blocking and close-on-exec, through raw pipe2. */
    static PipeEnd[] pipe() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(ValueLayout.JAVA_INT, 2);
            assertThat(Unistd.pipe2(fds, Fcntl.O_CLOEXEC | Fcntl.O_NONBLOCK)).isZero();
            return new PipeEnd[] {new PipeEnd(Fd.adopt(fds.getAtIndex(ValueLayout.JAVA_INT, 0), "pipe")),
                    new PipeEnd(Fd.adopt(fds.getAtIndex(ValueLayout.JAVA_INT, 1), "pipe"))};
        }
    }

    static void write(FdBacked end, int bytes) throws IpcException {
        try (Arena a = Arena.ofConfined()) {
            int n = end.fd().acquire("write");
            try {
                assertThat(Unistd.write(n, a.allocate(bytes), bytes)).isEqualTo(bytes);
            } finally {
                end.fd().release();
            }
        }
    }

    static void drain(FdBacked end) throws IpcException {
        try (Arena a = Arena.ofConfined()) {
            int n = end.fd().acquire("read");
            try {
                Unistd.read(n, a.allocate(4096), 4096);
            } finally {
                end.fd().release();
            }
        }
    }

    private static Set<Object> readyAttachments(Poller p, int n) {
        Set<Object> s = new HashSet<>();
        for (int i = 0; i < n; i++) {
            assertThat(p.ready(i).isReadable()).isTrue();
            s.add(p.ready(i).attachment());
        }
        return s;
    }

    /**
     * A C process connects 100 stream sockets to a jipc server and writes on the ones it is told
     * to; a local pipe joins them. Each poll reports exactly the sockets written to.
     */
    @Test
    void aHundredSocketsFromAnotherProcessAndAPipe() throws Exception {
        UnixAddress address = UnixAddress.abstractName(TestIpc.name("poller").substring(1));
        List<UnixSocket> accepted = new ArrayList<>();
        PipeEnd[] pipe = pipe();
        try (UnixServerSocket server = UnixServerSocket.bind(address, UnixServerSocket.Options.defaults().withBacklog(128));
                Peer fan = CPeer.start("unix_peer", "fan", "100", address.toString());
                Poller poller = Poller.create(); PipeEnd r = pipe[0]; PipeEnd w = pipe[1]) {
            for (int i = 0; i < 100; i++) {
                accepted.add(server.tryAccept(WAIT).orElseThrow());
            }
            fan.awaitOutput("connected", WAIT);
            // the C peer connected in order, and a UNIX backlog is FIFO: connection i is socket i
            for (int i = 0; i < 100; i++) {
                poller.register(accepted.get(i), READ, i);
            }
            poller.register(r, READ, "pipe");
            assertThat(poller.size()).isEqualTo(101);
            assertThat(poller.tryPoll()).isZero();

            fan.send("7");
            fan.awaitOutput("done 1", WAIT);
            assertThat(poller.tryPoll(WAIT)).isEqualTo(1);
            assertThat(poller.ready(0).attachment()).isEqualTo(7);
            assertThat(poller.ready(0).source()).isSameAs(accepted.get(7));
            assertThat(poller.ready(0).readySet()).containsExactly(Readiness.READ);
            assertThat(accepted.get(7).receive(new byte[8])).isEqualTo(1);

            fan.send("0 42 99");
            fan.awaitOutput("done 2", WAIT);
            write(w, 3);
            Set<Object> seen = new HashSet<>();
            while (seen.size() < 4) {
                int n = poller.tryPoll(WAIT);
                assertThat(n).isPositive();
                seen.addAll(readyAttachments(poller, n));
            }
            assertThat(seen).containsExactlyInAnyOrder(0, 42, 99, "pipe");
            for (int i : new int[] {0, 42, 99}) {
                accepted.get(i).receive(new byte[8]);
            }
            drain(r);
            assertThat(poller.tryPoll()).as("level-triggered: nothing left").isZero();

            // the peer goes away: every socket reports end of stream
            fan.stdin().close();
            fan.awaitSuccess(WAIT);
            Set<Object> hung = new HashSet<>();
            while (hung.size() < 100) {
                int n = poller.tryPoll(WAIT);
                for (int i = 0; i < n; i++) {
                    Registration reg = poller.ready(i);
                    assertThat(((UnixSocket) reg.source()).tryReceive(new byte[8], 0, 8)).isEqualTo(Transfer.EOF);
                    hung.add(reg.attachment());
                    reg.cancel();
                }
            }
            assertThat(poller.size()).isEqualTo(1);
        } finally {
            accepted.forEach(UnixSocket::close);
        }
    }

    @Test
    void timeoutWakeupAndPollNow() throws Exception {
        try (Poller poller = Poller.create(); UnixSocket.Pair p = UnixSocket.pair(SocketType.STREAM)) {
            poller.register(p.second(), READ);
            long start = System.nanoTime();
            assertThat(poller.tryPoll(Duration.ofMillis(100))).isZero();
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(100));

            CompletableFuture<Integer> waiting = CompletableFuture.supplyAsync(() -> {
                try {
                    return poller.tryPoll(WAIT);
                } catch (IpcException e) {
                    throw new RuntimeException(e);
                }
            }, r -> Thread.ofPlatform().start(r));
            Thread.sleep(100);
            assertThat(waiting).isNotDone();
            poller.wakeup();
            assertThat(waiting.get(5, TimeUnit.SECONDS)).isZero();

            // a wake-up with nobody polling makes the next poll return at once; several count as one
            poller.wakeup();
            poller.wakeup();
            assertThat(poller.tryPoll(WAIT)).isZero();
            assertThat(poller.tryPoll(Duration.ofMillis(20))).isZero();

            p.first().send(new byte[] {1});
            assertThat(poller.tryPoll(WAIT)).isEqualTo(1);
            assertThat(poller.ready()).hasSize(1);
            assertThat(poller.readyCount()).isEqualTo(1);
        }
    }

    @Test
    void interruptIsAnsweredWithin100msAndThePollerStaysUsable() throws Exception {
        try (Poller poller = Poller.create(); UnixSocket.Pair p = UnixSocket.pair(SocketType.STREAM)) {
            poller.register(p.second(), READ);
            BlockedCalls.assertInterruptAnsweredWithin(Duration.ofMillis(100), poller::poll);
            assertThat(poller.tryPoll(Duration.ofMillis(20))).as("the interrupt's wake-up was drained").isZero();
            p.first().send(new byte[] {1});
            assertThat(poller.tryPoll(WAIT)).isEqualTo(1);
        }
    }

    @Test
    void aBlockedPollSleepsInsideEpollWaitAndTimedPollsToo() throws Exception {
        try (Poller poller = Poller.create(); UnixSocket.Pair p = UnixSocket.pair(SocketType.STREAM)) {
            poller.register(p.second(), READ);
            for (boolean timed : new boolean[] {false, true}) {
                java.util.concurrent.atomic.AtomicInteger tid = new java.util.concurrent.atomic.AtomicInteger();
                CompletableFuture<Integer> polled = CompletableFuture.supplyAsync(() -> {
                    tid.set(Unistd.gettid());
                    try {
                        return timed ? poller.tryPoll(Duration.ofSeconds(60)) : poller.poll();
                    } catch (IpcException e) {
                        throw new RuntimeException(e);
                    }
                }, r -> Thread.ofPlatform().start(r));
                // One system call per wait, as in C: epoll_wait with its own timeout, not a poll(2) around it.
                io.jipc.testing.ThreadSyscalls.awaitSleepingIn(tid::get, polled, "epoll_wait", "epoll_pwait");
                p.first().send(new byte[] {1});
                assertThat(polled.get(5, TimeUnit.SECONDS)).isEqualTo(1);
                p.second().receive(new byte[1]);
            }
        }
    }

    @Test
    void closingThePollerWakesThePollingThread() throws Exception {
        Poller poller = Poller.create();
        CompletableFuture<Throwable> outcome = CompletableFuture.supplyAsync(() -> {
            try {
                poller.poll();
                return null;
            } catch (Throwable t) {
                return t;
            }
        }, r -> Thread.ofPlatform().start(r));
        Thread.sleep(100);
        poller.close();
        assertThat(outcome.get(5, TimeUnit.SECONDS)).isInstanceOf(ObjectClosedException.class);
        assertThatThrownBy(poller::poll).isInstanceOf(ObjectClosedException.class);
        try (UnixSocket.Pair p = UnixSocket.pair(SocketType.STREAM)) {
            assertThatThrownBy(() -> poller.register(p.first(), READ)).isInstanceOf(ObjectClosedException.class);
        }
        poller.close();
    }

    private static boolean isOpenNumber(int number) {
        return Files.exists(Path.of("/proc/self/fd/" + number), java.nio.file.LinkOption.NOFOLLOW_LINKS);
    }

    private static int numberOf(Fd fd) throws IpcException {
        int n = fd.acquire("test");
        fd.release();
        return n;
    }

    /**
     * The owner closes a registered object: the registration keeps the number open (so it cannot
     * be reused behind epoll's back) until the next poll, which drops the registration, reports
     * nothing for it, and lets the number close. A pipe opened afterwards, likely on the same
     * number, is reported under its own registration only.
     */
    @Test
    void anObjectClosedWhileRegisteredIsDroppedAtTheNextPoll() throws Exception {
        try (Poller poller = Poller.create()) {
            PipeEnd[] old = pipe();
            int number = numberOf(old[0].fd());
            Registration reg = poller.register(old[0], READ, "old");
            try (PipeEnd w = old[1]) {
                write(w, 1); // ready, and stays ready: epoll would keep reporting it
                old[0].close();
                assertThat(old[0].fd().isOpen()).isFalse();
                assertThat(isOpenNumber(number)).as("held by the registration until the poller lets go").isTrue();
                assertThat(reg.isValid()).isTrue();
                assertThat(poller.tryPoll(Duration.ofMillis(50))).as("the closed object is not reported").isZero();
                assertThat(reg.isValid()).isFalse();
                assertThat(poller.size()).isZero();
                assertThat(isOpenNumber(number)).as("really closed now").isFalse();
            }
            PipeEnd[] fresh = pipe();
            try (PipeEnd r = fresh[0]; PipeEnd w = fresh[1]) {
                poller.register(r, READ, "fresh");
                write(w, 1);
                assertThat(poller.tryPoll(WAIT)).isEqualTo(1);
                assertThat(poller.ready(0).attachment()).isEqualTo("fresh");
            }
        }
    }

    @Test
    void cancelReleasesAtOnceAndClosingThePollerReleasesEverything() throws Exception {
        PipeEnd[] a = pipe();
        PipeEnd[] b = pipe();
        int na = numberOf(a[0].fd());
        int nb = numberOf(b[0].fd());
        try (Poller poller = Poller.create(); PipeEnd wa = a[1]; PipeEnd wb = b[1]) {
            Registration ra = poller.register(a[0], READ);
            poller.register(b[0].fd(), READ, Poller.Trigger.LEVEL, "raw");
            assertThatThrownBy(() -> poller.register(a[0], READ)).isInstanceOf(AlreadyExistsException.class);
            ra.cancel();
            ra.cancel();
            a[0].close();
            assertThat(isOpenNumber(na)).as("cancelled first: closed at once").isFalse();
            assertThatThrownBy(() -> ra.setInterest(READ)).isInstanceOf(ObjectClosedException.class);
            b[0].close();
            assertThat(isOpenNumber(nb)).isTrue();
            poller.close();
            assertThat(isOpenNumber(nb)).as("the poller let go on close").isFalse();
        }
    }

    @Test
    void oneShotAndEdgeTriggers() throws Exception {
        PipeEnd[] p = pipe();
        PipeEnd[] q = pipe();
        try (Poller poller = Poller.create(); PipeEnd r = p[0]; PipeEnd w = p[1]; PipeEnd er = q[0]; PipeEnd ew = q[1]) {
            Registration once = poller.register(r, READ, Poller.Trigger.ONE_SHOT, "once");
            Registration edge = poller.register(er, READ, Poller.Trigger.EDGE, "edge");
            assertThat(once.trigger()).isEqualTo(Poller.Trigger.ONE_SHOT);
            write(w, 1);
            write(ew, 1);
            assertThat(poller.tryPoll(WAIT)).isEqualTo(2);
            assertThat(poller.tryPoll()).as("one-shot disarmed, edge already reported").isZero();
            write(ew, 1);
            assertThat(poller.tryPoll(WAIT)).isEqualTo(1);
            assertThat(poller.ready(0)).isSameAs(edge);
            once.setInterest(Set.of(Readiness.READ, Readiness.WRITE));
            assertThat(once.interest()).containsExactlyInAnyOrder(Readiness.READ, Readiness.WRITE);
            assertThat(poller.tryPoll(WAIT)).isEqualTo(1);
            assertThat(poller.ready(0)).isSameAs(once);
        }
    }

    @Test
    void writabilityHangupAndAttachments() throws Exception {
        UnixSocket.Pair p = UnixSocket.pair(SocketType.STREAM);
        try (Poller poller = Poller.create(); UnixSocket a = p.first()) {
            Registration reg = poller.register(a, Set.of(Readiness.WRITE, Readiness.READ_HANGUP), "first");
            assertThat(poller.tryPoll()).isEqualTo(1);
            assertThat(reg.isWritable()).isTrue();
            assertThat(reg.isHangup()).isFalse();
            assertThat(reg.attach("renamed")).isEqualTo("first");
            p.second().close();
            assertThat(poller.tryPoll(WAIT)).isEqualTo(1);
            assertThat(reg.isHangup()).isTrue();
            assertThat(reg.attachment()).isEqualTo("renamed");
            assertThat(poller.registrations()).containsExactly(reg);
        }
    }

    @Test
    void oneThreadPollsAtATime() throws Exception {
        try (Poller poller = Poller.create()) {
            CompletableFuture<Integer> first = CompletableFuture.supplyAsync(() -> {
                try {
                    return poller.tryPoll(WAIT);
                } catch (IpcException e) {
                    throw new RuntimeException(e);
                }
            }, r -> Thread.ofPlatform().start(r));
            Thread.sleep(100);
            assertThatThrownBy(poller::tryPoll).isInstanceOf(IllegalStateException.class);
            poller.wakeup();
            assertThat(first.get(5, TimeUnit.SECONDS)).isZero();
        }
    }

    @Test
    void badArgumentsAreRefused() throws Exception {
        assertThatThrownBy(() -> Poller.create(0)).isInstanceOf(IllegalArgumentException.class);
    }

    /** The steady-state wait loop makes no garbage (per-thread allocation counter, after compilation). */
    @Test
    void pollingAllocatesNothingInTheSteadyState() throws Exception {
        try (Poller poller = Poller.create(); UnixSocket.Pair p = UnixSocket.pair(SocketType.STREAM)) {
            poller.register(p.second(), READ);
            p.first().send(new byte[] {1});
            long allocated = ThreadMeters.allocatedBytesOf(() -> spin(poller), 30_000);
            assertThat(allocated).as("bytes allocated by 30,000 polls").isLessThan(30_000);
        }
    }

    private static void spin(Poller poller) throws IpcException {
        int n = poller.tryPoll(Duration.ZERO);
        for (int i = 0; i < n; i++) {
            if (!poller.ready(i).isReadable()) {
                throw new AssertionError();
            }
        }
    }
}
