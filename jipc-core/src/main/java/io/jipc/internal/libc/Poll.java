package io.jipc.internal.libc;

import static io.jipc.internal.libc.Libc.C_INT;
import static io.jipc.internal.libc.Libc.C_LONG;
import static io.jipc.internal.libc.Libc.C_POINTER;
import static io.jipc.internal.libc.Libc.C_SHORT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** {@code <poll.h>}: poll. Raw results, {@code -errno} on failure. */
public final class Poll {
    private Poll() {}

    /** {@code struct pollfd { int fd; short events; short revents; }}. */
    public static final Libc.CStruct POLLFD = Libc.struct("poll.h", "struct pollfd",
            C_INT.withName("fd"), C_SHORT.withName("events"), C_SHORT.withName("revents"));
    public static final long POLLFD_SIZE = POLLFD.layout().byteSize();
    public static final long POLLFD_FD = POLLFD.offset("fd");
    public static final long POLLFD_EVENTS = POLLFD.offset("events");
    public static final long POLLFD_REVENTS = POLLFD.offset("revents");

    public static final short POLLIN = 0x001;
    public static final short POLLPRI = 0x002;
    public static final short POLLOUT = 0x004;
    public static final short POLLERR = 0x008;
    public static final short POLLHUP = 0x010;
    public static final short POLLNVAL = 0x020;
    public static final short POLLRDHUP = 0x2000;

    private static final MethodHandle POLL = Libc.downcall("poll", FunctionDescriptor.of(C_INT, C_POINTER, C_LONG, C_INT));

    /** {@code int poll(struct pollfd *fds, nfds_t nfds, int timeout)}; timeout in ms, -1 forever. */
    public static int poll(MemorySegment fds, long nfds, int timeoutMillis) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) POLL.invokeExact(state, fds, nfds, timeoutMillis);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }
}
