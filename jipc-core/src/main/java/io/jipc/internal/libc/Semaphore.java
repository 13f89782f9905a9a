package io.jipc.internal.libc;

import static io.jipc.internal.libc.Libc.C_INT;
import static io.jipc.internal.libc.Libc.C_LONG;
import static io.jipc.internal.libc.Libc.C_POINTER;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * {@code <semaphore.h>}: POSIX semaphores, named and unnamed (sem_init in shared memory). Raw results, {@code -errno} on failure.
 *
 * <p>A named semaphore is a {@code sem_t} that glibc maps from {@code /dev/shm/sem.NAME}; {@code
 * sem_open} returns its address, and the same address again (with a reference count) for a second
 * open of the same name in this process, until as many {@code sem_close} calls have unmapped it.
 * sem_post, sem_trywait and sem_getvalue never sleep and are critical downcalls; sem_wait and
 * sem_clockwait sleep in FUTEX_WAIT and end with EINTR when a signal handler runs (glibc does not
 * restart them).
 */
public final class Semaphore {
    private Semaphore() {}

    /** {@code sem_t}: an opaque union, declared here for its size (checked against the header). */
    public static final Libc.CStruct SEM_T = Libc.struct("semaphore.h", "sem_t",
            MemoryLayout.sequenceLayout(4, C_LONG));
    public static final long SEM_T_SIZE = SEM_T.layout().byteSize();

    /** The largest value a POSIX semaphore holds on Linux ({@code SEM_VALUE_MAX}, INT_MAX). */
    public static final int SEM_VALUE_MAX = Integer.MAX_VALUE;

    // sem_open is variadic: mode and value go through the variadic ABI.
    private static final MethodHandle SEM_OPEN = Libc.downcall("sem_open",
            FunctionDescriptor.of(C_POINTER, C_POINTER, C_INT, C_INT, C_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle SEM_CLOSE = Libc.downcall("sem_close", FunctionDescriptor.of(C_INT, C_POINTER));
    private static final MethodHandle SEM_UNLINK = Libc.downcall("sem_unlink", FunctionDescriptor.of(C_INT, C_POINTER));
    private static final MethodHandle SEM_INIT = Libc.criticalDowncall("sem_init",
            FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_INT));
    // Sleep in the kernel while the value is 0: normal downcalls.
    private static final MethodHandle SEM_WAIT = Libc.downcall("sem_wait", FunctionDescriptor.of(C_INT, C_POINTER));
    private static final MethodHandle SEM_CLOCKWAIT = Libc.downcall("sem_clockwait",
            FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_POINTER));
    // Never sleep.
    private static final MethodHandle SEM_POST = Libc.criticalDowncall("sem_post", FunctionDescriptor.of(C_INT, C_POINTER));
    private static final MethodHandle SEM_GETVALUE = Libc.criticalDowncall("sem_getvalue",
            FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER));
    // The same calls without the errno capture, for the hot path: a downcall that captures errno
    // makes a 40-byte slice of the capture segment on every call (SharedUtils.checkCaptureSegment),
    // which only C2's escape analysis removes, and it does not in every compilation (after a run
    // of many mechanisms, 40 bytes a call stayed for good). sem_trywait fails only with EAGAIN
    // (glibc and musl; EINVAL is for an invalid sem_t, which neither detects); a failed sem_post
    // or sem_getvalue changes nothing, so it is made again with the capture to learn its errno.
    private static final MethodHandle SEM_TRYWAIT_PLAIN = Libc.plainDowncall("sem_trywait",
            FunctionDescriptor.of(C_INT, C_POINTER), Linker.Option.critical(false));
    private static final MethodHandle SEM_POST_PLAIN = Libc.plainDowncall("sem_post",
            FunctionDescriptor.of(C_INT, C_POINTER), Linker.Option.critical(false));
    private static final MethodHandle SEM_GETVALUE_PLAIN = Libc.plainDowncall("sem_getvalue",
            FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER), Linker.Option.critical(false));

    /**
     * {@code sem_t *sem_open(const char *name, int oflag, mode_t mode, unsigned int value)}: the
     * semaphore's address, or {@code -errno} (glibc's SEM_FAILED is NULL). User-space addresses
     * are positive on x86_64 and aarch64, so the two cannot be confused.
     */
    public static long sem_open(MemorySegment name, int oflag, int mode, int value) {
        MemorySegment state = Libc.callState();
        try {
            MemorySegment sem = (MemorySegment) SEM_OPEN.invokeExact(state, name, oflag, mode, value);
            return sem.address() == 0 ? -Libc.errno(state) : sem.address();
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int sem_close(sem_t *sem)}: unmaps the semaphore once this process's last open is closed. */
    public static int sem_close(MemorySegment sem) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) SEM_CLOSE.invokeExact(state, sem);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int sem_unlink(const char *name)}. */
    public static int sem_unlink(MemorySegment name) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) SEM_UNLINK.invokeExact(state, name);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int sem_init(sem_t *sem, int pshared, unsigned int value)}: an unnamed semaphore; -EINVAL above SEM_VALUE_MAX. */
    public static int sem_init(MemorySegment sem, int pshared, int value) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) SEM_INIT.invokeExact(state, sem, pshared, value);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int sem_wait(sem_t *sem)}: 0, or -EINTR when a signal handler ran. */
    public static int sem_wait(MemorySegment sem) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) SEM_WAIT.invokeExact(state, sem);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /**
     * {@code int sem_clockwait(sem_t *sem, clockid_t clockid, const struct timespec *abstime)}: 0,
     * -ETIMEDOUT once {@code abstime} on {@code clock} has passed (at once for a time already
     * past, unless the value is above 0), -EINTR when a signal handler ran.
     */
    public static int sem_clockwait(MemorySegment sem, int clock, MemorySegment absTimeout) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) SEM_CLOCKWAIT.invokeExact(state, sem, clock, absTimeout);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int sem_trywait(sem_t *sem)}: 0, or -EAGAIN when the value is 0. */
    public static int sem_trywait(MemorySegment sem) {
        try {
            int r = (int) SEM_TRYWAIT_PLAIN.invokeExact(sem);
            return r < 0 ? -Errnos.EAGAIN : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int sem_post(sem_t *sem)}: 0, or -EOVERFLOW when the value is already SEM_VALUE_MAX. */
    public static int sem_post(MemorySegment sem) {
        try {
            int first = (int) SEM_POST_PLAIN.invokeExact(sem);
            if (first >= 0) {
                return first;
            }
            MemorySegment state = Libc.callState();
            int r = (int) SEM_POST.invokeExact(state, sem);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int sem_getvalue(sem_t *sem, int *sval)}: the value goes to {@code sval}. */
    public static int sem_getvalue(MemorySegment sem, MemorySegment sval) {
        try {
            int first = (int) SEM_GETVALUE_PLAIN.invokeExact(sem, sval);
            if (first >= 0) {
                return first;
            }
            MemorySegment state = Libc.callState();
            int r = (int) SEM_GETVALUE.invokeExact(state, sem, sval);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }
}
