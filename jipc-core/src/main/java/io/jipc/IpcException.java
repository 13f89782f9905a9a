package io.jipc;

import java.io.IOException;

/**
 * A system call refused: names the C call, the object it was made on, and the errno.
 *
 * <p>The message reads like the C tradition, {@code mq_open(/jobs): No such file or directory
 * (ENOENT)}. The subclasses are the cases callers branch on; everything else is a plain
 * {@code IpcException} whose {@link #errno()} says what happened. Use {@link #of(String, String,
 * int)} to get the most specific type for an errno.
 *
 * @see <a href="https://man7.org/linux/man-pages/man3/errno.3.html">errno(3)</a>
 * @see <a href="https://man7.org/linux/man-pages/man3/strerror.3.html">strerror(3)</a>
 */
public class IpcException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String call;
    private final String object;
    private final int errno;

    public IpcException(String call, String object, int errno) {
        this(call, object, errno, Errno.describe(errno) + " (" + Errno.nameOf(errno) + ")");
    }

    /** For subclasses whose text says more than strerror (a limit and its current value...). */
    protected IpcException(String call, String object, int errno, String detail) {
        super(call + "(" + (object == null ? "" : object) + "): " + detail);
        this.call = call;
        this.object = object;
        this.errno = errno;
    }

    /**
     * The exception for a failed call, of the most specific subclass for its errno: {@link
     * NotFoundException} for ENOENT, {@link AlreadyExistsException} for EEXIST, {@link
     * PermissionDeniedException} for EACCES and EPERM, {@link MessageTooLargeException} for
     * EMSGSIZE, {@link ObjectRemovedException} for EIDRM. The one place errno becomes an exception.
     */
    public static IpcException of(String call, String object, int errno) {
        return create(call, object, errno, Errno.describe(errno) + " (" + Errno.nameOf(errno) + ")");
    }

    /**
     * Same as {@link #of(String, String, int)} — the same subclass for the errno — with the text
     * after the colon replaced by {@code detail} (a limit and its value, what to do instead...).
     */
    public static IpcException withDetail(String call, String object, int errno, String detail) {
        return create(call, object, errno, detail + " (" + Errno.nameOf(errno) + ")");
    }

    private static IpcException create(String call, String object, int errno, String text) {
        return switch (Errno.of(errno)) {
            case ENOENT -> new NotFoundException(call, object, errno, text);
            case EEXIST -> new AlreadyExistsException(call, object, errno, text);
            case EPERM, EACCES -> new PermissionDeniedException(call, object, errno, text);
            case EMSGSIZE -> new MessageTooLargeException(call, object, errno, text);
            case EIDRM -> new ObjectRemovedException(call, object, errno, text);
            case null, default -> new IpcException(call, object, errno, text);
        };
    }

    /** The C call that failed, e.g. {@code mq_open}. */
    public String call() {
        return call;
    }

    /** What the call was made on: a name, a path, a key or a descriptor's description. */
    public String object() {
        return object;
    }

    /** The errno value. */
    public int errno() {
        return errno;
    }

    /** The errno as a constant, {@code null} for a value Linux leaves unused. */
    public Errno error() {
        return Errno.of(errno);
    }
}
