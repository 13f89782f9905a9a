package io.jipc.internal.sem;

import static io.jipc.internal.libc.Errnos.EOVERFLOW;

import io.jipc.IpcException;
import io.jipc.internal.libc.Semaphore;
import io.jipc.internal.libc.Time;
import io.jipc.internal.wait.Attempt;
import io.jipc.internal.wait.Deadline;
import io.jipc.internal.wait.Handle;
import io.jipc.internal.wait.Operation;
import io.jipc.internal.wait.Waiter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The calls on one {@code sem_t}, wherever it lives — glibc's mapping of a named semaphore
 * ({@link io.jipc.sem.PosixSemaphore}) or a slot of shared memory ({@link
 * io.jipc.sync.SharedSemaphore}): decrement through the engine, increment, value.
 *
 * <p>NOW is sem_trywait; KERNEL is sem_wait, or sem_clockwait with the engine's absolute
 * CLOCK_MONOTONIC deadline. Both sleeping forms end with EINTR for close and interrupt (glibc
 * does not restart them), so a waiter sleeps in FUTEX_WAIT and uses no CPU.
 */
public final class SemT {
    private final String label;
    private final MemorySegment sem;
    private final Handle life;
    private final Operation waitOp;
    private final Operation tryWaitOp;
    private final Operation clockWaitOp;

    public SemT(String label, MemorySegment sem, Handle life) {
        this.label = label;
        this.sem = sem;
        this.life = life;
        Attempt decrement = this::decrement;
        // A pool's acquire usually finds a permit: try first (sem_trywait, no wait set-up) while that works.
        this.waitOp = Operation.on(life, "sem_wait", decrement).timeout(Operation.Timeout.MONOTONIC).tryFirst().build();
        this.tryWaitOp = Operation.on(life, "sem_trywait", decrement).timeout(Operation.Timeout.MONOTONIC).build();
        this.clockWaitOp = Operation.on(life, "sem_clockwait", decrement).timeout(Operation.Timeout.MONOTONIC)
                .tryFirst().build();
    }

    /** sem_wait: decrements, waiting while the value is 0. */
    public void acquire() throws IpcException {
        decrement(waitOp, Deadline.FOREVER);
    }

    /** sem_trywait: false if the value is 0. */
    public boolean tryAcquire() throws IpcException {
        return decrement(tryWaitOp, Deadline.NOW);
    }

    /** sem_clockwait on CLOCK_MONOTONIC: false if the value stayed 0 until {@code deadline}. */
    public boolean tryAcquire(long deadline) throws IpcException {
        return decrement(clockWaitOp, deadline);
    }

    private long decrement(Waiter w, int how) {
        return how == Attempt.NOW ? Semaphore.sem_trywait(sem)
                : w.timeoutArg.address() == 0 ? Semaphore.sem_wait(sem)
                : Semaphore.sem_clockwait(sem, Time.CLOCK_MONOTONIC, w.timeoutArg);
    }

    /** A run of {@code op}, its call made here, where the JIT compiles it in place ({@link Operation#begin} says why). */
    private boolean decrement(Operation op, long deadline) throws IpcException {
        Waiter w = Waiter.current();
        long r;
        int how = op.begin(w, deadline, true);
        if (how == Operation.LOOP) {
            r = op.run(w, deadline, true);
        } else {
            r = Operation.NO_RESULT;
            try {
                r = decrement(w, how);
            } finally {
                r = op.end(w, how, r);
            }
        }
        if (r == Operation.NOTHING) {
            return false;
        }
        if (r < 0) {
            throw op.failure(r);
        }
        return true;
    }

    /** sem_post once; EOVERFLOW at SEM_VALUE_MAX. */
    public void release() throws IpcException {
        life.acquire("sem_post");
        try {
            int r = Semaphore.sem_post(sem);
            if (r < 0) {
                throw postError(-r, 1);
            }
        } finally {
            life.release();
        }
    }

    /**
     * sem_post {@code permits} times, all or nothing: a release that would take the value above
     * SEM_VALUE_MAX fails with EOVERFLOW (posts this call made before another process's posts
     * raced it there are taken back).
     */
    public void release(int permits) throws IpcException {
        if (permits < 1) {
            throw new IllegalArgumentException("permits to release must be at least 1, got " + permits);
        }
        life.acquire("sem_post");
        try {
            if (Semaphore.SEM_VALUE_MAX - value0() < permits) {
                throw postError(EOVERFLOW, permits);
            }
            for (int i = 0; i < permits; i++) {
                int r = Semaphore.sem_post(sem);
                if (r < 0) {
                    for (int k = 0; k < i && Semaphore.sem_trywait(sem) == 0; k++) {
                        // taking back what this call posted
                    }
                    throw postError(-r, permits);
                }
            }
        } finally {
            life.release();
        }
    }

    private IpcException postError(int errno, int permits) {
        if (errno == EOVERFLOW) {
            return IpcException.withDetail("sem_post", label, errno, (permits == 1 ? "the value is already"
                    : "releasing " + permits + " would take the value above") + " SEM_VALUE_MAX "
                    + Semaphore.SEM_VALUE_MAX);
        }
        return IpcException.of("sem_post", label, errno);
    }

    /** sem_getvalue. */
    public int value() throws IpcException {
        life.acquire("sem_getvalue");
        try {
            return value0();
        } finally {
            life.release();
        }
    }

    private int value0() throws IpcException {
        MemorySegment out = Waiter.current().intOut();
        int r = Semaphore.sem_getvalue(sem, out);
        if (r < 0) {
            throw IpcException.of("sem_getvalue", label, -r);
        }
        return out.get(ValueLayout.JAVA_INT, 0);
    }
}
