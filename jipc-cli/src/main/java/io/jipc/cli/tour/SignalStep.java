package io.jipc.cli.tour;

import io.jipc.signal.Signal;
import io.jipc.signal.SignalCatcher;
import io.jipc.signal.SignalInfo;
import java.io.IOException;

/** Signals: another process sends this one SIGUSR1 with a value, and this one learns who sent it. */
final class SignalStep implements TourStep {
    @Override
    public String mechanism() {
        return "signal";
    }

    @Override
    public String title() {
        return "Signals (sigqueue, sigwaitinfo): a number and a value, with the sender's pid, never handled in signal context";
    }

    @Override
    public void run(Tour.Context tour) throws Exception {
        try (SignalCatcher usr1 = SignalCatcher.open(Signal.SIGUSR1)) {
            tour.say("caught SIGUSR1 in this process with a SignalCatcher (closing it gives SIGUSR1 back its old action)");
            long t0 = System.nanoTime();
            Tour.Child sender = tour.jipc("signal", "send", Long.toString(tour.pid()), "USR1", "--value", "42");
            tour.say("started `jipc signal send " + tour.pid() + " USR1 --value 42` (pid " + sender.pid() + ")");
            SignalInfo got = usr1.tryReceive(Tour.CHILD_TIMEOUT)
                    .orElseThrow(() -> new IOException("no SIGUSR1 came within " + Tour.CHILD_TIMEOUT.toSeconds() + " s"));
            tour.say("received " + got.signal() + " with value " + got.value() + " from pid " + got.pid() + " (uid "
                    + got.uid() + "), " + Tour.millis(System.nanoTime() - t0) + " after starting it (its JVM's start-up, mostly)");
            sender.output();
        }
    }
}
