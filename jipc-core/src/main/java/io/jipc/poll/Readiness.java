package io.jipc.poll;

import io.jipc.internal.libc.Epoll;
import java.util.EnumSet;
import java.util.Set;

/**
 * What a {@link Poller} can report about a descriptor, the epoll event bits.
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/epoll_ctl.2.html">epoll_ctl(2)</a>
 */
public enum Readiness {
    /** EPOLLIN: data to read, a connection to accept, a message to receive, end of stream. */
    READ(Epoll.EPOLLIN),
    /** EPOLLOUT: room to write or send. */
    WRITE(Epoll.EPOLLOUT),
    /** EPOLLPRI: an exceptional condition (out-of-band data, a changed POSIX queue...). */
    PRIORITY(Epoll.EPOLLPRI),
    /** EPOLLRDHUP: the peer of a stream socket shut down its sending side. */
    READ_HANGUP(Epoll.EPOLLRDHUP),
    /** EPOLLHUP: hang-up (every writer of a pipe gone, both directions of a socket shut); always reported. */
    HANGUP(Epoll.EPOLLHUP),
    /** EPOLLERR: an error is pending (the read end of a pipe closed, for a writer); always reported. */
    ERROR(Epoll.EPOLLERR);

    final int bit;

    Readiness(int bit) {
        this.bit = bit;
    }

    /** The epoll bit. */
    public int bit() {
        return bit;
    }

    static int bits(Set<Readiness> set) {
        int b = 0;
        for (Readiness r : set) {
            b |= r.bit;
        }
        return b;
    }

    static Set<Readiness> of(int bits) {
        EnumSet<Readiness> s = EnumSet.noneOf(Readiness.class);
        for (Readiness r : values()) {
            if ((bits & r.bit) != 0) {
                s.add(r);
            }
        }
        return s;
    }
}
