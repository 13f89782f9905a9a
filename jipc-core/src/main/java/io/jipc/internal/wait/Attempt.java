package io.jipc.internal.wait;

/**
 * One system call of an {@link Operation}, made in the form the engine asks for. A mechanism
 * supplies its call as an attempt; the engine decides when to make it, how, and what to do when
 * it could not complete — the mechanism never writes a wait loop.
 *
 * <p>The call's arguments are in the calling thread's {@link Waiter} ({@link Waiter#target} is
 * the handle's descriptor or id, set by the engine; the rest the mechanism sets before {@link
 * Operation#run}). An attempt is preallocated with its object, so a call allocates nothing.
 *
 * <p>What an attempt returns:
 * <ul>
 *   <li>{@code >= 0}: done, with the call's result;
 *   <li>{@code -EAGAIN}: not possible now (whatever the call itself says for that: ENOMSG from
 *       msgrcv, ETIMEDOUT for a timeout already past, EWOULDBLOCK...), only in the {@link #NOW}
 *       form — or in the {@link #KERNEL} form if the description turned out non-blocking;
 *   <li>{@code -EINTR}: woken by a signal ({@link #KERNEL}: the engine looks why);
 *   <li>{@code -ETIMEDOUT}: in the {@link #KERNEL} form, the kernel timeout the engine passed
 *       has expired; *   <li>{@code -Errnos.UNCAPTURED}: the call, made without the errno capture ({@link
 *       Waiter#errnoState} is {@code null}), failed; the engine makes it again in the same form
 *       with the capture, after looking for a close, an interrupt or a deadline if the call may
 *       have slept (a failed call changed nothing, so making it again is safe);
 *   <li>any other {@code -errno}: a failure, handed back to the mechanism, which names it.
 * </ul>
 */
@FunctionalInterface
public interface Attempt {
    /** The form that never sleeps: MSG_DONTWAIT, RWF_NOWAIT, IPC_NOWAIT, LOCK_NB, a past timeout... */
    int NOW = 0;
    /**
     * The form that may sleep inside the call, until done, woken by the engine's signal (EINTR),
     * or, where the operation has a kernel timeout, until {@link Waiter#timeoutArg} or {@link
     * Waiter#timeoutMillis} expires.
     */
    int KERNEL = 1;

    /** Makes the call once, in form {@code how}, with the arguments in {@code w}. */
    long call(Waiter w, int how);
}
