package io.jipc.shm;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.internal.libc.Unistd;
import io.jipc.testing.Peer;
import io.jipc.testing.PeerJvm;
import io.jipc.testing.TestIpc;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The limits the system puts on shared memory, named in the errors with their values: a JVM in an
 * IPC and mount namespace of its own (so that nothing outside sees the small limits) with a 1 MiB
 * tmpfs on /dev/shm and shmmax 65536, shmmni 1.
 */
class ShmLimitsTest {
    static final String LIMITS = "echo 65536 > /proc/sys/kernel/shmmax && echo 1 > /proc/sys/kernel/shmmni"
            + " && mount -t tmpfs -o size=1m jipc-test /dev/shm && exec \"$@\"";

    /** A command run by {@code sh -c} in a new IPC and mount namespace with {@link #LIMITS}. */
    static List<String> inSmallNamespace(List<String> command) {
        List<String> cmd = new java.util.ArrayList<>(List.of("unshare", "--ipc", "--mount", "sh", "-c", LIMITS, "sh"));
        cmd.addAll(command);
        return cmd;
    }

    static void assumeNamespaces() {
        Assumptions.assumeTrue(Unistd.getuid() == 0, "needs root to make an IPC and mount namespace with small limits");
    }

    @Test
    void everyLimitIsNamedWithItsValue() {
        assumeNamespaces();
        String name = TestIpc.name("limits");
        List<String> jvm = List.of(PeerJvm.javaCommand(), "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), ShmLimitsPeer.class.getName(), name);
        try (Peer p = Peer.start("limits", inSmallNamespace(jvm))) {
            p.awaitSuccess(ShmPeers.T);
            String tmpfs = "the tmpfs at /dev/shm (its size= mount option)";
            assertThat(p.stdout().lines()).containsExactly(
                    "tmpfs: ftruncate(" + name + "): size 2097152 is more than " + tmpfs + " can ever hold, 1048576 bytes (ENOSPC)",
                    "reserve: fallocate(" + name + "-b): no room for 786432 bytes in " + tmpfs + " (ENOSPC)",
                    "sparse: created",
                    "grow: fallocate(" + name + "-a): no room for 1048576 bytes in " + tmpfs + " (ENOSPC)",
                    "shmmax: shmget(key IPC_PRIVATE): size 65537 is more than shmmax = 65536 (/proc/sys/kernel/shmmax) (EINVAL)",
                    "shmmni: shmget(key IPC_PRIVATE): the system has the most segments it allows (/proc/sys/kernel/shmmni = 1),"
                            + " or 100 more bytes would pass the total it allows (/proc/sys/kernel/shmall = "
                            + io.jipc.internal.ProcFiles.readText(java.nio.file.Path.of("/proc/sys/kernel/shmall")) + " pages) (ENOSPC)",
                    "left: []");
        }
    }
}
