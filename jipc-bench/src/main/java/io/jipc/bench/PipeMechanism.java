package io.jipc.bench;

import io.jipc.pipe.Pipe;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code pipe}: two anonymous pipes ({@link Pipe}), one per direction; the peer gets its ends at
 * descriptors 3 (to read) and 4 (to write) and adopts them. C baseline: {@code c/pipe.c}.
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
    public Link connect(PeerLauncher launcher, Path scratch) throws IOException {
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
        return new PipeLink(toUs.readEnd(), toPeer.writeEnd());
    }

    @Override
    public Link accept(List<String> args) throws IOException {
        Pipe.ReadEnd in = Pipe.ReadEnd.adopt(PEER_READ_FD);
        try {
            return new PipeLink(in, Pipe.WriteEnd.adopt(PEER_WRITE_FD));
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }
}
