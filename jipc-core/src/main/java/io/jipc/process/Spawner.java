package io.jipc.process;

import static io.jipc.internal.libc.Errnos.EINTR;
import static io.jipc.internal.libc.Errnos.ENOSYS;
import static io.jipc.internal.libc.Errnos.ESRCH;

import io.jipc.Fd;
import io.jipc.IpcException;
import io.jipc.internal.libc.Fcntl;
import io.jipc.internal.wait.Handles;
import io.jipc.internal.libc.Libc;
import io.jipc.internal.libc.Pidfd;
import io.jipc.internal.libc.SignalH;
import io.jipc.internal.libc.Spawn;
import io.jipc.internal.libc.Stat;
import io.jipc.internal.libc.Unistd;
import io.jipc.internal.libc.Wait;
import io.jipc.signal.Signal;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * The one place that starts processes: turns a {@link ChildProcessBuilder} into file actions and
 * attributes for posix_spawn, and the spawned pid into an owned pidfd.
 */
final class Spawner {
    private Spawner() {}

    private static final int O_ACCMODE = 3;
    private static final int O_PATH = 010000000;

    /** Descriptors opened or acquired while preparing one spawn, all let go afterwards. */
    private static final class Scratch {
        final Arena arena;
        final int floor;
        int[] toClose = new int[8];
        int closeCount;
        final List<Fd> acquired = new ArrayList<>();
        MemorySegment stat;

        Scratch(Arena arena, int floor) {
            this.arena = arena;
            this.floor = floor;
        }

        int keep(int fd) {
            if (closeCount == toClose.length) {
                toClose = Arrays.copyOf(toClose, closeCount * 2);
            }
            toClose[closeCount++] = fd;
            return fd;
        }

        void release() {
            for (int i = 0; i < closeCount; i++) {
                Unistd.close(toClose[i]);
            }
            closeCount = 0;
            for (Fd fd : acquired) {
                fd.release();
            }
            acquired.clear();
        }
    }

    static ChildProcess spawn(ChildProcessBuilder b, SortedMap<Integer, Redirect> fds, int processGroup)
            throws IpcException {
        String program = b.command.get(0);
        boolean search = program.indexOf('/') < 0;
        String call = search ? "posix_spawnp" : "posix_spawn";
        int maxTarget = Math.max(2, fds.isEmpty() ? 2 : fds.lastKey());
        int pid;
        Fd pidfd = null;
        try (Arena arena = Arena.ofConfined()) {
            Scratch scratch = new Scratch(arena, maxTarget + 1);
            MemorySegment actions = arena.allocate(Spawn.FILE_ACTIONS.layout());
            MemorySegment attr = arena.allocate(Spawn.ATTR.layout());
            check(Spawn.posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init", program);
            try {
                check(Spawn.posix_spawnattr_init(attr), "posix_spawnattr_init", program);
                try {
                    // The directory first: its descriptor may have any number, no dup2 has run yet.
                    if (b.directory != null) {
                        int dir = openHere(scratch, b.directory.toString(), O_PATH | Fcntl.O_DIRECTORY, 0, false);
                        check(Spawn.posix_spawn_file_actions_addfchdir_np(actions, dir), "posix_spawn_file_actions_addfchdir_np", program);
                    }
                    // Every source sits above maxTarget, so no dup2 can overwrite a source still to be moved.
                    for (Map.Entry<Integer, Redirect> e : fds.entrySet()) {
                        int target = e.getKey();
                        Redirect r = e.getValue();
                        if (r.kind == Redirect.Kind.CLOSED) {
                            check(Spawn.posix_spawn_file_actions_addclose(actions, target), "posix_spawn_file_actions_addclose", program);
                            continue;
                        }
                        int source = prepare(scratch, target, r, b.keepNonBlocking);
                        if (source >= 0) {
                            check(Spawn.posix_spawn_file_actions_adddup2(actions, source, target), "posix_spawn_file_actions_adddup2", program);
                        }
                    }
                    // Numbers below the highest target that were not asked for: closed, like everything above.
                    for (int n = 3; n < maxTarget; n++) {
                        if (!fds.containsKey(n)) {
                            check(Spawn.posix_spawn_file_actions_addclose(actions, n), "posix_spawn_file_actions_addclose", program);
                        }
                    }
                    check(Spawn.posix_spawn_file_actions_addclosefrom_np(actions, maxTarget + 1),
                            "posix_spawn_file_actions_addclosefrom_np", program);

                    short flags = Spawn.POSIX_SPAWN_SETSIGMASK | Spawn.POSIX_SPAWN_SETSIGDEF;
                    MemorySegment set = arena.allocate(SignalH.SIGSET.layout());
                    SignalH.sigemptyset(set);
                    for (Signal s : b.blockedSignals) {
                        SignalH.sigaddset(set, s.number());
                    }
                    check(Spawn.posix_spawnattr_setsigmask(attr, set), "posix_spawnattr_setsigmask", program);
                    SignalH.sigfillset(set);
                    // sigfillset leaves out glibc's internal signals 32 and 33, and glibc's spawn then
                    // sets them to SIG_IGN in the child, which survives exec. Bits 31 and 32 of the
                    // first word put them back: the child sees SIG_DFL, as after fork and exec.
                    set.set(ValueLayout.JAVA_LONG, 0, set.get(ValueLayout.JAVA_LONG, 0) | (3L << 31));
                    check(Spawn.posix_spawnattr_setsigdefault(attr, set), "posix_spawnattr_setsigdefault", program);
                    if (processGroup >= 0) {
                        flags |= Spawn.POSIX_SPAWN_SETPGROUP;
                        check(Spawn.posix_spawnattr_setpgroup(attr, processGroup), "posix_spawnattr_setpgroup", program);
                    }
                    if (b.newSession) {
                        flags |= Spawn.POSIX_SPAWN_SETSID;
                    }
                    check(Spawn.posix_spawnattr_setflags(attr, flags), "posix_spawnattr_setflags", program);

                    MemorySegment argv = cStrings(arena, b.command);
                    MemorySegment envp = environment(arena, b);
                    MemorySegment out = arena.allocate(ValueLayout.JAVA_INT);
                    MemorySegment path = arena.allocateFrom(program);
                    // glibc 2.39+: the pidfd comes from clone3 itself, so it names our child even
                    // if something else (SIGCHLD ignored...) reaps it at once. ENOSYS (no clone3):
                    // nothing was started, posix_spawn follows.
                    int r = !Spawn.HAS_PIDFD_SPAWN ? -ENOSYS : search
                            ? Spawn.pidfd_spawnp(out, path, actions, attr, argv, envp)
                            : Spawn.pidfd_spawn(out, path, actions, attr, argv, envp);
                    if (r == 0) {
                        int fd = out.get(ValueLayout.JAVA_INT, 0);
                        pid = Spawn.pidfd_getpid(fd);
                        if (pid < 0) {
                            Unistd.close(fd);
                            throw alreadyReaped(program, "?", -pid);
                        }
                        pidfd = Fd.adopt(fd, program + "[" + pid + "]");
                    } else if (r != -ENOSYS) {
                        throw IpcException.of(search ? "pidfd_spawnp" : "pidfd_spawn", program, -r);
                    } else {
                        r = search
                                ? Spawn.posix_spawnp(out, path, actions, attr, argv, envp)
                                : Spawn.posix_spawn(out, path, actions, attr, argv, envp);
                        if (r < 0) {
                            throw IpcException.of(call, program, -r);
                        }
                        pid = out.get(ValueLayout.JAVA_INT, 0);
                    }
                } finally {
                    Spawn.posix_spawnattr_destroy(attr);
                }
            } finally {
                Spawn.posix_spawn_file_actions_destroy(actions);
                scratch.release();
            }
            if (pidfd == null) {
                pidfd = openPidfd(pid, program, arena);
            }
        }
        ChildProcess child = new ChildProcess(pid, pidfd, program, b.detachOnClose);
        for (Redirect r : fds.values()) {
            if (r.handOver) {
                try {
                    r.owner.close();
                } catch (Exception e) {
                    // The child has its copy; a failing close of ours changes nothing for it.
                }
            }
        }
        return child;
    }

    /**
     * The pidfd of a child we just started with posix_spawn (before glibc 2.39). Nothing reaps it
     * meanwhile (only we wait for it), so the number cannot have been reused — unless this process
     * ignores SIGCHLD (or other code calls waitpid(-1)): then a quick child may be gone already,
     * which is reported as such. Should pidfd_open fail otherwise, the child is killed and reaped
     * here: no process escapes without a handle.
     */
    private static Fd openPidfd(int pid, String program, Arena arena) throws IpcException {
        int fd = Pidfd.pidfd_open(pid, 0);
        if (fd == -ESRCH) {
            throw alreadyReaped(program, Integer.toString(pid), -fd);
        }
        if (fd < 0) {
            SignalH.kill(pid, io.jipc.signal.Signal.SIGKILL.number());
            MemorySegment info = arena.allocate(Wait.SIGINFO.layout());
            int r;
            do {
                r = Wait.waitid(Wait.P_PID, pid, info, Wait.WEXITED);
            } while (r == -EINTR);
            throw IpcException.of("pidfd_open", program + "[" + pid + "]", -fd);
        }
        return Fd.adopt(fd, program + "[" + pid + "]");
    }

    private static IpcException alreadyReaped(String program, String pid, int errno) {
        return IpcException.withDetail("pidfd_open", program + "[" + pid + "]", errno,
                "the child ran and was already reaped by someone else (SIGCHLD ignored in this process,"
                + " or a waitpid(-1) elsewhere): its status is lost");
    }

    /** A descriptor of this process, above every target number, that the child gets at {@code target}; -1 for none. */
    private static int prepare(Scratch s, int target, Redirect r, boolean keepNonBlocking) throws IpcException {
        return switch (r.kind) {
            case INHERIT -> target <= 2 ? -1 : dupHigh(s, target, "fd " + target);
            case CLOSED -> -1;
            case NULL_DEVICE -> openHere(s, "/dev/null",
                    target == 0 ? Fcntl.O_RDONLY : target <= 2 ? Fcntl.O_WRONLY : Fcntl.O_RDWR, 0, true);
            case READ_FILE -> openHere(s, r.path.toString(), Fcntl.O_RDONLY, 0, true);
            case WRITE_FILE -> openHere(s, r.path.toString(), Fcntl.O_WRONLY | Fcntl.O_CREAT | Fcntl.O_TRUNC, 0600, true);
            case APPEND_FILE -> openHere(s, r.path.toString(), Fcntl.O_WRONLY | Fcntl.O_CREAT | Fcntl.O_APPEND, 0600, true);
            case DESCRIPTOR -> descriptor(s, r.fd, keepNonBlocking);
        };
    }

    private static int descriptor(Scratch s, Fd fd, boolean keepNonBlocking) throws IpcException {
        int n = fd.acquire("posix_spawn");
        s.acquired.add(fd);
        int source = n;
        if (!keepNonBlocking) {
            int flags = Fcntl.fcntl(n, Fcntl.F_GETFL, 0);
            if (flags < 0) {
                throw IpcException.of("fcntl(F_GETFL)", fd.label(), -flags);
            }
            if ((flags & Fcntl.O_NONBLOCK) != 0) {
                int reopened = isFifo(s, n) ? reopenBlocking(s, n, flags) : -1;
                if (reopened >= 0) {
                    source = reopened;
                } else {
                    int r = Fcntl.fcntl(n, Fcntl.F_SETFL, flags & ~Fcntl.O_NONBLOCK);
                    if (r < 0) {
                        throw IpcException.of("fcntl(F_SETFL)", fd.label(), -r);
                    }
                    Handles.of(fd).blocking(true); // the engine's view of the shared description

                }
            }
        }
        return dupHigh(s, source, fd.label());
    }

    private static boolean isFifo(Scratch s, int n) {
        if (s.stat == null) {
            s.stat = s.arena.allocate(Stat.STAT.layout());
        }
        return Stat.fstat(n, s.stat) == 0
                && (s.stat.get(ValueLayout.JAVA_INT, Stat.ST_MODE) & Stat.S_IFMT) == Stat.S_IFIFO;
    }

    /**
     * A new open file description of the same pipe, without O_NONBLOCK: opened non-blocking (so
     * a FIFO end never waits for its peer here), then switched to blocking. -1 if that fails.
     */
    private static int reopenBlocking(Scratch s, int n, int flags) {
        MemorySegment path = s.arena.allocateFrom("/proc/self/fd/" + n);
        int keep = flags & (O_ACCMODE | Fcntl.O_APPEND | Fcntl.O_DIRECT);
        int fd = Fcntl.open(path, keep | Fcntl.O_NONBLOCK | Fcntl.O_CLOEXEC, 0);
        if (fd < 0) {
            return -1;
        }
        s.keep(fd);
        int now = Fcntl.fcntl(fd, Fcntl.F_GETFL, 0);
        if (now < 0 || Fcntl.fcntl(fd, Fcntl.F_SETFL, now & ~Fcntl.O_NONBLOCK) < 0) {
            return -1;
        }
        return fd;
    }

    /** A close-on-exec copy of {@code fd} numbered above every target. */
    private static int dupHigh(Scratch s, int fd, String label) throws IpcException {
        int high = Fcntl.fcntl(fd, Fcntl.F_DUPFD_CLOEXEC, s.floor);
        if (high < 0) {
            throw IpcException.of("fcntl(F_DUPFD_CLOEXEC)", label, -high);
        }
        return s.keep(high);
    }

    /** Opens a file in this process (so errors name it), close-on-exec; optionally moved above the targets. */
    private static int openHere(Scratch s, String path, int flags, int mode, boolean high) throws IpcException {
        int fd = Fcntl.open(s.arena.allocateFrom(path), flags | Fcntl.O_CLOEXEC, mode);
        if (fd < 0) {
            throw IpcException.of("open", path, -fd);
        }
        if (!high || fd >= s.floor) {
            return s.keep(fd);
        }
        int moved = Fcntl.fcntl(fd, Fcntl.F_DUPFD_CLOEXEC, s.floor);
        Unistd.close(fd);
        if (moved < 0) {
            throw IpcException.of("fcntl(F_DUPFD_CLOEXEC)", path, -moved);
        }
        return s.keep(moved);
    }

    /** A NULL-terminated {@code char *[]} of the strings, in {@code arena}. */
    private static MemorySegment cStrings(Arena arena, List<String> strings) {
        MemorySegment array = arena.allocate(Libc.C_POINTER, strings.size() + 1L);
        for (int i = 0; i < strings.size(); i++) {
            array.setAtIndex(Libc.C_POINTER, i, arena.allocateFrom(strings.get(i)));
        }
        array.setAtIndex(Libc.C_POINTER, strings.size(), MemorySegment.NULL);
        return array;
    }

    /** {@code environ} itself when nothing changes, else the edited copy as {@code char *[]}. */
    private static MemorySegment environment(Arena arena, ChildProcessBuilder b) {
        if (b.environment == null && b.environmentChanges.isEmpty()) {
            return Spawn.environ();
        }
        List<String> entries = new ArrayList<>();
        if (b.environment == null) {
            entries.addAll(currentEnvironment());
        } else {
            b.environment.forEach((k, v) -> entries.add(k + "=" + v));
        }
        if (!b.environmentChanges.isEmpty()) {
            entries.removeIf(e -> {
                int eq = e.indexOf('=');
                return b.environmentChanges.containsKey(eq < 0 ? e : e.substring(0, eq));
            });
            b.environmentChanges.forEach((k, v) -> {
                if (v != null) {
                    entries.add(k + "=" + v);
                }
            });
        }
        return cStrings(arena, entries);
    }

    /** This process's environment as libc holds it now (System.getenv() is a snapshot from startup). */
    static List<String> currentEnvironment() {
        List<String> entries = new ArrayList<>();
        MemorySegment env = Spawn.environ();
        if (env.equals(MemorySegment.NULL)) {
            return entries;
        }
        MemorySegment array = env.reinterpret(Long.MAX_VALUE);
        for (long i = 0; ; i++) {
            MemorySegment entry = array.getAtIndex(Libc.C_POINTER, i);
            if (entry.equals(MemorySegment.NULL)) {
                return entries;
            }
            entries.add(entry.reinterpret(Long.MAX_VALUE).getString(0));
        }
    }

    private static void check(int r, String call, String program) throws IpcException {
        if (r < 0) {
            throw IpcException.of(call, program, -r);
        }
    }
}
