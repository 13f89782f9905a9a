package io.jipc.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code lock}: a handoff through OFD byte-range locks on one file ({@link LockLink}): each side
 * blocks in {@code F_OFD_SETLKW} on a lock the other holds, and releases one in turn; a message
 * is one handoff. The peer gets the file's path. C baseline: {@code c/lock.c}, the same protocol.
 */
final class LockMechanism implements Mechanism {
    /** How long this side waits for the peer JVM to start and take its locks. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    @Override
    public String name() {
        return "lock";
    }

    @Override
    public String description() {
        return "a handoff through OFD byte-range locks (F_OFD_SETLKW), three per direction";
    }

    @Override
    public List<JavaImpl> javaImpls() {
        return List.of(new JavaImpl(JavaImpl.JIPC, this::connect, this::accept));
    }

    private Link connect(PeerLauncher launcher, Path scratch) throws IOException {
        Path file = scratch.resolve("jipc-locks");
        LockLink link = LockLink.parent(file);
        try {
            launcher.start(List.of(file.toString()), Map.of());
            link.awaitPeer(launcher::isAlive, START_TIMEOUT);
            return link;
        } catch (IOException | RuntimeException e) {
            link.close();
            throw e;
        }
    }

    private Link accept(List<String> args) throws IOException {
        if (args.size() != 1) {
            throw new IllegalArgumentException("lock peer needs the lock file's path, got " + args);
        }
        return LockLink.child(Path.of(args.get(0)));
    }

    @Override
    public List<String> cArguments(Path scratch) {
        return List.of(scratch.resolve("c-locks").toString());
    }
}
