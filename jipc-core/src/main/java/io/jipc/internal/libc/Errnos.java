package io.jipc.internal.libc;

import io.jipc.Errno;

/**
 * The errno numbers jipc's code compares raw results ({@code -errno}) against, as {@code static
 * final int}s the JIT folds into the comparison: one place, taken from {@link Errno}, instead of
 * a copy in every file. What an errno <em>means</em> to a caller is {@link io.jipc.IpcException#of}'s
 * business; these are for the control flow of the calls.
 */
public final class Errnos {
    private Errnos() {}

    public static final int EPERM = Errno.EPERM.number();
    public static final int ENOENT = Errno.ENOENT.number();
    public static final int ESRCH = Errno.ESRCH.number();
    public static final int EINTR = Errno.EINTR.number();
    public static final int ENXIO = Errno.ENXIO.number();
    public static final int E2BIG = Errno.E2BIG.number();
    public static final int EBADF = Errno.EBADF.number();
    public static final int ECHILD = Errno.ECHILD.number();
    /** Also EWOULDBLOCK. */
    public static final int EAGAIN = Errno.EAGAIN.number();
    public static final int ENOMEM = Errno.ENOMEM.number();
    public static final int EACCES = Errno.EACCES.number();
    public static final int EBUSY = Errno.EBUSY.number();
    public static final int EEXIST = Errno.EEXIST.number();
    public static final int EFBIG = Errno.EFBIG.number();
    public static final int EINVAL = Errno.EINVAL.number();
    public static final int ENOSPC = Errno.ENOSPC.number();
    public static final int EPIPE = Errno.EPIPE.number();
    public static final int ERANGE = Errno.ERANGE.number();
    public static final int EDEADLK = Errno.EDEADLK.number();
    public static final int ENOLCK = Errno.ENOLCK.number();
    public static final int ENOSYS = Errno.ENOSYS.number();
    public static final int ENOMSG = Errno.ENOMSG.number();
    public static final int EIDRM = Errno.EIDRM.number();
    public static final int EOVERFLOW = Errno.EOVERFLOW.number();
    public static final int EMSGSIZE = Errno.EMSGSIZE.number();
    /** Also ENOTSUP. */
    public static final int EOPNOTSUPP = Errno.EOPNOTSUPP.number();
    public static final int EADDRINUSE = Errno.EADDRINUSE.number();
    public static final int ECONNABORTED = Errno.ECONNABORTED.number();
    public static final int ECONNREFUSED = Errno.ECONNREFUSED.number();
    public static final int ETIMEDOUT = Errno.ETIMEDOUT.number();
    public static final int EINPROGRESS = Errno.EINPROGRESS.number();
    public static final int EOWNERDEAD = Errno.EOWNERDEAD.number();
    public static final int ENOTRECOVERABLE = Errno.ENOTRECOVERABLE.number();

    /**
     * Not an errno: a binding called with a {@code null} capture segment made the call without
     * capturing errno, and it failed. The caller makes it again with the capture to learn why
     * (the wait engine does this for every {@link io.jipc.internal.wait.Attempt}, after looking
     * for a close, an interrupt or a deadline where the call may have slept). Why: a downcall
     * that captures errno slices the capture segment on every call, success or not (the JDK's
     * {@code SharedUtils.checkCaptureSegment}: a 40-byte object), and only C2's escape analysis
     * removes that slice, in some compilations and not others; a call that usually succeeds
     * allocates nothing without the capture.
     */
    public static final int UNCAPTURED = 0x10000;
}
