package io.jipc.bench;

import io.jipc.Fd;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * How a {@link Mechanism} starts its peer: a child JVM running {@link BenchPeer}, which calls the
 * mechanism's {@link Mechanism#accept} with the same arguments. Only the harness implements it.
 */
public interface PeerLauncher {
    /**
     * Starts the peer.
     *
     * @param args     the mechanism's arguments for its {@link Mechanism#accept} (paths, names)
     * @param handOver descriptors the peer gets, each at the given number (e.g. 3 and 4); the
     *                 caller still owns and closes its own copies
     */
    void start(List<String> args, Map<Integer, Fd> handOver) throws IOException;
}
