package io.jipc.internal.libc;

import static io.jipc.internal.libc.Libc.C_INT;
import static io.jipc.internal.libc.Libc.C_POINTER;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/** {@code <sys/epoll.h>}: epoll. Raw results, {@code -errno} on failure. */
public final class Epoll {
    private Epoll() {}

    /**
     * {@code struct epoll_event { uint32_t events; epoll_data_t data; }}: packed on x86_64 (12
     * bytes, {@code data} at offset 4), naturally aligned on aarch64 (16 bytes, at 8).
     */
    public static final Libc.CStruct EPOLL_EVENT = Libc.AARCH64
            ? Libc.struct("sys/epoll.h", "struct epoll_event",
                    C_INT.withName("events"), MemoryLayout.paddingLayout(4), ValueLayout.JAVA_LONG.withName("data"))
            : Libc.struct("sys/epoll.h", "struct epoll_event",
                    C_INT.withName("events"), ValueLayout.JAVA_LONG_UNALIGNED.withName("data"));
    public static final long EPOLL_EVENT_SIZE = EPOLL_EVENT.layout().byteSize();
    public static final long EVENTS = EPOLL_EVENT.offset("events");
    public static final long DATA = EPOLL_EVENT.offset("data");
    /** The layout to read and write {@code data} with: unaligned on x86_64. */
    public static final ValueLayout.OfLong DATA_LAYOUT = Libc.AARCH64 ? ValueLayout.JAVA_LONG : ValueLayout.JAVA_LONG_UNALIGNED;

    public static final int EPOLL_CLOEXEC = Fcntl.O_CLOEXEC;
    public static final int EPOLL_CTL_ADD = 1;
    public static final int EPOLL_CTL_DEL = 2;
    public static final int EPOLL_CTL_MOD = 3;

    public static final int EPOLLIN = 0x001;
    public static final int EPOLLPRI = 0x002;
    public static final int EPOLLOUT = 0x004;
    public static final int EPOLLERR = 0x008;
    public static final int EPOLLHUP = 0x010;
    public static final int EPOLLRDHUP = 0x2000;
    public static final int EPOLLEXCLUSIVE = 1 << 28;
    public static final int EPOLLWAKEUP = 1 << 29;
    public static final int EPOLLONESHOT = 1 << 30;
    public static final int EPOLLET = 1 << 31;

    private static final MethodHandle EPOLL_CREATE1 = Libc.downcall("epoll_create1", FunctionDescriptor.of(C_INT, C_INT));
    private static final MethodHandle EPOLL_CTL = Libc.downcall("epoll_ctl",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT, C_POINTER));
    private static final MethodHandle EPOLL_WAIT = Libc.downcall("epoll_wait",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_INT, C_INT));

    /** {@code int epoll_create1(int flags)}. */
    public static int epoll_create1(int flags) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) EPOLL_CREATE1.invokeExact(state, flags);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int epoll_ctl(int epfd, int op, int fd, struct epoll_event *event)}. */
    public static int epoll_ctl(int epfd, int op, int fd, MemorySegment event) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) EPOLL_CTL.invokeExact(state, epfd, op, fd, event);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout)}. */
    public static int epoll_wait(int epfd, MemorySegment events, int maxEvents, int timeoutMillis) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) EPOLL_WAIT.invokeExact(state, epfd, events, maxEvents, timeoutMillis);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }
}
