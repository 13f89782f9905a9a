package io.jipc;

/** A message does not fit the queue's or socket's message size (EMSGSIZE). */
public class MessageTooLargeException extends IpcException {
    private static final long serialVersionUID = 1L;

    public MessageTooLargeException(String call, String object) {
        super(call, object, Errno.EMSGSIZE.number());
    }

    /** With a text saying what did not fit into what, e.g. {@code message of 65 bytes exceeds the queue's message size 64}. */
    public MessageTooLargeException(String call, String object, String detail) {
        super(call, object, Errno.EMSGSIZE.number(), detail + " (EMSGSIZE)");
    }

    MessageTooLargeException(String call, String object, int errno, String text) {
        super(call, object, errno, text);
    }
}
