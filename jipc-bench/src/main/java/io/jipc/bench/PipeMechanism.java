package io.jipc.bench;

import io.jipc.pipe.Pipe;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * {@code pipe}: two anonymous pipes ({@link Pipe}), one per direction; the peer gets its ends at
 * descriptors 3 (to read) and 4 (to write) and adopts them. {@code jipc-batch} writes a batch of
 * messages per gathering {@code write(ByteBuffer[])} and reads all that has arrived into a large
 * buffer. C baseline: {@code c/pipe.c}.
 */
final class PipeMechanism implements Mechanism {
    private static final int PEER_READ_FD = 3;
    private static final int PEER_WRITE_FD = 4;

    @Override
    public String name() {
        return "pipe";
    }

    @Override
    public String description() {
        return "two anonymous pipes (pipe2), one per direction";
    }

    @Override
    public List<JavaImpl> javaImpls() {
        return List.of(new JavaImpl(JavaImpl.JIPC, (launcher, scratch) -> connect(launcher, PipeLink::new),
                        args -> accept(PipeLink::new)),
                new JavaImpl(JavaImpl.JIPC_BATCH, (launcher, scratch) -> connect(launcher, BatchLinks::pipes),
                        args -> accept(BatchLinks::pipes)),
                new JavaImpl(JavaImpl.FFM, (launcher, scratch) -> connect(launcher, FfmLinks::pipe), args -> accept(FfmLinks::pipe)));
    }

    /** A link over a read end and a write end (a pipe's or a FIFO's). */
    @FunctionalInterface
    interface Ends {
        Link link(Pipe.ReadEnd in, Pipe.WriteEnd out) throws IOException;
    }

    private static Link connect(PeerLauncher launcher, Ends ends) throws IOException {
        Pipe toPeer = Pipe.open();
        Pipe toUs;
        try {
            toUs = Pipe.open();
        } catch (IOException | RuntimeException e) {
            toPeer.close();
            throw e;
        }
        try {
            launcher.start(List.of(), Map.of(PEER_READ_FD, toPeer.readEnd().fd(), PEER_WRITE_FD, toUs.writeEnd().fd()));
        } catch (IOException | RuntimeException e) {
            toPeer.close();
            toUs.close();
            throw e;
        } finally {
            // The peer has its own copies now; ours would keep end-of-stream from ever arriving.
            toPeer.readEnd().close();
            toUs.writeEnd().close();
        }
        return ends.link(toUs.readEnd(), toPeer.writeEnd());
    }

    private static Link accept(Ends ends) throws IOException {
        Pipe.ReadEnd in = Pipe.ReadEnd.adopt(PEER_READ_FD);
        try {
            return ends.link(in, Pipe.WriteEnd.adopt(PEER_WRITE_FD));
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }
}
