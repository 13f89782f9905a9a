package io.jipc.sync;

import io.jipc.Errno;
import io.jipc.IpcException;

/**
 * The robust mutex's last owner died holding it ({@code EOWNERDEAD}), and the calling thread
 * holds it now. The data it guards may be half-written: repair or check it, then call {@link
 * SharedMutex#makeConsistent()} and unlock as usual. Unlocking without making it consistent marks
 * the mutex unrecoverable: every later lock fails with {@link NotRecoverableException}.
 *
 * @see <a href="https://man7.org/linux/man-pages/man3/pthread_mutexattr_setrobust.3.html">pthread_mutexattr_setrobust(3)</a>
 * @see <a href="https://man7.org/linux/man-pages/man3/pthread_mutex_consistent.3.html">pthread_mutex_consistent(3)</a>
 */
public final class OwnerDiedException extends IpcException {
    private static final long serialVersionUID = 1L;

    OwnerDiedException(String call, String object) {
        super(call, object, Errno.EOWNERDEAD.number(), "the previous owner died holding it; this thread holds it now,"
                + " and the data it guards may be inconsistent: repair it, call makeConsistent(), then unlock ("
                + Errno.EOWNERDEAD.name() + ")");
    }
}
