package io.jipc.signal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jipc.internal.libc.SignalH;
import io.jipc.internal.libc.Unistd;
import io.jipc.internal.wait.Waiter;
import io.jipc.poll.Poller;
import io.jipc.poll.Readiness;
import io.jipc.testing.BlockedCalls;
import io.jipc.testing.CPeer;
import io.jipc.testing.Peer;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Handlers and catchers in this JVM, with signals sent to it by C peers and by itself. Every
 * test closes what it registered, and each one is checked to leave every signal's disposition as
 * it found it: the other test classes in this JVM see nothing of it. (Cases that need a JVM
 * started with signals blocked run in a peer JVM: {@link SignalPathsTest}.)
 */
class SignalHandlingTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final long SELF = ProcessHandle.current().pid();

    private Map<Signal, Dispositions.Disposition> before;

    /**
     * What changes once per JVM and stays: jipc's wake signal and its dispatch thread, and the
     * JDK's SIGCHLD flags, set when it starts its first process (the C peers).
     */
    @BeforeAll
    static void oneTimeInitialisations() throws Exception {
        Waiter.signal();
        SignalDispatcher.get();
        new ProcessBuilder("true").start().waitFor();
    }

    @BeforeEach
    void snapshot() {
        before = Dispositions.all();
    }

    @AfterEach
    void everythingPutBack() {
        assertThat(Dispositions.all()).as("every disposition as before the test").isEqualTo(before);
    }

    private record Handled(SignalInfo info, String thread) {}

    @Test
    void aCProgramsSigqueueValueReachesAHandlerOnTheDispatchThread() throws Exception {
        BlockingQueue<Handled> got = new ArrayBlockingQueue<>(10);
        try (SignalRegistration r = Signals.handle(Signal.SIGRTMIN_1,
                info -> got.add(new Handled(info, Thread.currentThread().getName())))) {
            try (Peer c = CPeer.start("signal_peer", "queue", Long.toString(SELF), "35", "4242")) {
                c.awaitSuccess(WAIT);
                Handled h = got.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                assertThat(h).as("handled").isNotNull();
                assertThat(h.thread()).isEqualTo("jipc-signal-dispatch");
                assertThat(h.info().signal()).isEqualTo(Signal.SIGRTMIN_1);
                assertThat(h.info().origin()).isEqualTo(SignalInfo.Origin.QUEUE);
                assertThat(h.info().value()).isEqualTo(4242);
                assertThat(h.info().pid()).as("the C program's pid").isEqualTo(c.pid());
                assertThat(h.info().uid()).isEqualTo(Unistd.getuid());
                assertThat(h.info().hasSender()).isTrue();
                assertThat(h.info()).hasToString("SIGRTMIN+1 (QUEUE from pid " + c.pid() + " uid " + Unistd.getuid()
                        + ", value 4242)");
            }
            assertThat(r.signals()).containsExactly(Signal.SIGRTMIN_1);
        }
    }

    @Test
    void aKillFromACProgramCarriesItsPidAndNoValue() throws Exception {
        BlockingQueue<SignalInfo> got = new ArrayBlockingQueue<>(10);
        try (SignalRegistration r = Signals.handle(Signal.SIGUSR1, got::add);
                Peer c = CPeer.start("signal_peer", "kill", Long.toString(SELF), "10")) {
            c.awaitSuccess(WAIT);
            SignalInfo info = got.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(info).isNotNull();
            assertThat(info.origin()).isEqualTo(SignalInfo.Origin.KILL);
            assertThat(info.pid()).isEqualTo(c.pid());
            assertThat(info.value()).isZero();
        }
    }

    @Test
    void jipcsSigqueueValueReachesACProgramsSigwaitinfo() throws Exception {
        try (Peer c = CPeer.start("signal_peer", "wait", "2", "10", "36")) {
            c.awaitOutput("ready", WAIT);
            Signals.queue(c.pid(), Signal.SIGRTMIN_2, -17);
            Signals.send(c.pid(), Signal.SIGUSR1);
            c.awaitSuccess(WAIT);
            int uid = Unistd.getuid();
            assertThat(c.stdout().lines().skip(1)).containsExactlyInAnyOrder(
                    "10 0 " + SELF + " " + uid + " 0", "36 -1 " + SELF + " " + uid + " -17");
        }
    }

    @Test
    void aHandlerTakesSignalsFromThisProcessToo() throws Exception {
        BlockingQueue<SignalInfo> got = new ArrayBlockingQueue<>(10);
        try (SignalRegistration r = Signals.handle(EnumSet.of(Signal.SIGUSR1, Signal.SIGHUP), got::add)) {
            Signals.send(SELF, Signal.SIGHUP);
            SignalInfo info = got.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(info).isNotNull();
            assertThat(info.signal()).isEqualTo(Signal.SIGHUP);
            assertThat(info.pid()).isEqualTo(SELF);
            assertThat(r.signals()).containsExactlyInAnyOrder(Signal.SIGUSR1, Signal.SIGHUP);
        }
    }

    @Test
    void closingARegistrationRestoresWhatWasThereNestedOnesIncluded() throws Exception {
        Dispositions.Disposition jvmTerm = Dispositions.of(Signal.SIGTERM);
        assertThat(jvmTerm.isDefault()).as("the JVM's own SIGTERM handler").isFalse();
        assertThat(Dispositions.of(Signal.SIGUSR1).isDefault()).isTrue();

        BlockingQueue<SignalInfo> handled = new ArrayBlockingQueue<>(10);
        SignalRegistration outer = Signals.handle(EnumSet.of(Signal.SIGUSR1, Signal.SIGTERM), handled::add);
        assertThat(Dispositions.of(Signal.SIGUSR1)).isNotEqualTo(before.get(Signal.SIGUSR1));
        assertThat(Dispositions.of(Signal.SIGTERM)).isNotEqualTo(jvmTerm).isEqualTo(Dispositions.of(Signal.SIGUSR1));
        try (SignalCatcher inner = SignalCatcher.open(Signal.SIGUSR1)) {
            Signals.send(SELF, Signal.SIGUSR1);
            assertThat(inner.tryReceive(WAIT)).as("the newest takes the signal").isPresent();
            assertThat(handled).isEmpty();
            Signals.send(SELF, Signal.SIGTERM);
            assertThat(handled.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("the outer keeps the other one")
                    .extracting(SignalInfo::signal).isEqualTo(Signal.SIGTERM);
        }
        Signals.send(SELF, Signal.SIGUSR1);
        assertThat(handled.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("back to the outer registration")
                .extracting(SignalInfo::signal).isEqualTo(Signal.SIGUSR1);
        outer.close();
        outer.close();
        assertThat(outer.isOpen()).isFalse();
        assertThat(Dispositions.of(Signal.SIGTERM)).as("the JVM's handler is back").isEqualTo(jvmTerm);
        assertThat(Dispositions.of(Signal.SIGUSR1).isDefault()).isTrue();

        // Closed out of order: the first one's close leaves the second in charge, the second's restores.
        Signal s = Signal.SIGALRM;
        SignalRegistration first = Signals.handle(s, i -> { });
        SignalRegistration second = Signals.handle(s, i -> { });
        first.close();
        assertThat(Dispositions.of(s)).isNotEqualTo(before.get(s));
        second.close();
        assertThat(Dispositions.of(s)).isEqualTo(before.get(s));
    }

    @Test
    void theSignalsNoJavaCodeMayCatchAreRefusedSayingWhy() throws Exception {
        Signal wake = Signal.of(Waiter.signal());
        Signal nio = Signal.of(SignalH.sigrtmax() - 2);
        Map<Signal, String> expected = Map.of(
                Signal.SIGKILL, "SIGKILL can never be caught",
                Signal.SIGSTOP, "SIGSTOP can never be caught",
                Signal.SIGSEGV, "SIGSEGV is the JVM's",
                Signal.SIGBUS, "SIGBUS is the JVM's",
                Signal.SIGFPE, "SIGFPE is the JVM's",
                Signal.SIGILL, "SIGILL is the JVM's",
                Signal.SIGQUIT, "SIGQUIT is the JVM's: it prints a thread dump",
                Signal.of(Reservations.suspendResumeSignal()), "is the JVM's: HotSpot suspends and resumes threads",
                nio, "SIGRTMAX-2 is the JDK's: NIO",
                wake, wake.signalName() + " is jipc's");
        for (Map.Entry<Signal, String> e : expected.entrySet()) {
            Signal s = e.getKey();
            assertThatThrownBy(() -> Signals.handle(s, i -> { })).as("%s", s)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(e.getValue());
            assertThatThrownBy(() -> SignalCatcher.open(Signal.SIGUSR1, s)).as("%s in a set", s)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(e.getValue());
            assertThat(Signals.reservation(s)).as("%s", s).hasValueSatisfying(m -> assertThat(m).contains(e.getValue()));
        }
        for (Signal free : List.of(Signal.SIGHUP, Signal.SIGINT, Signal.SIGTERM, Signal.SIGPIPE, Signal.SIGCHLD,
                Signal.SIGUSR1, Signal.SIGRTMIN, Signal.SIGRTMAX)) {
            assertThat(Signals.reservation(free)).as("%s", free).isEmpty();
        }
        assertThatThrownBy(() -> Signals.handle(Set.of(), i -> { })).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no signal given");
    }

    @Test
    void aCatcherReceivesInTheThreeForms() throws Exception {
        try (SignalCatcher c = SignalCatcher.open(Signal.SIGUSR1, Signal.SIGRTMIN_2)) {
            assertThat(c.signals()).containsExactlyInAnyOrder(Signal.SIGUSR1, Signal.SIGRTMIN_2);
            assertThat(c.tryReceive()).isEmpty();
            long t0 = System.nanoTime();
            assertThat(c.tryReceive(Duration.ofMillis(60))).isEmpty();
            assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(Duration.ofMillis(60).toNanos());

            Signals.send(SELF, Signal.SIGUSR1);
            SignalInfo first = c.receive();
            assertThat(first.signal()).isEqualTo(Signal.SIGUSR1);
            assertThat(first.origin()).isEqualTo(SignalInfo.Origin.KILL);
            assertThat(first.pid()).isEqualTo(SELF);

            for (int v = 1; v <= 3; v++) {
                Signals.queue(SELF, Signal.SIGRTMIN_2, v);
            }
            int sum = 0;
            for (int i = 0; i < 3; i++) {
                int got = i;
                SignalInfo rt = c.tryReceive(WAIT).orElseThrow(() -> new AssertionError("only " + got + " of 3, lost "
                        + Signals.lost()));
                assertThat(rt.signal()).isEqualTo(Signal.SIGRTMIN_2);
                sum += rt.value();
            }
            assertThat(sum).as("each queued real-time signal arrives, with its value").isEqualTo(6);
            assertThat(c.tryReceive(Duration.ofMillis(20))).isEmpty();
        }
    }

    @Test
    void aBlockedReceiveAnswersInterruptAndClose() throws Exception {
        try (SignalCatcher c = SignalCatcher.open(Signal.SIGUSR1)) {
            BlockedCalls.assertInterruptAnsweredWithin(Duration.ofMillis(100), c::receive);
            BlockedCalls.assertInterruptAnsweredWithin(Duration.ofMillis(100), () -> c.tryReceive(Duration.ofMinutes(1)));
        }
        BlockedCalls.closeAndInterruptRacingTheEntryAlwaysWake(200, () -> {
            SignalCatcher c = SignalCatcher.open(Signal.SIGUSR1);
            return new BlockedCalls.WaitTarget() {
                @Override
                public void block() throws Exception {
                    c.receive();
                }

                @Override
                public void closeObject() {
                    c.close();
                }

                @Override
                public void close() {
                    c.close();
                }
            };
        });
    }

    @Test
    void aSignalAlreadyThereIsReceivedByAnInterruptedThread() throws Exception {
        try (SignalCatcher c = SignalCatcher.open(Signal.SIGUSR1)) {
            toThisThread(Signal.SIGUSR1);
            assertThat(waitUntilReadable(c)).isTrue();
            Thread.currentThread().interrupt();
            try {
                assertThat(c.receive().signal()).isEqualTo(Signal.SIGUSR1);
            } finally {
                assertThat(Thread.interrupted()).as("interrupt status kept").isTrue();
            }
        }
    }

    /**
     * Sends {@code signal} to this thread (tgkill): jipc's handler has run here, and the signal is
     * on its way to the catcher, when the call returns. A signal sent to the process is pending
     * (and a catcher's signalfd readable) for as long as the thread the kernel chose takes to run
     * the handler: a poll in that moment says readable, and a take finds nothing yet.
     */
    private static void toThisThread(Signal signal) {
        assertThat(SignalH.tgkill(Unistd.getpid(), Unistd.gettid(), signal.number())).isZero();
    }

    private static boolean waitUntilReadable(SignalCatcher c) throws Exception {
        try (Poller p = Poller.create()) {
            p.register(c, Set.of(Readiness.READ));
            return p.tryPoll(WAIT) == 1;
        }
    }

    @Test
    void aCatcherIsReadableInAPollerWhileASignalWaits() throws Exception {
        try (SignalCatcher c = SignalCatcher.open(Signal.SIGWINCH); Poller p = Poller.create()) {
            p.register(c, Set.of(Readiness.READ), "signals");
            assertThat(p.tryPoll(Duration.ofMillis(50))).isZero();
            toThisThread(Signal.SIGWINCH);
            assertThat(p.tryPoll(WAIT)).isEqualTo(1);
            assertThat(p.ready(0).attachment()).isEqualTo("signals");
            assertThat(c.tryReceive().orElseThrow().signal()).isEqualTo(Signal.SIGWINCH);
            assertThat(p.tryPoll(Duration.ofMillis(50))).as("received: not readable").isZero();
        }
    }

    @Test
    void aHandlerThatThrowsDoesNotStopTheDispatching() throws Exception {
        BlockingQueue<Throwable> reported = new ArrayBlockingQueue<>(10);
        Thread.UncaughtExceptionHandler old = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> reported.add(e));
        BlockingQueue<Integer> handled = new ArrayBlockingQueue<>(10);
        try (SignalRegistration r = Signals.handle(Signal.SIGRTMIN_3, info -> {
            handled.add(info.value());
            if (info.value() == 1) {
                throw new IllegalStateException("handler failed on purpose");
            }
        })) {
            Signals.queue(SELF, Signal.SIGRTMIN_3, 1);
            assertThat(reported.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).hasMessage("handler failed on purpose");
            Signals.queue(SELF, Signal.SIGRTMIN_3, 2);
            assertThat(handled.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(1);
            assertThat(handled.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(2);
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(old);
        }
    }

    @Test
    void aHandlerMayCloseItsOwnRegistration() throws Exception {
        BlockingQueue<Boolean> done = new ArrayBlockingQueue<>(10);
        SignalRegistration[] self = new SignalRegistration[1];
        self[0] = Signals.handle(Signal.SIGUSR1, info -> {
            self[0].close();
            done.add(self[0].isOpen());
        });
        Signals.send(SELF, Signal.SIGUSR1);
        assertThat(done.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isFalse();
        assertThat(Dispositions.of(Signal.SIGUSR1).isDefault()).isTrue();
    }

    @Test
    void sendingChecksItsArguments() {
        assertThatThrownBy(() -> Signals.send(0, Signal.SIGTERM)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("from 1 to");
        assertThatThrownBy(() -> Signals.send(-1, Signal.SIGTERM)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Signals.queue(1L << 32, Signal.SIGTERM, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Signals.sendToGroup(0, Signal.SIGTERM)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void noSignalIsLostInOrdinaryUse() {
        assertThat(Signals.lost()).isZero();
    }
}
