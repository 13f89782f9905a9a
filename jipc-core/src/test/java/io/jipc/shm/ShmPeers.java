package io.jipc.shm;

import io.jipc.testing.CPeer;
import io.jipc.testing.Peer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The other ends of the shared-memory tests: {@code shm_peer.c}, and Python's multiprocessing.shared_memory. */
final class ShmPeers {
    private ShmPeers() {}

    static final Duration T = Duration.ofSeconds(60);

    /** Starts {@code shm_peer} with {@code args}. */
    static Peer start(String... args) {
        return CPeer.start("shm_peer", args);
    }

    /** Runs {@code shm_peer} to success and returns what it printed, stripped. */
    static String c(String... args) {
        try (Peer p = start(args)) {
            p.awaitSuccess(T);
            return p.stdout().strip();
        }
    }

    /** Runs a Python 3 program (given as text) with {@code args}, to success; its standard output, stripped. */
    static String python(String program, String... args) throws IOException {
        Path script = Files.createTempFile(CPeer.outputDir().getParent(), "shm-", ".py");
        try {
            Files.writeString(script, program);
            List<String> cmd = new ArrayList<>(List.of("python3", script.toString()));
            cmd.addAll(List.of(args));
            try (Peer p = Peer.start("python3", cmd)) {
                p.awaitSuccess(T);
                return p.stdout().strip();
            }
        } finally {
            Files.deleteIfExists(script);
        }
    }
}
