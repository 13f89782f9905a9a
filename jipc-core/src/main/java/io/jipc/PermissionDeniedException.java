package io.jipc;

/**
 * The caller may not do this to the object (EACCES or EPERM).
 *
 * @see <a href="https://man7.org/linux/man-pages/man3/errno.3.html">errno(3)</a>
 * @see <a href="https://man7.org/linux/man-pages/man7/credentials.7.html">credentials(7)</a>
 */
public class PermissionDeniedException extends IpcException {
    private static final long serialVersionUID = 1L;

    public PermissionDeniedException(String call, String object, int errno) {
        super(call, object, errno);
    }

    PermissionDeniedException(String call, String object, int errno, String text) {
        super(call, object, errno, text);
    }
}
