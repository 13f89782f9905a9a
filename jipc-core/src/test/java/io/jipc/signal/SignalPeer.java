package io.jipc.signal;

import io.jipc.IpcException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A JVM that catches signals for {@link SignalPathsTest}, started with some signals blocked or
 * none. Prints, for each signal, whether it is blocked in every thread (the signalfd path) or not
 * (the handler path), then {@code ready PID}; waits for a line on standard input (meanwhile the
 * test sends its signals); then prints each signal it gets, one line {@code NAME ORIGIN PID VALUE
 * THREAD}, until none came for a second, and {@code done}.
 *
 * <pre>
 *   catch SIG...    a SignalCatcher open before ready, received from after the line
 *   handle SIG...   a handler registered after the line (the signals must be blocked meanwhile)
 *   poll SIG...     as catch, but each signal is received once a Poller says the catcher is readable
 *   regain SIG...   a catcher open, a second one taking the signals over, a thread that starts
 *                   to receive from the first (it may take none now), then the second closed
 *                   before ready: the first has them back while its thread waits
 * </pre>
 * If jipc refuses to catch a signal, prints {@code refused MESSAGE} and exits 0.
 */
public final class SignalPeer {
    private SignalPeer() {}

    public static void main(String[] args) throws Exception {
        Set<Signal> signals = EnumSet.noneOf(Signal.class);
        for (int i = 1; i < args.length; i++) {
            signals.add(Signal.parse(args[i]));
        }
        for (Signal s : signals) {
            say("path " + s + " " + (SignalDispatcher.blockedInEveryThread(s) ? "signalfd" : "handler"));
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try {
            if (args[0].equals("catch")) {
                try (SignalCatcher c = SignalCatcher.open(signals)) {
                    say("ready " + ProcessHandle.current().pid());
                    in.readLine();
                    Optional<SignalInfo> s;
                    while ((s = c.tryReceive(Duration.ofSeconds(1))).isPresent()) {
                        say(line(s.get(), Thread.currentThread().getName()));
                    }
                }
            } else if (args[0].equals("poll")) {
                try (SignalCatcher c = SignalCatcher.open(signals); io.jipc.poll.Poller p = io.jipc.poll.Poller.create()) {
                    p.register(c, Set.of(io.jipc.poll.Readiness.READ), "signals");
                    say("ready " + ProcessHandle.current().pid());
                    in.readLine();
                    while (p.tryPoll(Duration.ofSeconds(1)) > 0) {
                        // Readable means a signal is there: the try form takes it without waiting.
                        say(line(c.tryReceive().orElseThrow(), "polled"));
                    }
                }
            } else if (args[0].equals("regain")) {
                try (SignalCatcher first = SignalCatcher.open(signals)) {
                    BlockingQueue<String> got = new ArrayBlockingQueue<>(100);
                    Thread receiver;
                    try (SignalCatcher second = SignalCatcher.open(signals)) {
                        receiver = Thread.ofPlatform().name("receiver").start(() -> {
                            try {
                                Optional<SignalInfo> s;
                                while ((s = first.tryReceive(Duration.ofSeconds(30))).isPresent()) {
                                    got.add(line(s.get(), Thread.currentThread().getName()));
                                }
                            } catch (IpcException e) {
                                got.add("closed");
                            }
                        });
                        Thread.sleep(200); // the receiver is asleep, in a wait for nothing: second has them
                    }
                    say("ready " + ProcessHandle.current().pid());
                    in.readLine();
                    String l;
                    while ((l = got.poll(5, TimeUnit.SECONDS)) != null) {
                        say(l);
                    }
                    first.close();
                    receiver.join();
                }
            } else {
                say("ready " + ProcessHandle.current().pid());
                in.readLine();
                BlockingQueue<String> got = new ArrayBlockingQueue<>(100);
                try (SignalRegistration r = Signals.handle(signals, i -> got.add(line(i, Thread.currentThread().getName())))) {
                    String l;
                    while ((l = got.poll(1, TimeUnit.SECONDS)) != null) {
                        say(l);
                    }
                }
            }
        } catch (IpcException e) {
            say("refused " + e.getMessage());
        }
        say("lost " + Signals.lost());
        say("done");
    }

    private static String line(SignalInfo i, String thread) {
        return i.signal() + " " + i.origin() + " " + i.pid() + " " + i.value() + " " + thread;
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
