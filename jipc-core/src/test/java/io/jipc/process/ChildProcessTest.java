package io.jipc.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jipc.Fd;
import io.jipc.IpcInterruptedException;
import io.jipc.NotFoundException;
import io.jipc.ObjectClosedException;
import io.jipc.internal.wait.Deadline;
import io.jipc.internal.libc.Poll;
import io.jipc.internal.libc.Spawn;
import io.jipc.signal.Signal;
import io.jipc.testing.BlockedCalls;
import io.jipc.testing.CPeer;
import io.jipc.testing.LeakGuard;
import io.jipc.testing.Peer;
import io.jipc.testing.PeerJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChildProcessTest {
    static final Duration WAIT = Duration.ofSeconds(30);
    /** The call that starts children here: pidfd_spawn on glibc 2.39+, posix_spawn before. */
    static final String SPAWN = Spawn.HAS_PIDFD_SPAWN ? "pidfd_spawn" : "posix_spawn";
    static final String SPAWNP = SPAWN + "p";
    static String probe;

    @BeforeAll
    static void compileProbe() {
        LeakGuard.register(Zombies.PROBE);
        probe = CPeer.compile("child_probe").toString();
    }

    @AfterAll
    static void noZombieLeft() {
        assertThat(Zombies.ofThisJvm()).isEmpty();
    }

    /** Runs the probe with a script, stdout captured through a jipc (non-blocking) pipe. */
    static Result run(ChildProcessBuilder b) throws Exception {
        try (TestPipe out = new TestPipe()) {
            try (ChildProcess child = b.stdout(Redirect.handOver(out.write)).start()) {
                String text = out.readAll(WAIT);
                return new Result(text, child.waitFor());
            }
        }
    }

    record Result(String out, ExitStatus status) {}

    static ChildProcessBuilder probe(String... script) {
        return ChildProcess.builder(probe, script);
    }

    @Test
    void childReadsFromFd3WhatTheParentWrites() throws Exception {
        try (TestPipe in = new TestPipe(); TestPipe out = new TestPipe()) {
            try (ChildProcess child = probe("fdinfo", "3", "read", "3")
                    .fd(3, Redirect.handOver(in.read))
                    .stdout(Redirect.handOver(out.write))
                    .start()) {
                assertThat(in.read.fd().isOpen()).as("handed over: closed here").isFalse();
                in.write("hello through fd 3\n");
                in.write.close();
                assertThat(out.readAll(WAIT)).isEqualTo("fd 3 nonblock=0 cloexec=0\nhello through fd 3\n");
                assertThat(child.waitFor()).isEqualTo(ExitStatus.exited(0));
            }
        }
    }

    @Test
    void stdoutAndStderrCapturedThroughPipesOfShellProgram() throws Exception {
        try (TestPipe out = new TestPipe(); TestPipe err = new TestPipe()) {
            try (ChildProcess child = ChildProcess.builder("/bin/sh", "-c", "echo to-out; echo to-err >&2; exit 3")
                    .stdout(out.write)
                    .stderr(err.write)
                    .start()) {
                // Kept here (Redirect.of): the parent's ends are still non-blocking and usable.
                assertThat(out.write.fd().isNonBlocking()).isTrue();
                out.write.close();
                err.write.close();
                assertThat(out.readAll(WAIT)).isEqualTo("to-out\n");
                assertThat(err.readAll(WAIT)).isEqualTo("to-err\n");
                ExitStatus s = child.waitFor();
                assertThat(s.exited()).isTrue();
                assertThat(s.exitCode()).isEqualTo(3);
                assertThat(s.shellStatus()).isEqualTo(3);
                assertThat(s).hasToString("exit 3");
            }
        }
    }

    @Test
    void catAndWcFromFilesAndDevNull(@TempDir Path dir) throws Exception {
        Path input = dir.resolve("in.txt");
        Files.writeString(input, "one\ntwo\nthree\n");
        Path output = dir.resolve("out.txt");
        try (ChildProcess cat = ChildProcess.builder("cat").stdin(Redirect.from(input))
                .stdout(Redirect.to(output)).stderr(Redirect.nullDevice()).start()) {
            assertThat(cat.waitFor().success()).isTrue();
        }
        assertThat(Files.readString(output)).isEqualTo("one\ntwo\nthree\n");
        assertThat(Files.getPosixFilePermissions(output)).extracting(Object::toString)
                .containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE");
        try (ChildProcess wc = ChildProcess.builder("wc", "-l").stdin(Redirect.from(output))
                .stdout(Redirect.appendTo(output)).start()) {
            assertThat(wc.waitFor().success()).isTrue();
        }
        assertThat(Files.readString(output)).isEqualTo("one\ntwo\nthree\n3\n");
        assertThat(run(ChildProcess.builder("cat").stdin(Redirect.nullDevice())).out()).isEmpty();
        assertThat(run(ChildProcess.builder("cat").stdin(Redirect.closed()).stderr(Redirect.nullDevice())).status().success())
                .as("cat with no stdin fails").isFalse();
    }

    @Test
    void environmentInheritedAddedRemovedAndReplaced() throws Exception {
        String home = System.getenv("HOME");
        assertThat(home).isNotNull();
        Result inherited = run(probe("env", "HOME", "env", "JIPC_X"));
        assertThat(inherited.out()).isEqualTo("HOME=" + home + "\nJIPC_X unset\n");

        Result edited = run(probe("env", "HOME", "env", "JIPC_X", "env", "PATH")
                .env("JIPC_X", "a b=c ü").unsetEnv("HOME"));
        assertThat(edited.out()).isEqualTo("HOME unset\nJIPC_X=a b=c ü\nPATH=" + System.getenv("PATH") + "\n");

        Result replaced = run(probe("env", "HOME", "env", "ONLY").environment(Map.of("ONLY", "this")));
        assertThat(replaced.out()).isEqualTo("HOME unset\nONLY=this\n");
        Result empty = run(ChildProcess.builder("/usr/bin/env").clearEnvironment());
        assertThat(empty.out()).isEmpty();

        assertThatThrownBy(() -> probe().env("A=B", "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'='");
        assertThatThrownBy(() -> probe().env("A", "x\0y")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NUL");
    }

    @Test
    void workingDirectory(@TempDir Path dir) throws Exception {
        Path real = dir.toRealPath();
        assertThat(run(probe("cwd").directory(dir)).out()).isEqualTo(real + "\n");
        // A program path with a slash is relative to the child's directory, as after cd in a shell.
        Files.copy(Path.of(probe), real.resolve("probe-copy"));
        real.resolve("probe-copy").toFile().setExecutable(true);
        assertThat(run(ChildProcess.builder("./probe-copy", "cwd").directory(dir)).out()).isEqualTo(real + "\n");

        Path missing = dir.resolve("no-such-dir");
        assertThatThrownBy(() -> probe("cwd").directory(missing).start())
                .isInstanceOf(NotFoundException.class)
                .hasMessage("open(" + missing + "): No such file or directory (ENOENT)");
    }

    @Test
    void exitCodeAndDeathBySignal() throws Exception {
        assertThat(run(probe("exit", "0")).status()).isEqualTo(ExitStatus.exited(0));
        assertThat(run(probe("exit", "255")).status().exitCode()).isEqualTo(255);

        ExitStatus aborted = run(probe("raise", "6")).status();
        assertThat(aborted.exited()).isFalse();
        assertThat(aborted.exitCode()).isEqualTo(-1);
        assertThat(aborted.signal()).contains(Signal.SIGABRT);
        assertThat(aborted.shellStatus()).isEqualTo(134);
        assertThat(aborted.toString()).startsWith("killed by SIGABRT");

        ExitStatus usr1 = run(probe("raise", "10")).status();
        assertThat(usr1).isEqualTo(ExitStatus.killed(10, false));
        assertThat(usr1.killedBy(Signal.SIGUSR1)).isTrue();
        assertThat(usr1).hasToString("killed by SIGUSR1");
    }

    @Test
    void signalThroughThePidfd() throws Exception {
        try (TestPipe out = new TestPipe()) {
            try (ChildProcess child = probe("pause").stdout(Redirect.handOver(out.write)).start()) {
                assertThat(out.readUntil("paused\n", WAIT)).isEqualTo("paused\n");
                assertThat(child.isAlive()).isTrue();
                assertThat(child.tryWaitFor()).isEmpty();
                assertThat(child.signal(Signal.SIGTERM)).isTrue();
                assertThat(child.waitFor()).isEqualTo(ExitStatus.killed(15, false));
                assertThat(child.isAlive()).isFalse();
                assertThat(child.signal(Signal.SIGTERM)).as("reaped: nothing to signal").isFalse();
                assertThat(out.readAll(WAIT)).isEmpty();
            }
        }
    }

    @Test
    void timedWaitTimesOutThenSucceeds() throws Exception {
        try (ChildProcess child = ChildProcess.builder("/bin/sh", "-c", "read x; exit 4")
                .stdin(Redirect.nullDevice()).start()) {
            assertThat(child.tryWaitFor(Duration.ofSeconds(10))).contains(ExitStatus.exited(4));
        }
        try (TestPipe in = new TestPipe();
                ChildProcess child = ChildProcess.builder("/bin/sh", "-c", "read x; exit 5")
                        .stdin(Redirect.handOver(in.read)).start()) {
            long start = System.nanoTime();
            assertThat(child.tryWaitFor(Duration.ofMillis(200))).isEmpty();
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(200));
            in.write("line\n");
            assertThat(child.tryWaitFor(WAIT)).contains(ExitStatus.exited(5));
        }
    }

    @Test
    void interruptWakesTheWaiterPromptlyAndTheChildLivesOn() throws Exception {
        try (ChildProcess child = probe("pause").stdout(Redirect.nullDevice()).start()) {
            BlockedCalls.assertInterruptAnsweredWithin(Duration.ofMillis(100), child::waitFor);
            assertThat(child.isAlive()).isTrue();
        }
    }

    @Test
    void closeFromAnotherThreadWakesTheWaiterAndKillsAndReapsTheChild() throws Exception {
        ChildProcess child = probe("pause").stdout(Redirect.nullDevice()).start();
        CompletableFuture<Object> outcome = CompletableFuture.supplyAsync(() -> {
            try {
                return child.waitFor();
            } catch (Throwable t) {
                return t;
            }
        }, r -> Thread.ofPlatform().start(r));
        Thread.sleep(200);
        child.close();
        // Either the waiter saw the close, or it reaped the SIGKILL first: both are prompt.
        Object result = outcome.get(5, TimeUnit.SECONDS);
        if (result instanceof ExitStatus s) {
            assertThat(s.killedBy(Signal.SIGKILL)).isTrue();
        } else {
            assertThat(result).isInstanceOf(ObjectClosedException.class);
        }
        assertThat(Path.of("/proc", Long.toString(child.pid()))).as("killed and reaped").doesNotExist();
        assertThat(child.tryWaitFor()).as("the status reaped by close stays readable")
                .hasValueSatisfying(s -> assertThat(s.killedBy(Signal.SIGKILL)).isTrue());
        assertThatThrownBy(() -> child.signal(Signal.SIGTERM)).isInstanceOf(ObjectClosedException.class);
    }

    @Test
    void detachedChildOutlivesCloseAndIsReapedInTheBackground() throws Exception {
        ChildProcess child;
        try (TestPipe in = new TestPipe()) {
            child = ChildProcess.builder("/bin/sh", "-c", "read x; exit 0").stdin(Redirect.of(in.read))
                    .detachOnClose().start();
            child.close();
            assertThat(child.fd().isOpen()).isFalse();
            Path proc = Path.of("/proc", Long.toString(child.pid()));
            assertThat(Files.readString(proc.resolve("stat"))).as("still running").doesNotContain(") Z ");
            in.write("go\n");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (Files.exists(proc) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(proc).as("reaped by the reaper thread").doesNotExist();
            while (Reaper.pending() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(Reaper.pending()).as("the reaper closed its pidfd").isZero();
        }
    }

    @Test
    void theJdkReaperDoesNotStealOurChildren() throws Exception {
        try (ChildProcess ours = ChildProcess.builder("/bin/sh", "-c", "exit 42").start()) {
            // A JDK Process started and reaped meanwhile, and a JDK handle watching our child.
            Process jdk = new ProcessBuilder("/bin/sh", "-c", "exit 7").start();
            assertThat(jdk.waitFor(30, TimeUnit.SECONDS)).isTrue();
            jdk.getOutputStream().close();
            jdk.getInputStream().close();
            jdk.getErrorStream().close();
            assertThat(jdk.exitValue()).isEqualTo(7);
            ProcessHandle handle = ProcessHandle.of(ours.pid()).orElseThrow();
            handle.onExit().get(30, TimeUnit.SECONDS);
            assertThat(ours.waitFor()).isEqualTo(ExitStatus.exited(42));
        }
    }

    @Test
    void fdPermutationAndAFdAtItsOwnNumber() throws Exception {
        try (TestPipe a = new TestPipe(); TestPipe b = new TestPipe()) {
            int numA = number(a.read.fd());
            int numB = number(b.read.fd());
            a.write("from A\n");
            a.write.close();
            b.write("from B\n");
            b.write.close();
            // A goes to B's number and B to A's: a naive dup2 sequence would give both the same pipe.
            Result swapped = run(probe("read", Integer.toString(numB), "read", Integer.toString(numA))
                    .fd(numB, a.read).fd(numA, b.read));
            assertThat(swapped.out()).isEqualTo("from A\nfrom B\n");
        }
        try (TestPipe a = new TestPipe()) {
            int numA = number(a.read.fd());
            assertThat(a.read.fd().isCloseOnExec()).isTrue();
            a.write("same number\n");
            a.write.close();
            // Same number in parent and child: the child's copy must not be close-on-exec.
            Result same = run(probe("fdinfo", Integer.toString(numA), "read", Integer.toString(numA)).fd(numA, a.read));
            assertThat(same.out()).isEqualTo("fd " + numA + " nonblock=0 cloexec=0\nsame number\n");
        }
    }

    @Test
    void theChildGetsExactlyTheDescriptorsAskedFor() throws Exception {
        try (TestPipe a = new TestPipe()) {
            // Neither jipc's (close-on-exec) nor any inheritable descriptor of the JVM leaks through.
            Fd leaky = a.read.fd().duplicate();
            try {
                leaky.setCloseOnExec(false);
                assertThat(run(probe("fds")).out()).isEqualTo("fds 0 1 2\n");
                assertThat(run(probe("fds").fd(5, a.read).stderr(Redirect.closed())).out()).isEqualTo("fds 0 1 5\n");
                assertThat(run(probe("fds").fd(7, Redirect.nullDevice()).fd(3, Redirect.nullDevice())).out())
                        .isEqualTo("fds 0 1 2 3 7\n");
            } finally {
                leaky.close();
            }
        }
    }

    @Test
    void nonBlockingDescriptorsArriveBlockingUnlessAskedOtherwise() throws Exception {
        try (TestPipe p = new TestPipe()) {
            assertThat(run(probe("fdinfo", "3", "fdinfo", "4").fd(3, p.read).fd(4, p.write)).out())
                    .isEqualTo("fd 3 nonblock=0 cloexec=0\nfd 4 nonblock=0 cloexec=0\n");
            assertThat(p.read.fd().isNonBlocking()).as("the parent's description is untouched").isTrue();
            assertThat(p.write.fd().isNonBlocking()).isTrue();
            assertThat(run(probe("fdinfo", "3").fd(3, p.read).keepNonBlocking()).out())
                    .isEqualTo("fd 3 nonblock=1 cloexec=0\n");
        }
    }

    @Test
    void inheritAHigherNumberAndRefuseAClosedOne() throws Exception {
        try (TestPipe a = new TestPipe()) {
            int n = number(a.read.fd());
            assertThat(run(probe("fdinfo", Integer.toString(n)).fd(n, Redirect.inherit())).out())
                    .as("inherited as it is, close-on-exec cleared").isEqualTo("fd " + n + " nonblock=1 cloexec=0\n");
            a.read.close();
            assertThatThrownBy(() -> probe("fds").fd(3, a.read).start()).isInstanceOf(ObjectClosedException.class);
        }
        int unused = 4000;
        while (Files.exists(Path.of("/proc/self/fd/" + unused))) {
            unused++;
        }
        int closed = unused;
        assertThatThrownBy(() -> probe("fds").fd(closed, Redirect.inherit()).start())
                .hasMessage("fcntl(F_DUPFD_CLOEXEC)(fd " + closed + "): Bad file descriptor (EBADF)");
    }

    @Test
    void missingProgramIsNotFoundNamingIt(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> ChildProcess.builder("jipc-no-such-program", "x").start())
                .isInstanceOf(NotFoundException.class)
                .hasMessage(SPAWNP + "(jipc-no-such-program): No such file or directory (ENOENT)");
        Path missing = dir.resolve("nothing-here");
        assertThatThrownBy(() -> ChildProcess.builder(missing.toString()).start())
                .isInstanceOf(NotFoundException.class)
                .hasMessage(SPAWN + "(" + missing + "): No such file or directory (ENOENT)");
        assertThatThrownBy(() -> ChildProcess.builder("cat").stdin(Redirect.from(missing)).start())
                .isInstanceOf(NotFoundException.class)
                .hasMessage("open(" + missing + "): No such file or directory (ENOENT)");
        Path notExecutable = dir.resolve("plain.txt");
        Files.writeString(notExecutable, "x");
        assertThatThrownBy(() -> ChildProcess.builder(notExecutable.toString()).start())
                .hasMessageEndingWith("(EACCES)");
        assertThatThrownBy(() -> ChildProcess.builder(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> probe().fd(-1, Redirect.nullDevice())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void newProcessGroupAndSession() throws Exception {
        String[] self = Files.readString(Path.of("/proc/self/stat")).replaceAll(".*\\) ", "").split(" ");
        String ourGroup = self[2];
        String ourSession = self[3];
        String[] plain = run(probe("ids")).out().strip().split(" ");
        assertThat(plain[3]).as("same group as this JVM").isEqualTo(ourGroup);
        assertThat(plain[5]).isEqualTo(ourSession);
        String[] group = run(probe("ids").newProcessGroup()).out().strip().split(" ");
        assertThat(group[3]).as("leads its own group").isEqualTo(group[1]);
        assertThat(group[5]).isEqualTo(ourSession);
        String[] session = run(probe("ids").newSession()).out().strip().split(" ");
        assertThat(session[3]).isEqualTo(session[1]);
        assertThat(session[5]).as("leads its own session").isEqualTo(session[1]);
        assertThatThrownBy(() -> probe().processGroup(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void thePidfdIsReadableOnceTheChildExits() throws Exception {
        try (TestPipe in = new TestPipe();
                ChildProcess child = ChildProcess.builder("/bin/sh", "-c", "read x").stdin(Redirect.handOver(in.read)).start()) {
            try (io.jipc.poll.Poller poller = io.jipc.poll.Poller.create()) {
                poller.register(child, java.util.Set.of(io.jipc.poll.Readiness.READ));
                assertThat(poller.tryPoll(Duration.ofMillis(100))).as("running: not readable").isZero();
                in.write("x\n");
                assertThat(poller.tryPoll(WAIT)).as("exited: readable").isEqualTo(1);
            }
            assertThat(child.tryWaitFor()).contains(ExitStatus.exited(0));
        }
    }

    @Test
    void manyChildrenConcurrentlyLeaveNothingBehind() throws Exception {
        List<CompletableFuture<ExitStatus>> all = new java.util.ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int code = t;
            all.add(CompletableFuture.supplyAsync(() -> {
                try {
                    ExitStatus last = null;
                    for (int i = 0; i < 25; i++) {
                        try (ChildProcess c = ChildProcess.builder("/bin/sh", "-c", "exit " + code).start()) {
                            last = c.waitFor();
                        }
                    }
                    return last;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, r -> Thread.ofPlatform().start(r)));
        }
        for (int t = 0; t < 4; t++) {
            assertThat(all.get(t).get(60, TimeUnit.SECONDS)).isEqualTo(ExitStatus.exited(t));
        }
        assertThat(Zombies.ofThisJvm()).isEmpty();
    }

    @Test
    void signalMaskAndDispositionsAreResetInTheChild() throws Exception {
        try (Peer jvm = PeerJvm.start(SignalStatePeer.class, probe)) {
            jvm.awaitSuccess(WAIT);
            String[] parts = jvm.stdout().split("ChildProcess:\n");
            assertThat(parts).hasSize(2);
            // SIGINT is bit 1, SIGUSR2 bit 11, SIGTTIN bit 20 of the masks /proc prints in hex.
            long bareBlocked = mask(parts[0], "blocked");
            long bareIgnored = mask(parts[0], "ignored");
            assertThat(bareBlocked & 0x802L).as("the setup works: a bare posix_spawn passes the mask on").isEqualTo(0x802L);
            assertThat(bareIgnored & 0x100002L).isEqualTo(0x100002L);
            assertThat(parts[0]).contains("sigint ignore");
            assertThat(mask(parts[1], "blocked")).as("blocked in the child").isZero();
            assertThat(mask(parts[1], "ignored")).as("ignored in the child").isZero();
            assertThat(parts[1]).contains("sigint default").contains("status exit 0");
        }
    }

    @Test
    void chosenSignalsStartBlockedInTheChild() throws Exception {
        String out = run(probe("sigstate").blockSignals(io.jipc.signal.Signal.SIGUSR1, io.jipc.signal.Signal.SIGRTMIN_1)).out();
        assertThat(mask(out, "blocked")).as("SIGUSR1 is bit 9, SIGRTMIN+1 bit 34").isEqualTo((1L << 9) | (1L << 34));
        assertThat(mask(out, "ignored")).isZero();
        assertThatThrownBy(() -> probe().blockSignals(io.jipc.signal.Signal.SIGKILL))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SIGKILL cannot be blocked");
    }

    private static long mask(String text, String label) {
        return text.lines().filter(l -> l.startsWith(label + " ")).findFirst()
                .map(l -> Long.parseUnsignedLong(l.substring(label.length() + 1).strip(), 16))
                .orElseThrow(() -> new AssertionError("no " + label + " line in " + text));
    }

    @Test
    void aJvmIgnoringSigchldGetsAClearEchildInsteadOfAStatus() {
        try (Peer jvm = PeerJvm.start(SigchldIgnoredPeer.class)) {
            jvm.awaitSuccess(WAIT);
            assertThat(jvm.stdout()).matches("waitid\\(/bin/sh\\[\\d+\\]\\): No child processes: something else reaped it"
                    + " \\(SIGCHLD ignored in this process, or a waitpid\\(-1\\) elsewhere\\) \\(ECHILD\\)\n");
        }
    }

    @Test
    void aSecondJvmGetsOurPipesAtFd3AndFd4() throws Exception {
        try (TestPipe in = new TestPipe(); TestPipe out = new TestPipe()) {
            try (ChildProcess jvm = ChildProcess.builder(PeerJvm.javaCommand(), "--enable-native-access=ALL-UNNAMED",
                            "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                            FdReaderPeer.class.getName())
                    .fd(3, Redirect.handOver(in.read))
                    .fd(4, Redirect.handOver(out.write))
                    .start()) {
                in.write("from the first jvm\n");
                in.write.close();
                assertThat(out.readAll(WAIT)).isEqualTo("nonblock=false\nFROM THE FIRST JVM\n");
                assertThat(jvm.tryWaitFor(WAIT)).contains(ExitStatus.exited(0));
            }
        }
    }

    @Test
    void anUnclosedChildIsReapedOnceUnreachable() throws Exception {
        long pid = startAndForget();
        Path proc = Path.of("/proc", Long.toString(pid));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (Files.exists(proc) && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        assertThat(proc).as("the Cleaner handed the lost child to the reaper").doesNotExist();
        while (Reaper.pending() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    private static long startAndForget() throws IOException {
        @SuppressWarnings("resource")
        ChildProcess lost = ChildProcess.builder("/bin/sh", "-c", "exit 0").start();
        return lost.pid();
    }

    /** The number behind an Fd (for tests that need the parent's numbers). */
    static int number(Fd fd) throws ObjectClosedException {
        int n = fd.acquire("test");
        fd.release();
        return n;
    }
}
