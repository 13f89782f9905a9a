package io.jipc.process;

import io.jipc.Fd;
import io.jipc.FdBacked;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What a child process finds at one of its descriptor numbers: the parent's own descriptor
 * ({@link #inherit()}), nothing ({@link #closed()}), {@code /dev/null}, a file, or any jipc
 * descriptor ({@link #of(FdBacked)}, {@link #of(Fd)}, {@link #handOver(FdBacked)}).
 *
 * <p>Files are opened by the parent before the child is started, so a missing file is reported
 * as {@code open(/the/path): No such file or directory (ENOENT)} and no child is started. Files
 * created for output get mode 0600.
 *
 * @see <a href="https://man7.org/linux/man-pages/man3/posix_spawn.3.html">posix_spawn(3)</a>
 * @see <a href="https://man7.org/linux/man-pages/man2/dup2.2.html">dup2(2)</a>
 */
public final class Redirect {
    enum Kind { INHERIT, CLOSED, NULL_DEVICE, READ_FILE, WRITE_FILE, APPEND_FILE, DESCRIPTOR }

    private static final Redirect INHERIT = new Redirect(Kind.INHERIT, null, null, null, false);
    private static final Redirect CLOSED = new Redirect(Kind.CLOSED, null, null, null, false);
    private static final Redirect NULL_DEVICE = new Redirect(Kind.NULL_DEVICE, null, null, null, false);

    final Kind kind;
    final Path path;
    final Fd fd;
    /** The object to close after a successful start ({@link #handOver}); null otherwise. */
    final AutoCloseable owner;
    final boolean handOver;

    private Redirect(Kind kind, Path path, Fd fd, AutoCloseable owner, boolean handOver) {
        this.kind = kind;
        this.path = path;
        this.fd = fd;
        this.owner = owner;
        this.handOver = handOver;
    }

    /**
     * The child keeps what this process has at that number. The default for 0, 1 and 2; for a
     * higher number the parent's descriptor must be open, and the child gets it even if it is
     * close-on-exec here.
     */
    public static Redirect inherit() {
        return INHERIT;
    }

    /** The number is closed in the child. */
    public static Redirect closed() {
        return CLOSED;
    }

    /** {@code /dev/null}: read-only at 0, write-only at 1 and 2, read-write elsewhere. */
    public static Redirect nullDevice() {
        return NULL_DEVICE;
    }

    /** An existing file, opened read-only. */
    public static Redirect from(Path file) {
        return new Redirect(Kind.READ_FILE, Objects.requireNonNull(file, "file"), null, null, false);
    }

    /** A file opened for writing: created with mode 0600 if absent, truncated if present. */
    public static Redirect to(Path file) {
        return new Redirect(Kind.WRITE_FILE, Objects.requireNonNull(file, "file"), null, null, false);
    }

    /** A file opened for appending ({@code O_APPEND}): created with mode 0600 if absent. */
    public static Redirect appendTo(Path file) {
        return new Redirect(Kind.APPEND_FILE, Objects.requireNonNull(file, "file"), null, null, false);
    }

    /**
     * The object's descriptor; this process keeps its own copy open. See {@link ChildProcess} for
     * how a non-blocking descriptor becomes blocking in the child.
     */
    public static Redirect of(FdBacked object) {
        return new Redirect(Kind.DESCRIPTOR, null, Objects.requireNonNull(object, "object").fd(), null, false);
    }

    /** A raw owned descriptor; this process keeps its own copy open. */
    public static Redirect of(Fd fd) {
        return new Redirect(Kind.DESCRIPTOR, null, Objects.requireNonNull(fd, "fd"), null, false);
    }

    /**
     * The object's descriptor, and the object is closed in this process once the child has
     * started (as a shell closes its copy of a pipe end): the usual way to give a child one end
     * of a pipe so that the other end sees EOF when the child is done. Not closed if the start
     * fails.
     */
    public static Redirect handOver(FdBacked object) {
        Objects.requireNonNull(object, "object");
        return new Redirect(Kind.DESCRIPTOR, null, object.fd(), object, true);
    }

    /** A raw owned descriptor, closed in this process once the child has started. */
    public static Redirect handOver(Fd fd) {
        Objects.requireNonNull(fd, "fd");
        return new Redirect(Kind.DESCRIPTOR, null, fd, fd, true);
    }

    @Override
    public String toString() {
        return switch (kind) {
            case INHERIT -> "inherit";
            case CLOSED -> "closed";
            case NULL_DEVICE -> "/dev/null";
            case READ_FILE -> "< " + path;
            case WRITE_FILE -> "> " + path;
            case APPEND_FILE -> ">> " + path;
            case DESCRIPTOR -> (handOver ? "hand over " : "") + fd;
        };
    }
}
