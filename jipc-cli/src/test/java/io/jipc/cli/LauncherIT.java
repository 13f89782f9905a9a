package io.jipc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.testing.Peer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The real {@code ./jipc} launcher, run after the package phase built what it launches. */
class LauncherIT {
    static final Path LAUNCHER = Path.of(System.getProperty("basedir", "."), "..", "jipc").normalize();

    static Peer jipc(String... args) {
        return start(List.of(LAUNCHER.toString()), args);
    }

    /**
     * {@link #jipc}, with SIGINT, SIGTERM and SIGHUP at their default whatever the test JVM
     * inherited: a build started as a background job ignores SIGINT, every process under it
     * inherits that, and a JVM that starts with SIGINT ignored keeps ignoring it (as any program
     * should), so a test that sends it would wait for nothing.
     */
    static Peer jipcWithSignalsAtDefault(String... args) {
        return start(List.of("env", "--default-signal=INT,TERM,HUP", LAUNCHER.toString()), args);
    }

    private static Peer start(List<String> command, String... args) {
        List<String> cmd = new java.util.ArrayList<>(command);
        cmd.addAll(List.of(args));
        return Peer.start("jipc", cmd);
    }

    @Test
    void versionAndHelpRunFromTheLauncher() {
        try (Peer p = jipc("--version")) {
            p.awaitSuccess(Duration.ofSeconds(120));
            assertThat(p.stdout()).startsWith("jipc ");
            assertThat(p.stderr()).isEmpty();
        }
        try (Peer p = jipc("help")) {
            p.awaitSuccess(Duration.ofSeconds(60));
            assertThat(p.stdout()).contains("Usage: jipc");
        }
    }

    @Test
    void usageErrorsExitTwoWithOneLine() {
        try (Peer p = jipc("bogus")) {
            assertThat(p.awaitExit(Duration.ofSeconds(60))).isEqualTo(ExitCodes.USAGE);
            assertThat(p.stderr()).startsWith("jipc: ");
            assertThat(p.stdout()).isEmpty();
        }
    }
}
