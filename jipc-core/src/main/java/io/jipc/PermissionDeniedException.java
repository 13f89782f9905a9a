package io.jipc;

/** The caller may not do this to the object (EACCES or EPERM). */
public class PermissionDeniedException extends IpcException {
    private static final long serialVersionUID = 1L;

    public PermissionDeniedException(String call, String object, int errno) {
        super(call, object, errno);
    }

    PermissionDeniedException(String call, String object, int errno, String text) {
        super(call, object, errno, text);
    }
}
