package io.jipc.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jipc.Fd;
import io.jipc.IpcException;
import io.jipc.internal.libc.Unistd;
import io.jipc.poll.Poller;
import io.jipc.poll.Readiness;
import io.jipc.signal.Signal;
import io.jipc.testing.BlockedCalls;
import io.jipc.testing.CPeer;
import io.jipc.testing.Peer;
import io.jipc.testing.PeerJvm;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Signalling through pidfds: a process held by one, a child, and a pid the kernel gave to another process. */
class PidFdTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final long SELF = ProcessHandle.current().pid();

    @Test
    void aPidFdSignalsQueuesAndWatchesAProcessThisJvmDidNotStartItself() throws Exception {
        try (Peer c = CPeer.start("signal_peer", "wait", "2", "10", "36")) {
            c.awaitOutput("ready", WAIT);
            try (PidFd p = PidFd.open(c.pid()); Poller poller = Poller.create()) {
                assertThat(p.pid()).isEqualTo(c.pid());
                poller.register(p, Set.of(Readiness.READ));
                assertThat(p.isAlive()).isTrue();
                assertThat(p.tryWaitForExit(Duration.ofMillis(50))).isFalse();
                assertThat(poller.tryPoll(Duration.ofMillis(50))).isZero();
                assertThat(p.signal(Signal.SIGUSR1)).isTrue();
                assertThat(p.queue(Signal.SIGRTMIN_2, 99)).isTrue();
                p.waitForExit(); // the peer ends after its two signals
                assertThat(p.tryWaitForExit()).isTrue();
                assertThat(poller.tryPoll(WAIT)).as("readable once it exited").isEqualTo(1);
                c.awaitSuccess(WAIT); // reaped by its parent, the JDK
                assertThat(p.signal(Signal.SIGUSR1)).as("gone: ESRCH, nothing sent").isFalse();
                assertThat(p.queue(Signal.SIGUSR1, 1)).isFalse();
            }
            int uid = Unistd.getuid();
            assertThat(c.stdout().lines().skip(1)).containsExactlyInAnyOrder(
                    "10 0 " + SELF + " " + uid + " 0",
                    "36 -1 " + SELF + " " + uid + " 99");
        }
    }

    @Test
    void waitingForExitAnswersInterruptAndClose() throws Exception {
        try (ChildProcess sleeper = ChildProcess.builder("/bin/sleep", "60").start();
                PidFd p = PidFd.open(sleeper.pid())) {
            BlockedCalls.assertInterruptAnsweredWithin(Duration.ofMillis(100), p::waitForExit);
            List<PidFd> opened = new ArrayList<>();
            BlockedCalls.closeAndInterruptRacingTheEntryAlwaysWake(100, () -> {
                PidFd fresh = PidFd.open(sleeper.pid());
                opened.add(fresh);
                return new BlockedCalls.WaitTarget() {
                    @Override
                    public void block() throws Exception {
                        fresh.waitForExit();
                    }

                    @Override
                    public void closeObject() {
                        fresh.close();
                    }

                    @Override
                    public void close() {
                        fresh.close();
                    }
                };
            });
        }
    }

    @Test
    void badArgumentsAndMissingProcessesAreSaidClearly() throws Exception {
        assertThatThrownBy(() -> PidFd.open(0)).isInstanceOf(IllegalArgumentException.class);
        long gone;
        try (ChildProcess c = ChildProcess.builder("/bin/sh", "-c", "exit 0").start()) {
            gone = c.pid();
            c.waitFor();
            assertThat(c.signal(Signal.SIGTERM)).as("reaped child: ESRCH, false").isFalse();
            assertThat(c.queue(Signal.SIGTERM, 3)).isFalse();
        }
        assertThatThrownBy(() -> PidFd.open(gone)).isInstanceOf(IpcException.class)
                .hasMessage("pidfd_open(" + gone + "): No such process (ESRCH)");
        try (Fd notAPidfd = Fd.adopt(io.jipc.internal.libc.Eventfd.eventfd(0, io.jipc.internal.libc.Eventfd.EFD_CLOEXEC), "eventfd")) {
            assertThatThrownBy(() -> PidFd.adopt(notAPidfd)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is not a pidfd");
            assertThat(notAPidfd.isOpen()).isTrue();
        }
    }

    @Test
    void aDuplicatedPidfdIsAdoptedWithItsPid() throws Exception {
        try (ChildProcess c = ChildProcess.builder("/bin/sleep", "60").start();
                PidFd p = PidFd.adopt(c.fd().duplicate())) {
            assertThat(p.pid()).isEqualTo(c.pid());
            assertThat(p.signal(Signal.SIGTERM)).isTrue();
            assertThat(c.waitFor().killedBy(Signal.SIGTERM)).isTrue();
        }
    }

    @Test
    void aSignalThroughThePidfdOfAReapedChildNeverReachesTheProcessThatGotItsPid() throws Exception {
        Process probe = new ProcessBuilder("unshare", "--pid", "--fork", "--mount-proc", "true")
                .redirectErrorStream(true).start();
        String why = new String(probe.getInputStream().readAllBytes()).strip();
        assumeTrue(probe.waitFor() == 0, "needs a new pid namespace (CAP_SYS_ADMIN): unshare said " + why);
        List<String> cmd = new ArrayList<>(List.of("unshare", "--pid", "--fork", "--mount-proc"));
        cmd.add(PeerJvm.javaCommand());
        cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), PidReusePeer.class.getName()));
        try (Peer p = Peer.start("pid-reuse", cmd)) {
            p.awaitSuccess(Duration.ofSeconds(120));
            assertThat(p.stdout()).matches("reused \\d+\npidfd signal: false\npidfd queue: false\nsecond alive: true\n"
                    + "kill: killed by SIGTERM\n");
        }
    }
}
