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

    /**
     * A private mount namespace in which {@code /dev} is a fresh tmpfs holding the machine's
     * {@code /dev} entries (bind mounts, so /dev/null, /dev/shm... work) but no mqueue mount and no
     * {@code /dev/mqueue}: there {@code jipc ls --mount-mqueue} makes and mounts the real
     * {@code /dev/mqueue}, and the machine's /dev (a devtmpfs every namespace shares) is not
     * touched. The script runs after that setup; the namespace and its mounts go when it exits.
     */
    private Peer inPrivateDev(String script) throws java.io.IOException {
        Path hostDev = Files.createDirectory(dir.resolve("hostdev"));
        String setup = "set -e; for m in $(awk '$3 == \"mqueue\" {print $2}' /proc/self/mounts); do umount \"$m\"; done; "
                + "mount --rbind /dev " + hostDev + "; mount -t tmpfs -o mode=0755 jipc-test-dev /dev; "
                + "for p in " + hostDev + "/* " + hostDev + "/.[!.]*; do "
                + "  [ -e \"$p\" ] || [ -L \"$p\" ] || continue; n=/dev/${p##*/}; "
                // the host's own /dev/mqueue (systemd makes one) is what the tests make themselves
                + "  [ \"${p##*/}\" = mqueue ] && continue; "
                + "  if [ -L \"$p\" ]; then cp -P \"$p\" \"$n\"; "
                + "  elif [ -d \"$p\" ]; then mkdir \"$n\"; mount --rbind \"$p\" \"$n\"; "
                + "  else touch \"$n\"; mount --bind \"$p\" \"$n\"; fi; "
                + "done; test ! -e /dev/mqueue; set +e; ";
        return Peer.start("unshare", List.of("unshare", "-m", "--propagation", "private", "bash", "-c", setup + script));
    }

    private static String mqueueMounts() {
        return "awk '$3 == \"mqueue\"' /proc/self/mounts | wc -l";
    }

    @Test
    void asRootMountMqueueMakesAndMountsDevMqueueOnceThenListsQueues() throws Exception {
        Assumptions.assumeTrue(io.jipc.internal.libc.Unistd.getuid() == 0, "unshare -m needs root");
        String q = TestIpc.name("ls-mount");
        String jipc = Shell.quote(LauncherIT.LAUNCHER.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        String script = jipc + " mq create " + q + "; "
                + jipc + " ls --type mq --mount-mqueue --json; echo \"exit=$?\"; "
                + "test -d /dev/mqueue && echo dir; echo \"mounts=$(" + mqueueMounts() + ")\"; "
                + "echo ---; " + jipc + " ls --type mq --mount-mqueue; echo \"exit=$?\"; "
                + "echo \"mounts=$(" + mqueueMounts() + ")\"; findmnt -n -o TARGET,FSTYPE,OPTIONS /dev/mqueue; "
                + jipc + " mq unlink " + q;
        try (Peer p = inPrivateDev(script)) {
            assertThat(p.awaitExit(T)).as(p.stderr()).isZero();
            String[] runs = p.stdout().split("---\n");
            List<String> first = runs[0].lines().toList();
            assertThat(first.stream().filter(l -> l.startsWith("{")).map(Json::object)
                    .filter(o -> q.equals(o.get("name")))).as("the queue made before the mount is listed").hasSize(1);
            assertThat(first).contains("exit=0", "dir", "mounts=1");
            List<String> second = runs[1].lines().toList();
            assertThat(second).contains("exit=0", "mounts=1");
            assertThat(second.stream().filter(l -> l.startsWith("mq "))).anyMatch(l -> l.contains(q));
            assertThat(second.get(second.size() - 1)).startsWith("/dev/mqueue mqueue").contains("nosuid", "nodev", "noexec");
            List<String> err = p.stderr().lines().filter(l -> !l.contains("building the command line")).toList();
            assertThat(err).containsExactly(
                    "jipc: mounted the POSIX message queue file system at /dev/mqueue",
                    "jipc: a POSIX message queue file system is mounted already, at /dev/mqueue: nothing done");
        } finally {
            try {
                io.jipc.mq.PosixMessageQueue.unlink(q);
            } catch (io.jipc.NotFoundException removed) {
                // by the script
            }
        }
    }

    @Test
    void withoutPrivilegeMountMqueueFailsAndChangesNothing() throws Exception {
        Assumptions.assumeTrue(io.jipc.internal.libc.Unistd.getuid() == 0, "unshare -m and setpriv need root");
        String launcher = Shell.quote(LauncherIT.LAUNCHER.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        String jipc = "setpriv --reuid=65534 --regid=65534 --clear-groups " + launcher;
        // A build the launcher finds due happens as root first: uid 65534 may not write the checkout.
        // /dev is root's: mkdir is refused. Then with the directory there (as on most machines): mount is.
        String script = launcher + " --version >/dev/null 2>&1; "
                + jipc + " ls --type mq --mount-mqueue; echo \"exit=$?\"; "
                + "test -e /dev/mqueue && echo made || echo absent; echo \"mounts=$(" + mqueueMounts() + ")\"; "
                + "mkdir /dev/mqueue; echo ---; "
                + jipc + " ls --type mq --mount-mqueue; echo \"exit=$?\"; "
                + "test -d /dev/mqueue && echo kept; echo \"mounts=$(" + mqueueMounts() + ")\"";
        try (Peer p = inPrivateDev(script)) {
            assertThat(p.awaitExit(T)).as(p.stderr()).isZero();
            assertThat(p.stdout().lines().toList()).as(p.stderr()).containsExactly(
                    "exit=3", "absent", "mounts=0", "---", "exit=3", "kept", "mounts=0");
            assertThat(p.stderr().lines().filter(l -> !l.contains("building the command line")).toList()).containsExactly(
                    "jipc: mkdir(/dev/mqueue): Permission denied (EACCES)",
                    "jipc: mounting a file system needs root (CAP_SYS_ADMIN): nothing was changed",
                    "jipc: mount(/dev/mqueue): Operation not permitted (EPERM)",
                    "jipc: mounting a file system needs root (CAP_SYS_ADMIN): nothing was changed");
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
                            + "mkdir -p /dev/mqueue && mount -t mqueue none /dev/mqueue)",
                    "jipc: or, as root: jipc ls --mount-mqueue");
        }
    }
}
