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
 * {@code <pthread.h>}: the process-shared synchronisation objects — mutex, condition variable,
 * read-write lock, barrier — and their attributes. Every pthread call returns its error number
 * (it sets no errno); the wrappers here return 0 or {@code -error}, like every other binding.
 *
 * <p>Calls that never sleep are critical downcalls: the try forms, unlock, signal, broadcast,
 * {@code pthread_mutex_consistent} (an unlock may make a FUTEX_WAKE system call, which never
 * blocks). The sleeping forms are normal downcalls; glibc restarts their futex waits after a
 * signal handler ran, so none of them ever returns EINTR (see io.jipc.sync for how jipc waits).
 */
public final class Pthread {
    private Pthread() {}

    /**
     * {@code pthread_mutex_t}: a union around glibc's {@code struct __pthread_mutex_s}, whose first
     * word, {@code __lock}, is the futex word of the robust-futex ABI (owner TID, FUTEX_WAITERS,
     * FUTEX_OWNER_DIED), which the kernel itself reads when an owner dies.
     */
    public static final Libc.CStruct MUTEX = Libc.alignedStruct(8, "pthread.h", "pthread_mutex_t",
            C_INT.withName("__data.__lock"), C_INT.withName("__data.__count"), C_INT.withName("__data.__owner"),
            C_INT.withName("__data.__nusers"), C_INT.withName("__data.__kind"),
            MemoryLayout.paddingLayout(Libc.AARCH64 ? 28 : 20));
    public static final long MUTEX_SIZE = MUTEX.layout().byteSize();
    public static final long MUTEX_LOCK = MUTEX.offset("__data.__lock");
    /** {@code pthread_cond_t}, opaque. */
    public static final Libc.CStruct COND = Libc.struct("pthread.h", "pthread_cond_t",
            MemoryLayout.sequenceLayout(6, C_LONG));
    /**
     * {@code pthread_rwlock_t}: opaque but for the two words jipc reads to refuse an unlock by a
     * thread that holds nothing (glibc does not check): the reader count ({@code __readers >> 3})
     * and the writer's TID.
     */
    public static final Libc.CStruct RWLOCK = Libc.alignedStruct(8, "pthread.h", "pthread_rwlock_t",
            C_INT.withName("__data.__readers"), MemoryLayout.paddingLayout(20), C_INT.withName("__data.__cur_writer"),
            MemoryLayout.paddingLayout(28));
    public static final long RWLOCK_READERS = RWLOCK.offset("__data.__readers");
    public static final long RWLOCK_CUR_WRITER = RWLOCK.offset("__data.__cur_writer");
    /** {@code __readers >> PTHREAD_RWLOCK_READER_SHIFT} is the number of readers holding it. */
    public static final int PTHREAD_RWLOCK_READER_SHIFT = 3;
    /** {@code pthread_barrier_t}, opaque. */
    public static final Libc.CStruct BARRIER = Libc.struct("pthread.h", "pthread_barrier_t",
            MemoryLayout.sequenceLayout(4, C_LONG));
    /** The attribute objects, opaque: {@code pthread_mutexattr_t}, {@code pthread_condattr_t}, ... */
    public static final Libc.CStruct MUTEXATTR = Libc.struct("pthread.h", "pthread_mutexattr_t", C_INT);
    public static final Libc.CStruct CONDATTR = Libc.struct("pthread.h", "pthread_condattr_t", C_INT);
    public static final Libc.CStruct RWLOCKATTR = Libc.struct("pthread.h", "pthread_rwlockattr_t", C_LONG);
    public static final Libc.CStruct BARRIERATTR = Libc.struct("pthread.h", "pthread_barrierattr_t", C_INT);

    public static final int PTHREAD_PROCESS_SHARED = 1;
    public static final int PTHREAD_MUTEX_ERRORCHECK = 2;
    public static final int PTHREAD_MUTEX_ROBUST = 1;
    public static final int PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP = 2;
    /** What pthread_barrier_wait returns to exactly one of the threads released together. */
    public static final int PTHREAD_BARRIER_SERIAL_THREAD = -1;

    /** The robust-futex ABI's bits in {@code __lock} (linux/futex.h). */
    public static final int FUTEX_WAITERS = 0x8000_0000;
    public static final int FUTEX_OWNER_DIED = 0x4000_0000;
    public static final int FUTEX_TID_MASK = 0x3fff_ffff;

    private static final FunctionDescriptor P = FunctionDescriptor.of(C_INT, C_POINTER);
    private static final FunctionDescriptor PI = FunctionDescriptor.of(C_INT, C_POINTER, C_INT);
    private static final FunctionDescriptor PP = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER);
    private static final FunctionDescriptor PIP = FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_POINTER);
    private static final FunctionDescriptor PPIP = FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_INT, C_POINTER);

    private static MethodHandle never(String name, FunctionDescriptor d) {
        return Libc.plainDowncall(name, d, Linker.Option.critical(false));
    }

    private static MethodHandle sleeps(String name, FunctionDescriptor d) {
        return Libc.plainDowncall(name, d);
    }

    private static final MethodHandle MUTEXATTR_INIT = never("pthread_mutexattr_init", P);
    private static final MethodHandle MUTEXATTR_SETTYPE = never("pthread_mutexattr_settype", PI);
    private static final MethodHandle MUTEXATTR_SETPSHARED = never("pthread_mutexattr_setpshared", PI);
    private static final MethodHandle MUTEXATTR_SETROBUST = never("pthread_mutexattr_setrobust", PI);
    private static final MethodHandle MUTEXATTR_DESTROY = never("pthread_mutexattr_destroy", P);
    private static final MethodHandle MUTEX_INIT = never("pthread_mutex_init", PP);
    private static final MethodHandle MUTEX_TRYLOCK = never("pthread_mutex_trylock", P);
    private static final MethodHandle MUTEX_UNLOCK = never("pthread_mutex_unlock", P);
    /** The same two calls taking the mutex's address as a plain {@code long}: see {@link #pthread_mutex_trylock(long)}. */
    private static final MethodHandle MUTEX_TRYLOCK_AT = never("pthread_mutex_trylock", FunctionDescriptor.of(C_INT, C_LONG));
    private static final MethodHandle MUTEX_UNLOCK_AT = never("pthread_mutex_unlock", FunctionDescriptor.of(C_INT, C_LONG));
    private static final MethodHandle MUTEX_CONSISTENT = never("pthread_mutex_consistent", P);
    private static final MethodHandle MUTEX_CLOCKLOCK = sleeps("pthread_mutex_clocklock", PIP);

    private static final MethodHandle CONDATTR_INIT = never("pthread_condattr_init", P);
    private static final MethodHandle CONDATTR_SETPSHARED = never("pthread_condattr_setpshared", PI);
    private static final MethodHandle CONDATTR_SETCLOCK = never("pthread_condattr_setclock", PI);
    private static final MethodHandle CONDATTR_DESTROY = never("pthread_condattr_destroy", P);
    private static final MethodHandle COND_INIT = never("pthread_cond_init", PP);
    private static final MethodHandle COND_SIGNAL = never("pthread_cond_signal", P);
    private static final MethodHandle COND_BROADCAST = never("pthread_cond_broadcast", P);
    private static final MethodHandle COND_CLOCKWAIT = sleeps("pthread_cond_clockwait", PPIP);

    private static final MethodHandle RWLOCKATTR_INIT = never("pthread_rwlockattr_init", P);
    private static final MethodHandle RWLOCKATTR_SETPSHARED = never("pthread_rwlockattr_setpshared", PI);
    private static final MethodHandle RWLOCKATTR_SETKIND = never("pthread_rwlockattr_setkind_np", PI);
    private static final MethodHandle RWLOCKATTR_DESTROY = never("pthread_rwlockattr_destroy", P);
    private static final MethodHandle RWLOCK_INIT = never("pthread_rwlock_init", PP);
    private static final MethodHandle RWLOCK_TRYRDLOCK = never("pthread_rwlock_tryrdlock", P);
    private static final MethodHandle RWLOCK_TRYWRLOCK = never("pthread_rwlock_trywrlock", P);
    private static final MethodHandle RWLOCK_UNLOCK = never("pthread_rwlock_unlock", P);
    private static final MethodHandle RWLOCK_CLOCKRDLOCK = sleeps("pthread_rwlock_clockrdlock", PIP);
    private static final MethodHandle RWLOCK_CLOCKWRLOCK = sleeps("pthread_rwlock_clockwrlock", PIP);

    private static final MethodHandle BARRIERATTR_INIT = never("pthread_barrierattr_init", P);
    private static final MethodHandle BARRIERATTR_SETPSHARED = never("pthread_barrierattr_setpshared", PI);
    private static final MethodHandle BARRIERATTR_DESTROY = never("pthread_barrierattr_destroy", P);
    private static final MethodHandle BARRIER_INIT = sleeps("pthread_barrier_init",
            FunctionDescriptor.of(C_INT, C_POINTER, C_POINTER, C_INT));
    private static final MethodHandle BARRIER_WAIT = sleeps("pthread_barrier_wait", P);

    private static int p(MethodHandle h, MemorySegment a) {
        try {
            return -(int) h.invokeExact(a);
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    private static int pi(MethodHandle h, MemorySegment a, int b) {
        try {
            return -(int) h.invokeExact(a, b);
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    private static int pp(MethodHandle h, MemorySegment a, MemorySegment b) {
        try {
            return -(int) h.invokeExact(a, b);
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    private static int pip(MethodHandle h, MemorySegment a, int b, MemorySegment c) {
        try {
            return -(int) h.invokeExact(a, b, c);
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    // ---------------------------------------------------------------- mutex

    public static int pthread_mutexattr_init(MemorySegment attr) { return p(MUTEXATTR_INIT, attr); }
    public static int pthread_mutexattr_settype(MemorySegment attr, int type) { return pi(MUTEXATTR_SETTYPE, attr, type); }
    public static int pthread_mutexattr_setpshared(MemorySegment attr, int shared) { return pi(MUTEXATTR_SETPSHARED, attr, shared); }
    public static int pthread_mutexattr_setrobust(MemorySegment attr, int robust) { return pi(MUTEXATTR_SETROBUST, attr, robust); }
    public static int pthread_mutexattr_destroy(MemorySegment attr) { return p(MUTEXATTR_DESTROY, attr); }
    public static int pthread_mutex_init(MemorySegment mutex, MemorySegment attr) { return pp(MUTEX_INIT, mutex, attr); }
    /** 0, -EBUSY, -EOWNERDEAD (acquired, inconsistent), -ENOTRECOVERABLE, -EDEADLK (error-checking, held by this thread). */
    public static int pthread_mutex_trylock(MemorySegment mutex) { return p(MUTEX_TRYLOCK, mutex); }
    /** 0, or -EPERM (error-checking or robust: this thread does not own it). */
    public static int pthread_mutex_unlock(MemorySegment mutex) { return p(MUTEX_UNLOCK, mutex); }
    /**
     * {@code pthread_mutex_trylock} on a bare address, for the hot path of a caller that keeps
     * the memory mapped itself: a pointer and a {@code long} travel in the same register on
     * x86_64 and aarch64, and a {@code long} skips the linker's per-call checks of a segment
     * argument (its kind, its scope), about a nanosecond of the ten an uncontended lock+unlock takes.
     */
    public static int pthread_mutex_trylock(long mutex) {
        try {
            return -(int) MUTEX_TRYLOCK_AT.invokeExact(mutex);
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code pthread_mutex_unlock} on a bare address (see {@link #pthread_mutex_trylock(long)}). */
    public static int pthread_mutex_unlock(long mutex) {
        try {
            return -(int) MUTEX_UNLOCK_AT.invokeExact(mutex);
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** 0, or -EINVAL if the mutex is not robust or not inconsistent. */
    public static int pthread_mutex_consistent(MemorySegment mutex) { return p(MUTEX_CONSISTENT, mutex); }
    /** Like trylock's results, plus -ETIMEDOUT; sleeps, never -EINTR (glibc restarts the futex wait). */
    public static int pthread_mutex_clocklock(MemorySegment mutex, int clock, MemorySegment abstime) {
        return pip(MUTEX_CLOCKLOCK, mutex, clock, abstime);
    }

    // ---------------------------------------------------------------- condition variable

    public static int pthread_condattr_init(MemorySegment attr) { return p(CONDATTR_INIT, attr); }
    public static int pthread_condattr_setpshared(MemorySegment attr, int shared) { return pi(CONDATTR_SETPSHARED, attr, shared); }
    public static int pthread_condattr_setclock(MemorySegment attr, int clock) { return pi(CONDATTR_SETCLOCK, attr, clock); }
    public static int pthread_condattr_destroy(MemorySegment attr) { return p(CONDATTR_DESTROY, attr); }
    public static int pthread_cond_init(MemorySegment cond, MemorySegment attr) { return pp(COND_INIT, cond, attr); }
    public static int pthread_cond_signal(MemorySegment cond) { return p(COND_SIGNAL, cond); }
    public static int pthread_cond_broadcast(MemorySegment cond) { return p(COND_BROADCAST, cond); }

    /**
     * {@code pthread_cond_clockwait(cond, mutex, clock, abstime)}: 0 (signalled, or a spurious
     * wake-up), -ETIMEDOUT, -EOWNERDEAD (the robust mutex's owner died; it is held now); always
     * with the mutex held again. Never -EINTR.
     */
    public static int pthread_cond_clockwait(MemorySegment cond, MemorySegment mutex, int clock, MemorySegment abstime) {
        try {
            return -(int) COND_CLOCKWAIT.invokeExact(cond, mutex, clock, abstime);
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    // ---------------------------------------------------------------- rwlock

    public static int pthread_rwlockattr_init(MemorySegment attr) { return p(RWLOCKATTR_INIT, attr); }
    public static int pthread_rwlockattr_setpshared(MemorySegment attr, int shared) { return pi(RWLOCKATTR_SETPSHARED, attr, shared); }
    public static int pthread_rwlockattr_setkind_np(MemorySegment attr, int kind) { return pi(RWLOCKATTR_SETKIND, attr, kind); }
    public static int pthread_rwlockattr_destroy(MemorySegment attr) { return p(RWLOCKATTR_DESTROY, attr); }
    public static int pthread_rwlock_init(MemorySegment lock, MemorySegment attr) { return pp(RWLOCK_INIT, lock, attr); }
    public static int pthread_rwlock_tryrdlock(MemorySegment lock) { return p(RWLOCK_TRYRDLOCK, lock); }
    public static int pthread_rwlock_trywrlock(MemorySegment lock) { return p(RWLOCK_TRYWRLOCK, lock); }
    public static int pthread_rwlock_unlock(MemorySegment lock) { return p(RWLOCK_UNLOCK, lock); }
    public static int pthread_rwlock_clockrdlock(MemorySegment lock, int clock, MemorySegment abstime) {
        return pip(RWLOCK_CLOCKRDLOCK, lock, clock, abstime);
    }
    public static int pthread_rwlock_clockwrlock(MemorySegment lock, int clock, MemorySegment abstime) {
        return pip(RWLOCK_CLOCKWRLOCK, lock, clock, abstime);
    }

    // ---------------------------------------------------------------- barrier

    public static int pthread_barrierattr_init(MemorySegment attr) { return p(BARRIERATTR_INIT, attr); }
    public static int pthread_barrierattr_setpshared(MemorySegment attr, int shared) { return pi(BARRIERATTR_SETPSHARED, attr, shared); }
    public static int pthread_barrierattr_destroy(MemorySegment attr) { return p(BARRIERATTR_DESTROY, attr); }
    public static int pthread_barrier_init(MemorySegment barrier, MemorySegment attr, int count) {
        try {
            return -(int) BARRIER_INIT.invokeExact(barrier, attr, count);
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }
    /** 0 for all but one of the threads released together, PTHREAD_BARRIER_SERIAL_THREAD (here: 1) for that one. */
    public static int pthread_barrier_wait(MemorySegment barrier) {
        return p(BARRIER_WAIT, barrier); // -PTHREAD_BARRIER_SERIAL_THREAD is 1
    }
}
