package io.jipc.internal.libc;

import static io.jipc.internal.libc.Libc.C_INT;
import static io.jipc.internal.libc.Libc.C_LONG;
import static io.jipc.internal.libc.Libc.C_POINTER;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * {@code <signal.h>}: signal sets, sigaction, the thread signal mask, kill, killpg, sigqueue and
 * tgkill, the real-time signal range, {@code siginfo_t} as a handler receives it, and {@code
 * struct sigevent}. Raw results, {@code -errno} on failure.
 */
public final class SignalH {
    private SignalH() {}

    /** {@code sigset_t}: glibc's 1024-bit set ({@code unsigned long __val[16]}). */
    public static final Libc.CStruct SIGSET = Libc.struct("signal.h", "sigset_t",
            MemoryLayout.sequenceLayout(16, C_LONG).withName("__val"));
    public static final long SIGSET_SIZE = SIGSET.layout().byteSize();

    /**
     * {@code struct sigaction} as glibc declares it on Linux (the same on x86_64 and aarch64):
     * handler union, mask, flags, restorer.
     */
    public static final Libc.CStruct SIGACTION = Libc.struct("signal.h", "struct sigaction",
            C_POINTER.withName("sa_handler"), SIGSET.layout().withName("sa_mask"), C_INT.withName("sa_flags"),
            MemoryLayout.paddingLayout(4), C_POINTER.withName("sa_restorer"));
    public static final long SIGACTION_SIZE = SIGACTION.layout().byteSize();
    public static final long SA_HANDLER = SIGACTION.offset("sa_handler");
    public static final long SA_MASK = SIGACTION.offset("sa_mask");
    public static final long SA_FLAGS = SIGACTION.offset("sa_flags");

    /** {@code SIG_DFL} and {@code SIG_IGN} as handler addresses. */
    public static final long SIG_DFL = 0;
    public static final long SIG_IGN = 1;
    public static final int SA_NOCLDWAIT = 2;
    public static final int SA_SIGINFO = 4;
    public static final int SA_RESTART = 0x10000000;

    /**
     * {@code siginfo_t} (128 bytes) as a handler or sigwaitinfo gets it for a signal sent by a
     * process: the sender's pid and uid, and the {@code union sigval} of sigqueue (its int in the
     * low four bytes on these little-endian platforms). {@link Wait#SIGINFO} is the same struct
     * seen through its SIGCHLD members.
     */
    public static final Libc.CStruct SIGINFO = Libc.struct("signal.h", "siginfo_t",
            C_INT.withName("si_signo"), C_INT.withName("si_errno"), C_INT.withName("si_code"),
            MemoryLayout.paddingLayout(4),
            C_INT.withName("si_pid"), C_INT.withName("si_uid"), C_LONG.withName("si_value"),
            MemoryLayout.paddingLayout(128 - 32));
    public static final long SIGINFO_SIZE = SIGINFO.layout().byteSize();
    public static final long SI_SIGNO = SIGINFO.offset("si_signo");
    public static final long SI_CODE = SIGINFO.offset("si_code");
    public static final long SI_PID = SIGINFO.offset("si_pid");
    public static final long SI_UID = SIGINFO.offset("si_uid");
    public static final long SI_VALUE = SIGINFO.offset("si_value");
    /** {@code si_status} of a SIGCHLD (exit code or signal), where {@code si_value} is for others. */
    public static final long SI_STATUS = Wait.SI_STATUS;

    /** {@code si_code} values that say who sent a signal (the positive ones are per signal, from the kernel). */
    public static final int SI_USER = 0;
    public static final int SI_KERNEL = 0x80;
    public static final int SI_QUEUE = -1;
    public static final int SI_TIMER = -2;
    public static final int SI_MESGQ = -3;
    public static final int SI_ASYNCIO = -4;
    public static final int SI_SIGIO = -5;
    public static final int SI_TKILL = -6;

    /**
     * {@code struct sigevent}: the value, signal number, notification kind, then a union whose
     * first member is the target thread id for SIGEV_THREAD_ID.
     */
    public static final Libc.CStruct SIGEVENT = Libc.struct("signal.h", "struct sigevent",
            C_LONG.withName("sigev_value"), C_INT.withName("sigev_signo"), C_INT.withName("sigev_notify"),
            MemoryLayout.sequenceLayout(12, C_INT).withName("_sigev_un"));
    public static final long SIGEV_SIGNO = SIGEVENT.offset("sigev_signo");
    public static final long SIGEV_NOTIFY = SIGEVENT.offset("sigev_notify");
    /** {@code _sigev_un._tid} (glibc's headers lack the {@code sigev_notify_thread_id} name). */
    public static final long SIGEV_TID = SIGEVENT.offset("_sigev_un");

    public static final int SIGEV_SIGNAL = 0;
    public static final int SIGEV_NONE = 1;
    public static final int SIGEV_THREAD = 2;
    public static final int SIGEV_THREAD_ID = 4;

    public static final int SIG_BLOCK = 0;
    public static final int SIG_UNBLOCK = 1;
    public static final int SIG_SETMASK = 2;

    /** The highest signal number the kernel knows ({@code _NSIG - 1}). */
    public static final int NSIG_MAX = 64;

    private static final MethodHandle SIGEMPTYSET = Libc.downcall("sigemptyset", FunctionDescriptor.of(C_INT, C_POINTER));
    private static final MethodHandle SIGFILLSET = Libc.downcall("sigfillset", FunctionDescriptor.of(C_INT, C_POINTER));
    private static final MethodHandle SIGADDSET = Libc.downcall("sigaddset", FunctionDescriptor.of(C_INT, C_POINTER, C_INT));
    private static final MethodHandle SIGISMEMBER = Libc.downcall("sigismember", FunctionDescriptor.of(C_INT, C_POINTER, C_INT));
    private static final MethodHandle SIGACTION_CALL = Libc.downcall("sigaction",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_POINTER));
    // pthread_sigmask returns the error number; it never sets errno.
    private static final MethodHandle PTHREAD_SIGMASK = Libc.plainDowncall("pthread_sigmask",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_POINTER));
    private static final MethodHandle KILL = Libc.downcall("kill", FunctionDescriptor.of(C_INT, C_INT, C_INT));
    private static final MethodHandle KILLPG = Libc.downcall("killpg", FunctionDescriptor.of(C_INT, C_INT, C_INT));
    // union sigval (int or pointer, 8 bytes) is passed in one integer register, as a long is.
    private static final MethodHandle SIGQUEUE = Libc.downcall("sigqueue", FunctionDescriptor.of(C_INT, C_INT, C_INT, C_LONG));
    private static final MethodHandle SIGTIMEDWAIT = Libc.downcall("sigtimedwait",
            FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_POINTER));
    private static final MethodHandle TGKILL = Libc.downcall("tgkill", FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT));
    private static final MethodHandle SIGRTMIN = Libc.plainDowncall("__libc_current_sigrtmin", FunctionDescriptor.of(C_INT));
    private static final MethodHandle SIGRTMAX = Libc.plainDowncall("__libc_current_sigrtmax", FunctionDescriptor.of(C_INT));

    /** {@code int sigemptyset(sigset_t *set)}. */
    public static int sigemptyset(MemorySegment set) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) SIGEMPTYSET.invokeExact(state, set);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int sigfillset(sigset_t *set)}; glibc leaves out its two internal signals (32, 33). */
    public static int sigfillset(MemorySegment set) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) SIGFILLSET.invokeExact(state, set);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int sigaddset(sigset_t *set, int signum)}. */
    public static int sigaddset(MemorySegment set, int signal) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) SIGADDSET.invokeExact(state, set, signal);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int sigismember(const sigset_t *set, int signum)}: 1, 0, or {@code -errno}. */
    public static int sigismember(MemorySegment set, int signal) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) SIGISMEMBER.invokeExact(state, set, signal);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int sigaction(int signum, const struct sigaction *act, struct sigaction *oldact)}; either may be NULL. */
    public static int sigaction(int signal, MemorySegment act, MemorySegment oldAct) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) SIGACTION_CALL.invokeExact(state, signal, act, oldAct);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int pthread_sigmask(int how, const sigset_t *set, sigset_t *oldset)}: the calling thread's mask. */
    public static int pthread_sigmask(int how, MemorySegment set, MemorySegment oldSet) {
        try {
            return -(int) PTHREAD_SIGMASK.invokeExact(how, set, oldSet);
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int kill(pid_t pid, int sig)}. */
    public static int kill(int pid, int signal) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) KILL.invokeExact(state, pid, signal);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int killpg(int pgrp, int sig)}. */
    public static int killpg(int processGroup, int signal) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) KILLPG.invokeExact(state, processGroup, signal);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /**
     * {@code int sigqueue(pid_t pid, int sig, const union sigval value)}, the value's {@code
     * sival_int}: glibc sends it with {@code rt_sigqueueinfo}, {@code si_code} SI_QUEUE and this
     * process's pid and uid.
     */
    public static int sigqueue(int pid, int signal, int value) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) SIGQUEUE.invokeExact(state, pid, signal, value & 0xFFFF_FFFFL);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /**
     * {@code int sigtimedwait(const sigset_t *set, siginfo_t *info, const struct timespec
     * *timeout)}: the signal taken, or {@code -errno} (EAGAIN when the relative timeout passed,
     * EINTR when a handler ran for a signal not in the set). A NULL timeout waits as sigwaitinfo.
     */
    public static int sigtimedwait(MemorySegment set, MemorySegment info, MemorySegment timeout) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) SIGTIMEDWAIT.invokeExact(state, set, info, timeout);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int tgkill(pid_t tgid, pid_t tid, int sig)} (glibc 2.30+). */
    public static int tgkill(int tgid, int tid, int signal) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) TGKILL.invokeExact(state, tgid, tid, signal);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code SIGRTMIN} as glibc reports it at run time (it keeps the first real-time signals for itself). */
    public static int sigrtmin() {
        try {
            return (int) SIGRTMIN.invokeExact();
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code SIGRTMAX} as glibc reports it at run time. */
    public static int sigrtmax() {
        try {
            return (int) SIGRTMAX.invokeExact();
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /**
     * The address of glibc's {@code getpid}, for use as a signal handler that does nothing: it is
     * async-signal-safe, ignores the signal number it is passed, and touches no errno.
     */
    public static MemorySegment doNothingHandler() {
        return Libc.symbol("getpid");
    }
}
