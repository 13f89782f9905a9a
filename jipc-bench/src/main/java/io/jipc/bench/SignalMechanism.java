package io.jipc.bench;

import io.jipc.Errno;
import io.jipc.IpcException;
import io.jipc.signal.Signal;
import io.jipc.signal.SignalCatcher;
import io.jipc.signal.SignalInfo;
import io.jipc.signal.Signals;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code signal}: a message is one real-time signal sent with {@code sigqueue}, its value the
 * message's sequence number, and taken by the other process as soon as it arrives: jipc's {@link
 * SignalCatcher} on each side, {@code sigwaitinfo} in C ({@code c/signal.c}, the same protocol).
 * In ping-pong the answer is a signal back.
 *
 * <p>Real-time signals queue, but not without end: the kernel holds at most {@code
 * RLIMIT_SIGPENDING} per user (for every process of that user on the machine), so a stream of
 * 200,000 could starve other programs' signals and timers. Each receiver therefore acknowledges
 * every {@value #ACK_EVERY}th message with a second signal whose value is its count, and a sender
 * keeps at most {@value #WINDOW} unacknowledged: at most one acknowledgement per 32 messages, none
 * on the p50 path of a ping-pong.
 *
 * <p>Both JVMs start with the two signals blocked in every thread (the peer through {@link
 * io.jipc.process.ChildProcessBuilder#blockSignals}, the harness through {@code ./jipc}'s {@code
 * env --block-signal}), as the C processes block them: so each side's catcher takes its signal
 * with one {@code sigtimedwait} per message, as C's {@code sigwaitinfo}. (Run elsewhere, with the signals not
 * blocked, jipc's handler takes them: correct, a hop slower.) The harness learns the peer's pid
 * from the peer's first signal, its {@link SignalInfo#pid()}.
 */
final class SignalMechanism implements Mechanism {
    static final Signal DATA = Signal.SIGRTMIN_1;
    static final Signal ACK = Signal.SIGRTMIN_2;
    static final int WINDOW = 64;
    static final int ACK_EVERY = 32;
    private static final Duration HELLO_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration HELLO_POLL = Duration.ofMillis(100);
    /** The peer's first signal: its value says it is a hello, not a message. */
    private static final int HELLO = -1;

    @Override
    public String name() {
        return "signal";
    }

    @Override
    public String description() {
        return "a real-time signal per message (sigqueue, value = sequence number), taken by a SignalCatcher"
                + " / sigwaitinfo; an acknowledging signal every 32";
    }

    @Override
    public List<JavaImpl> javaImpls() {
        return List.of(new JavaImpl(JavaImpl.JIPC, this::connect, this::accept));
    }

    @Override
    public Set<Signal> blockedSignals() {
        return Set.of(DATA, ACK);
    }

    private Link connect(PeerLauncher launcher, Path scratch) throws IOException {
        SignalCatcher catcher = SignalCatcher.open(DATA, ACK);
        try {
            launcher.start(List.of(), Map.of());
            long deadline = System.nanoTime() + HELLO_TIMEOUT.toNanos();
            while (true) {
                Optional<SignalInfo> hello = catcher.tryReceive(HELLO_POLL);
                if (hello.isPresent() && hello.get().signal() == DATA && hello.get().value() == HELLO) {
                    return new SignalLink(catcher, hello.get().pid());
                }
                if (hello.isPresent()) {
                    throw new IOException("the peer's first signal is not its hello: " + hello.get());
                }
                if (!launcher.isAlive()) {
                    throw new IOException("the peer exited before it said hello");
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new IOException("the peer did not say hello within " + HELLO_TIMEOUT);
                }
            }
        } catch (IOException | RuntimeException e) {
            catcher.close();
            throw e;
        }
    }

    private Link accept(List<String> args) throws IOException {
        long harness = ProcessHandle.current().parent().orElseThrow(() -> new IOException("the harness is gone")).pid();
        SignalCatcher catcher = SignalCatcher.open(DATA, ACK);
        try {
            SignalLink link = new SignalLink(catcher, harness);
            link.queue(DATA, HELLO);
            return link;
        } catch (IOException | RuntimeException e) {
            catcher.close();
            throw e;
        }
    }

    /** One side: sends to the other's pid, receives through its catcher, acknowledges every {@value #ACK_EVERY}. */
    static final class SignalLink implements Link {
        private static final ValueLayout.OfInt SEQ = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

        private final SignalCatcher catcher;
        private final long peer;
        private final AtomicBoolean closed = new AtomicBoolean();
        private long sent;
        private long acked;
        private long received;

        SignalLink(SignalCatcher catcher, long peer) {
            this.catcher = catcher;
            this.peer = peer;
        }

        @Override
        public void send(MemorySegment message) throws IOException {
            while (sent - acked >= WINDOW) {
                SignalInfo i = catcher.receive();
                if (i.signal() != ACK) {
                    throw new IOException("a message (" + i + ") while waiting to be acknowledged");
                }
                acked = i.value();
            }
            queue(DATA, sequence(message));
            sent++;
        }

        @Override
        public void receive(MemorySegment message) throws IOException {
            while (true) {
                SignalInfo i = catcher.receive();
                if (i.signal() == ACK) {
                    acked = i.value();
                    continue;
                }
                setSequence(message, i.value());
                if (++received % ACK_EVERY == 0) {
                    queue(ACK, (int) received);
                }
                return;
            }
        }

        /** sigqueue, trying again while the receiver's user has its fill of pending signals (EAGAIN). */
        void queue(Signal s, int value) throws IpcException {
            while (true) {
                try {
                    Signals.queue(peer, s, value);
                    return;
                } catch (IpcException e) {
                    if (e.error() != Errno.EAGAIN) {
                        throw e;
                    }
                    Thread.yield();
                }
            }
        }

        /** The first bytes of a message, as many as it has up to four (as bench.h stamps them). */
        private static int sequence(MemorySegment m) {
            if (m.byteSize() >= 4) {
                return m.get(SEQ, 0);
            }
            int v = 0;
            for (int i = 0; i < m.byteSize(); i++) {
                v |= (m.get(ValueLayout.JAVA_BYTE, i) & 0xff) << (8 * i);
            }
            return v;
        }

        private static void setSequence(MemorySegment m, int v) {
            if (m.byteSize() >= 4) {
                m.set(SEQ, 0, v);
                return;
            }
            for (int i = 0; i < m.byteSize(); i++) {
                m.set(ValueLayout.JAVA_BYTE, i, (byte) (v >> (8 * i)));
            }
        }

        /** Idempotent and thread-safe: the harness's guard may close the link while the harness does. */
        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                catcher.close();
            }
        }
    }
}
