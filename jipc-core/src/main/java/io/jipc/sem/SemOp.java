package io.jipc.sem;

/**
 * One operation of a {@link SysVSemaphoreSet#op} call ({@code struct sembuf}): add {@code delta}
 * to semaphore {@code index}. A negative delta waits until the value is at least {@code -delta}
 * (acquire), a positive one never waits (release), 0 waits until the value is 0. All operations of
 * one call are applied atomically: all of them, or — while any one cannot proceed — none.
 *
 * <pre>{@code
 * SemOp take = SemOp.of(0, -1).withUndo();   // acquire one; given back if this process dies
 * SemOp give = SemOp.of(0, +1).withUndo();   // and its release, which cancels the undo
 * }</pre>
 *
 * Operations are immutable: make them once and pass the same ones (or the same array) to every
 * call, which then allocates nothing.
 *
 * @param index  the semaphore, 0 to the set's {@link SysVSemaphoreSet#count()} - 1
 * @param delta  -32768 to 32767 ({@code sem_op} is a C {@code short})
 * @param undo   {@code SEM_UNDO}: the kernel reverses this operation's effect when the process
 *               exits, however it exits (kill -9 included)
 * @param noWait {@code IPC_NOWAIT} for this operation alone: if it cannot proceed, the call does
 *               nothing and answers false at once, even in a form that would otherwise wait
 * @see <a href="https://man7.org/linux/man-pages/man2/semop.2.html">semop(2)</a>
 */
public record SemOp(int index, int delta, boolean undo, boolean noWait) {
    public SemOp {
        if (index < 0 || index > 0xFFFF) {
            throw new IllegalArgumentException("semaphore index must be 0..65535 (sem_num is an unsigned short), got "
                    + index);
        }
        if (delta < Short.MIN_VALUE || delta > Short.MAX_VALUE) {
            throw new IllegalArgumentException("delta must fit a short, -32768..32767 (sem_op), got " + delta);
        }
    }

    /** Adds {@code delta} to semaphore {@code index}, without SEM_UNDO or IPC_NOWAIT. */
    public static SemOp of(int index, int delta) {
        return new SemOp(index, delta, false, false);
    }

    /** Waits until semaphore {@code index} is 0 (a delta of 0). */
    public static SemOp waitForZero(int index) {
        return new SemOp(index, 0, false, false);
    }

    /** The same operation with SEM_UNDO: reversed by the kernel when this process exits. */
    public SemOp withUndo() {
        return new SemOp(index, delta, true, noWait);
    }

    /** The same operation with IPC_NOWAIT: if it cannot proceed, the whole call answers false at once. */
    public SemOp withNoWait() {
        return new SemOp(index, delta, undo, true);
    }

    @Override
    public String toString() {
        return index + ":" + (delta > 0 ? "+" : "") + delta + (undo ? " undo" : "") + (noWait ? " nowait" : "");
    }
}
