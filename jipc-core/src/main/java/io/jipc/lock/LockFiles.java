package io.jipc.lock;

import static io.jipc.internal.libc.Errnos.EACCES;
import static io.jipc.internal.libc.Errnos.EEXIST;
import static io.jipc.internal.libc.Errnos.EINVAL;
import static io.jipc.internal.libc.Errnos.ENOENT;

import io.jipc.Errno;
import io.jipc.IpcException;
import io.jipc.Perms;
import io.jipc.internal.libc.Fcntl;
import io.jipc.internal.ExactMode;
import io.jipc.internal.libc.Stat;
import io.jipc.internal.libc.Unistd;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/** Opening a file to lock, and refusing what cannot be locked as one (directories, FIFOs, sockets). */
final class LockFiles {
    private LockFiles() {}

    /**
     * Opens {@code path} as {@link FileLock#open} describes: read-write for fcntl locks (read-only
     * for shared ones when writing is refused), read-only for flock; returns the descriptor,
     * close-on-exec and still O_NONBLOCK (the caller clears it once the descriptor is owned).
     */
    static int open(String path, FileLock.Options options) throws IpcException {
        // O_NONBLOCK: an open of a FIFO must not wait for a writer before it is refused below.
        int common = Fcntl.O_CLOEXEC | Fcntl.O_NOCTTY | Fcntl.O_NONBLOCK;
        int mode = Perms.toMode(options.mode());
        int number;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment name = a.allocateFrom(path, StandardCharsets.UTF_8);
            boolean flock = options.kind() == LockKind.FLOCK;
            int access = flock ? Fcntl.O_RDONLY : Fcntl.O_RDWR;
            boolean created = false;
            for (int attempt = 0; ; attempt++) {
                if (options.create() && attempt == 2) {
                    // Still EEXIST then ENOENT: a dangling symbolic link (O_EXCL does not follow
                    // it). Create its target as open(2) does; the umask applies to that file.
                    number = Fcntl.open(name, access | common | Fcntl.O_CREAT, mode);
                    break;
                }
                if (options.create()) {
                    // O_EXCL first: only the call that knows it created the file may set its mode,
                    // and open(2) filters the mode through the umask.
                    number = Fcntl.open(name, access | common | Fcntl.O_CREAT | Fcntl.O_EXCL, mode);
                    if (number >= 0) {
                        created = true;
                        break;
                    }
                    if (number != -EEXIST) {
                        break;
                    }
                }
                number = Fcntl.open(name, access | common, 0);
                if (!flock && options.type() == LockType.SHARED
                        && (number == -EACCES || number == -Errno.EROFS.number() || number == -Errno.ETXTBSY.number())) {
                    number = Fcntl.open(name, Fcntl.O_RDONLY | common, 0); // read locks need only read access
                }
                if (number != -ENOENT || !options.create()) {
                    break; // opened, or refused; ENOENT while creating: removed meanwhile, create again
                }
            }
            if (created) {
                try {
                    ExactMode.set(number, mode, path);
                } catch (IpcException e) {
                    Unistd.close(number);
                    Unistd.unlink(name);
                    throw e;
                }
            }
        }
        if (number < 0) {
            throw openError(path, -number);
        }
        try {
            checkLockable(number, path);
        } catch (IpcException | RuntimeException e) {
            Unistd.close(number);
            throw e;
        }
        return number;
    }

    static IpcException openError(String path, int errno) {
        if (errno == Errno.EISDIR.number()) {
            return IpcException.withDetail("open", path, errno, "Is a directory: jipc locks files, not directories");
        }
        return IpcException.of("open", path, errno);
    }

    /** Refuses what cannot be locked as a file: directories, FIFOs, sockets. */
    static void checkLockable(int number, String label) throws IpcException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Stat.STAT.layout());
            int r = Stat.fstat(number, st);
            if (r < 0) {
                throw IpcException.of("fstat", label, -r);
            }
            int format = st.get(ValueLayout.JAVA_INT, Stat.ST_MODE) & Stat.S_IFMT;
            if (format == Stat.S_IFDIR) {
                throw openError(label, Errno.EISDIR.number());
            }
            if (format == Stat.S_IFIFO || format == Stat.S_IFSOCK) {
                throw IpcException.withDetail("open", label, EINVAL, (format == Stat.S_IFIFO ? "a FIFO" : "a socket")
                        + ", not a file: jipc locks files");
            }
        }
    }
}
