package io.jipc.channel;

import io.jipc.Errno;
import io.jipc.IpcException;

/**
 * The process at the other end of a channel was killed (or exited) without closing its end: a
 * reader has read every record it committed (a record it was writing is lost whole, never
 * torn), a writer can never get room again. Carries {@code EOWNERDEAD}, as a robust mutex whose
 * owner died does.
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/pidfd_open.2.html">pidfd_open(2)</a>
 */
public class PeerDiedException extends IpcException {
    private static final long serialVersionUID = 1L;

    private final int pid;

    PeerDiedException(String call, String object, String side, int pid) {
        super(call, object, Errno.EOWNERDEAD.number(), "the " + side + " (process " + pid
                + ") died without closing its end (EOWNERDEAD)");
        this.pid = pid;
    }

    /** The process id the dead end had recorded. */
    public int pid() {
        return pid;
    }
}
