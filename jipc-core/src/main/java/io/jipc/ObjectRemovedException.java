package io.jipc;

/** The object was removed while in use (EIDRM), e.g. a System V queue removed under a blocked receiver. */
public class ObjectRemovedException extends IpcException {
    private static final long serialVersionUID = 1L;

    public ObjectRemovedException(String call, String object) {
        super(call, object, Errno.EIDRM.number());
    }

    ObjectRemovedException(String call, String object, int errno, String text) {
        super(call, object, errno, text);
    }
}
