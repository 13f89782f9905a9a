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
