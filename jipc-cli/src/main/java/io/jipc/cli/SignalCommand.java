package io.jipc.cli;

import io.jipc.IpcException;
import io.jipc.signal.Signal;
import io.jipc.signal.SignalCatcher;
import io.jipc.signal.SignalInfo;
import io.jipc.signal.Signals;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.core.JsonGenerator;

/** {@code jipc signal send|wait|list}: send signals, wait for them, and the table of every signal. */
@Command(name = "signal", mixinStandardHelpOptions = true,
        description = {"Linux signals. SIGNAL is a name with or without SIG (USR1, SIGUSR1, RTMIN+2) or a number.",
            "SIGKILL and SIGSTOP can never be caught, and the JVM keeps some signals for itself: jipc signal list"
                    + " shows which."},
        synopsisSubcommandLabel = "VERB",
        subcommands = {SignalCommand.Send.class, SignalCommand.Wait.class, SignalCommand.ListSignals.class})
final class SignalCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a verb is required: send, wait or list");
    }

    @Command(name = "send", mixinStandardHelpOptions = true,
            description = {"Send SIGNAL to process PID (kill), or with --value an int along with it (sigqueue),"
                    + " which the receiver finds in si_value (jipc signal wait --json shows it)."})
    static final class Send implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "PID")
        String pid;

        @Parameters(index = "1", paramLabel = "SIGNAL")
        String signal;

        @Option(names = "--value", paramLabel = "N", description = "Send with sigqueue, carrying the int N.")
        Integer value;

        @Option(names = "--group", description = "PID is a process group: signal every process in it (killpg).")
        boolean group;

        @Override
        public Integer call() throws IpcException {
            long id = parsePid(pid, group ? "process group" : "PID");
            Signal s = Signal.parse(signal);
            if (group && value != null) {
                throw new IllegalArgumentException("--value cannot go to a --group: sigqueue signals one process");
            }
            if (group) {
                Signals.sendToGroup(id, s);
            } else if (value != null) {
                Signals.queue(id, s, value);
            } else {
                Signals.send(id, s);
            }
            return ExitCodes.OK;
        }

        private static long parsePid(String text, String what) {
            try {
                long n = Long.parseLong(text);
                if (n >= 1 && n <= Integer.MAX_VALUE) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // said below
            }
            throw new IllegalArgumentException(what + " must be a number from 1 to " + Integer.MAX_VALUE + ", got '"
                    + text + "'");
        }
    }

    @Command(name = "wait", mixinStandardHelpOptions = true,
            description = {"Catch the SIGNALs and wait for them: prints \"ready PID\" on standard error once they are"
                    + " caught, then each one's name on standard output as it comes (SIGUSR1); returns after --count"
                    + " of them. Exit 1 on --timeout. While it waits the signals do nothing else (SIGTERM no longer"
                    + " ends jipc); SIGINT, SIGTERM and SIGHUP not named end it with 128+N."})
    static final class Wait implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(arity = "1..*", paramLabel = "SIGNAL")
        List<String> signals;

        @Option(names = "--count", paramLabel = "N", defaultValue = "1", description = "Return after N signals (default 1).")
        int count;

        @Option(names = "--timeout", paramLabel = "D", converter = Converters.DurationConverter.class,
                description = "Give up after D in all (250ms, 5s, PT5S): exit 1.")
        Duration timeout;

        @Option(names = "--json", description = "One line per signal: {\"signal\":\"SIGUSR1\",\"number\":10,"
                + "\"origin\":\"queue\",\"pid\":...,\"uid\":...,\"value\":...} (pid, uid: the sender; value: sigqueue's).")
        boolean json;

        @Override
        public Integer call() throws IOException {
            Set<Signal> set = EnumSet.noneOf(Signal.class);
            for (String s : signals) {
                set.add(Signal.parse(s));
            }
            if (count < 1) {
                throw new IllegalArgumentException("--count must be at least 1, got " + count);
            }
            Io io = Io.of(spec);
            Stdout out = io.out();
            out.checkWritable(); // catch no signal that could not be told
            // a timeout past what a long holds in nanoseconds (292 years) is no deadline at all
            long deadline = timeout == null ? Long.MAX_VALUE
                    : System.nanoTime() + Math.min(timeout.compareTo(Duration.ofNanos(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE
                            : timeout.toNanos(), Long.MAX_VALUE / 4);
            try (SignalCatcher catcher = SignalCatcher.open(set)) {
                io.err().println("ready " + ProcessHandle.current().pid());
                io.err().flush();
                for (int i = 0; i < count; i++) {
                    Optional<SignalInfo> got;
                    if (timeout == null) {
                        got = Optional.of(catcher.receive());
                    } else {
                        got = catcher.tryReceive(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
                    }
                    if (got.isEmpty()) {
                        return ExitCodes.WOULD_BLOCK;
                    }
                    SignalInfo info = got.get();
                    out.emit(json ? jsonLine(info) : (info.signal().signalName() + "\n").getBytes(StandardCharsets.UTF_8),
                            "the signal " + info);
                }
            }
            return ExitCodes.OK;
        }

        private static byte[] jsonLine(SignalInfo info) throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            JsonLines lines = new JsonLines(line);
            JsonGenerator g = lines.begin();
            g.writeStringProperty("signal", info.signal().signalName());
            g.writeNumberProperty("number", info.signal().number());
            g.writeStringProperty("origin", info.origin().name().toLowerCase(Locale.ROOT));
            g.writeNumberProperty("code", info.code());
            if (info.hasSender()) {
                g.writeNumberProperty("pid", info.pid());
                g.writeNumberProperty("uid", info.uid());
            }
            if (info.origin() == SignalInfo.Origin.QUEUE || info.origin() == SignalInfo.Origin.TIMER
                    || info.origin() == SignalInfo.Origin.MESSAGE_QUEUE) {
                g.writeNumberProperty("value", info.value());
            }
            lines.end();
            return line.toByteArray();
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"Every signal: number, name, default action, whether it can be caught, what it means.",
                "CATCHABLE says yes, no (never: SIGKILL, SIGSTOP), or whose it is in a JVM (JVM, JDK, jipc): jipc"
                        + " signal wait refuses those."})
    static final class ListSignals implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--json", description = "One line per signal: number, name, default_action, catchable,"
                + " description, and reserved (who keeps it, why) where a JVM keeps it.")
        boolean json;

        @Override
        public Integer call() throws IOException {
            Io io = Io.of(spec);
            Stdout out = io.out();
            if (!json) {
                io.println(String.format("%3s %-12s %-9s %-9s %s", "NUM", "NAME", "DEFAULT", "CATCHABLE", "DESCRIPTION"));
            }
            for (Signal s : Signal.values()) {
                Optional<String> reserved = s.catchable() ? Signals.reservation(s) : Optional.empty();
                String action = s.defaultAction().name().toLowerCase(Locale.ROOT);
                if (json) {
                    JsonLines lines = new JsonLines(out);
                    JsonGenerator g = lines.begin();
                    g.writeNumberProperty("number", s.number());
                    g.writeStringProperty("name", s.signalName());
                    g.writeStringProperty("default_action", action);
                    g.writeBooleanProperty("catchable", s.catchable());
                    g.writeStringProperty("description", s.description());
                    if (reserved.isPresent()) {
                        g.writeStringProperty("reserved_by", owner(reserved.get()));
                        g.writeStringProperty("reserved", reserved.get());
                    }
                    lines.end();
                } else {
                    String catchable = !s.catchable() ? "no" : reserved.map(ListSignals::owner).orElse("yes");
                    io.println(String.format("%3d %-12s %-9s %-9s %s", s.number(), s.signalName(), action, catchable,
                            s.description()));
                }
            }
            return ExitCodes.OK;
        }

        /** Who keeps a reserved signal, from the library's explanation ("SIGQUIT is the JVM's: ..."). */
        private static String owner(String why) {
            if (why.contains(" is the JDK's")) {
                return "JDK";
            }
            if (why.contains(" is jipc's")) {
                return "jipc";
            }
            return "JVM";
        }
    }
}
