package io.jipc.cli;

import io.jipc.Errno;
import io.jipc.Fd;
import io.jipc.IpcException;
import io.jipc.poll.Poller;
import io.jipc.poll.Readiness;
import io.jipc.poll.Registration;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * Standard output, the one way every command writes to it: buffered, and every failure reported as
 * cli.md's line, {@code jipc: write(stdout): No space left on device (ENOSPC)}, exit 3. The first
 * failure is kept, so output written through a writer that swallows errors (picocli's help) is
 * still reported when the command ends.
 *
 * <p>A command that takes something in order to print it (a receive) calls {@link #checkWritable()}
 * before taking it, and writes it with {@link #emit}: the check refuses, before anything is
 * consumed, a closed standard output, one open read-only, {@code /dev/full}, and a pipe or socket
 * whose reader is gone; a failure that comes later all the same says what was taken and lost.
 */
final class Stdout extends OutputStream {
    /** {@code makedev(1, 7)}: /dev/full, where every write fails with ENOSPC (null(4)). */
    private static final long DEV_FULL = (1 << 8) | 7;

    private final OutputStream sink;
    private final boolean closedByCaller;
    private final boolean isProcessStdout;
    private final byte[] buffer = new byte[1 << 16];
    private int count;
    private Failure failure;

    /**
     * @param sink            where the bytes go
     * @param closedByCaller  the caller started jipc with descriptor 1 closed (the launcher reopened it on /dev/null)
     * @param isProcessStdout {@code sink} is this process's descriptor 1, which {@link #checkWritable()} may inspect
     */
    Stdout(OutputStream sink, boolean closedByCaller, boolean isProcessStdout) {
        this.sink = sink;
        this.closedByCaller = closedByCaller;
        this.isProcessStdout = isProcessStdout;
    }

    /** The first failure met, or null. */
    Failure failure() {
        return failure;
    }

    /**
     * Fails now, before a command takes anything, if writing cannot work: standard output closed
     * (EBADF), open for reading only (EBADF), {@code /dev/full} (ENOSPC), or a pipe, FIFO or socket
     * with nobody left to read (EPIPE, from epoll's EPOLLERR/EPOLLHUP on descriptor 1).
     */
    void checkWritable() throws Failure {
        if (failure != null) {
            throw failure;
        }
        Errno problem = closedByCaller ? Errno.EBADF : isProcessStdout ? probe() : null;
        if (problem != null) {
            throw fail(Failure.system("write", "stdout", problem, advice(problem)));
        }
    }

    private static String advice(Errno problem) {
        return switch (problem) {
            case EBADF -> "standard output is closed or not open for writing; nothing was taken";
            case ENOSPC -> "standard output cannot take any bytes (/dev/full); nothing was taken";
            case EPIPE -> "nobody reads standard output any more; nothing was taken";
            default -> "nothing was taken";
        };
    }

    /** What the kernel would say to a write on descriptor 1 now, where it can be known without writing. */
    private static Errno probe() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/1"))) {
                if (line.startsWith("flags:") && (Integer.parseInt(line.substring(6).trim(), 8) & 3) == 0) {
                    return Errno.EBADF; // O_RDONLY
                }
            }
            Map<String, Object> st = Files.readAttributes(Path.of("/proc/self/fd/1"), "unix:mode,rdev");
            int type = (Integer) st.get("mode") & 0170000;
            if (type == 0020000 && (Long) st.get("rdev") == DEV_FULL) {
                return Errno.ENOSPC;
            }
            if (type == 0010000 || type == 0140000) {
                return readerGone() ? Errno.EPIPE : null;
            }
        } catch (IOException | RuntimeException cannotTell) {
            return null; // the write itself will say
        }
        return null;
    }

    /** Whether epoll reports an error or hang-up on descriptor 1: a pipe whose read end is closed, a socket shut down. */
    private static boolean readerGone() throws IpcException {
        Fd stdout = StdoutFd.FD;
        try (Poller poller = Poller.create(1)) {
            Registration r = poller.register(stdout, Set.of(Readiness.WRITE), Poller.Trigger.LEVEL, null);
            return poller.tryPoll() > 0 && (r.isError() || r.isHangup());
        }
    }

    /** Descriptor 1 for the poller, made on first use; never closed (standard output lives as long as the JVM). */
    private static final class StdoutFd {
        static final Fd FD = Fd.adopt(1, "stdout");
    }

    @Override
    public void write(int b) throws Failure {
        if (count == buffer.length) {
            flushBuffer();
        }
        buffer[count++] = (byte) b;
    }

    @Override
    public void write(byte[] b) throws Failure {
        write(b, 0, b.length);
    }

    @Override
    public void write(byte[] b, int off, int len) throws Failure {
        if (len > buffer.length - count) {
            flushBuffer();
            if (len > buffer.length) {
                writeThrough(b, off, len);
                return;
            }
        }
        System.arraycopy(b, off, buffer, count, len);
        count += len;
    }

    @Override
    public void flush() throws Failure {
        flushBuffer();
        try {
            sink.flush();
        } catch (IOException e) {
            throw fail(failureOf(e));
        }
    }

    /**
     * Writes and flushes bytes that were taken from somewhere (a received message, bytes read
     * from a FIFO): if they cannot be written, the failure says what was taken and is now lost.
     */
    void emit(byte[] b, int off, int len, String taken) throws Failure {
        // A signal that came after the message was taken must not cost it: the interrupt it sent
        // would close the channel before the write. It is kept for the command's next wait.
        boolean interrupted = Thread.interrupted();
        try {
            write(b, off, len);
            flush();
        } catch (Failure f) {
            throw f.addAdvice("taken but not written, so lost: " + taken);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** {@link #emit(byte[], int, int, String)} of the whole array. */
    void emit(byte[] b, String taken) throws Failure {
        emit(b, 0, b.length, taken);
    }

    private void flushBuffer() throws Failure {
        if (count > 0) {
            int n = count;
            count = 0;
            writeThrough(buffer, 0, n);
        }
    }

    private void writeThrough(byte[] b, int off, int len) throws Failure {
        if (failure != null) {
            throw failure;
        }
        if (closedByCaller) {
            throw fail(Failure.system("write", "stdout", Errno.EBADF, "standard output is closed"));
        }
        try {
            sink.write(b, off, len);
        } catch (IOException e) {
            throw fail(failureOf(e));
        }
    }

    private static Failure failureOf(IOException e) {
        if (e instanceof Failure f) {
            return f;
        }
        Errno errno = Failure.errnoOf(e);
        return errno == Errno.EIO && !Errno.EIO.description().equals(e.getMessage())
                ? Failure.system("write", "stdout", errno, "the JDK reported: " + e)
                : Failure.system("write", "stdout", errno);
    }

    /** Keeps the first failure: the one the command's end reports if nothing else did. */
    private Failure fail(Failure f) {
        if (failure == null) {
            failure = f;
        }
        return f;
    }

    /** Forgets a reported failure's buffered bytes: nothing more is tried at exit. */
    void discard() {
        count = 0;
    }
}
