package io.jipc;

/** The object to create exists already (EEXIST), e.g. under {@code createExclusively}. */
public class AlreadyExistsException extends IpcException {
    private static final long serialVersionUID = 1L;

    public AlreadyExistsException(String call, String object) {
        super(call, object, 17);
    }
}
