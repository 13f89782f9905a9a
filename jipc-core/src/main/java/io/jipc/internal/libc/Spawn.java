package io.jipc.internal.libc;

import static io.jipc.internal.libc.Libc.C_INT;
import static io.jipc.internal.libc.Libc.C_POINTER;
import static io.jipc.internal.libc.Libc.C_SHORT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * {@code <spawn.h>}: posix_spawn, its file actions and attributes. These calls return an error
 * number instead of setting errno; the wrappers return 0 or {@code -error} like the rest of the
 * package.
 */
public final class Spawn {
    private Spawn() {}

    /**
     * {@code posix_spawn_file_actions_t} (opaque to callers: only its size matters, glibc fills it
     * in {@code posix_spawn_file_actions_init}).
     */
    public static final Libc.CStruct FILE_ACTIONS = Libc.struct("spawn.h", "posix_spawn_file_actions_t",
            C_INT.withName("__allocated"), C_INT.withName("__used"), C_POINTER.withName("__actions"),
            MemoryLayout.sequenceLayout(16, C_INT).withName("__pad"));

    /** {@code posix_spawnattr_t} (opaque; filled by {@code posix_spawnattr_init} and the setters). */
    public static final Libc.CStruct ATTR = Libc.struct("spawn.h", "posix_spawnattr_t",
            C_SHORT.withName("__flags"), MemoryLayout.paddingLayout(2), C_INT.withName("__pgrp"),
            SignalH.SIGSET.layout().withName("__sd"), SignalH.SIGSET.layout().withName("__ss"),
            C_INT.withName("__sp"), C_INT.withName("__policy"),
            MemoryLayout.sequenceLayout(16, C_INT).withName("__pad"));

    public static final short POSIX_SPAWN_RESETIDS = 0x01;
    public static final short POSIX_SPAWN_SETPGROUP = 0x02;
    public static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    public static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    public static final short POSIX_SPAWN_SETSCHEDPARAM = 0x10;
    public static final short POSIX_SPAWN_SETSCHEDULER = 0x20;
    /** glibc 2.26+: the child calls setsid(). */
    public static final short POSIX_SPAWN_SETSID = 0x80;

    private static final FunctionDescriptor INT_PTR = FunctionDescriptor.of(C_INT, C_POINTER);
    private static final FunctionDescriptor INT_PTR_INT = FunctionDescriptor.of(C_INT, C_POINTER, C_INT);
    private static final FunctionDescriptor INT_PTR_PTR = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER);

    private static final MethodHandle FA_INIT = Libc.plainDowncall("posix_spawn_file_actions_init", INT_PTR);
    private static final MethodHandle FA_DESTROY = Libc.plainDowncall("posix_spawn_file_actions_destroy", INT_PTR);
    private static final MethodHandle FA_ADDDUP2 = Libc.plainDowncall("posix_spawn_file_actions_adddup2",
            FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_INT));
    private static final MethodHandle FA_ADDCLOSE = Libc.plainDowncall("posix_spawn_file_actions_addclose", INT_PTR_INT);
    private static final MethodHandle FA_ADDFCHDIR = Libc.plainDowncall("posix_spawn_file_actions_addfchdir_np", INT_PTR_INT);
    private static final MethodHandle FA_ADDCLOSEFROM = Libc.plainDowncall("posix_spawn_file_actions_addclosefrom_np", INT_PTR_INT);
    private static final MethodHandle ATTR_INIT = Libc.plainDowncall("posix_spawnattr_init", INT_PTR);
    private static final MethodHandle ATTR_DESTROY = Libc.plainDowncall("posix_spawnattr_destroy", INT_PTR);
    private static final MethodHandle ATTR_SETFLAGS = Libc.plainDowncall("posix_spawnattr_setflags",
            FunctionDescriptor.of(C_INT, C_POINTER, C_SHORT));
    private static final MethodHandle ATTR_SETSIGMASK = Libc.plainDowncall("posix_spawnattr_setsigmask", INT_PTR_PTR);
    private static final MethodHandle ATTR_SETSIGDEFAULT = Libc.plainDowncall("posix_spawnattr_setsigdefault", INT_PTR_PTR);
    private static final MethodHandle ATTR_SETPGROUP = Libc.plainDowncall("posix_spawnattr_setpgroup", INT_PTR_INT);
    private static final FunctionDescriptor SPAWN = FunctionDescriptor.of(C_INT,
            C_POINTER, C_POINTER, C_POINTER, C_POINTER, C_POINTER, C_POINTER);
    private static final MethodHandle POSIX_SPAWN = Libc.plainDowncall("posix_spawn", SPAWN);
    private static final MethodHandle POSIX_SPAWNP = Libc.plainDowncall("posix_spawnp", SPAWN);

    /** glibc 2.39+: posix_spawn that returns a pidfd of the child (clone3 with CLONE_PIDFD), no race. */
    public static final boolean HAS_PIDFD_SPAWN = Libc.has("pidfd_spawn") && Libc.has("pidfd_spawnp")
            && Libc.has("pidfd_getpid");
    private static final MethodHandle PIDFD_SPAWN = HAS_PIDFD_SPAWN ? Libc.plainDowncall("pidfd_spawn", SPAWN) : null;
    private static final MethodHandle PIDFD_SPAWNP = HAS_PIDFD_SPAWN ? Libc.plainDowncall("pidfd_spawnp", SPAWN) : null;
    private static final MethodHandle PIDFD_GETPID = HAS_PIDFD_SPAWN
            ? Libc.downcall("pidfd_getpid", FunctionDescriptor.of(C_INT, C_INT))
            : null;

    /** The address of glibc's {@code char **environ} variable. */
    private static final MemorySegment ENVIRON = Libc.symbol("environ").reinterpret(C_POINTER.byteSize());

    /** {@code int posix_spawn_file_actions_init(posix_spawn_file_actions_t *file_actions)}. */
    public static int posix_spawn_file_actions_init(MemorySegment fileActions) {
        try {
            return -(int) FA_INIT.invokeExact(fileActions);
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int posix_spawn_file_actions_destroy(posix_spawn_file_actions_t *file_actions)}. */
    public static int posix_spawn_file_actions_destroy(MemorySegment fileActions) {
        try {
            return -(int) FA_DESTROY.invokeExact(fileActions);
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /**
     * {@code int posix_spawn_file_actions_adddup2(posix_spawn_file_actions_t *fa, int fd, int newfd)}.
     * With {@code fd == newfd}, glibc 2.29+ clears FD_CLOEXEC in the child (Austin Group issue
     * 411) instead of a no-op dup2.
     */
    public static int posix_spawn_file_actions_adddup2(MemorySegment fileActions, int fd, int newFd) {
        try {
            return -(int) FA_ADDDUP2.invokeExact(fileActions, fd, newFd);
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int posix_spawn_file_actions_addclose(posix_spawn_file_actions_t *fa, int fd)}; a closed fd is no error. */
    public static int posix_spawn_file_actions_addclose(MemorySegment fileActions, int fd) {
        try {
            return -(int) FA_ADDCLOSE.invokeExact(fileActions, fd);
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int posix_spawn_file_actions_addfchdir_np(posix_spawn_file_actions_t *fa, int fd)} (glibc 2.29+). */
    public static int posix_spawn_file_actions_addfchdir_np(MemorySegment fileActions, int fd) {
        try {
            return -(int) FA_ADDFCHDIR.invokeExact(fileActions, fd);
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *fa, int from)} (glibc 2.34+). */
    public static int posix_spawn_file_actions_addclosefrom_np(MemorySegment fileActions, int from) {
        try {
            return -(int) FA_ADDCLOSEFROM.invokeExact(fileActions, from);
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int posix_spawnattr_init(posix_spawnattr_t *attr)}. */
    public static int posix_spawnattr_init(MemorySegment attr) {
        try {
            return -(int) ATTR_INIT.invokeExact(attr);
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int posix_spawnattr_destroy(posix_spawnattr_t *attr)}. */
    public static int posix_spawnattr_destroy(MemorySegment attr) {
        try {
            return -(int) ATTR_DESTROY.invokeExact(attr);
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int posix_spawnattr_setflags(posix_spawnattr_t *attr, short flags)}. */
    public static int posix_spawnattr_setflags(MemorySegment attr, short flags) {
        try {
            return -(int) ATTR_SETFLAGS.invokeExact(attr, flags);
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int posix_spawnattr_setsigmask(posix_spawnattr_t *attr, const sigset_t *sigmask)}. */
    public static int posix_spawnattr_setsigmask(MemorySegment attr, MemorySegment sigset) {
        try {
            return -(int) ATTR_SETSIGMASK.invokeExact(attr, sigset);
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int posix_spawnattr_setsigdefault(posix_spawnattr_t *attr, const sigset_t *sigdefault)}. */
    public static int posix_spawnattr_setsigdefault(MemorySegment attr, MemorySegment sigset) {
        try {
            return -(int) ATTR_SETSIGDEFAULT.invokeExact(attr, sigset);
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int posix_spawnattr_setpgroup(posix_spawnattr_t *attr, pid_t pgroup)}; 0 means a new group. */
    public static int posix_spawnattr_setpgroup(MemorySegment attr, int pgroup) {
        try {
            return -(int) ATTR_SETPGROUP.invokeExact(attr, pgroup);
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /**
     * {@code int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
     * const posix_spawnattr_t *attr, char *const argv[], char *const envp[])}. glibc reports
     * errors of the child's file actions and of execve through the result.
     */
    public static int posix_spawn(MemorySegment pid, MemorySegment path, MemorySegment fileActions,
            MemorySegment attr, MemorySegment argv, MemorySegment envp) {
        try {
            return -(int) POSIX_SPAWN.invokeExact(pid, path, fileActions, attr, argv, envp);
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code posix_spawnp}: as {@link #posix_spawn}, with a file name looked up in this process's PATH. */
    public static int posix_spawnp(MemorySegment pid, MemorySegment file, MemorySegment fileActions,
            MemorySegment attr, MemorySegment argv, MemorySegment envp) {
        try {
            return -(int) POSIX_SPAWNP.invokeExact(pid, file, fileActions, attr, argv, envp);
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /**
     * {@code int pidfd_spawn(int *pidfd, const char *path, ...)} (glibc 2.39+, only when {@link
     * #HAS_PIDFD_SPAWN}): as posix_spawn, returning a close-on-exec pidfd instead of a pid.
     */
    public static int pidfd_spawn(MemorySegment pidfd, MemorySegment path, MemorySegment fileActions,
            MemorySegment attr, MemorySegment argv, MemorySegment envp) {
        try {
            return -(int) PIDFD_SPAWN.invokeExact(pidfd, path, fileActions, attr, argv, envp);
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code pidfd_spawnp}: as {@link #pidfd_spawn}, with a file name looked up in PATH (glibc 2.39+). */
    public static int pidfd_spawnp(MemorySegment pidfd, MemorySegment file, MemorySegment fileActions,
            MemorySegment attr, MemorySegment argv, MemorySegment envp) {
        try {
            return -(int) PIDFD_SPAWNP.invokeExact(pidfd, file, fileActions, attr, argv, envp);
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code pid_t pidfd_getpid(int fd)} (glibc 2.39+). */
    public static int pidfd_getpid(int pidfd) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) PIDFD_GETPID.invokeExact(state, pidfd);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** The current value of {@code environ}: this process's environment, as execve takes it. */
    public static MemorySegment environ() {
        return ENVIRON.get(C_POINTER, 0);
    }
}
