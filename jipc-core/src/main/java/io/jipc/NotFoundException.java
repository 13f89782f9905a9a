package io.jipc;

/**
 * The named object does not exist (ENOENT).
 *
 * @see <a href="https://man7.org/linux/man-pages/man3/errno.3.html">errno(3)</a>
 */
public class NotFoundException extends IpcException {
    private static final long serialVersionUID = 1L;

    public NotFoundException(String call, String object) {
        super(call, object, Errno.ENOENT.number());
    }

    NotFoundException(String call, String object, int errno, String text) {
        super(call, object, errno, text);
    }
}
