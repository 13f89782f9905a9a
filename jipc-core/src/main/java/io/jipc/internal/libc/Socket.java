package io.jipc.internal.libc;

import static io.jipc.internal.libc.Libc.C_INT;
import static io.jipc.internal.libc.Libc.C_LONG;
import static io.jipc.internal.libc.Libc.C_POINTER;
import static io.jipc.internal.libc.Libc.C_SIZE_T;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * {@code <sys/socket.h>} (and {@code struct iovec} of {@code <sys/uio.h>}): sockets, sendmsg and
 * recvmsg with their control messages. Raw results, {@code -errno} on failure.
 *
 * <p>The {@code CMSG_*} macros are reproduced as static methods with glibc's arithmetic: every
 * header and payload is aligned to {@code sizeof(size_t)}.
 */
public final class Socket {
    private Socket() {}

    // ------------------------------------------------------------------ constants (asm-generic)

    public static final int AF_UNIX = 1;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_SEQPACKET = 5;
    public static final int SOCK_NONBLOCK = Fcntl.O_NONBLOCK;
    public static final int SOCK_CLOEXEC = Fcntl.O_CLOEXEC;

    public static final int SOL_SOCKET = 1;
    public static final int SO_TYPE = 3;
    public static final int SO_ERROR = 4;
    public static final int SO_SNDBUF = 7;
    public static final int SO_RCVBUF = 8;
    public static final int SO_PASSCRED = 16;
    public static final int SO_PEERCRED = 17;
    public static final int SO_ACCEPTCONN = 30;

    public static final int SCM_RIGHTS = 1;
    public static final int SCM_CREDENTIALS = 2;
    /** Linux 6.5+: a pidfd of the sender, installed as a descriptor (glibc 2.36 lacks the name). */
    public static final int SCM_PIDFD = 4;
    /** The kernel's limit of descriptors in one SCM_RIGHTS message ({@code SCM_MAX_FD}). */
    public static final int SCM_MAX_FD = 253;

    public static final int MSG_PEEK = 0x2;
    public static final int MSG_CTRUNC = 0x8;
    public static final int MSG_TRUNC = 0x20;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int MSG_EOR = 0x80;
    public static final int MSG_WAITALL = 0x100;
    public static final int MSG_NOSIGNAL = 0x4000;
    /** recvmmsg: after the first message, take only what is there (Linux 2.6.34+). */
    public static final int MSG_WAITFORONE = 0x10000;
    public static final int MSG_CMSG_CLOEXEC = 0x40000000;

    public static final int SHUT_RD = 0;
    public static final int SHUT_WR = 1;
    public static final int SHUT_RDWR = 2;

    // ------------------------------------------------------------------ structs

    /** {@code struct iovec}, declared once in {@link Uio}. */
    public static final Libc.CStruct IOVEC = Uio.IOVEC;
    public static final long IOVEC_SIZE = Uio.IOVEC_SIZE;
    public static final long IOV_BASE = Uio.IOV_BASE;
    public static final long IOV_LEN = Uio.IOV_LEN;

    /** {@code struct msghdr}: glibc keeps {@code msg_iovlen} and {@code msg_controllen} as size_t. */
    public static final Libc.CStruct MSGHDR = Libc.struct("sys/socket.h", "struct msghdr",
            C_POINTER.withName("msg_name"), C_INT.withName("msg_namelen"), MemoryLayout.paddingLayout(4),
            C_POINTER.withName("msg_iov"), C_SIZE_T.withName("msg_iovlen"),
            C_POINTER.withName("msg_control"), C_SIZE_T.withName("msg_controllen"),
            C_INT.withName("msg_flags"), MemoryLayout.paddingLayout(4));
    public static final long MSGHDR_SIZE = MSGHDR.layout().byteSize();
    public static final long MSG_NAME = MSGHDR.offset("msg_name");
    public static final long MSG_NAMELEN = MSGHDR.offset("msg_namelen");
    public static final long MSG_IOV = MSGHDR.offset("msg_iov");
    public static final long MSG_IOVLEN = MSGHDR.offset("msg_iovlen");
    public static final long MSG_CONTROL = MSGHDR.offset("msg_control");
    public static final long MSG_CONTROLLEN = MSGHDR.offset("msg_controllen");
    public static final long MSG_FLAGS = MSGHDR.offset("msg_flags");

    /** {@code struct mmsghdr { struct msghdr msg_hdr; unsigned int msg_len; }} (sendmmsg/recvmmsg, _GNU_SOURCE). */
    public static final Libc.CStruct MMSGHDR = Libc.struct("sys/socket.h", "struct mmsghdr",
            MSGHDR.layout().withName("msg_hdr"), C_INT.withName("msg_len"), MemoryLayout.paddingLayout(4));
    public static final long MMSGHDR_SIZE = MMSGHDR.layout().byteSize();
    public static final long MMSG_HDR = MMSGHDR.offset("msg_hdr");
    public static final long MMSG_LEN = MMSGHDR.offset("msg_len");

    /** {@code struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; unsigned char data[]; }}. */
    public static final Libc.CStruct CMSGHDR = Libc.struct("sys/socket.h", "struct cmsghdr",
            C_SIZE_T.withName("cmsg_len"), C_INT.withName("cmsg_level"), C_INT.withName("cmsg_type"));
    public static final long CMSGHDR_SIZE = CMSGHDR.layout().byteSize();
    public static final long CMSG_LEN_OFFSET = CMSGHDR.offset("cmsg_len");
    public static final long CMSG_LEVEL = CMSGHDR.offset("cmsg_level");
    public static final long CMSG_TYPE = CMSGHDR.offset("cmsg_type");

    /** {@code struct ucred { pid_t pid; uid_t uid; gid_t gid; }} (needs _GNU_SOURCE in C). */
    public static final Libc.CStruct UCRED = Libc.struct("sys/socket.h", "struct ucred",
            C_INT.withName("pid"), C_INT.withName("uid"), C_INT.withName("gid"));
    public static final long UCRED_SIZE = UCRED.layout().byteSize();
    public static final long UCRED_PID = UCRED.offset("pid");
    public static final long UCRED_UID = UCRED.offset("uid");
    public static final long UCRED_GID = UCRED.offset("gid");

    // ------------------------------------------------------------------ CMSG_* arithmetic

    /** {@code CMSG_ALIGN(len)}: rounds up to a multiple of {@code sizeof(size_t)}. */
    public static long CMSG_ALIGN(long len) {
        long a = C_SIZE_T.byteSize();
        return (len + a - 1) & ~(a - 1);
    }

    /** {@code CMSG_SPACE(len)}: the bytes one control message with {@code len} payload bytes occupies. */
    public static long CMSG_SPACE(long len) {
        return CMSG_ALIGN(len) + CMSG_ALIGN(CMSGHDR_SIZE);
    }

    /** {@code CMSG_LEN(len)}: the {@code cmsg_len} value for {@code len} payload bytes. */
    public static long CMSG_LEN(long len) {
        return CMSG_ALIGN(CMSGHDR_SIZE) + len;
    }

    /** {@code CMSG_DATA(c)} as an offset from the header's start. */
    public static long CMSG_DATA_OFFSET() {
        return CMSG_ALIGN(CMSGHDR_SIZE);
    }

    /**
     * {@code CMSG_FIRSTHDR}/{@code CMSG_NXTHDR} as offsets into the control buffer: the offset of
     * the header after the one at {@code offset} (or the first when {@code offset} is -1), or -1
     * when no complete header follows within {@code controllen}. Like glibc, a header whose
     * {@code cmsg_len} is smaller than the header itself ends the walk.
     */
    public static long nextHeader(MemorySegment control, long controllen, long offset) {
        long next;
        if (offset < 0) {
            next = 0;
        } else {
            long len = control.get(C_SIZE_T, offset + CMSG_LEN_OFFSET);
            if (len < CMSGHDR_SIZE) {
                return -1;
            }
            next = offset + CMSG_ALIGN(len);
        }
        if (next + CMSGHDR_SIZE > controllen || next < 0) {
            return -1;
        }
        long len = control.get(C_SIZE_T, next + CMSG_LEN_OFFSET);
        if (len < CMSGHDR_SIZE || next + len > controllen) {
            // glibc's CMSG_NXTHDR also refuses a header whose payload runs past the buffer
            return -1;
        }
        return next;
    }

    // ------------------------------------------------------------------ functions

    private static final MethodHandle SOCKET = Libc.downcall("socket", FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT));
    private static final MethodHandle SOCKETPAIR = Libc.downcall("socketpair",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT, C_POINTER));
    private static final MethodHandle BIND = Libc.downcall("bind", FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT));
    private static final MethodHandle LISTEN = Libc.downcall("listen", FunctionDescriptor.of(C_INT, C_INT, C_INT));
    private static final MethodHandle ACCEPT4 = Libc.downcall("accept4",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_POINTER, C_INT));
    private static final MethodHandle CONNECT = Libc.downcall("connect", FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT));
    private static final MethodHandle SEND = Libc.downcall("send", FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_SIZE_T, C_INT));
    private static final MethodHandle SEND_PLAIN = Libc.plainDowncall("send", FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_SIZE_T, C_INT));
    private static final MethodHandle RECV = Libc.downcall("recv", FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_SIZE_T, C_INT));
    private static final MethodHandle RECV_PLAIN = Libc.plainDowncall("recv", FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_SIZE_T, C_INT));
    private static final MethodHandle SENDTO = Libc.downcall("sendto",
            FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_SIZE_T, C_INT, C_POINTER, C_INT));
    private static final MethodHandle SENDMSG = Libc.downcall("sendmsg", FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_INT));
    private static final MethodHandle RECVMSG = Libc.downcall("recvmsg", FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_INT));
    private static final MethodHandle SENDMMSG = Libc.downcall("sendmmsg",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT, C_INT));
    private static final MethodHandle RECVMMSG = Libc.downcall("recvmmsg",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT, C_INT, C_POINTER));
    private static final MethodHandle SHUTDOWN = Libc.downcall("shutdown", FunctionDescriptor.of(C_INT, C_INT, C_INT));
    private static final MethodHandle GETSOCKOPT = Libc.downcall("getsockopt",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT, C_POINTER, C_POINTER));
    private static final MethodHandle SETSOCKOPT = Libc.downcall("setsockopt",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT, C_POINTER, C_INT));
    private static final MethodHandle GETSOCKNAME = Libc.downcall("getsockname",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_POINTER));
    private static final MethodHandle GETPEERNAME = Libc.downcall("getpeername",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_POINTER));

    /** {@code int socket(int domain, int type, int protocol)}. */
    public static int socket(int domain, int type, int protocol) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) SOCKET.invokeExact(state, domain, type, protocol);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int socketpair(int domain, int type, int protocol, int sv[2])}. */
    public static int socketpair(int domain, int type, int protocol, MemorySegment sv) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) SOCKETPAIR.invokeExact(state, domain, type, protocol, sv);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int bind(int sockfd, const struct sockaddr *addr, socklen_t addrlen)}. */
    public static int bind(int fd, MemorySegment addr, int addrlen) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) BIND.invokeExact(state, fd, addr, addrlen);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int listen(int sockfd, int backlog)}. */
    public static int listen(int fd, int backlog) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) LISTEN.invokeExact(state, fd, backlog);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int accept4(int sockfd, struct sockaddr *addr, socklen_t *addrlen, int flags)}. */
    public static int accept4(int fd, MemorySegment addr, MemorySegment addrlen, int flags) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) ACCEPT4.invokeExact(state, fd, addr, addrlen, flags);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int connect(int sockfd, const struct sockaddr *addr, socklen_t addrlen)}. */
    public static int connect(int fd, MemorySegment addr, int addrlen) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) CONNECT.invokeExact(state, fd, addr, addrlen);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /**
     * {@code send(fd, buf + offset, len, flags)}. The slice is made here, next to the call and
     * unconditionally (a slice merged with another segment at a branch is not scalar-replaced),
     * so that escape analysis removes it: no allocation per call (as {@link Unistd#read(int,
     * MemorySegment, long, long)}).
     */
    public static long send(int fd, MemorySegment buf, long offset, long len, int flags) {
        return send(Libc.callState(), fd, buf, offset, len, flags);
    }

    /**
     * {@code send(fd, buf + offset, len, flags)} with the calling thread's errno capture segment
     * passed in ({@link Libc#callState()}, which a hot caller holds in its {@code Waiter}): saves
     * the thread-local lookup.
     */
    public static long send(MemorySegment state, int fd, MemorySegment buf, long offset, long len, int flags) {
        try {
            if (state == null) {
                // A call site per case: a slice merged with the segment at a branch would not be
                // scalar-replaced, and a slice at offset 0 is an object C1 always allocates.
                long r = offset == 0 ? (long) SEND_PLAIN.invokeExact(fd, buf, len, flags)
                        : (long) SEND_PLAIN.invokeExact(fd, buf.asSlice(offset), len, flags);
                return r < 0 ? -Errnos.UNCAPTURED : r;
            }
            long r = (long) SEND.invokeExact(state, fd, buf.asSlice(offset), len, flags);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code recv(fd, buf + offset, len, flags)}, allocation-free as {@link #send(int, MemorySegment, long, long, int)}. */
    public static long recv(int fd, MemorySegment buf, long offset, long len, int flags) {
        return recv(Libc.callState(), fd, buf, offset, len, flags);
    }

    /**
     * {@code recv(fd, buf + offset, len, flags)} with the calling thread's errno capture segment
     * passed in ({@link Libc#callState()}, which a hot caller holds in its {@code Waiter}): saves
     * the thread-local lookup.
     */
    public static long recv(MemorySegment state, int fd, MemorySegment buf, long offset, long len, int flags) {
        try {
            if (state == null) {
                // A call site per case: a slice merged with the segment at a branch would not be
                // scalar-replaced, and a slice at offset 0 is an object C1 always allocates.
                long r = offset == 0 ? (long) RECV_PLAIN.invokeExact(fd, buf, len, flags)
                        : (long) RECV_PLAIN.invokeExact(fd, buf.asSlice(offset), len, flags);
                return r < 0 ? -Errnos.UNCAPTURED : r;
            }
            long r = (long) RECV.invokeExact(state, fd, buf.asSlice(offset), len, flags);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code ssize_t send(int sockfd, const void *buf, size_t len, int flags)}. */
    public static long send(int fd, MemorySegment buf, long len, int flags) {
        MemorySegment state = Libc.callState();
        try {
            long r = (long) SEND.invokeExact(state, fd, buf, len, flags);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code ssize_t recv(int sockfd, void *buf, size_t len, int flags)}. */
    public static long recv(int fd, MemorySegment buf, long len, int flags) {
        MemorySegment state = Libc.callState();
        try {
            long r = (long) RECV.invokeExact(state, fd, buf, len, flags);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code sendto(fd, buf + offset, len, flags, addr, addrlen)}, allocation-free as {@link #send(int, MemorySegment, long, long, int)}. */
    public static long sendto(int fd, MemorySegment buf, long offset, long len, int flags, MemorySegment addr,
            int addrlen) {
        MemorySegment state = Libc.callState();
        try {
            long r = (long) SENDTO.invokeExact(state, fd, buf.asSlice(offset), len, flags, addr, addrlen);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code ssize_t sendto(int sockfd, const void *buf, size_t len, int flags, const struct sockaddr *dest_addr, socklen_t addrlen)}. */
    public static long sendto(int fd, MemorySegment buf, long len, int flags, MemorySegment addr, int addrlen) {
        MemorySegment state = Libc.callState();
        try {
            long r = (long) SENDTO.invokeExact(state, fd, buf, len, flags, addr, addrlen);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code ssize_t sendmsg(int sockfd, const struct msghdr *msg, int flags)}. */
    public static long sendmsg(int fd, MemorySegment msghdr, int flags) {
        MemorySegment state = Libc.callState();
        try {
            long r = (long) SENDMSG.invokeExact(state, fd, msghdr, flags);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code ssize_t recvmsg(int sockfd, struct msghdr *msg, int flags)}. */
    public static long recvmsg(int fd, MemorySegment msghdr, int flags) {
        MemorySegment state = Libc.callState();
        try {
            long r = (long) RECVMSG.invokeExact(state, fd, msghdr, flags);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /**
     * {@code int sendmmsg(int sockfd, struct mmsghdr *msgvec, unsigned int vlen, int flags)}: the
     * messages sent (fewer than {@code vlen} when one could not go, the error then lost), or
     * {@code -errno} when the first could not.
     *
     * @see <a href="https://man7.org/linux/man-pages/man2/sendmmsg.2.html">sendmmsg(2)</a>
     */
    public static int sendmmsg(int fd, MemorySegment msgvec, int vlen, int flags) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) SENDMMSG.invokeExact(state, fd, msgvec, vlen, flags);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /**
     * {@code int recvmmsg(int sockfd, struct mmsghdr *msgvec, unsigned int vlen, int flags, struct
     * timespec *timeout)}: the messages received, or {@code -errno} when none was (an error after
     * the first is kept for the next call).
     *
     * @see <a href="https://man7.org/linux/man-pages/man2/recvmmsg.2.html">recvmmsg(2)</a>
     */
    public static int recvmmsg(int fd, MemorySegment msgvec, int vlen, int flags, MemorySegment timeout) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) RECVMMSG.invokeExact(state, fd, msgvec, vlen, flags, timeout);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int shutdown(int sockfd, int how)}. */
    public static int shutdown(int fd, int how) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) SHUTDOWN.invokeExact(state, fd, how);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int getsockopt(int sockfd, int level, int optname, void *optval, socklen_t *optlen)}. */
    public static int getsockopt(int fd, int level, int name, MemorySegment value, MemorySegment length) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) GETSOCKOPT.invokeExact(state, fd, level, name, value, length);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int setsockopt(int sockfd, int level, int optname, const void *optval, socklen_t optlen)}. */
    public static int setsockopt(int fd, int level, int name, MemorySegment value, int length) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) SETSOCKOPT.invokeExact(state, fd, level, name, value, length);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int getsockname(int sockfd, struct sockaddr *addr, socklen_t *addrlen)}. */
    public static int getsockname(int fd, MemorySegment addr, MemorySegment addrlen) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) GETSOCKNAME.invokeExact(state, fd, addr, addrlen);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int getpeername(int sockfd, struct sockaddr *addr, socklen_t *addrlen)}. */
    public static int getpeername(int fd, MemorySegment addr, MemorySegment addrlen) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) GETPEERNAME.invokeExact(state, fd, addr, addrlen);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }
}
