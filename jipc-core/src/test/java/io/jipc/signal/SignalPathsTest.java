package io.jipc.signal;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.internal.libc.SignalH;
import io.jipc.testing.CPeer;
import io.jipc.testing.Peer;
import io.jipc.testing.PeerJvm;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The two ways a signal reaches jipc, in JVMs started for the purpose (they change their own
 * signal state): a JVM started with signals blocked keeps them blocked in every thread, and jipc
 * reads them from a signalfd, merged and queued exactly as the kernel keeps them; in an ordinary
 * JVM jipc's handler takes them in whatever thread the kernel picks. The same siginfo either way.
 * Also the claims about HotSpot that jipc builds on, checked on the JDK the tests run on.
 */
class SignalPathsTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    /** The lines after "ready": what the peer got, then "lost N" and "done". */
    private static List<String> got(Peer p) {
        p.awaitOutput("done", WAIT);
        List<String> lines = p.stdout().lines().toList();
        int ready = 0;
        while (!lines.get(ready).startsWith("ready")) {
            ready++;
        }
        return lines.subList(ready + 1, lines.size());
    }

    private static long pidOf(Peer p) {
        p.awaitOutput("ready", WAIT);
        return p.stdout().lines().filter(l -> l.startsWith("ready ")).map(l -> Long.parseLong(l.substring(6)))
                .findFirst().orElseThrow();
    }

    /** The C programs that sent: one SIGUSR1 three times, the other SIGRTMIN+1 with 1, 2, 3. */
    private record Senders(long killer, long queuer) {}

    private static Senders sendFromC(long pid) {
        try (Peer kill = CPeer.start("signal_peer", "kill", Long.toString(pid), "10", "3")) {
            kill.awaitSuccess(WAIT);
            try (Peer queue = CPeer.start("signal_peer", "queue", Long.toString(pid), "35", "1", "3")) {
                queue.awaitSuccess(WAIT);
                return new Senders(kill.pid(), queue.pid());
            }
        }
    }

    @Test
    void blockedFromTheStartTheyArriveThroughTheSignalfdMergedAndQueuedAsTheKernelKeepsThem() {
        for (String mode : List.of("catch", "handle")) {
            try (Peer p = PeerJvm.startWithSignalsBlocked(List.of(10, 35), List.of(), SignalPeer.class, mode,
                    "USR1", "RTMIN+1")) {
                long pid = pidOf(p);
                assertThat(p.stdout()).contains("path SIGUSR1 signalfd\n", "path SIGRTMIN+1 signalfd\n");
                Senders from = sendFromC(pid);
                long queuer = from.queuer();
                long killer = from.killer();
                p.send("go");
                String thread = mode.equals("catch") ? "main" : "jipc-signal-dispatch";
                // The kernel merged the three SIGUSR1 into the first, queued the real-time ones in
                // order, and hands the lower number out first.
                assertThat(got(p)).as(mode).containsExactly(
                        "SIGUSR1 KILL " + killer + " 0 " + thread,
                        "SIGRTMIN+1 QUEUE " + queuer + " 1 " + thread,
                        "SIGRTMIN+1 QUEUE " + queuer + " 2 " + thread,
                        "SIGRTMIN+1 QUEUE " + queuer + " 3 " + thread,
                        "lost 0", "done");
            }
        }
    }

    @Test
    void blockedFromTheStartTheyMakeTheCatcherReadableInAPoller() {
        try (Peer p = PeerJvm.startWithSignalsBlocked(List.of(10, 35), List.of(), SignalPeer.class, "poll",
                "USR1", "RTMIN+1")) {
            long pid = pidOf(p);
            assertThat(p.stdout()).contains("path SIGUSR1 signalfd\n", "path SIGRTMIN+1 signalfd\n");
            Senders from = sendFromC(pid);
            p.send("go");
            assertThat(got(p)).containsExactly(
                    "SIGUSR1 KILL " + from.killer() + " 0 polled",
                    "SIGRTMIN+1 QUEUE " + from.queuer() + " 1 polled",
                    "SIGRTMIN+1 QUEUE " + from.queuer() + " 2 polled",
                    "SIGRTMIN+1 QUEUE " + from.queuer() + " 3 polled",
                    "lost 0", "done");
        }
    }

    @Test
    void aCatcherWhoseThreadWaitsGetsItsSignalsBackWhenALaterCatcherCloses() {
        // Blocked in every thread, the signal stays pending until a sigtimedwait names it: the
        // receiver, which went to sleep while the second catcher had it, must wait for it again.
        try (Peer p = PeerJvm.startWithSignalsBlocked(List.of(10), List.of(), SignalPeer.class, "regain", "USR1")) {
            long pid = pidOf(p);
            try (Peer kill = CPeer.start("signal_peer", "kill", Long.toString(pid), "10")) {
                kill.awaitSuccess(WAIT);
                p.send("go");
                assertThat(got(p)).containsExactly("SIGUSR1 KILL " + kill.pid() + " 0 receiver", "lost 0", "done");
            }
        }
    }

    @Test
    void inAnOrdinaryJvmTheHandlerTakesThemWithTheSameSiginfo() {
        try (Peer p = PeerJvm.start(SignalPeer.class, "catch", "USR1", "RTMIN+1")) {
            long pid = pidOf(p);
            assertThat(p.stdout()).contains("path SIGUSR1 handler\n", "path SIGRTMIN+1 handler\n");
            Senders from = sendFromC(pid);
            long queuer = from.queuer();
            long killer = from.killer();
            p.send("go");
            List<String> got = got(p);
            assertThat(got.stream().filter(l -> l.startsWith("SIGRTMIN+1"))).as("each real-time signal, with its value")
                    .containsExactlyInAnyOrder("SIGRTMIN+1 QUEUE " + queuer + " 1 main",
                            "SIGRTMIN+1 QUEUE " + queuer + " 2 main", "SIGRTMIN+1 QUEUE " + queuer + " 3 main");
            // Merged while one waited in the catcher; how many waited depends on when the peer
            // took them (as for a C handler).
            assertThat(got.stream().filter(l -> l.startsWith("SIGUSR1")).toList()).isNotEmpty().hasSizeLessThanOrEqualTo(3)
                    .allMatch(l -> l.equals("SIGUSR1 KILL " + killer + " 0 main"));
            assertThat(got).endsWith("lost 0", "done");
        }
    }

    @Test
    void hotSpotUnblocksItsShutdownSignalsInEveryThreadUnlessRunWithXrs() {
        try (Peer plain = PeerJvm.startWithSignalsBlocked(List.of(15), List.of(), SignalPeer.class, "catch", "TERM");
                Peer xrs = PeerJvm.startWithSignalsBlocked(List.of(15), List.of("-Xrs"), SignalPeer.class, "catch", "TERM")) {
            long plainPid = pidOf(plain);
            long xrsPid = pidOf(xrs);
            assertThat(plain.stdout()).contains("path SIGTERM handler\n");
            assertThat(xrs.stdout()).contains("path SIGTERM signalfd\n");
            for (long pid : new long[] {plainPid, xrsPid}) {
                try (Peer kill = CPeer.start("signal_peer", "kill", Long.toString(pid), "15")) {
                    kill.awaitSuccess(WAIT);
                }
            }
            plain.send("go");
            xrs.send("go");
            assertThat(got(plain)).hasSize(3).first().asString().startsWith("SIGTERM KILL ");
            assertThat(got(xrs)).hasSize(3).first().asString().startsWith("SIGTERM KILL ");
        }
    }

    @Test
    void withoutHandlerCodeOnlySignalsBlockedInEveryThreadCanBeCaught() {
        List<String> noCode = List.of("-D" + HandlerStub.PROPERTY + "=false");
        try (Peer blocked = PeerJvm.startWithSignalsBlocked(List.of(10), noCode, SignalPeer.class, "catch", "USR1");
                Peer ordinary = PeerJvm.start(noCode, SignalPeer.class, "catch", "USR1")) {
            long pid = pidOf(blocked);
            try (Peer kill = CPeer.start("signal_peer", "kill", Long.toString(pid), "10")) {
                kill.awaitSuccess(WAIT);
            }
            blocked.send("go");
            assertThat(got(blocked)).hasSize(3).first().asString().startsWith("SIGUSR1 KILL ");
            ordinary.awaitOutput("done", WAIT);
            assertThat(ordinary.stdout()).contains("path SIGUSR1 handler\n").contains("refused mmap(jipc's signal handler):"
                    + " executable code is disabled by -Dio.jipc.signalHandlerCode=false; without it jipc catches only"
                    + " signals blocked in every thread, and SIGUSR1 is not: start the JVM with it blocked"
                    + " (ChildProcessBuilder.blockSignals, env --block-signal=USR1) (EPERM)");
        }
    }

    @Test
    void aThreadStartsWithItsCreatorsMask() throws Exception {
        CompletableFuture<String> child = new CompletableFuture<>();
        Thread creator = Thread.ofPlatform().start(() -> {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment set = a.allocate(SignalH.SIGSET.layout());
                SignalH.sigemptyset(set);
                SignalH.sigaddset(set, Signal.SIGUSR1.number());
                SignalH.pthread_sigmask(SignalH.SIG_BLOCK, set, MemorySegment.NULL);
                Thread.ofPlatform().start(() -> child.complete(sigBlk())).join();
            } catch (Exception e) {
                child.completeExceptionally(e);
            }
        });
        creator.join();
        long mask = Long.parseUnsignedLong(child.get(10, TimeUnit.SECONDS), 16);
        assertThat(mask & (1L << (Signal.SIGUSR1.number() - 1))).as("SIGUSR1 blocked in the new thread").isNotZero();
    }

    private static String sigBlk() {
        try {
            return Files.readAllLines(Path.of("/proc/thread-self/status")).stream().filter(l -> l.startsWith("SigBlk:"))
                    .map(l -> l.substring(7).strip()).findFirst().orElseThrow();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
