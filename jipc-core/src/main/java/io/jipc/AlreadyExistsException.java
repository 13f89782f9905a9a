package io.jipc;

/**
 * The object to create exists already (EEXIST), e.g. under {@code createExclusively}.
 *
 * @see <a href="https://man7.org/linux/man-pages/man3/errno.3.html">errno(3)</a>
 * @see <a href="https://man7.org/linux/man-pages/man2/open.2.html">open(2)</a>
 */
public class AlreadyExistsException extends IpcException {
    private static final long serialVersionUID = 1L;

    public AlreadyExistsException(String call, String object) {
        super(call, object, Errno.EEXIST.number());
    }

    AlreadyExistsException(String call, String object, int errno, String text) {
        super(call, object, errno, text);
    }
}
