package io.jipc;

/**
 * A message does not fit the queue's or socket's message size (EMSGSIZE).
 *
 * @see <a href="https://man7.org/linux/man-pages/man3/errno.3.html">errno(3)</a>
 * @see <a href="https://man7.org/linux/man-pages/man3/mq_send.3.html">mq_send(3)</a>
 * @see <a href="https://man7.org/linux/man-pages/man2/msgsnd.2.html">msgsnd(2)</a>
 */
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
