package io.jipc.sem;

import static io.jipc.internal.libc.Errnos.E2BIG;
import static io.jipc.internal.libc.Errnos.EAGAIN;
import static io.jipc.internal.libc.Errnos.EFBIG;
import static io.jipc.internal.libc.Errnos.ERANGE;
import static io.jipc.internal.libc.Errnos.ETIMEDOUT;

import io.jipc.IpcException;
import io.jipc.internal.libc.Ipc;
import io.jipc.internal.libc.Sem;
import io.jipc.internal.sysv.SysVObject;
import io.jipc.internal.wait.Attempt;
import io.jipc.internal.wait.Deadline;
import io.jipc.internal.wait.Operation;
import io.jipc.internal.wait.Waiter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The {@code semop} calls of one {@link SysVSemaphoreSet}: the operations staged in the calling
 * thread's scratch memory (so a call allocates nothing), and the set's engine operations — never
 * waiting (IPC_NOWAIT on every operation), waiting ({@code semop}) and timed ({@code semtimedop}).
 *
 * <p>Whether a waiting call should try the IPC_NOWAIT form first ({@link
 * io.jipc.internal.wait.TryFirst}) depends on what it waits for, and one set serves calls of
 * every kind: a handoff's sender finds its space free every time while its receiver must wait for
 * every item. So the waiting operations are kept per semaphore the call may wait on (the first
 * operation with a delta of 0 or less; a few buckets, as it is only a hint), and a call that can
 * never wait — only positive deltas — is made in the IPC_NOWAIT form alone, with no wait set up.
 */
final class SemOps {
    /** From the attempt: an operation marked IPC_NOWAIT could not proceed (EAGAIN of the waiting form). */
    private static final long REFUSED_NOW = -(1L << 20);

    /** Buckets of waiting (and of timed) operations, by the semaphore a call may wait on. */
    private static final int BUCKETS = 16;

    private final SysVObject ipc;
    private final int count;
    private final Operation now;
    private final Operation[] waiting = new Operation[BUCKETS];
    private final Operation[] timed = new Operation[BUCKETS];

    SemOps(SysVObject ipc, int count) {
        this.ipc = ipc;
        this.count = count;
        // w.data: the staged sembufs, then each one's own flags; w.length: how many; w.flags: the
        // OR of the own flags; w.value: the form (NOW or KERNEL) the sem_flg fields are staged
        // for. The form decides IPC_NOWAIT for all of them: NOW is one critical semop that never
        // sleeps; KERNEL sleeps in semtimedop (with the engine's relative timeout, or NULL), whose
        // EAGAIN means an operation marked IPC_NOWAIT could not proceed or, if none is, the
        // timeout expired. The calls stage for NOW, the usual first form (a try, or a call that
        // cannot wait), so only a change of form rewrites the flags.
        this.now = Operation.on(ipc.handle(), "semop", SemOps::call).timeout(Operation.Timeout.RELATIVE).build();
    }

    /** The attempt of every operation of the set (see the constructor). */
    private static long call(Waiter w, int how) {
        MemorySegment s = w.data;
        int n = (int) w.length;
        if (w.value != how) {
            restage(s, n, how);
            w.value = how;
        }
        if (how == Attempt.NOW) {
            return Sem.semopNowait(w.errnoState, w.target, s, n);
        }
        int r = Sem.semtimedop(w.errnoState, w.target, s, n, w.timeoutArg);
        return r != -EAGAIN ? SysVObject.sleptOn(w, how, r) : (w.flags & Ipc.IPC_NOWAIT) != 0 ? REFUSED_NOW : -ETIMEDOUT;
    }

    /**
     * The operation for a call: {@code waitsOn} is the semaphore it may wait on, -1 if it cannot
     * wait. Built on first use of its bucket; a race builds two, and one wins (it is a hint).
     */
    private Operation operation(int waitsOn, long deadline) {
        if (deadline == Deadline.NOW || waitsOn < 0) {
            return now;
        }
        boolean untimed = deadline == Deadline.FOREVER;
        Operation[] kind = untimed ? waiting : timed;
        int bucket = waitsOn % BUCKETS;
        Operation op = kind[bucket];
        if (op == null) {
            // A pool's acquire, a handoff's send: usually proceed at once, so try first while that works.
            op = Operation.on(ipc.handle(), untimed ? "semop" : "semtimedop", SemOps::call)
                    .timeout(Operation.Timeout.RELATIVE).tryFirst().build();
            kind[bucket] = op;
        }
        return op;
    }

    static void checkIndex(int index, int count) {
        if (index < 0 || index >= count) {
            throw new IllegalArgumentException("semaphore index " + index + " is outside the set (0.." + (count - 1) + ")");
        }
    }

    /** Whether sem_num and sem_op can be written as one int (they are adjacent, sem_num first). */
    private static final boolean PAIRED = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN
            && Sem.SEM_NUM == 0 && Sem.SEM_OP == 2;

    /** Writes {@code struct sembuf} number {@code k} of {@code sops}. */
    static void stage(MemorySegment sops, int k, int index, int delta, int flags) {
        long at = k * Sem.SEMBUF_SIZE;
        if (PAIRED) {
            sops.set(ValueLayout.JAVA_INT_UNALIGNED, at, (index & 0xFFFF) | (delta << 16));
        } else {
            sops.set(ValueLayout.JAVA_SHORT, at + Sem.SEM_NUM, (short) index);
            sops.set(ValueLayout.JAVA_SHORT, at + Sem.SEM_OP, (short) delta);
        }
        sops.set(ValueLayout.JAVA_SHORT, at + Sem.SEM_FLG, (short) flags);
    }

    /** Rewrites the {@code sem_flg} of {@code n} staged sembufs for the form {@code how}: their own flags, IPC_NOWAIT added for NOW. */
    private static void restage(MemorySegment s, int n, int how) {
        long own = n * Sem.SEMBUF_SIZE;
        int nowait = how == Attempt.NOW ? Ipc.IPC_NOWAIT : 0;
        for (int i = 0; i < n; i++) {
            int flags = s.get(ValueLayout.JAVA_SHORT, own + 2L * i);
            s.set(ValueLayout.JAVA_SHORT, i * Sem.SEMBUF_SIZE + Sem.SEM_FLG, (short) (flags | nowait));
        }
    }

    /** An operation's own {@code sem_flg}. */
    static int flags(SemOp op) {
        return (op.undo() ? Sem.SEM_UNDO : 0) | (op.noWait() ? Ipc.IPC_NOWAIT : 0);
    }

    /** One operation, with {@code flags} as its {@code sem_flg}. */
    boolean one(int index, int delta, int flags, long deadline) throws IpcException {
        checkIndex(index, count);
        Waiter w = Waiter.current();
        MemorySegment s = w.scratch(Sem.SEMBUF_SIZE + 2);
        stage(s, 0, index, delta, flags | Ipc.IPC_NOWAIT);
        s.set(ValueLayout.JAVA_SHORT, Sem.SEMBUF_SIZE, (short) flags);
        w.data = s;
        w.length = 1;
        w.flags = flags;
        w.value = Attempt.NOW;
        return finish(operation(delta > 0 ? -1 : index, deadline), w, deadline);
    }

    /** Several operations, atomically; exactly one of array, list is non-null. */
    boolean run(SemOp[] array, List<SemOp> list, long deadline) throws IpcException {
        int n = array != null ? array.length : list.size();
        if (n == 0) {
            throw new IllegalArgumentException("no operations: give at least one");
        }
        Waiter w = Waiter.current();
        MemorySegment s = w.scratch(n * (Sem.SEMBUF_SIZE + 2));
        long own = n * Sem.SEMBUF_SIZE;
        int waitsOn = -1;
        int marked = 0;
        for (int i = 0; i < n; i++) {
            SemOp o = array != null ? array[i] : list.get(i);
            checkIndex(o.index(), count);
            int flags = flags(o);
            marked |= flags;
            stage(s, i, o.index(), o.delta(), flags | Ipc.IPC_NOWAIT);
            s.set(ValueLayout.JAVA_SHORT, own + 2L * i, (short) flags);
            if (waitsOn < 0 && o.delta() <= 0) {
                waitsOn = o.index();
            }
        }
        w.data = s;
        w.length = n;
        w.flags = marked;
        w.value = Attempt.NOW;
        return finish(operation(waitsOn, deadline), w, deadline);
    }

    private boolean finish(Operation kind, Waiter w, long deadline) throws IpcException {
        long r = run(kind, w, kind == now ? Deadline.NOW : deadline);
        if (r >= 0) {
            return true;
        }
        if (r == Operation.NOTHING || r == REFUSED_NOW) {
            return false;
        }
        throw error(kind.call(), (int) -r, (int) w.length);
    }

    /** A run of {@code op}, its call made here, where the JIT compiles it in place ({@link Operation#begin} says why). */
    private static long run(Operation op, Waiter w, long deadline) throws IpcException {
        int how = op.begin(w, deadline, true);
        if (how == Operation.LOOP) {
            return op.run(w, deadline, true);
        }
        long r = Operation.NO_RESULT;
        try {
            r = call(w, how);
        } finally {
            r = op.end(w, how, r);
        }
        return r;
    }

    private IpcException error(String call, int errno, int n) {
        if (errno == ERANGE) {
            return IpcException.withDetail(call, ipc.label(), errno, "an operation would take a value above SEMVMX "
                    + SysVSemaphoreSet.MAX_VALUE + ", or this process's undo adjustment outside -32768..32767; nothing"
                    + " was applied");
        }
        if (errno == E2BIG) {
            return IpcException.withDetail(call, ipc.label(), errno, n + " operations in one call exceed SEMOPM = "
                    + SetCreation.limit(2, -1) + " (the third field of " + SetCreation.LIMITS + ")");
        }
        if (errno == EFBIG) {
            return IpcException.withDetail(call, ipc.label(), errno, "an operation names a semaphore the set does not have");
        }
        return ipc.error(call, errno);
    }
}
