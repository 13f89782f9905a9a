package io.jipc;

/**
 * A blocking call gave up because its thread was interrupted. The thread's interrupt status stays
 * set, as with the JDK's interruptible channels; unlike them, the object stays open and usable.
 */
public class IpcInterruptedException extends IpcException {
    private static final long serialVersionUID = 1L;

    public IpcInterruptedException(String call, String object) {
        super(call, object, Errno.EINTR.number(), "interrupted");
    }
}
