package io.jipc;

/** The named object does not exist (ENOENT). */
public class NotFoundException extends IpcException {
    private static final long serialVersionUID = 1L;

    public NotFoundException(String call, String object) {
        super(call, object, Errno.ENOENT.number());
    }

    NotFoundException(String call, String object, int errno, String text) {
        super(call, object, errno, text);
    }
}
