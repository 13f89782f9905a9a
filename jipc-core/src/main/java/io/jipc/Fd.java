package io.jipc;

import io.jipc.internal.libc.Fcntl;
import io.jipc.internal.libc.Libc;
import io.jipc.internal.libc.Unistd;
import io.jipc.internal.wait.Handle;
import io.jipc.internal.wait.Handles;

/**
 * An owned file descriptor: the one place jipc keeps a descriptor number, and the one place it
 * is closed.
 *
 * <p><b>No recycled numbers.</b> Every system call on the descriptor runs between {@link
 * #acquire(String)} and {@link #release()}. {@link #close()} marks the descriptor closed at once
 * (later acquires throw {@link ObjectClosedException}) but the number itself is closed only when
 * the last call in flight has released it, so a call can never reach a number that another open
 * has reused. A thread blocked on the descriptor in a jipc call is woken by close and throws
 * {@link ObjectClosedException}; one blocked in a call of its own between acquire and release is
 * not (close it from that thread's side, or shut it down first).
 *
 * <p><b>Blocking mode.</b> Descriptors jipc creates are in blocking mode, as C programs expect
 * when they inherit them, and jipc's blocking calls sleep inside the system call as C's do
 * (close and interrupt still end them). The non-blocking and timed forms say so per call. See the
 * README's "How a blocked call waits".
 *
 * <p>Descriptors jipc creates are close-on-exec.
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/close.2.html">close(2)</a>
 * @see <a href="https://man7.org/linux/man-pages/man2/fcntl.2.html">fcntl(2)</a>
 */
public final class Fd implements FdBacked {
    /** The descriptor's life: the number, freed by closing it once closed and idle. */
    private static final class Life extends Handle {
        private final int number;

        Life(String label, int number) {
            super(label, number);
            this.number = number;
        }

        @Override
        protected void free() {
            Unistd.close(number);
        }
    }

    static {
        // The engine reaches a descriptor's handle through this, not through public API.
        Handles.provideFd(fd -> fd.life);
        // Touch the libc layer early so a missing symbol fails here, not on a hot path.
        Libc.callState();
    }

    private final Life life;

    private Fd(int number, String label) {
        this.life = new Life(label, number);
    }

    /**
     * Takes ownership of an open descriptor number: from now on this object closes it.
     *
     * @param number an open descriptor
     * @param label  what the descriptor is, for error messages ({@code /jobs}, {@code pipe})
     */
    public static Fd adopt(int number, String label) {
        if (number < 0) {
            throw new IllegalArgumentException("descriptor numbers are >= 0, got " + number);
        }
        return new Fd(number, label);
    }

    /** This descriptor itself: an {@code Fd} goes wherever a descriptor-backed object does. */
    @Override
    public Fd fd() {
        return this;
    }

    /** What this descriptor is, as error messages name it. */
    public String label() {
        return life.label();
    }

    /**
     * Pins the descriptor for one system call and returns its number; pair with {@link
     * #release()} in a finally block. For callers who make their own foreign calls on the
     * descriptor.
     *
     * @param call the C call about to be made, named in the exception if the descriptor is closed
     * @throws ObjectClosedException if {@link #close()} has been called
     */
    public int acquire(String call) throws ObjectClosedException {
        return life.acquire(call);
    }

    /**
     * Ends what {@link #acquire(String)} began; the last release after close closes the number.
     *
     * @throws IllegalStateException if no acquire is in flight (the count is left as it was)
     */
    public void release() {
        life.release();
    }

    /** Whether {@link #close()} has not been called yet. */
    public boolean isOpen() {
        return life.isOpen();
    }

    /**
     * Closes the descriptor: at once when no call is in flight, otherwise when the last one
     * returns (jipc calls waiting on it are woken and throw {@link ObjectClosedException}).
     * Idempotent and thread-safe.
     */
    @Override
    public void close() {
        life.close();
    }

    /** A new owned descriptor for the same open file description (F_DUPFD_CLOEXEC). */
    public Fd duplicate() throws IpcException {
        int fd = acquire("fcntl");
        try {
            int r = Fcntl.fcntl(fd, Fcntl.F_DUPFD_CLOEXEC, 0);
            if (r < 0) {
                throw IpcException.of("fcntl(F_DUPFD_CLOEXEC)", label(), -r);
            }
            return new Fd(r, label());
        } finally {
            release();
        }
    }

    /**
     * Sets or clears O_NONBLOCK on the open file description (shared with every duplicate). jipc's
     * calls keep their meaning either way: on a non-blocking description, a call that must wait
     * waits in poll(2) instead of inside the system call.
     */
    public void setNonBlocking(boolean nonBlocking) throws IpcException {
        setStatusFlag(Fcntl.O_NONBLOCK, nonBlocking);
        life.blocking(!nonBlocking);
    }

    /** Whether O_NONBLOCK is set on the open file description. */
    public boolean isNonBlocking() throws IpcException {
        return (statusFlags() & Fcntl.O_NONBLOCK) != 0;
    }

    /** Sets or clears FD_CLOEXEC (on by default for every descriptor jipc creates). */
    public void setCloseOnExec(boolean closeOnExec) throws IpcException {
        int fd = acquire("fcntl");
        try {
            int r = Fcntl.fcntl(fd, Fcntl.F_SETFD, closeOnExec ? Fcntl.FD_CLOEXEC : 0);
            if (r < 0) {
                throw IpcException.of("fcntl(F_SETFD)", label(), -r);
            }
        } finally {
            release();
        }
    }

    /** Whether FD_CLOEXEC is set. */
    public boolean isCloseOnExec() throws IpcException {
        int fd = acquire("fcntl");
        try {
            int r = Fcntl.fcntl(fd, Fcntl.F_GETFD, 0);
            if (r < 0) {
                throw IpcException.of("fcntl(F_GETFD)", label(), -r);
            }
            return (r & Fcntl.FD_CLOEXEC) != 0;
        } finally {
            release();
        }
    }

    private int statusFlags() throws IpcException {
        int fd = acquire("fcntl");
        try {
            int r = Fcntl.fcntl(fd, Fcntl.F_GETFL, 0);
            if (r < 0) {
                throw IpcException.of("fcntl(F_GETFL)", label(), -r);
            }
            return r;
        } finally {
            release();
        }
    }

    private void setStatusFlag(int flag, boolean on) throws IpcException {
        int fd = acquire("fcntl");
        try {
            int flags = Fcntl.fcntl(fd, Fcntl.F_GETFL, 0);
            if (flags < 0) {
                throw IpcException.of("fcntl(F_GETFL)", label(), -flags);
            }
            int wanted = on ? flags | flag : flags & ~flag;
            if (wanted != flags) {
                int r = Fcntl.fcntl(fd, Fcntl.F_SETFL, wanted);
                if (r < 0) {
                    throw IpcException.of("fcntl(F_SETFL)", label(), -r);
                }
            }
        } finally {
            release();
        }
    }

    /** Shows the number for diagnostics; the number may be reused once the Fd is closed. */
    @Override
    public String toString() {
        return "Fd[" + life.number + (isOpen() ? "" : ", closed") + ", " + label() + "]";
    }

}
