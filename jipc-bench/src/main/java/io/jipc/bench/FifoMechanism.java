package io.jipc.bench;

import io.jipc.pipe.Fifo;
import io.jipc.pipe.Pipe;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code fifo}: two FIFOs ({@link Fifo}) in the scratch directory, one per direction, each
 * opened by both processes with the blocking-until-both-ends semantics; the peer gets their
 * paths. {@code jipc-batch} writes a batch of messages per gathering {@code write(ByteBuffer[])}
 * and reads all that has arrived into a large buffer, as on a pipe. C baseline: {@code c/fifo.c}.
 */
final class FifoMechanism implements Mechanism {
    /** How long this side waits for the peer JVM to open its ends (it has to start first). */
    private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(60);

    @Override
    public String name() {
        return "fifo";
    }

    @Override
    public String description() {
        return "two FIFOs (mkfifo), one per direction";
    }

    @Override
    public List<JavaImpl> javaImpls() {
        return List.of(new JavaImpl(JavaImpl.JIPC, (launcher, scratch) -> connect(launcher, scratch, PipeLink::new),
                        args -> accept(args, PipeLink::new)),
                new JavaImpl(JavaImpl.JIPC_BATCH, (launcher, scratch) -> connect(launcher, scratch, BatchLinks::pipes),
                        args -> accept(args, BatchLinks::pipes)),
                new JavaImpl(JavaImpl.FFM, (launcher, scratch) -> connect(launcher, scratch, FfmLinks::pipe),
                        args -> accept(args, FfmLinks::pipe)));
    }

    private static Link connect(PeerLauncher launcher, Path scratch, PipeMechanism.Ends ends) throws IOException {
        Fifo toPeer = Fifo.createExclusively(scratch.resolve("jipc-to-peer"));
        Fifo toUs = Fifo.createExclusively(scratch.resolve("jipc-to-parent"));
        try {
            launcher.start(List.of(toPeer.path().toString(), toUs.path().toString()), Map.of());
            // Both sides open the to-peer FIFO first, so neither waits on an open the other has not reached.
            Pipe.WriteEnd out = toPeer.tryOpenForWriting(OPEN_TIMEOUT)
                    .orElseThrow(() -> new IOException("the peer did not open " + toPeer.path() + " within " + OPEN_TIMEOUT));
            try {
                Pipe.ReadEnd in = toUs.tryOpenForReading(OPEN_TIMEOUT)
                        .orElseThrow(() -> new IOException("the peer did not open " + toUs.path() + " within " + OPEN_TIMEOUT));
                return ends.link(in, out);
            } catch (IOException | RuntimeException e) {
                out.close();
                throw e;
            }
        } finally {
            // Both ends are open (or never will be): the names have done their job.
            toPeer.unlink();
            toUs.unlink();
        }
    }

    private static Link accept(List<String> args, PipeMechanism.Ends ends) throws IOException {
        if (args.size() != 2) {
            throw new IllegalArgumentException("fifo peer needs two paths, got " + args);
        }
        Pipe.ReadEnd in = Fifo.openForReading(Path.of(args.get(0)));
        try {
            return ends.link(in, Fifo.openForWriting(Path.of(args.get(1))));
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    @Override
    public List<String> cArguments(Path scratch) {
        return List.of(scratch.toString());
    }
}
