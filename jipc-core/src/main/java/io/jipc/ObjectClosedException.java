package io.jipc;

/**
 * The jipc object was closed, before the call or while it waited. Carries EBADF, the errno a C
 * program would see, but is raised by jipc itself: a closed object never reaches the kernel, so a
 * descriptor number recycled by another open can never be touched.
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/close.2.html">close(2)</a>
 */
public class ObjectClosedException extends IpcException {
    private static final long serialVersionUID = 1L;

    public ObjectClosedException(String call, String object) {
        super(call, object, Errno.EBADF.number(), "object is closed");
    }
}
