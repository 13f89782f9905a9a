package io.jipc.sync;

import io.jipc.Errno;
import io.jipc.IpcException;

/**
 * The robust mutex is unrecoverable ({@code ENOTRECOVERABLE}): an owner died holding it and the
 * thread that then got it unlocked it without {@link SharedMutex#makeConsistent()}. Nobody can
 * lock it again; the programs sharing it must initialise a new one (in a fresh slot or segment).
 *
 * @see <a href="https://man7.org/linux/man-pages/man3/pthread_mutex_consistent.3.html">pthread_mutex_consistent(3)</a>
 * @see <a href="https://man7.org/linux/man-pages/man3/pthread_mutexattr_setrobust.3.html">pthread_mutexattr_setrobust(3)</a>
 */
public final class NotRecoverableException extends IpcException {
    private static final long serialVersionUID = 1L;

    NotRecoverableException(String call, String object) {
        super(call, object, Errno.ENOTRECOVERABLE.number(), "an owner died holding it and it was unlocked without"
                + " being made consistent: nobody can lock it again (" + Errno.ENOTRECOVERABLE.name() + ")");
    }
}
