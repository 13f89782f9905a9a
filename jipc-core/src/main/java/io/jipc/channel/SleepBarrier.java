package io.jipc.channel;

import static io.jipc.internal.libc.Membarrier.MEMBARRIER_CMD_GLOBAL_EXPEDITED;
import static io.jipc.internal.libc.Membarrier.MEMBARRIER_CMD_QUERY;
import static io.jipc.internal.libc.Membarrier.MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED;

import io.jipc.IpcException;
import io.jipc.internal.libc.Errnos;
import io.jipc.internal.libc.Membarrier;

/**
 * This process's part in the sleep-barrier ordering ({@link Channel.Ordering#SLEEP_BARRIER}, the
 * layout's feature 1): whether the kernel lets a sleeping end barrier every other end, and whether
 * this process has registered to be barriered, which is what lets its ends publish with plain
 * release stores. Registration is per process and cannot be undone, so it is made once, by the
 * first end that needs it.
 */
final class SleepBarrier {
    private SleepBarrier() {}

    private static final int BOTH = MEMBARRIER_CMD_GLOBAL_EXPEDITED | MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED;

    /** The kernel's answer to the query: the supported commands, or -errno (ENOSYS before Linux 4.3, EPERM under seccomp). */
    private static final int SUPPORTED = Membarrier.membarrier(MEMBARRIER_CMD_QUERY);

    /** 0 until the first registration; then 1, or the -errno it failed with. */
    private static int registered;

    /** Whether an end may sleep in a sleep-barrier channel here: the kernel has both global expedited commands. */
    static boolean available() {
        return SUPPORTED >= 0 && (SUPPORTED & BOTH) == BOTH;
    }

    /** Why {@link #available()} is false, as an errno: the query's own, or ENOSYS for a kernel older than 4.16. */
    static int unavailableErrno() {
        return SUPPORTED < 0 ? -SUPPORTED : Errnos.ENOSYS;
    }

    /**
     * Registers this process for the global expedited barrier (once); true when its ends may
     * publish with release stores. False keeps them on fenced stores, which every end accepts.
     */
    static synchronized boolean register() {
        if (registered == 0) {
            int r = available() ? Membarrier.membarrier(MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED) : -unavailableErrno();
            registered = r == 0 ? 1 : r;
        }
        return registered == 1;
    }

    /**
     * The barrier a sleeper makes between announcing itself and its last look: every running
     * thread of a registered process passes a full barrier, so a release store it made before is
     * visible, or it sees the announcement. False if the kernel refused (ENOMEM), when the caller
     * must not sleep.
     */
    static boolean barrier() {
        return Membarrier.membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED) == 0;
    }

    /** The refusal of a sleep-barrier channel on a system without the barrier. */
    static IpcException unavailable(String call, String label) {
        int errno = unavailableErrno();
        return IpcException.withDetail(call, label, errno, "the channel's ends barrier each other before they sleep"
                + " (membarrier(2) MEMBARRIER_CMD_GLOBAL_EXPEDITED, Linux 4.16+), which this system refuses: make it with"
                + " Channel.Ordering.FENCED");
    }
}
