package io.jipc;

import io.jipc.internal.libc.Fcntl;
import io.jipc.internal.libc.Stat;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Bridges received descriptors to the JDK's file API.
 *
 * <p><b>Why a reopen and not a wrap.</b> The JDK has no public way to make a {@link FileChannel}
 * (or a {@link java.io.FileDescriptor}) from a descriptor number: {@code FileDescriptor} cannot be
 * given a number, and {@code FileChannel} has no factory taking one. Reaching into {@code
 * java.base} internals by reflection would need {@code --add-opens} and, worse, would give the same
 * number two owners (the JDK and the {@link Fd}), each closing it when it likes: the recycled-number
 * race jipc exists to prevent. So {@link #openChannel(Fd, OpenOption...)} opens the file afresh
 * through {@code /proc/self/fd/N}, the kernel's link to the very file the descriptor refers to
 * (even when it has been deleted, and for a memfd).
 *
 * <p>What that means: the channel is a new open file description, with its own file offset and
 * flags; access is checked again against this process's credentials, so a descriptor passed
 * precisely because this process may not open the file itself cannot be reopened (EACCES, or
 * EPERM for a sealed memfd opened for writing); only regular files (memfds included) are
 * accepted, not pipes, sockets or devices, whose reopen would mean something else. The {@link Fd}
 * stays owned by the caller, independent of the channel.
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/unix.7.html">unix(7)</a>
 * @see <a href="https://man7.org/linux/man-pages/man5/proc.5.html">proc(5)</a>
 */
public final class PassedFiles {
    private PassedFiles() {}

    /**
     * Opens a {@link FileChannel} on the regular file {@code fd} refers to, by reopening {@code
     * /proc/self/fd/N} with {@code options} (default {@link StandardOpenOption#READ}).
     *
     * @throws IllegalArgumentException if the descriptor is not a regular file, or the options ask
     *         to create or truncate (a reopen must not change the file)
     * @throws IOException if the reopen is refused (see the class comment)
     */
    public static FileChannel openChannel(Fd fd, OpenOption... options) throws IOException {
        for (OpenOption o : options) {
            if (o == StandardOpenOption.CREATE || o == StandardOpenOption.CREATE_NEW
                    || o == StandardOpenOption.TRUNCATE_EXISTING || o == StandardOpenOption.DELETE_ON_CLOSE) {
                throw new IllegalArgumentException("a reopened descriptor's file is opened as it is: " + o + " is not allowed");
            }
        }
        OpenOption[] opts = options.length == 0 ? new OpenOption[] {StandardOpenOption.READ} : options;
        int n = fd.acquire("open");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Stat.STAT.layout());
            int r = Stat.fstat(n, st);
            if (r < 0) {
                throw IpcException.of("fstat", fd.label(), -r);
            }
            int type = st.get(ValueLayout.JAVA_INT, Stat.ST_MODE) & Stat.S_IFMT;
            if (type != Stat.S_IFREG) {
                throw new IllegalArgumentException(fd + " is not a regular file (st_mode type 0" + Integer.toOctalString(type)
                        + "); only regular files and memfds can be reopened as a FileChannel");
            }
            // While the descriptor is acquired its number cannot be closed or reused, so the link
            // names exactly this file.
            return FileChannel.open(Path.of("/proc/self/fd/" + n), opts);
        } finally {
            fd.release();
        }
    }

    /**
     * Opens {@code path} read-only as an owned, close-on-exec descriptor, ready to be passed over a
     * socket ({@code open(2)} with O_RDONLY | O_CLOEXEC | O_NOCTTY). The open itself is
     * non-blocking, so a FIFO without a writer does not hang it; O_NONBLOCK is cleared afterwards,
     * so the receiver gets an ordinary blocking descriptor, as {@code open} would give it.
     *
     * @throws io.jipc.NotFoundException if nothing is at {@code path}
     * @throws io.jipc.PermissionDeniedException if it may not be read
     * @see <a href="https://man7.org/linux/man-pages/man2/open.2.html">open(2)</a>
     */
    public static Fd openReadOnly(Path path) throws IpcException {
        String name = path.toString();
        if (name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a path must not contain NUL: " + name.replace('\0', ' '));
        }
        int r;
        try (Arena a = Arena.ofConfined()) {
            r = Fcntl.open(a.allocateFrom(name), Fcntl.O_RDONLY | Fcntl.O_CLOEXEC | Fcntl.O_NOCTTY | Fcntl.O_NONBLOCK, 0);
        }
        if (r < 0) {
            throw IpcException.of("open", name, -r);
        }
        Fd fd = Fd.adopt(r, name);
        try {
            fd.setNonBlocking(false);
        } catch (IpcException e) {
            fd.close();
            throw e;
        }
        return fd;
    }
}
