package io.jipc.process;

import static io.jipc.internal.libc.Errnos.EAGAIN;
import static io.jipc.internal.libc.Errnos.ECHILD;
import static io.jipc.internal.libc.Errnos.EINTR;
import static io.jipc.internal.libc.Errnos.ESRCH;

import io.jipc.Fd;
import io.jipc.FdBacked;
import io.jipc.IpcException;
import io.jipc.ObjectClosedException;
import io.jipc.internal.wait.Attempt;
import io.jipc.internal.wait.Deadline;
import io.jipc.internal.wait.Handle;
import io.jipc.internal.wait.Handles;
import io.jipc.internal.wait.Operation;
import io.jipc.internal.libc.Libc;
import io.jipc.internal.libc.Pidfd;
import io.jipc.internal.libc.Poll;
import io.jipc.internal.libc.Wait;
import io.jipc.signal.Signal;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Cleaner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A child process started with
 * <a href="https://man7.org/linux/man-pages/man3/posix_spawn.3.html">posix_spawn(3)</a>, watched
 * and reaped through a <a href="https://man7.org/linux/man-pages/man2/pidfd_open.2.html">pidfd</a>
 * (from {@code pidfd_spawn} on glibc 2.39+, else {@code pidfd_open} right after the spawn).
 *
 * <pre>{@code
 * try (ChildProcess sort = ChildProcess.builder("sort", "-u")
 *         .stdin(Redirect.handOver(pipeReadEnd))     // the child reads what we write
 *         .stdout(Redirect.to(Path.of("sorted.txt")))
 *         .fd(3, Redirect.of(someSocket))            // any jipc descriptor at any number
 *         .start()) {
 *     ...
 *     ExitStatus status = sort.waitFor();
 * }
 * }</pre>
 *
 * <h2>Descriptors</h2>
 * The child gets 0, 1 and 2 from this process unless told otherwise, each number given to
 * {@link ChildProcessBuilder#fd(int, Redirect)}, and nothing else: every other descriptor is closed in the
 * child ({@code posix_spawn_file_actions_addclosefrom_np}), whether or not it is close-on-exec
 * here. The wiring is safe for any assignment of numbers, including a descriptor handed at its
 * own number (which must lose close-on-exec) and permutations (A at B's number and B at A's):
 * every source is first duplicated above the highest target number, then moved into place.
 *
 * <h2>Blocking descriptors in the child</h2>
 * Programs expect blocking descriptors, and {@code O_NONBLOCK} is a flag of the open file
 * description, which a child shares with this process. Descriptors jipc creates are blocking
 * (pipes, FIFO ends until their first non-blocking call, sockets, POSIX queues): jipc's own calls
 * say per call when they must not wait, so they never depend on the flag, and such a descriptor
 * is handed over as it is. One that is non-blocking (a FIFO end after a non-blocking call, a
 * listening socket after {@code tryAccept}, an adopted descriptor) is made blocking <em>for the
 * child</em>, unless {@link ChildProcessBuilder#keepNonBlocking()} is set:
 * <ul>
 * <li>a pipe or FIFO is reopened through {@code /proc/self/fd/N}, which gives the child a new
 *     open file description of the same pipe without {@code O_NONBLOCK}; this process's object
 *     keeps its own;</li>
 * <li>any other descriptor (a listening socket, an eventfd) cannot be reopened, so {@code
 *     O_NONBLOCK} is cleared on the shared description. This process's jipc calls on it keep
 *     working: a blocking one sleeps in the call and close and interrupt still end it.</li>
 * </ul>
 *
 * <h2>Signals, environment, directory</h2>
 * The child starts with an empty signal mask and every signal at its default disposition
 * ({@code POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF}): nothing the JVM blocks or ignores
 * leaks into it. {@link ChildProcessBuilder#blockSignals} chooses signals to start blocked. The environment is this process's unless changed; the working directory is
 * opened here first (a missing one is reported as such) and entered with {@code
 * posix_spawn_file_actions_addfchdir_np}. A program name without a slash is looked up in this
 * process's {@code PATH} ({@code posix_spawnp}); one with a slash is taken as a path, relative
 * to the child's working directory.
 *
 * <h2>Waiting and reaping</h2>
 * {@link #waitFor()} sleeps in poll(2) on the pidfd (the jipc blocking model: no CPU, prompt
 * return on {@link #close()} from another thread, {@link Thread#interrupt()} answered at once),
 * then reaps with {@code waitid(P_PIDFD, ..., WEXITED)}. The JDK's own process reaper waits only
 * for the pids it started (and {@code ProcessHandle.onExit()} waits with WNOWAIT), so it never
 * takes these children. Code that calls {@code waitpid(-1)}, or a process that ignores SIGCHLD
 * (the kernel then reaps children itself), would: a wait then fails with ECHILD saying so, and
 * before glibc 2.39 a child that ends at once may already be gone when its pidfd is opened,
 * which {@link ChildProcessBuilder#start()} reports with ESRCH.
 *
 * <p><b>No process is left unreaped.</b> {@link #close()} of a child that is still running kills
 * it with SIGKILL and reaps it (the child's lifetime is the object's), unless {@link
 * ChildProcessBuilder#detachOnClose()} was set: then it keeps running and a daemon thread reaps it when it
 * exits. A child that is never closed is handed to that thread by a {@link Cleaner} once
 * unreachable — a safety net, not the way to use it.
 */
public final class ChildProcess implements FdBacked {
    private static final Cleaner CLEANER = Cleaner.create(Thread.ofPlatform().daemon().name("jipc-child-cleaner").factory());
    /** How long close() waits for a child it killed before leaving it to the reaper thread. */
    private static final long KILL_WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final int pid;
    private final String program;
    private final boolean detachOnClose;
    private final Reaping reaping;
    private final Cleaner.Cleanable cleanable;
    /**
     * The object's life: waits pin it, close settles the child (reap, or kill and reap, or hand
     * it to the reaper thread) once no wait is in flight, then closes the pidfd.
     */
    private final Handle life;
    /** Waits for the pidfd to turn readable (the child exited), then reaps; never sleeps in waitid. */
    private final Operation exitOp;

    ChildProcess(int pid, Fd pidfd, String program, boolean detachOnClose) {
        this.pid = pid;
        this.program = program;
        this.detachOnClose = detachOnClose;
        this.reaping = new Reaping(pid, pidfd);
        this.cleanable = CLEANER.register(this, reaping);
        this.life = new Handle(pidfd.label(), numberOf(pidfd)) {
            @Override
            protected void free() {
                settle();
            }
        };
        // Reaping is serialised (two blocking waitids would race for one child), so the wait is
        // for readiness: poll(2) on the pidfd, which turns readable when the child exits.
        this.exitOp = Operation.on(life, "waitid", (w, how) -> reaping.reapRaw(w.target, true))
                .readiness(Poll.POLLIN).kernelWaits(false).build();
    }

    /** The number of a descriptor just made (its waits poll it through {@link #life}). */
    private static int numberOf(Fd fresh) {
        try {
            int n = fresh.acquire("waitid");
            fresh.release();
            return n;
        } catch (ObjectClosedException e) {
            throw new IllegalStateException("a new pidfd is closed", e);
        }
    }

    /** A builder for {@code program} with arguments; {@code argv[0]} is {@code program}. */
    public static ChildProcessBuilder builder(String program, String... args) {
        List<String> command = new ArrayList<>(1 + args.length);
        command.add(program);
        command.addAll(List.of(args));
        return new ChildProcessBuilder(command);
    }

    /** A builder for a command line: the program, then its arguments. */
    public static ChildProcessBuilder builder(List<String> command) {
        return new ChildProcessBuilder(new ArrayList<>(command));
    }

    /** The child's process id. Once the child is reaped the number may belong to another process. */
    public long pid() {
        return pid;
    }

    /** The program as given to the builder. */
    public String program() {
        return program;
    }

    /** The pidfd: readable (POLLIN) once the child has exited, so a poller can watch it. */
    @Override
    public Fd fd() {
        return reaping.pidfd;
    }

    /**
     * Waits until the child exits and reaps it; returns at once if it already has been.
     *
     * @throws io.jipc.IpcInterruptedException if the thread is interrupted (the child keeps running)
     * @throws ObjectClosedException if this object is closed before the child exits
     */
    public ExitStatus waitFor() throws IpcException {
        return await(Deadline.FOREVER);
    }

    /** The status if the child has exited (reaping it), empty while it runs; never waits. */
    public Optional<ExitStatus> tryWaitFor() throws IpcException {
        return Optional.ofNullable(await(Deadline.NOW));
    }

    /**
     * Waits at most {@code timeout} for the child to exit.
     *
     * @return the status, or empty if the child still runs after {@code timeout}
     */
    public Optional<ExitStatus> tryWaitFor(Duration timeout) throws IpcException {
        return Optional.ofNullable(await(Deadline.after(timeout)));
    }

    /** Whether the child is still running (a non-blocking {@link #tryWaitFor()}). */
    public boolean isAlive() throws IpcException {
        return tryWaitFor().isEmpty();
    }

    /**
     * Sends {@code signal} through the pidfd
     * (<a href="https://man7.org/linux/man-pages/man2/pidfd_send_signal.2.html">pidfd_send_signal(2)</a>),
     * which can never reach another process that reused the number.
     *
     * @return false if the child has already been reaped (nothing was sent)
     */
    public boolean signal(Signal signal) throws IpcException {
        return PidFd.send(reaping.pidfd, Objects.requireNonNull(signal, "signal"), false, 0);
    }

    /**
     * Sends {@code signal} with an int {@code value} through the pidfd, as {@code sigqueue(3)}
     * would (the child's handler or {@code sigwaitinfo} finds it in {@code si_value}).
     *
     * @return false if the child has already been reaped (nothing was sent)
     */
    public boolean queue(Signal signal, int value) throws IpcException {
        return PidFd.send(reaping.pidfd, Objects.requireNonNull(signal, "signal"), true, value);
    }

    private ExitStatus await(long deadline) throws IpcException {
        ExitStatus s = reaping.status;
        if (s != null) {
            return s;
        }
        try {
            // The pidfd is pinned too: a user may close fd() itself, and the wait polls its number.
            reaping.pidfd.acquire("waitid");
            try {
                long r = exitOp.run(deadline);
                if (r < 0 && r != Operation.NOTHING) {
                    throw waitError(reaping.pidfd.label(), (int) -r);
                }
                return reaping.status;
            } finally {
                reaping.pidfd.release();
            }
        } catch (ObjectClosedException e) {
            // Closed meanwhile: a status reaped before (or by) the close is still the answer.
            s = reaping.status;
            if (s != null) {
                return s;
            }
            throw e;
        }
    }

    /**
     * Releases the child: reaps it if it has exited; otherwise kills it with SIGKILL and reaps it
     * (waiting a few seconds at most, then leaving it to the reaper thread), or, with {@link
     * ChildProcessBuilder#detachOnClose()}, leaves it running and lets the reaper thread reap it when it
     * exits. Closes the pidfd. A status already known stays readable through {@link
     * #tryWaitFor()}. Idempotent and thread-safe; never throws.
     */
    @Override
    public void close() {
        // A wait in flight is woken and returns first; the last one out settles the child.
        life.close();
    }

    /** Runs once, after close, when no wait is in flight. */
    private void settle() {
        reaping.settled = true;
        Fd fd = reaping.pidfd;
        boolean reaperTakesOriginal = false;
        try {
            if (reaping.status == null && !reaping.reapQuietly() && !(!detachOnClose && killAndReap())) {
                Fd handed = null;
                try {
                    handed = fd.duplicate();
                } catch (IpcException e) {
                    // Out of descriptors: the reaper gets our own pidfd instead of a copy.
                }
                if (handed == null) {
                    reaperTakesOriginal = true;
                    Reaper.adopt(fd);
                } else {
                    Reaper.adopt(handed);
                }
            }
        } finally {
            if (!reaperTakesOriginal) {
                fd.close();
            }
            cleanable.clean();
        }
    }

    /**
     * SIGKILL through the pidfd, then up to a few seconds asleep in waitid for the child to die.
     * Runs in close(): never throws; a child that outlives the wait (stuck in the kernel), or an
     * interrupted close, leaves the child to the reaper thread.
     */
    private boolean killAndReap() {
        Fd fd = reaping.pidfd;
        // No readiness: the sleep is inside waitid itself, ended by the thread's timer at the deadline.
        Operation dying = Operation.on(Handles.of(fd), "waitid",
                (w, how) -> reaping.reapRaw(w.target, how == Attempt.NOW)).build();
        try {
            int n = fd.acquire("pidfd_send_signal");
            try {
                Pidfd.pidfd_send_signal(n, Signal.SIGKILL.number(), MemorySegment.NULL, 0);
            } finally {
                fd.release();
            }
            return dying.run(System.nanoTime() + KILL_WAIT_NANOS) >= 0;
        } catch (IpcException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        ExitStatus s = reaping.status;
        return "ChildProcess[pid " + pid + ", " + program + ", "
                + (s != null ? s : life.isOpen() ? "running" : "closed") + "]";
    }

    /**
     * The reaping state, shared with the Cleaner (which must not reach the ChildProcess): the
     * pidfd, the status once reaped, and the scratch siginfo_t. Reaping is serialised so that
     * two waiting threads never both call waitid (the second would get ECHILD).
     */
    static final class Reaping implements Runnable {
        final int pid;
        final Fd pidfd;
        private final MemorySegment info = Arena.ofAuto().allocate(Wait.SIGINFO.layout());
        volatile ExitStatus status;
        /** Set by close(), which then owns the pidfd's fate: the Cleaner action does nothing. */
        volatile boolean settled;

        Reaping(int pid, Fd pidfd) {
            this.pid = pid;
            this.pidfd = pidfd;
        }

        /**
         * One waitid on the acquired pidfd {@code n} — without waiting ({@code WNOHANG}) or asleep
         * until the child exits — recording the status: 0 once reaped, -EAGAIN while the child
         * runs (WNOHANG), else -errno (EINTR when a sleep was woken).
         */
        synchronized long reapRaw(int n, boolean noHang) {
            if (status != null) {
                return 0;
            }
            int r = waitid(n, info, noHang);
            if (r < 0) {
                return r;
            }
            ExitStatus s = decode(info);
            if (s == null) {
                return -EAGAIN;
            }
            status = s;
            return 0;
        }

        /** One non-blocking waitid: the status, or null while the child runs. */
        ExitStatus reap(int n) throws IpcException {
            long r = reapRaw(n, true);
            if (r == -EAGAIN) {
                return null;
            }
            if (r < 0) {
                throw waitError(pidfd.label(), (int) -r);
            }
            return status;
        }

        boolean reapQuietly() {
            if (status != null) {
                return true;
            }
            try {
                int n = pidfd.acquire("waitid");
                try {
                    return reap(n) != null;
                } finally {
                    pidfd.release();
                }
            } catch (IpcException e) {
                return false;
            }
        }

        /**
         * The Cleaner's action, for a ChildProcess that became unreachable without close(): a
         * child still running goes to the reaper thread with the pidfd. After close() (which
         * runs this too, to deregister) there is nothing left to do.
         */
        @Override
        public void run() {
            if (settled) {
                return;
            }
            if (status == null && !reapQuietly()) {
                Reaper.adopt(pidfd);
            } else {
                pidfd.close();
            }
        }
    }

    /** {@code waitid(P_PIDFD, n, info, WEXITED [| WNOHANG])}: 0 or -errno; EINTR retried only with WNOHANG. */
    private static int waitid(int n, MemorySegment info, boolean noHang) {
        int r;
        do {
            info.set(ValueLayout.JAVA_INT, Wait.SI_PID, 0);
            r = Wait.waitid(Wait.P_PIDFD, n, info, noHang ? Wait.WEXITED | Wait.WNOHANG : Wait.WEXITED);
        } while (noHang && r == -EINTR);
        return r;
    }

    /** What waitid wrote: the status, or null if no child had exited (WNOHANG). */
    private static ExitStatus decode(MemorySegment info) {
        if (info.get(ValueLayout.JAVA_INT, Wait.SI_PID) == 0) {
            return null;
        }
        int code = info.get(ValueLayout.JAVA_INT, Wait.SI_CODE);
        int value = info.get(ValueLayout.JAVA_INT, Wait.SI_STATUS);
        return switch (code) {
            case Wait.CLD_EXITED -> ExitStatus.exited(value & 0xFF);
            case Wait.CLD_KILLED -> ExitStatus.killed(value, false);
            case Wait.CLD_DUMPED -> ExitStatus.killed(value, true);
            default -> throw new IllegalStateException("waitid(WEXITED) reported si_code " + code);
        };
    }

    /** A waitid refusal: ECHILD says what usually causes it. */
    static IpcException waitError(String label, int errno) {
        if (errno == ECHILD) {
            return IpcException.withDetail("waitid", label, errno, "No child processes: something else reaped it"
                    + " (SIGCHLD ignored in this process, or a waitpid(-1) elsewhere)");
        }
        return IpcException.of("waitid", label, errno);
    }

    /** {@code waitid(P_PIDFD, n, info, WEXITED | WNOHANG)} decoded; null while the child runs. */
    static ExitStatus waitNoHang(int n, MemorySegment info, String label) throws IpcException {
        int r = waitid(n, info, true);
        if (r < 0) {
            throw waitError(label, -r);
        }
        return decode(info);
    }

    static {
        Libc.callState();
    }
}
