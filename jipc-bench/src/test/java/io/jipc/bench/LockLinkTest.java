package io.jipc.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lock handoff protocol on its own, both sides in this JVM (each with its own open file
 * description, so their OFD locks exclude each other as two processes' would): every message
 * arrives once and in order, whichever way they go, and a side whose peer goes away fails
 * instead of waiting.
 */
class LockLinkTest {
    @TempDir
    Path dir;

    private interface Body {
        void run() throws IOException;
    }

    private static CompletableFuture<Void> onThread(Body body) {
        return CompletableFuture.runAsync(() -> {
            try {
                body.run();
            } catch (IOException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }, r -> Thread.ofPlatform().start(r));
    }

    @Test
    void pingPongAndStreamingCarryEveryMessageInOrder() throws Exception {
        Path file = dir.resolve("locks");
        RoundSpec spec = new RoundSpec(64, 100, 2_000, 100, 2_000);
        try (LockLink parent = LockLink.parent(file); LockLink child = LockLink.child(file); Arena a = Arena.ofShared()) {
            parent.awaitPeer(() -> true, Duration.ofSeconds(10));
            MemorySegment childBuf = a.allocate(64);
            CompletableFuture<Void> served = onThread(() -> Exchange.serve(child, childBuf, spec));
            served.whenComplete((v, e) -> {
                if (e != null) {
                    parent.close(); // as a peer's death would: this side must not wait for ever
                }
            });
            Histogram h = Exchange.newHistogram();
            Exchange.pingPong(parent, a.allocate(64), spec, h);
            assertThat(h.getTotalCount()).isEqualTo(2_000);
            Exchange.stream(parent, a.allocate(64), spec);
            served.get(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void aPeerThatGoesAwayFailsTheExchangeInsteadOfHangingIt() throws Exception {
        Path file = dir.resolve("locks");
        try (LockLink parent = LockLink.parent(file); LockLink child = LockLink.child(file); Arena a = Arena.ofShared()) {
            parent.awaitPeer(() -> true, Duration.ofSeconds(10));
            MemorySegment m = a.allocate(64);
            MemorySegment c = a.allocate(64);
            Exchange.stamp(m, 64, 0);
            CompletableFuture<Void> echo = onThread(() -> {
                child.receive(c);
                child.send(c);
            });
            parent.send(m);
            parent.receive(m);
            echo.get(10, TimeUnit.SECONDS);
            Exchange.check(m, 64, 0);
            // The child goes (its locks with it): the parent's next round trip must not wait for ever.
            child.close();
            Exchange.stamp(m, 64, 1);
            assertThatThrownBy(() -> {
                parent.send(m);
                parent.receive(m);
                Exchange.check(m, 64, 1);
            }).isInstanceOf(IOException.class);
        }
        assertThatThrownBy(() -> LockLink.child(dir.resolve("missing"))).isInstanceOf(IOException.class);
    }
}
