package io.jipc.process;

import static io.jipc.internal.libc.Errnos.EAGAIN;
import static io.jipc.internal.libc.Errnos.ESRCH;

import io.jipc.Fd;
import io.jipc.FdBacked;
import io.jipc.IpcException;
import io.jipc.ObjectClosedException;
import io.jipc.internal.libc.Pidfd;
import io.jipc.internal.libc.Poll;
import io.jipc.internal.libc.SignalH;
import io.jipc.internal.libc.Unistd;
import io.jipc.internal.wait.Deadline;
import io.jipc.internal.wait.Handles;
import io.jipc.internal.wait.Operation;
import io.jipc.internal.wait.Waiter;
import io.jipc.signal.Signal;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Any process, held by a <a href="https://man7.org/linux/man-pages/man2/pidfd_open.2.html">pidfd</a>:
 * signals sent through it reach that process or nobody — never another that has reused its pid
 * after it exited — and it turns readable when the process exits, so a {@link
 * io.jipc.poll.Poller} can watch it. For children this process starts, {@link ChildProcess} does
 * the same and also reaps them; a {@code PidFd} is for the others (a pid read from a pid file, a
 * pidfd another process passed over a UNIX socket), which only their parent can reap.
 *
 * <pre>{@code
 * try (PidFd daemon = PidFd.open(pidFromFile)) {     // from here on, the pid cannot be mistaken
 *     daemon.signal(Signal.SIGTERM);
 *     if (!daemon.tryWaitForExit(Duration.ofSeconds(10))) daemon.signal(Signal.SIGKILL);
 * }
 * }</pre>
 *
 * The one race left is the one before {@link #open}: a pid read earlier may already name another
 * process when it is opened. Open it while you know the process is the one (a parent holding its
 * unreaped child, a process that wrote its pid file and holds a lock on it).
 */
public final class PidFd implements FdBacked {
    private final Fd fd;
    private final long pid;
    /** Waits for the pidfd to turn readable: the process has exited. */
    private final Operation exitOp;

    private PidFd(Fd fd, long pid) {
        this.fd = fd;
        this.pid = pid;
        this.exitOp = Operation.on(Handles.of(fd), "poll",
                        (w, how) -> w.readyNow(w.target, Poll.POLLIN) ? 0 : -EAGAIN)
                .readiness(Poll.POLLIN).kernelWaits(false).build();
    }

    /**
     * Opens a pidfd for process {@code pid} ({@code pidfd_open(2)}, close-on-exec).
     *
     * @throws IpcException ESRCH if there is no such process
     */
    public static PidFd open(long pid) throws IpcException {
        if (pid <= 0 || pid > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a pid is a number from 1 to " + Integer.MAX_VALUE + ", got " + pid);
        }
        int r = Pidfd.pidfd_open((int) pid, 0);
        if (r < 0) {
            throw IpcException.of("pidfd_open", Long.toString(pid), -r);
        }
        return new PidFd(Fd.adopt(r, "pidfd " + pid), pid);
    }

    /**
     * Takes ownership of a pidfd made elsewhere (received over a UNIX socket, inherited). Its pid
     * is read from {@code /proc/self/fdinfo} (-1 if the process has exited already).
     *
     * @throws IllegalArgumentException if {@code fd} is not a pidfd (nothing is closed then)
     */
    public static PidFd adopt(Fd fd) throws IpcException {
        int n = fd.acquire("fdinfo");
        long pid;
        try {
            pid = fdinfoPid(n);
        } finally {
            fd.release();
        }
        return new PidFd(fd, pid);
    }

    private static long fdinfoPid(int n) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + n))) {
                if (line.startsWith("Pid:")) {
                    return Long.parseLong(line.substring(4).strip());
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through
        }
        throw new IllegalArgumentException("descriptor " + n + " is not a pidfd (no Pid: line in /proc/self/fdinfo/" + n + ")");
    }

    /** The process id given to {@link #open} (or read at {@link #adopt}); it may be another process's once this one exited. */
    public long pid() {
        return pid;
    }

    /**
     * Sends {@code signal} to the process
     * (<a href="https://man7.org/linux/man-pages/man2/pidfd_send_signal.2.html">pidfd_send_signal(2)</a>):
     * the receiver sees it as from {@code kill(2)}.
     *
     * @return false if the process has exited (ESRCH): nothing was sent, to it or to anyone
     * @throws IpcException EPERM if this user may not signal it
     */
    public boolean signal(Signal signal) throws IpcException {
        return send(fd, Objects.requireNonNull(signal, "signal"), false, 0);
    }

    /**
     * Sends {@code signal} with an int {@code value}, as {@code sigqueue(3)} does (SI_QUEUE, this
     * process's pid and uid), but through the pidfd.
     *
     * @return false if the process has exited (ESRCH)
     */
    public boolean queue(Signal signal, int value) throws IpcException {
        return send(fd, Objects.requireNonNull(signal, "signal"), true, value);
    }

    /**
     * {@code pidfd_send_signal} through {@code pidfd}, with no siginfo (as kill) or with
     * sigqueue's (SI_QUEUE, value): a negative si_code is what the kernel accepts from another
     * process, and the pid and uid are this process's, as glibc's sigqueue fills them in.
     */
    static boolean send(Fd pidfd, Signal signal, boolean queued, int value) throws IpcException {
        String call = "pidfd_send_signal";
        int n = pidfd.acquire(call);
        try {
            MemorySegment info = MemorySegment.NULL;
            if (queued) {
                info = Waiter.current().header().asSlice(0, SignalH.SIGINFO_SIZE);
                info.fill((byte) 0);
                info.set(ValueLayout.JAVA_INT, SignalH.SI_SIGNO, signal.number());
                info.set(ValueLayout.JAVA_INT, SignalH.SI_CODE, SignalH.SI_QUEUE);
                info.set(ValueLayout.JAVA_INT, SignalH.SI_PID, Unistd.getpid());
                info.set(ValueLayout.JAVA_INT, SignalH.SI_UID, Unistd.getuid());
                info.set(ValueLayout.JAVA_INT, SignalH.SI_VALUE, value);
            }
            int r = Pidfd.pidfd_send_signal(n, signal.number(), info, 0);
            if (r == -ESRCH) {
                return false;
            }
            if (r < 0) {
                throw IpcException.of(call, pidfd.label(), -r);
            }
            return true;
        } finally {
            pidfd.release();
        }
    }

    /** Whether the process is still running (the pidfd is not readable yet); never waits. */
    public boolean isAlive() throws IpcException {
        return !tryWaitForExit();
    }

    /**
     * Waits until the process exits (poll(2) on the pidfd, no CPU used). It does not reap it:
     * that is its parent's business.
     *
     * @throws io.jipc.IpcInterruptedException if the thread is interrupted (the process runs on)
     * @throws ObjectClosedException if this object is closed meanwhile
     */
    public void waitForExit() throws IpcException {
        await(Deadline.FOREVER);
    }

    /** Whether the process has exited; never waits. */
    public boolean tryWaitForExit() throws IpcException {
        return await(Deadline.NOW);
    }

    /** Waits at most {@code timeout} for the process to exit; false if it still runs. */
    public boolean tryWaitForExit(Duration timeout) throws IpcException {
        return await(Deadline.after(timeout));
    }

    private boolean await(long deadline) throws IpcException {
        long r = exitOp.run(deadline);
        if (r == Operation.NOTHING) {
            return false;
        }
        if (r < 0) {
            throw exitOp.failure(r);
        }
        return true;
    }

    /** The pidfd. */
    @Override
    public Fd fd() {
        return fd;
    }

    /** Closes the pidfd; the process is not affected. Idempotent. */
    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        return "PidFd[" + pid + (fd.isOpen() ? "" : ", closed") + "]";
    }
}
