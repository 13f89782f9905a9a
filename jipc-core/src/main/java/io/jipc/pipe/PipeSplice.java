package io.jipc.pipe;

import io.jipc.Fd;
import io.jipc.FdBacked;
import io.jipc.IpcException;
import io.jipc.Transfer;
import io.jipc.internal.libc.Errnos;
import io.jipc.internal.libc.Fcntl;
import io.jipc.internal.libc.Poll;
import io.jipc.internal.wait.Attempt;
import io.jipc.internal.wait.Operation;
import io.jipc.internal.wait.Waiter;
import java.lang.foreign.MemorySegment;

/**
 * splice(2) or tee(2) between one pipe end and another descriptor, as an operation of the wait
 * engine on the end.
 *
 * <p><b>Why this shape.</b> A blocking splice or tee sleeps inside the call — on an empty source
 * pipe, a full target pipe, or the other descriptor (a socket's full buffer) — and the sleep is
 * interruptible, so the engine's signal ends it for close of this end and for interrupt, as it
 * ends a read. The untimed form is therefore the {@link Attempt#KERNEL} call; a timed one sleeps
 * in it under the thread's timer; {@code SPLICE_F_NONBLOCK} is the form that never sleeps. The
 * operation has no readiness to poll for instead: the call waits on whichever side is not ready,
 * and poll(2) on this end cannot tell which (a source with data in front of a full target would
 * spin).
 *
 * <p>The kernel adds {@code SPLICE_F_NONBLOCK} by itself when the other descriptor (or, between
 * two pipes, either) is non-blocking. So a transfer whose other side is non-blocking, and any
 * transfer on a thread without its wake-up timer, retries the non-blocking form with the
 * engine's back-off instead of sleeping in the call. Closing the other object does not end a
 * waiting transfer: its descriptor stays open until the call returns.
 */
final class PipeSplice {
    /** Which way the bytes go. */
    enum Kind {
        /** splice from this end's pipe into the other descriptor. */
        TO("splice"),
        /** splice from the other descriptor into this end's pipe. */
        FROM("splice"),
        /** tee from this end's pipe into the other pipe. */
        TEE("tee");

        final String call;

        Kind(String call) {
            this.call = call;
        }
    }

    private final PipeIo end;
    private final Kind kind;
    /** Sleeps in the call where it can. */
    private final Operation sleeping;
    /** Never sleeps in the call: the kernel would make it non-blocking anyway. */
    private final Operation retrying;

    PipeSplice(PipeIo end, Kind kind) {
        this.end = end;
        this.kind = kind;
        // w.value: the other descriptor; w.length: the count.
        Attempt attempt = this::call;
        this.sleeping = Operation.on(end.handle, kind.call, attempt).build();
        this.retrying = Operation.on(end.handle, kind.call, attempt).kernelWaits(false).build();
    }

    private long call(Waiter w, int how) {
        int nonblock = how == Attempt.NOW ? Fcntl.SPLICE_F_NONBLOCK : 0;
        int other = (int) w.value;
        if (how == Attempt.NOW && kind == Kind.FROM && !w.readyNow(other, Poll.POLLIN)) {
            // SPLICE_F_NONBLOCK makes only the pipe side non-blocking: a splice from an empty
            // blocking socket sleeps in its receive — holding the pipe's lock, so even a close of
            // this end waits for it. The form that never sleeps looks at the source first.
            return -Errnos.EAGAIN;
        }
        return switch (kind) {
            case TO -> Fcntl.splice(w.target, MemorySegment.NULL, other, MemorySegment.NULL, w.length,
                    Fcntl.SPLICE_F_MOVE | nonblock);
            case FROM -> Fcntl.splice(other, MemorySegment.NULL, w.target, MemorySegment.NULL, w.length,
                    Fcntl.SPLICE_F_MOVE | nonblock);
            case TEE -> Fcntl.tee(w.target, other, w.length, nonblock);
        };
    }

    /**
     * Moves (or copies) up to {@code count} bytes by {@code deadline}: the count, {@link
     * Transfer#EOF} at the end of the source, {@link Transfer#NOTHING} when nothing could move.
     */
    long run(FdBacked otherObject, long count, long deadline) throws IpcException {
        if (count <= 0) {
            throw new IllegalArgumentException("count must be > 0 bytes, got " + count);
        }
        Fd other = otherObject.fd();
        int o = other.acquire(kind.call);
        try {
            Waiter w = Waiter.current();
            w.value = o;
            w.length = count;
            Operation op = PipeDescriptors.nonBlocking(o) == 0 ? sleeping : retrying;
            boolean wasBlocking = end.blocking();
            long r;
            try {
                r = op.run(w, deadline, true);
            } finally {
                if (wasBlocking && !end.blocking()) {
                    // The kernel said EAGAIN to a sleeping call: this end's description may have
                    // been made non-blocking, or only the other one (between the look and the call).
                    resync();
                }
            }
            if (r == Operation.NOTHING) {
                return Transfer.NOTHING;
            }
            if (r < 0) {
                String label = kind == Kind.FROM
                        ? other.label() + " -> " + end.fd.label()
                        : end.fd.label() + " -> " + other.label();
                throw IpcException.of(kind.call, label, (int) -r);
            }
            return r == 0 ? Transfer.EOF : r;
        } finally {
            other.release();
        }
    }

    private void resync() {
        try {
            PipeDescriptors.syncMode(end.fd, end.handle);
        } catch (IpcException closedMeanwhile) {
            // Nothing to keep in step any more.
        }
    }
}
