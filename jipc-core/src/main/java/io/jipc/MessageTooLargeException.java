package io.jipc;

/** A message does not fit the queue's or socket's message size (EMSGSIZE). */
public class MessageTooLargeException extends IpcException {
    private static final long serialVersionUID = 1L;

    public MessageTooLargeException(String call, String object) {
        super(call, object, 90);
    }
}
