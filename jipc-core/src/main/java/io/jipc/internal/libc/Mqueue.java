package io.jipc.internal.libc;

import static io.jipc.internal.libc.Libc.C_INT;
import static io.jipc.internal.libc.Libc.C_LONG;
import static io.jipc.internal.libc.Libc.C_POINTER;
import static io.jipc.internal.libc.Libc.C_SIZE_T;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * {@code <mqueue.h>}: POSIX message queues. Raw results, {@code -errno} on failure.
 *
 * <p>On Linux an {@code mqd_t} is a file descriptor (pollable, close-on-exec from the kernel),
 * so these wrappers take and return {@code int}. Only the timed send and receive are bound: with
 * a NULL timeout they are {@code mq_send} and {@code mq_receive} (glibc's own are exactly that
 * call), and a timeout already past makes them non-blocking per call.
 */
public final class Mqueue {
    private Mqueue() {}

    /** {@code struct mq_attr { long mq_flags, mq_maxmsg, mq_msgsize, mq_curmsgs; long __pad[4]; }}. */
    public static final Libc.CStruct MQ_ATTR = Libc.struct("mqueue.h", "struct mq_attr",
            C_LONG.withName("mq_flags"), C_LONG.withName("mq_maxmsg"), C_LONG.withName("mq_msgsize"),
            C_LONG.withName("mq_curmsgs"), MemoryLayout.sequenceLayout(4, C_LONG).withName("__pad"));
    public static final long MQ_ATTR_SIZE = MQ_ATTR.layout().byteSize();
    public static final long MQ_FLAGS = MQ_ATTR.offset("mq_flags");
    public static final long MQ_MAXMSG = MQ_ATTR.offset("mq_maxmsg");
    public static final long MQ_MSGSIZE = MQ_ATTR.offset("mq_msgsize");
    public static final long MQ_CURMSGS = MQ_ATTR.offset("mq_curmsgs");

    /** Priorities are {@code 0 .. MQ_PRIO_MAX - 1} ({@code sysconf(_SC_MQ_PRIO_MAX)} on Linux). */
    public static final int MQ_PRIO_MAX = 32768;

    // mq_open is variadic: mode and attr go through the variadic ABI.
    private static final MethodHandle MQ_OPEN = Libc.downcall("mq_open",
            FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_INT, C_POINTER), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle MQ_UNLINK = Libc.downcall("mq_unlink", FunctionDescriptor.of(C_INT, C_POINTER));
    private static final MethodHandle MQ_GETATTR = Libc.downcall("mq_getattr", FunctionDescriptor.of(C_INT, C_INT, C_POINTER));
    private static final MethodHandle MQ_SETATTR = Libc.downcall("mq_setattr",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_POINTER));
    // Normal (not critical) downcalls: they sleep in the kernel while the queue is full/empty.
    private static final MethodHandle MQ_TIMEDSEND = Libc.downcall("mq_timedsend",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_SIZE_T, C_INT, C_POINTER));
    private static final MethodHandle MQ_TIMEDRECEIVE = Libc.downcall("mq_timedreceive",
            FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_SIZE_T, C_POINTER, C_POINTER));
    // Without the errno capture, for a null state (see Errnos.UNCAPTURED).
    private static final MethodHandle MQ_TIMEDSEND_PLAIN = Libc.plainDowncall("mq_timedsend",
            FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_SIZE_T, C_INT, C_POINTER));
    private static final MethodHandle MQ_TIMEDRECEIVE_PLAIN = Libc.plainDowncall("mq_timedreceive",
            FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_SIZE_T, C_POINTER, C_POINTER));

    /**
     * {@code mqd_t mq_open(const char *name, int oflag, mode_t mode, struct mq_attr *attr)};
     * {@code attr} may be {@link MemorySegment#NULL} for the system defaults.
     */
    public static int mq_open(MemorySegment name, int oflag, int mode, MemorySegment attr) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) MQ_OPEN.invokeExact(state, name, oflag, mode, attr);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int mq_unlink(const char *name)}. */
    public static int mq_unlink(MemorySegment name) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) MQ_UNLINK.invokeExact(state, name);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int mq_getattr(mqd_t mqdes, struct mq_attr *attr)}. */
    public static int mq_getattr(int mqdes, MemorySegment attr) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) MQ_GETATTR.invokeExact(state, mqdes, attr);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code int mq_setattr(mqd_t mqdes, const struct mq_attr *newattr, struct mq_attr *oldattr)}. */
    public static int mq_setattr(int mqdes, MemorySegment newAttr, MemorySegment oldAttr) {
        MemorySegment state = Libc.callState();
        try {
            int r = (int) MQ_SETATTR.invokeExact(state, mqdes, newAttr, oldAttr);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /**
     * {@code int mq_timedsend(mqd_t mqdes, const char *msg_ptr, size_t msg_len, unsigned int
     * msg_prio, const struct timespec *abs_timeout)}: {@code abs_timeout} is an absolute {@code
     * CLOCK_REALTIME} time, used only if the call would sleep (ETIMEDOUT once it has passed, at
     * once for a time already past); {@link MemorySegment#NULL} for none, as {@code mq_send}.
     */
    public static int mq_timedsend(int mqdes, MemorySegment msg, long length, int priority, MemorySegment absTimeout) {
        return mq_timedsend(Libc.callState(), mqdes, msg, length, priority, absTimeout);
    }

    /**
     * {@link #mq_timedsend(int, MemorySegment, long, int, MemorySegment)} with the thread's errno
     * capture segment passed in; {@code null} makes the call without it, and a failure is then
     * {@code -Errnos.UNCAPTURED}.
     */
    public static int mq_timedsend(MemorySegment state, int mqdes, MemorySegment msg, long length, int priority,
                                   MemorySegment absTimeout) {
        try {
            if (state == null) {
                int r = (int) MQ_TIMEDSEND_PLAIN.invokeExact(mqdes, msg, length, priority, absTimeout);
                return r < 0 ? -Errnos.UNCAPTURED : r;
            }
            int r = (int) MQ_TIMEDSEND.invokeExact(state, mqdes, msg, length, priority, absTimeout);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /**
     * {@code ssize_t mq_timedreceive(mqd_t mqdes, char *msg_ptr, size_t msg_len, unsigned int
     * *msg_prio, const struct timespec *abs_timeout)}: the timeout as for {@link #mq_timedsend};
     * {@link MemorySegment#NULL} for none, as {@code mq_receive}. {@code priority} may be
     * {@link MemorySegment#NULL}.
     */
    public static long mq_timedreceive(int mqdes, MemorySegment msg, long length, MemorySegment priority,
                                       MemorySegment absTimeout) {
        return mq_timedreceive(Libc.callState(), mqdes, msg, length, priority, absTimeout);
    }

    /** {@link #mq_timedreceive(int, MemorySegment, long, MemorySegment, MemorySegment)} with a capture segment, as {@code mq_timedsend}'s. */
    public static long mq_timedreceive(MemorySegment state, int mqdes, MemorySegment msg, long length,
                                       MemorySegment priority, MemorySegment absTimeout) {
        try {
            if (state == null) {
                long r = (long) MQ_TIMEDRECEIVE_PLAIN.invokeExact(mqdes, msg, length, priority, absTimeout);
                return r < 0 ? -Errnos.UNCAPTURED : r;
            }
            long r = (long) MQ_TIMEDRECEIVE.invokeExact(state, mqdes, msg, length, priority, absTimeout);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }
}
