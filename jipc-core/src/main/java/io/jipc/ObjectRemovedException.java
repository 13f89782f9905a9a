package io.jipc;

/**
 * The object was removed while in use (EIDRM), e.g. a System V queue removed under a blocked receiver.
 *
 * @see <a href="https://man7.org/linux/man-pages/man3/errno.3.html">errno(3)</a>
 * @see <a href="https://man7.org/linux/man-pages/man2/msgrcv.2.html">msgrcv(2)</a>
 */
public class ObjectRemovedException extends IpcException {
    private static final long serialVersionUID = 1L;

    public ObjectRemovedException(String call, String object) {
        super(call, object, Errno.EIDRM.number());
    }

    ObjectRemovedException(String call, String object, int errno, String text) {
        super(call, object, errno, text);
    }
}
