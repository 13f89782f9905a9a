package io.jipc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.testing.Peer;
import io.jipc.testing.TestIpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jipc ls} and POSIX queues through the launcher: listed from an mqueue mount (one made in a
 * private mount namespace, so the machine's mounts stay as they are), and without one, the note
 * that says how to mount it.
 */
class LsLauncherIT {
    private static final Duration T = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    @Test
    void queuesAreListedFromAnMqueueMountAndRemovedByRm() throws Exception {
        Assumptions.assumeTrue(io.jipc.internal.libc.Unistd.getuid() == 0, "mounting needs root");
        String q = TestIpc.name("ls-mq");
        String jipc = Shell.quote(LauncherIT.LAUNCHER.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Path mount = Files.createDirectory(dir.resolve("mqueue"));
        String script = "set -e; mount -t mqueue none " + mount + "; " + jipc + " mq create " + q + " --mode 0640; "
                + jipc + " mq send " + q + " hi --priority 2; " + jipc + " ls --type mq --json; "
                + jipc + " rm mq:" + q + "; " + jipc + " ls --type mq";
        try (Peer p = Peer.start("unshare", List.of("unshare", "-m", "--propagation", "private", "bash", "-c", script))) {
            int status = p.awaitExit(T);
            assertThat(status).as(p.stderr()).isZero();
            List<String> lines = p.stdout().lines().toList();
            Map<String, Object> listed = lines.stream().filter(l -> l.startsWith("{")).map(Json::object)
                    .filter(o -> q.equals(o.get("name"))).findFirst().orElseThrow();
            assertThat(listed).containsEntry("type", "mq").containsEntry("mode", "0640").containsEntry("messages", 1L)
                    .containsEntry("bytes", 2L).containsEntry("max_messages", 10L).containsEntry("stale", true);
            assertThat(lines.stream().filter(l -> l.startsWith("mq "))).as("removed by rm").noneMatch(l -> l.contains(q));
            assertThat(p.stderr()).doesNotContain("not listed");
        } finally {
            try {
                io.jipc.mq.PosixMessageQueue.unlink(q);
            } catch (io.jipc.NotFoundException removed) {
                // by rm, as it should be
            }
        }
    }

    @Test
    void withoutAMountTheListingSaysHowToMountOne() {
        Assumptions.assumeTrue(io.jipc.internal.libc.Unistd.getuid() == 0, "unshare -m needs root");
        // A private mount namespace with every mqueue mount taken away: the same machine, no mount.
        String script = "for m in $(awk '$3 == \"mqueue\" {print $2}' /proc/self/mounts); do umount \"$m\"; done; "
                + Shell.quote(LauncherIT.LAUNCHER.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8))
                + " ls --type mq";
        try (Peer p = Peer.start("unshare", List.of("unshare", "-m", "--propagation", "private", "bash", "-c", script))) {
            assertThat(p.awaitExit(T)).as(p.stderr()).isZero();
            assertThat(p.stdout().lines().toList()).containsExactly(
                    "TYPE  OBJECT  KEY  OWNER  MODE  SIZE  DETAIL  PROCESSES");
            assertThat(p.stderr().lines().filter(l -> !l.contains("building the command line")).toList()).containsExactly(
                    "jipc: POSIX message queues are not listed: no mqueue file system is mounted (as root: "
                            + "mkdir -p /dev/mqueue && mount -t mqueue none /dev/mqueue)");
        }
    }
}
