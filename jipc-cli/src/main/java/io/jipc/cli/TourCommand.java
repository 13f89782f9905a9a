package io.jipc.cli;

import io.jipc.cli.tour.Tour;
import io.jipc.cli.tour.TourStep;
import io.jipc.cli.tour.TourSteps;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jipc tour [--only MECHANISM,…]}: every mechanism between this process and real child processes, narrated. */
@Command(name = "tour", mixinStandardHelpOptions = true,
        description = {"A narrated walk through every mechanism, each between this process and a real child process"
                + " (a jipc JVM or a program such as tr), saying what happened and how long it took.",
            "Objects are named /jipc-tour-PID-*, System V keys 0x6a…, files under $TMPDIR/jipc-tour-PID-*;"
                + " each is removed when its step ends, on Ctrl-C too."})
final class TourCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--only", split = ",", paramLabel = "MECHANISM",
            description = "Only these stops, in the tour's order: pipe, fifo, socket, lock, mq, sysv-msg, sem, sysv-sem,"
                    + " shm, sysv-shm.")
    List<String> only;

    @Override
    public Integer call() throws Exception {
        List<TourStep> steps = new ArrayList<>(TourSteps.ALL);
        if (only != null) {
            String known = TourSteps.ALL.stream().map(TourStep::mechanism).collect(Collectors.joining(", "));
            if (only.isEmpty()) {
                // `--only ,` names no stop: not the whole tour by accident.
                throw new IllegalArgumentException("--only: name at least one stop; its stops: " + known);
            }
            for (String m : only) {
                if (TourSteps.ALL.stream().noneMatch(s -> s.mechanism().equals(m))) {
                    throw new IllegalArgumentException("--only: no stop '" + m + "' in the tour; its stops: " + known);
                }
            }
            steps.removeIf(s -> !only.contains(s.mechanism()));
        }
        Io io = Io.of(spec);
        // Each line as it happens: the tour is watched, or read by a pipe as it goes.
        Tour.Narrator narrator = line -> {
            io.println(line);
            io.out().flush();
        };
        new Tour(narrator, io.errIsTerminal() ? io.err() : null).run(steps);
        return ExitCodes.OK;
    }
}
