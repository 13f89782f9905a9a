package io.jipc.cli.tour;

import io.jipc.pipe.Pipe;
import io.jipc.process.ChildProcess;
import io.jipc.process.Redirect;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** A pipe each way between this process and {@code tr}: what a shell builds for {@code echo … | tr … | …}. */
final class PipeStep implements TourStep {
    @Override
    public String mechanism() {
        return "pipe";
    }

    @Override
    public String title() {
        return "anonymous pipes (pipe2), the | of every shell";
    }

    @Override
    public void run(Tour.Context tour) throws Exception {
        try (Pipe toChild = Pipe.open()) {
            List<String> command = List.of("tr", "a-z", "A-Z");
            Tour.Child tr = tour.start(ChildProcess.builder(command).stdin(Redirect.handOver(toChild.readEnd())));
            tour.say("started `" + tour.shown(command) + "` (pid " + tr.pid() + ") reading a pipe from this process");
            byte[] text = "hello through a pipe\n".getBytes(StandardCharsets.UTF_8);
            long t0 = System.nanoTime();
            toChild.writeEnd().write(text);
            toChild.writeEnd().close();
            String answer = tr.output();
            tour.say("wrote " + text.length + " bytes and closed the pipe; tr answered \"" + answer.strip()
                    + "\" through another pipe and exited (" + Tour.millis(System.nanoTime() - t0) + ")");
        }
    }
}
