package io.jipc.poll;

import io.jipc.Fd;
import io.jipc.FdBacked;
import io.jipc.IpcException;
import io.jipc.ObjectClosedException;
import io.jipc.internal.libc.Epoll;
import java.lang.foreign.ValueLayout;
import java.util.Set;

/**
 * One descriptor registered with a {@link Poller}: its interest, attachment and last readiness.
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/epoll_ctl.2.html">epoll_ctl(2)</a>
 */
public final class Registration {
    private final Poller poller;
    private final Fd fd;
    private final FdBacked source;
    final int number;
    final int closeEventFd;
    final int slot;
    final long token;
    private int interest;
    private final Poller.Trigger trigger;
    private volatile Object attachment;
    volatile boolean valid = true;
    int readyEvents;

    Registration(Poller poller, Fd fd, FdBacked source, int number, int closeEventFd, int slot, long token,
            int interest, Poller.Trigger trigger, Object attachment) {
        this.poller = poller;
        this.fd = fd;
        this.source = source;
        this.number = number;
        this.closeEventFd = closeEventFd;
        this.slot = slot;
        this.token = token;
        this.interest = interest;
        this.trigger = trigger;
        this.attachment = attachment;
    }

    /** The registered jipc object, or null when a raw {@link Fd} was registered. */
    public FdBacked source() {
        return source;
    }

    /** The registered descriptor. */
    public Fd fd() {
        return fd;
    }

    /** The attachment given at registration or by {@link #attach}. */
    public Object attachment() {
        return attachment;
    }

    /** Replaces the attachment; returns the previous one. */
    public Object attach(Object newAttachment) {
        Object old = attachment;
        attachment = newAttachment;
        return old;
    }

    /** The trigger mode. */
    public Poller.Trigger trigger() {
        return trigger;
    }

    /** What this registration waits for. */
    public Set<Readiness> interest() {
        synchronized (poller.table) {
            return Readiness.of(interest);
        }
    }

    /**
     * Changes what to wait for ({@code epoll_ctl(EPOLL_CTL_MOD)}); re-arms a {@link
     * Poller.Trigger#ONE_SHOT} registration.
     *
     * @throws ObjectClosedException if the registration was cancelled or the poller closed
     */
    public void setInterest(Set<Readiness> newInterest) throws IpcException {
        int bits = Readiness.bits(newInterest);
        synchronized (poller.table) {
            if (!valid) {
                throw new ObjectClosedException("epoll_ctl", fd.label() + " (registration cancelled)");
            }
            int ep = poller.epoll.acquire("epoll_ctl");
            try {
                poller.ctlEvent.set(ValueLayout.JAVA_INT, Epoll.EVENTS, bits | trigger.bits);
                poller.ctlEvent.set(Epoll.DATA_LAYOUT, Epoll.DATA, token);
                int r = Epoll.epoll_ctl(ep, Epoll.EPOLL_CTL_MOD, number, poller.ctlEvent);
                if (r < 0) {
                    throw IpcException.of("epoll_ctl(EPOLL_CTL_MOD)", fd.label(), -r);
                }
                interest = bits;
            } finally {
                poller.epoll.release();
            }
        }
    }

    /** The epoll bits the last poll reported (0 when it was not ready). */
    public int readyBits() {
        return readyEvents;
    }

    /** The readiness the last poll reported, as a set (allocates; the boolean getters do not). */
    public Set<Readiness> readySet() {
        return Readiness.of(readyEvents);
    }

    /** EPOLLIN was reported. */
    public boolean isReadable() {
        return (readyEvents & Epoll.EPOLLIN) != 0;
    }

    /** EPOLLOUT was reported. */
    public boolean isWritable() {
        return (readyEvents & Epoll.EPOLLOUT) != 0;
    }

    /** EPOLLHUP or EPOLLRDHUP was reported. */
    public boolean isHangup() {
        return (readyEvents & (Epoll.EPOLLHUP | Epoll.EPOLLRDHUP)) != 0;
    }

    /** EPOLLERR was reported. */
    public boolean isError() {
        return (readyEvents & Epoll.EPOLLERR) != 0;
    }

    /** Whether the registration is still in the poller (not cancelled, object not closed, poller open). */
    public boolean isValid() {
        return valid;
    }

    /**
     * Removes the registration ({@code epoll_ctl(EPOLL_CTL_DEL)}) and lets go of the
     * descriptor; the object stays open. Idempotent; safe while another thread polls.
     */
    public void cancel() {
        synchronized (poller.table) {
            poller.cancelLocked(this);
        }
    }

    @Override
    public String toString() {
        return "Registration[" + (source != null ? source : fd) + ", interest=" + Readiness.of(interest)
                + (valid ? "" : ", cancelled") + "]";
    }
}
