package io.jipc.internal.libc;

import static io.jipc.internal.libc.Libc.C_INT;
import static io.jipc.internal.libc.Libc.C_LONG;
import static io.jipc.internal.libc.Libc.C_POINTER;
import static io.jipc.internal.libc.Libc.C_SIZE_T;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.ref.Reference;

/**
 * {@code <sys/uio.h>}: preadv2/pwritev2, for their per-call {@code RWF_NOWAIT} (a non-blocking
 * read or write on a blocking open file description). Raw results, {@code -errno} on failure.
 *
 * <p>The iovec carries the buffer's raw address, which the linker does not see: it keeps alive
 * and checks only the segments passed as arguments. So these wrappers check what the linker
 * would have checked (the buffer is native, alive, accessible by this thread, and the range lies
 * inside it) and hold the buffer reachable with {@link Reference#reachabilityFence} until the
 * call has returned, so that an automatic arena cannot free it meanwhile. What no fence can stop
 * is another thread closing a shared arena during the call; as for the socket calls' msghdr,
 * the window is one call that never sleeps ({@code RWF_NOWAIT}).
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/preadv2.2.html">preadv2(2)</a>
 */
public final class Uio {
    private Uio() {}

    /** {@code struct iovec { void *iov_base; size_t iov_len; }}. */
    public static final Libc.CStruct IOVEC = Libc.struct("sys/uio.h", "struct iovec",
            C_POINTER.withName("iov_base"), C_SIZE_T.withName("iov_len"));
    public static final long IOVEC_SIZE = IOVEC.layout().byteSize();
    public static final long IOV_BASE = IOVEC.offset("iov_base");
    public static final long IOV_LEN = IOVEC.offset("iov_len");

    /** Fail with EAGAIN instead of waiting (Linux 4.14+; pipes 5.x+; EOPNOTSUPP where unsupported). */
    public static final int RWF_NOWAIT = 0x00000008;

    private static final MethodHandle PREADV2 = Libc.downcall("preadv2",
            FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_INT, C_LONG, C_INT));
    private static final MethodHandle PWRITEV2 = Libc.downcall("pwritev2",
            FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_INT, C_LONG, C_INT));

    /**
     * {@code preadv2(fd, iov, 1, -1, flags)} with the one {@code iov} (scratch of at least
     * {@link #IOVEC_SIZE} bytes) set here to {@code count} bytes at {@code offset} of native
     * segment {@code buf} (file offset -1: the current position, as read(2)).
     *
     * @throws IndexOutOfBoundsException if the range is outside {@code buf}, or it is not native
     * @throws IllegalStateException     if {@code buf}'s arena is closed
     * @throws WrongThreadException      if {@code buf} is confined to another thread
     */
    public static long preadv2(int fd, MemorySegment iov, MemorySegment buf, long offset, long count, int flags) {
        setIovec(iov, buf, offset, count);
        MemorySegment state = Libc.callState();
        try {
            long r = (long) PREADV2.invokeExact(state, fd, iov, 1, -1L, flags);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        } finally {
            Reference.reachabilityFence(buf);
        }
    }

    /** {@code pwritev2(fd, iov, 1, -1, flags)}, the iovec set and checked as {@link #preadv2} does. */
    public static long pwritev2(int fd, MemorySegment iov, MemorySegment buf, long offset, long count, int flags) {
        setIovec(iov, buf, offset, count);
        MemorySegment state = Libc.callState();
        try {
            long r = (long) PWRITEV2.invokeExact(state, fd, iov, 1, -1L, flags);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        } finally {
            Reference.reachabilityFence(buf);
        }
    }

    private static void setIovec(MemorySegment iov, MemorySegment buf, long offset, long count) {
        if (!buf.isNative() || offset < 0 || count < 0 || offset > buf.byteSize() - count) {
            throw new IndexOutOfBoundsException("iovec outside the buffer: " + offset + "+" + count + " of " + buf);
        }
        if (!buf.scope().isAlive()) {
            throw new IllegalStateException("Already closed");
        }
        if (!buf.isAccessibleBy(Thread.currentThread())) {
            throw new WrongThreadException("Attempted access outside owning thread");
        }
        // A long for the pointer: no MemorySegment to allocate; jipc runs on 64-bit Linux only.
        iov.set(ValueLayout.JAVA_LONG, IOV_BASE, buf.address() + offset);
        iov.set(ValueLayout.JAVA_LONG, IOV_LEN, count);
    }
}
