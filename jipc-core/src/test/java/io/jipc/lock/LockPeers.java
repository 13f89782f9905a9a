package io.jipc.lock;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.testing.CPeer;
import io.jipc.testing.Peer;
import io.jipc.testing.PeerJvm;
import io.jipc.testing.ThreadSyscalls;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A lock peer ({@code c/lock_peer.c} or {@link LockPeer} in a second JVM) driven line by line:
 * each command's answer is the next line of its output.
 */
final class LockPeers implements AutoCloseable {
    static final Duration T = Duration.ofSeconds(30);

    /** Which program is on the other end. */
    enum Side {
        C, JVM;

        LockPeers start(Path file) {
            return this == C ? new LockPeers(CPeer.start("lock_peer", file.toString()))
                    : new LockPeers(PeerJvm.start(LockPeer.class, file.toString()));
        }
    }

    private final Peer peer;
    private int consumed;
    private long blockedTid;

    private LockPeers(Peer peer) {
        this.peer = peer;
        assertThat(next()).isEqualTo("ready");
    }

    Peer peer() {
        return peer;
    }

    long pid() {
        return peer.pid();
    }

    /** Sends a command and returns its answer. */
    String ask(String command) {
        peer.send(command);
        return next();
    }

    /**
     * Sends a {@code lock} command that must wait, and returns once the peer sleeps inside its
     * locking call (fcntl or flock); {@link #next()} then gives the outcome.
     */
    void blockOn(String lockCommand) throws Exception {
        peer.send(lockCommand);
        String line = next();
        assertThat(line).startsWith("blocking ");
        blockedTid = Long.parseLong(line.substring("blocking ".length()));
        ThreadSyscalls.awaitProcessSleepingIn(peer.pid(), blockedTid, "fcntl", "flock");
        // Still asleep a moment later: blocked for real, not passing through.
        Thread.sleep(50);
        assertThat(ThreadSyscalls.awaitProcessSleepingIn(peer.pid(), blockedTid, "fcntl", "flock")).isNotNull();
    }

    /** The next line of output, waiting for it. */
    String next() {
        long deadline = System.nanoTime() + T.toNanos();
        while (true) {
            String out = peer.stdout();
            int nl = out.indexOf('\n', consumed);
            if (nl >= 0) {
                String line = out.substring(consumed, nl);
                consumed = nl + 1;
                return line;
            }
            if (System.nanoTime() > deadline || !peer.process().isAlive() && peer.stdout().indexOf('\n', consumed) < 0) {
                throw new AssertionError(peer + " gave no answer (alive: " + peer.process().isAlive() + ")\nstdout: "
                        + out + "\nstderr: " + peer.stderr());
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** Whether a further line has arrived (without consuming it). */
    boolean hasNext() {
        return peer.stdout().indexOf('\n', consumed) >= 0;
    }

    @Override
    public void close() {
        if (peer.process().isAlive()) {
            peer.send("exit");
            try {
                peer.awaitExit(T);
            } catch (AssertionError ignored) {
                // close() kills it
            }
        }
        peer.close();
    }
}
