package io.jipc.testing;

import io.jipc.internal.libc.Unistd;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs a command where shared memory is scarce, without touching the machine's own limits: in a
 * new IPC and mount namespace (unshare(1)) whose {@code /dev/shm} is a 1 MiB tmpfs and whose
 * {@code shmmax} is 65536 and {@code shmmni} 1. Both namespaces, and whatever was made in them,
 * vanish with the command. Needs root.
 */
public final class SmallShmLimits {
    private SmallShmLimits() {}

    public static final long TMPFS = 1 << 20;
    public static final long SHMMAX = 65536;

    private static final String SETUP = "echo " + SHMMAX + " > /proc/sys/kernel/shmmax && echo 1 > /proc/sys/kernel/shmmni"
            + " && mount -t tmpfs -o size=1m jipc-test /dev/shm && exec \"$@\"";

    /** {@code command}, run by {@code sh -c} in the namespaces. */
    public static List<String> command(List<String> command) {
        List<String> cmd = new ArrayList<>(List.of("unshare", "--ipc", "--mount", "sh", "-c", SETUP, "sh"));
        cmd.addAll(command);
        return cmd;
    }

    /** Skips the test when namespaces cannot be made here. */
    public static void assumeAvailable() {
        Assumptions.assumeTrue(Unistd.getuid() == 0, "needs root to make an IPC and mount namespace with small limits");
    }
}
