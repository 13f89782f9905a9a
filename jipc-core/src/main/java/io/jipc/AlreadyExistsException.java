package io.jipc;

/** The object to create exists already (EEXIST), e.g. under {@code createExclusively}. */
public class AlreadyExistsException extends IpcException {
    private static final long serialVersionUID = 1L;

    public AlreadyExistsException(String call, String object) {
        super(call, object, Errno.EEXIST.number());
    }

    AlreadyExistsException(String call, String object, int errno, String text) {
        super(call, object, errno, text);
    }
}
