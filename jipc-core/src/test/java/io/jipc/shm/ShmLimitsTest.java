package io.jipc.shm;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.testing.Peer;
import io.jipc.testing.PeerJvm;
import io.jipc.testing.SmallShmLimits;
import io.jipc.testing.TestIpc;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The limits the system puts on shared memory, named in the errors with their values: a JVM where
 * they are small ({@link SmallShmLimits}: a namespace of its own, so nothing outside sees them).
 */
class ShmLimitsTest {
    @Test
    void everyLimitIsNamedWithItsValue() {
        SmallShmLimits.assumeAvailable();
        String name = TestIpc.name("limits");
        List<String> jvm = List.of(PeerJvm.javaCommand(), "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), ShmLimitsPeer.class.getName(), name);
        try (Peer p = Peer.start("limits", SmallShmLimits.command(jvm))) {
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
