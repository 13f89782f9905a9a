package io.jipc.socket;

import static io.jipc.internal.libc.Errnos.EADDRINUSE;
import static io.jipc.internal.libc.Errnos.EAGAIN;
import static io.jipc.internal.libc.Errnos.ECONNREFUSED;
import static io.jipc.internal.libc.Errnos.EINPROGRESS;
import static io.jipc.internal.libc.Errnos.EINTR;
import static io.jipc.internal.libc.Errnos.ENOENT;

import io.jipc.internal.wait.Legacy;
import io.jipc.Errno;
import io.jipc.Fd;
import io.jipc.IpcException;
import io.jipc.Perms;
import io.jipc.internal.wait.Deadline;
import io.jipc.internal.libc.Fcntl;
import io.jipc.internal.libc.Poll;
import io.jipc.internal.libc.Socket;
import io.jipc.internal.libc.Stat;
import io.jipc.internal.libc.SysFile;
import io.jipc.internal.libc.Un;
import io.jipc.internal.libc.Unistd;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

/** Socket plumbing shared by the public classes: creation, options, names, connect and bind. */
final class Sockets {
    private Sockets() {}

    static final int SO_DOMAIN = 39;

    /** Default permissions of a socket file: 0600. */
    static final Set<PosixFilePermission> DEFAULT_PERMISSIONS =
            EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

    /**
     * A new close-on-exec AF_UNIX socket. Non-blocking for a socket that will listen (accept4 has
     * no per-call non-blocking flag) or connect (so that a full backlog says EAGAIN, and the wait
     * is jipc's); blocking otherwise, for {@link MessageIo}'s kernel waits.
     */
    static Fd open(SocketType type, String label, boolean nonBlocking) throws IpcException {
        int r = Socket.socket(Socket.AF_UNIX, type.value | Socket.SOCK_CLOEXEC | (nonBlocking ? Socket.SOCK_NONBLOCK : 0), 0);
        if (r < 0) {
            throw IpcException.of("socket", label, -r);
        }
        return Fd.adopt(r, label);
    }

    /** {@code socketpair(2)}: two connected, close-on-exec sockets in blocking mode (see {@link MessageIo}). */
    static Fd[] pair(SocketType type) throws IpcException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sv = a.allocate(ValueLayout.JAVA_INT, 2);
            int r = Socket.socketpair(Socket.AF_UNIX, type.value | Socket.SOCK_CLOEXEC, 0, sv);
            if (r < 0) {
                throw IpcException.of("socketpair", type.name().toLowerCase(java.util.Locale.ROOT), -r);
            }
            return new Fd[] {Fd.adopt(sv.getAtIndex(ValueLayout.JAVA_INT, 0), "socketpair"),
                    Fd.adopt(sv.getAtIndex(ValueLayout.JAVA_INT, 1), "socketpair")};
        }
    }

    static int getInt(Fd fd, String label, int option, String call) throws IpcException {
        int n = fd.acquire(call);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ValueLayout.JAVA_INT);
            MemorySegment len = a.allocate(ValueLayout.JAVA_INT);
            len.set(ValueLayout.JAVA_INT, 0, 4);
            int r = Socket.getsockopt(n, Socket.SOL_SOCKET, option, v, len);
            if (r < 0) {
                throw IpcException.of(call, label, -r);
            }
            return v.get(ValueLayout.JAVA_INT, 0);
        } finally {
            fd.release();
        }
    }

    static void setInt(Fd fd, String label, int option, int value, String call) throws IpcException {
        int n = fd.acquire(call);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(ValueLayout.JAVA_INT);
            v.set(ValueLayout.JAVA_INT, 0, value);
            int r = Socket.setsockopt(n, Socket.SOL_SOCKET, option, v, 4);
            if (r < 0) {
                throw IpcException.of(call, label, -r);
            }
        } finally {
            fd.release();
        }
    }

    /** getsockname or getpeername. */
    static UnixAddress name(Fd fd, String label, boolean peer) throws IpcException {
        String call = peer ? "getpeername" : "getsockname";
        int n = fd.acquire(call);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sa = a.allocate(Un.SOCKADDR_UN.layout());
            MemorySegment len = a.allocate(ValueLayout.JAVA_INT);
            len.set(ValueLayout.JAVA_INT, 0, (int) Un.SOCKADDR_UN_SIZE);
            int r = peer ? Socket.getpeername(n, sa, len) : Socket.getsockname(n, sa, len);
            if (r < 0) {
                throw IpcException.of(call, label, -r);
            }
            return UnixAddress.decode(sa, len.get(ValueLayout.JAVA_INT, 0));
        } finally {
            fd.release();
        }
    }

    static void shutdown(Fd fd, String label, int how) throws IpcException {
        int n = fd.acquire("shutdown");
        try {
            int r = Socket.shutdown(n, how);
            if (r < 0) {
                throw IpcException.of("shutdown", label, -r);
            }
        } finally {
            fd.release();
        }
    }

    /** Checks that an adopted descriptor is an AF_UNIX socket and returns its type. */
    static SocketType checkUnixSocket(Fd fd) throws IpcException {
        int domain = getInt(fd, fd.label(), SO_DOMAIN, "getsockopt(SO_DOMAIN)");
        if (domain != Socket.AF_UNIX) {
            throw new IllegalArgumentException(fd + " is not a UNIX-domain socket (domain " + domain + ")");
        }
        return SocketType.of(getInt(fd, fd.label(), Socket.SO_TYPE, "getsockopt(SO_TYPE)"));
    }

    /**
     * connect(2) on a non-blocking socket. A UNIX listener whose backlog is full answers EAGAIN
     * (never EINPROGRESS), and poll cannot tell when room appears, so that case backs off and
     * retries until the deadline.
     *
     * @return false if the deadline passed first
     */
    static boolean connect(Fd fd, String label, UnixAddress address, long deadline) throws IpcException {
        int n = fd.acquire("connect");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sa = a.allocate(Un.SOCKADDR_UN.layout());
            int len = address.encode(sa);
            int attempt = 0;
            while (true) {
                int r = Socket.connect(n, sa, len);
                if (r == 0) {
                    return true;
                }
                if (r == -EINTR) {
                    continue;
                }
                if (r == -EINPROGRESS) {
                    if (!Legacy.await(fd, Poll.POLLOUT, deadline, "connect")) {
                        return false;
                    }
                    int err = getInt(fd, label, Socket.SO_ERROR, "getsockopt(SO_ERROR)");
                    if (err != 0) {
                        throw IpcException.of("connect", label, err);
                    }
                    return true;
                }
                if (r != -EAGAIN) {
                    throw IpcException.of("connect", label, -r);
                }
                if (!MessageIo.backOff(fd, label, deadline, attempt++, "connect")) {
                    return false;
                }
            }
        } finally {
            fd.release();
        }
    }

    // ------------------------------------------------------------------ binding

    /** The socket file a bind created: its identity lets {@code unlink()} remove only that file. */
    record BoundFile(Path path, byte[] cPath, long dev, long ino) {}

    /**
     * bind(2), creating a filesystem socket with exactly {@code permissions}: the mode is set on
     * the socket with fchmod before bind (Linux creates the file with the socket's mode, filtered
     * by the umask), so the file never exists with a wider mode; if the umask narrowed it, it is
     * widened afterwards. Nobody can connect in between: a stream or seqpacket socket accepts
     * connections only after listen.
     *
     * @return the file created, or null for an abstract or automatic address
     */
    static BoundFile bind(Fd fd, String label, UnixAddress address, Set<PosixFilePermission> permissions,
            boolean replaceStale) throws IpcException {
        int mode = Perms.toMode(permissions);
        int n = fd.acquire("bind");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sa = a.allocate(Un.SOCKADDR_UN.layout());
            int len = address.encode(sa);
            if (address.isPath()) {
                int r = Stat.fchmod(n, mode);
                if (r < 0) {
                    throw IpcException.of("fchmod", label, -r);
                }
            }
            int r = Socket.bind(n, sa, len);
            if (r == -EADDRINUSE && address.isPath() && replaceStale) {
                r = replaceStale(n, sa, len, address, label, a);
            }
            if (r == -EADDRINUSE) {
                throw IpcException.withDetail("bind", label, EADDRINUSE, address.isPath()
                        ? "Address already in use: a socket file exists at this path (a server that is gone left it: bind with replaceStale to replace it safely)"
                        : "Address already in use");
            }
            if (r < 0) {
                throw IpcException.of("bind", label, -r);
            }
            if (!address.isPath()) {
                return null;
            }
            MemorySegment path = a.allocateFrom(ValueLayout.JAVA_BYTE, address.pathCString());
            MemorySegment st = a.allocate(Stat.STAT.layout());
            int s = Stat.lstat(path, st);
            if (s < 0) {
                throw IpcException.of("lstat", label, -s);
            }
            int actual = st.get(ValueLayout.JAVA_INT, Stat.ST_MODE) & 07777;
            if (actual != mode) {
                try {
                    Files.setPosixFilePermissions(address.path(), permissions);
                } catch (IOException e) {
                    throw IpcException.withDetail("chmod", label, Errno.EPERM.number(), "cannot set mode: " + e.getMessage());
                }
            }
            return new BoundFile(address.path(), address.pathCString(),
                    st.get(ValueLayout.JAVA_LONG, Stat.ST_DEV), st.get(ValueLayout.JAVA_LONG, Stat.ST_INO));
        } finally {
            fd.release();
        }
    }

    /**
     * The path is taken: if it is a socket file no process listens on (a connect gets
     * ECONNREFUSED), remove it and bind again. The probe is a datagram connect: it creates no
     * connection on a live server of any type (a live stream or seqpacket socket answers
     * EPROTOTYPE, a live datagram socket accepts a connect that sends nothing), and a stream
     * server that has bound but not yet listened counts as live. Replacers in jipc processes are
     * serialised by an exclusive flock on the directory, so two of them never remove each other's
     * fresh socket; the identity of the file (device and inode) is checked again right before
     * the unlink.
     */
    private static int replaceStale(int n, MemorySegment sa, int len, UnixAddress address, String label, Arena a)
            throws IpcException {
        Path dir = address.path().toAbsolutePath().getParent();
        MemorySegment dirPath = a.allocateFrom(dir == null ? "/" : dir.toString());
        int dirFd = Fcntl.open(dirPath, Fcntl.O_RDONLY | Fcntl.O_DIRECTORY | Fcntl.O_CLOEXEC, 0);
        try {
            if (dirFd >= 0) {
                lockDirectory(dirFd, label);
            }
            MemorySegment path = a.allocateFrom(ValueLayout.JAVA_BYTE, address.pathCString());
            MemorySegment st = a.allocate(Stat.STAT.layout());
            for (int attempt = 0; attempt < 5; attempt++) {
                int s = Stat.lstat(path, st);
                if (s == -ENOENT) {
                    int r = Socket.bind(n, sa, len);
                    if (r != -EADDRINUSE) {
                        return r;
                    }
                    continue;
                }
                if (s < 0) {
                    throw IpcException.of("lstat", label, -s);
                }
                if ((st.get(ValueLayout.JAVA_INT, Stat.ST_MODE) & Stat.S_IFMT) != Stat.S_IFSOCK) {
                    throw IpcException.withDetail("bind", label, EADDRINUSE,
                            "Address already in use: the path exists and is not a socket; jipc replaces only a stale socket file");
                }
                long dev = st.get(ValueLayout.JAVA_LONG, Stat.ST_DEV);
                long ino = st.get(ValueLayout.JAVA_LONG, Stat.ST_INO);
                int probe = Socket.socket(Socket.AF_UNIX, Socket.SOCK_DGRAM | Socket.SOCK_CLOEXEC | Socket.SOCK_NONBLOCK, 0);
                if (probe < 0) {
                    throw IpcException.of("socket", label, -probe);
                }
                int p = Socket.connect(probe, sa, len);
                Unistd.close(probe);
                if (p != -ECONNREFUSED) {
                    if (p == -ENOENT) {
                        continue;
                    }
                    throw IpcException.withDetail("bind", label, EADDRINUSE,
                            "Address already in use: a live socket is bound there (a connect "
                                    + (p == 0 ? "succeeded" : "got " + Errno.nameOf(-p)) + "); jipc never removes a live server's socket");
                }
                if (Stat.lstat(path, st) < 0 || st.get(ValueLayout.JAVA_LONG, Stat.ST_DEV) != dev
                        || st.get(ValueLayout.JAVA_LONG, Stat.ST_INO) != ino) {
                    continue;
                }
                int u = Unistd.unlink(path);
                if (u < 0 && u != -ENOENT) {
                    throw IpcException.of("unlink", label, -u);
                }
                int r = Socket.bind(n, sa, len);
                if (r != -EADDRINUSE) {
                    return r;
                }
            }
            return -EADDRINUSE;
        } finally {
            if (dirFd >= 0) {
                Unistd.close(dirFd);
            }
        }
    }

    /** Exclusive flock on the directory, waiting up to 5 s for another replacer (it holds it for microseconds). */
    private static void lockDirectory(int dirFd, String label) throws IpcException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (true) {
            int r = SysFile.flock(dirFd, SysFile.LOCK_EX | SysFile.LOCK_NB);
            if (r == 0) {
                return;
            }
            if (r != -EAGAIN && r != -EINTR) {
                return; // a file system without flock: go on unserialised, the inode check still applies
            }
            if (System.nanoTime() - deadline > 0) {
                throw IpcException.withDetail("flock", label, EAGAIN,
                        "another process holds the directory lock of a stale-socket replacement");
            }
            LockSupport.parkNanos(1_000_000L);
            if (Thread.currentThread().isInterrupted()) {
                throw new io.jipc.IpcInterruptedException("flock", label);
            }
        }
    }

    /** Removes the socket file if it is still the one {@code file} describes. */
    static boolean unlink(BoundFile file, String label) throws IpcException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment path = a.allocateFrom(ValueLayout.JAVA_BYTE, file.cPath());
            MemorySegment st = a.allocate(Stat.STAT.layout());
            int s = Stat.lstat(path, st);
            if (s == -ENOENT) {
                return false;
            }
            if (s < 0) {
                throw IpcException.of("lstat", label, -s);
            }
            if (st.get(ValueLayout.JAVA_LONG, Stat.ST_DEV) != file.dev() || st.get(ValueLayout.JAVA_LONG, Stat.ST_INO) != file.ino()) {
                return false;
            }
            int u = Unistd.unlink(path);
            if (u == -ENOENT) {
                return false;
            }
            if (u < 0) {
                throw IpcException.of("unlink", label, -u);
            }
            return true;
        }
    }

    static long deadline(java.time.Duration timeout) {
        return Deadline.after(timeout);
    }
}
