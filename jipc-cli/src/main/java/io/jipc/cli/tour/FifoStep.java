package io.jipc.cli.tour;

import io.jipc.pipe.Fifo;
import io.jipc.pipe.Pipe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** A FIFO: two processes that share no descriptor meet at a path. */
final class FifoStep implements TourStep {
    @Override
    public String mechanism() {
        return "fifo";
    }

    @Override
    public String title() {
        return "FIFOs (mkfifo), a pipe with a name any process can open";
    }

    @Override
    public void run(Tour.Context tour) throws Exception {
        Path path = tour.dir().resolve("fifo");
        Fifo fifo = Fifo.createExclusively(path);
        tour.cleanup(() -> {
            if (java.nio.file.Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                fifo.unlink();
            }
        });
        tour.say("created the FIFO " + path);
        Tour.Child reader = tour.jipc("fifo", "read", path.toString());
        tour.say("started `jipc fifo read " + path + "` (pid " + reader.pid() + "), an unrelated JVM");
        long t0 = System.nanoTime();
        byte[] text = "hello through a FIFO\n".getBytes(StandardCharsets.UTF_8);
        try (Pipe.WriteEnd w = fifo.openForWriting()) {
            tour.say("open for writing returned once the reader had opened it ("
                    + Tour.millis(System.nanoTime() - t0) + ", its JVM's start included)");
            w.write(text);
        }
        tour.say("wrote " + text.length + " bytes and closed; the reader printed \"" + reader.output().strip()
                + "\" and exited at end of file");
    }
}
