package io.jipc.process;

import io.jipc.Fd;
import io.jipc.FdBacked;
import io.jipc.IpcException;
import io.jipc.signal.Signal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * How to start a child: the command, what it finds at each descriptor number, environment,
 * directory, process group. Not thread-safe; {@link #start()} may be called more than once.
 *
 * @see <a href="https://man7.org/linux/man-pages/man3/posix_spawn.3.html">posix_spawn(3)</a>
 */
public final class ChildProcessBuilder {
    /** Linux's default ceiling for descriptor numbers ({@code fs.nr_open}). */
    static final int MAX_FD = 1 << 20;

    final List<String> command;
    final TreeMap<Integer, Redirect> fds = new TreeMap<>();
    Path directory;
    /** A replacement environment; null inherits this process's. */
    Map<String, String> environment;
    /** Variables to set (value) or remove (null) on top of the base environment. */
    final LinkedHashMap<String, String> environmentChanges = new LinkedHashMap<>();
    /** -1: this process's group; 0: a new group; > 0: join that group. */
    int processGroup = -1;
    boolean newSession;
    boolean detachOnClose;
    boolean keepNonBlocking;
    /** Signals blocked in the child when it starts; empty for the empty mask. */
    final EnumSet<Signal> blockedSignals = EnumSet.noneOf(Signal.class);

    ChildProcessBuilder(List<String> command) {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("a command needs at least the program");
        }
        for (String s : command) {
            checkCString(Objects.requireNonNull(s, "command element"), "command");
        }
        if (command.get(0).isEmpty()) {
            throw new IllegalArgumentException("the program name must not be empty");
        }
        this.command = command;
    }

    /** What the child reads at descriptor 0. */
    public ChildProcessBuilder stdin(Redirect redirect) {
        return fd(0, redirect);
    }

    /** The object's descriptor at 0; this process keeps its copy (see {@link Redirect#handOver}). */
    public ChildProcessBuilder stdin(FdBacked object) {
        return fd(0, Redirect.of(object));
    }

    /** What the child writes to at descriptor 1. */
    public ChildProcessBuilder stdout(Redirect redirect) {
        return fd(1, redirect);
    }

    /** The object's descriptor at 1; this process keeps its copy (see {@link Redirect#handOver}). */
    public ChildProcessBuilder stdout(FdBacked object) {
        return fd(1, Redirect.of(object));
    }

    /** What the child writes to at descriptor 2. */
    public ChildProcessBuilder stderr(Redirect redirect) {
        return fd(2, redirect);
    }

    /** The object's descriptor at 2; this process keeps its copy (see {@link Redirect#handOver}). */
    public ChildProcessBuilder stderr(FdBacked object) {
        return fd(2, Redirect.of(object));
    }

    /**
     * What the child finds at descriptor {@code number}; setting a number again replaces the
     * earlier choice.
     *
     * @throws IllegalArgumentException if {@code number} is negative or above 2^20 - 1
     */
    public ChildProcessBuilder fd(int number, Redirect redirect) {
        if (number < 0 || number >= MAX_FD) {
            throw new IllegalArgumentException("descriptor numbers run from 0 to " + (MAX_FD - 1) + ", got " + number);
        }
        fds.put(number, Objects.requireNonNull(redirect, "redirect"));
        return this;
    }

    /** The object's descriptor at {@code number}; this process keeps its copy. */
    public ChildProcessBuilder fd(int number, FdBacked object) {
        return fd(number, Redirect.of(object));
    }

    /** The raw descriptor at {@code number}; this process keeps its copy. */
    public ChildProcessBuilder fd(int number, Fd fd) {
        return fd(number, Redirect.of(fd));
    }

    /** The child's working directory (default: this process's). */
    public ChildProcessBuilder directory(Path directory) {
        this.directory = Objects.requireNonNull(directory, "directory");
        return this;
    }

    /** Replaces the whole environment (earlier {@link #env}/{@link #unsetEnv} calls are dropped). */
    public ChildProcessBuilder environment(Map<String, String> variables) {
        Map<String, String> copy = new HashMap<>();
        variables.forEach((k, v) -> {
            checkName(k);
            checkCString(Objects.requireNonNull(v, "value of " + k), "environment value");
            copy.put(k, v);
        });
        environment = copy;
        environmentChanges.clear();
        return this;
    }

    /** Starts the child with no environment variables at all. */
    public ChildProcessBuilder clearEnvironment() {
        return environment(Map.of());
    }

    /** Sets one variable on top of the inherited (or replaced) environment. */
    public ChildProcessBuilder env(String name, String value) {
        checkName(name);
        checkCString(Objects.requireNonNull(value, "value"), "environment value");
        environmentChanges.put(name, value);
        return this;
    }

    /** Removes one variable from the inherited (or replaced) environment. */
    public ChildProcessBuilder unsetEnv(String name) {
        checkName(name);
        environmentChanges.put(name, null);
        return this;
    }

    /** Puts the child in a new process group whose id is its pid ({@code POSIX_SPAWN_SETPGROUP}, 0). */
    public ChildProcessBuilder newProcessGroup() {
        processGroup = 0;
        newSession = false;
        return this;
    }

    /** Puts the child in the existing process group {@code pgid} (of this session). */
    public ChildProcessBuilder processGroup(long pgid) {
        if (pgid <= 0 || pgid > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a process group id is a positive pid, got " + pgid);
        }
        processGroup = (int) pgid;
        newSession = false;
        return this;
    }

    /** Makes the child the leader of a new session and process group ({@code POSIX_SPAWN_SETSID}): no controlling terminal. */
    public ChildProcessBuilder newSession() {
        newSession = true;
        processGroup = -1;
        return this;
    }

    /** On {@link ChildProcess#close()} leave a running child running (a daemon thread reaps it later) instead of killing it. */
    public ChildProcessBuilder detachOnClose() {
        detachOnClose = true;
        return this;
    }

    /** Hands non-blocking descriptors over as they are, for children that expect O_NONBLOCK (e.g. another jipc process). */
    public ChildProcessBuilder keepNonBlocking() {
        keepNonBlocking = true;
        return this;
    }

    /**
     * Starts the child with these signals blocked (its signal mask), instead of none. A program
     * that waits for signals with sigwaitinfo or a signalfd needs them blocked from its first
     * instruction, or one that arrives early kills it; and a JVM started this way keeps them
     * blocked in every thread it makes, so that {@code io.jipc.signal} reads them, with their
     * sender and value, from a signalfd instead of through a handler (see {@code
     * io.jipc.signal}'s package documentation). Dispositions are still reset to the default.
     *
     * @throws IllegalArgumentException for SIGKILL or SIGSTOP, which cannot be blocked
     */
    public ChildProcessBuilder blockSignals(Signal... signals) {
        for (Signal s : signals) {
            if (!Objects.requireNonNull(s, "signal").catchable()) {
                throw new IllegalArgumentException(s + " cannot be blocked: the kernel delivers it whatever the mask");
            }
        }
        blockedSignals.addAll(List.of(signals));
        return this;
    }

    /**
     * Starts the child.
     *
     * @throws io.jipc.NotFoundException if the program, a redirected file or the directory does not exist
     * @throws IpcException if posix_spawn or a preparation step fails
     * @throws io.jipc.ObjectClosedException if a descriptor to hand over is closed
     */
    public ChildProcess start() throws IpcException {
        return Spawner.spawn(this, fds, processGroup);
    }

    boolean hasRedirect(int number) {
        return fds.containsKey(number);
    }

    static void checkCString(String s, String what) {
        if (s.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(what + " must not contain NUL characters: " + s.replace('\0', '?'));
        }
    }

    static void checkName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty() || name.indexOf('=') >= 0) {
            throw new IllegalArgumentException("an environment variable name is non-empty and has no '=': \"" + name + "\"");
        }
        checkCString(name, "environment variable name");
    }
}
