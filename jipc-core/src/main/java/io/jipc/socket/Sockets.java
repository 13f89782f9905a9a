package io.jipc.socket;

import static io.jipc.internal.libc.Errnos.EADDRINUSE;
import static io.jipc.internal.libc.Errnos.ECONNREFUSED;
import static io.jipc.internal.libc.Errnos.ENOENT;

import io.jipc.Errno;
import io.jipc.Fd;
import io.jipc.IpcException;
import io.jipc.NotFoundException;
import io.jipc.Perms;
import io.jipc.internal.libc.Fcntl;
import io.jipc.internal.libc.Socket;
import io.jipc.internal.libc.Stat;
import io.jipc.internal.libc.SysFile;
import io.jipc.internal.libc.Un;
import io.jipc.internal.libc.Unistd;
import io.jipc.internal.wait.Attempt;
import io.jipc.internal.wait.BackOff;
import io.jipc.internal.wait.Deadline;
import io.jipc.internal.wait.Handles;
import io.jipc.internal.wait.Operation;
import io.jipc.internal.wait.Waiter;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.Set;

/** Socket plumbing shared by the public classes: creation, options, names, connect and bind. */
final class Sockets {
    private Sockets() {}

    static final int SO_DOMAIN = 39;

    /** How long a stale-socket replacement waits for another replacer's directory lock. */
    static final Duration DIRECTORY_LOCK_WAIT = Duration.ofSeconds(5);

    /**
     * A new close-on-exec AF_UNIX socket in blocking mode, as C programs expect when they inherit
     * one, and so that jipc's untimed calls sleep inside the socket calls.
     */
    static Fd open(SocketType type, String label) throws IpcException {
        int r = Socket.socket(Socket.AF_UNIX, type.value | Socket.SOCK_CLOEXEC, 0);
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
     * Sets or clears O_NONBLOCK on descriptor {@code n}, for an attempt whose call has no per-call
     * non-blocking flag (connect, accept4).
     *
     * @return 0, or {@code -errno}
     */
    static int setNonBlocking(int n, boolean on) {
        int flags = Fcntl.fcntl(n, Fcntl.F_GETFL, 0);
        if (flags < 0) {
            return flags;
        }
        int wanted = on ? flags | Fcntl.O_NONBLOCK : flags & ~Fcntl.O_NONBLOCK;
        return wanted == flags ? 0 : Math.min(0, Fcntl.fcntl(n, Fcntl.F_SETFL, wanted));
    }

    /**
     * connect(2) of a new STREAM or SEQPACKET socket, as an operation of the wait engine. A UNIX
     * listener whose backlog is full makes a blocking connect sleep in the kernel until there is
     * room ({@code unix_stream_connect}, {@code unix_wait_for_peer}), before the socket's state
     * changes: a signal ends that sleep with EINTR and leaves the socket unconnected, so the
     * engine's wake-up ends it for interrupt and deadline, and the connect it makes again starts
     * afresh. poll(2) cannot tell when room appears, so there is no readiness: a timed connect
     * sleeps under the thread's timer. connect has no per-call non-blocking flag; the form that
     * never sleeps sets O_NONBLOCK for its call, which is safe because the socket is not shared
     * yet, and a connected socket is left blocking.
     *
     * @return false if the deadline passed first
     */
    static boolean connect(Fd fd, String label, UnixAddress address, long deadline) throws IpcException {
        try (Arena a = Arena.ofConfined()) {
            Connecting attempt = new Connecting(a.allocate(Un.SOCKADDR_UN.layout()));
            attempt.length = address.encode(attempt.address);
            long r = Operation.on(Handles.of(fd), "connect", attempt).build().run(deadline);
            if (attempt.nonBlocking) {
                fd.setNonBlocking(false);
            }
            if (r == Operation.NOTHING) {
                return false;
            }
            if (r < 0) {
                throw IpcException.of("connect", label, (int) -r);
            }
            return true;
        }
    }

    /** One connect's attempt: the address, and the mode it left the description in. */
    private static final class Connecting implements Attempt {
        final MemorySegment address;
        int length;
        boolean nonBlocking;

        Connecting(MemorySegment address) {
            this.address = address;
        }

        @Override
        public long call(Waiter w, int how) {
            boolean now = how == Attempt.NOW;
            if (now != nonBlocking) {
                int r = setNonBlocking(w.target, now);
                if (r < 0) {
                    return r;
                }
                nonBlocking = now;
            }
            return Socket.connect(w.target, address, length);
        }
    }

    /** connect(2) of a datagram socket: it only sets the default peer, and never waits. */
    static void connectDatagram(Fd fd, String label, UnixAddress address) throws IpcException {
        int n = fd.acquire("connect");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sa = a.allocate(Un.SOCKADDR_UN.layout());
            int r = Socket.connect(n, sa, address.encode(sa));
            if (r < 0) {
                throw IpcException.of("connect", label, -r);
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
        Path parent = address.path().toAbsolutePath().getParent();
        String dirName = parent == null ? "/" : parent.toString();
        int dirFd = Fcntl.open(a.allocateFrom(dirName), Fcntl.O_RDONLY | Fcntl.O_DIRECTORY | Fcntl.O_CLOEXEC, 0);
        Fd dir = dirFd < 0 ? null : Fd.adopt(dirFd, dirName);
        try {
            if (dir != null) {
                lockDirectory(dir, label);
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
            if (dir != null) {
                dir.close(); // and with it the lock
            }
        }
    }

    /**
     * Exclusive flock on the directory, waiting up to {@link #DIRECTORY_LOCK_WAIT} for another
     * replacer, which holds it for microseconds. flock sleeps in the kernel (interrupt ends it);
     * there is nothing to poll for, so a thread without its wake-up timer retries LOCK_NB every
     * millisecond instead.
     */
    private static void lockDirectory(Fd dir, String label) throws IpcException {
        Operation lock = Operation.on(Handles.of(dir), "flock",
                        (w, how) -> SysFile.flock(w.target, SysFile.LOCK_EX | (how == Attempt.NOW ? SysFile.LOCK_NB : 0)))
                .backOff(BackOff.FIXED_1MS).build();
        long r = lock.run(Deadline.after(DIRECTORY_LOCK_WAIT));
        if (r == Operation.NOTHING) {
            throw IpcException.withDetail("flock", label, Errno.EAGAIN.number(),
                    "another process has held the directory lock of a stale-socket replacement for "
                            + DIRECTORY_LOCK_WAIT.toSeconds() + " s");
        }
        // Another failure: a file system without flock. Go on unserialised; the inode check still applies.
    }

    /**
     * Removes the socket file if it is still the one {@code file} describes.
     *
     * @throws NotFoundException if that file is gone: removed, or replaced by another (which stays)
     */
    static void unlink(BoundFile file, String label) throws IpcException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment path = a.allocateFrom(ValueLayout.JAVA_BYTE, file.cPath());
            MemorySegment st = a.allocate(Stat.STAT.layout());
            int s = Stat.lstat(path, st);
            if (s < 0) {
                throw s == -ENOENT ? new NotFoundException("unlink", label) : IpcException.of("lstat", label, -s);
            }
            if (st.get(ValueLayout.JAVA_LONG, Stat.ST_DEV) != file.dev() || st.get(ValueLayout.JAVA_LONG, Stat.ST_INO) != file.ino()) {
                throw new NotFoundException("unlink", label);
            }
            int u = Unistd.unlink(path);
            if (u < 0) {
                throw IpcException.of("unlink", label, -u);
            }
        }
    }
}
