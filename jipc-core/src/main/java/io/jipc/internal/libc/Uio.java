package io.jipc.internal.libc;

import static io.jipc.internal.libc.Libc.C_LONG;
import static io.jipc.internal.libc.Libc.C_POINTER;
import static io.jipc.internal.libc.Libc.C_SIZE_T;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * {@code <sys/uio.h>}: preadv2/pwritev2, for their per-call {@code RWF_NOWAIT} (a non-blocking
 * read or write on a blocking open file description). Raw results, {@code -errno} on failure.
 *
 * <p>The iovec carries the buffer's raw address, which the linker does not see: it keeps alive
 * and checks only the segments passed as arguments. So these wrappers check what the linker
 * would have checked (the buffer is native, alive, accessible by this thread, and the range lies
 * inside it), and they make the system call through {@code syscall(2)} with the buffer as one
 * more, unused, variadic argument: the linker then holds the buffer's arena for the call as it
 * does for write(2)'s buffer, so another thread closing a shared arena (a {@code Mapping}) during
 * the call is refused until it returns, and the pages cannot be unmapped under the kernel (the
 * call failed with EFAULT, or read and wrote whatever was mapped there next). C allows extra
 * arguments to a variadic function; syscall(2) reads the six it needs.
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

    /** SYS_preadv2 and SYS_pwritev2: 327 and 328 on x86_64, 286 and 287 on aarch64 (the generic table). */
    public static final long SYS_preadv2 = Libc.AARCH64 ? 286 : 327;
    public static final long SYS_pwritev2 = Libc.AARCH64 ? 287 : 328;

    // long syscall(long number, ...): fd, iov, iovcnt, pos_l, pos_h, flags, and the buffer the iov
    // points into, which only the linker reads (it holds the buffer's arena until the call returns).
    private static final MethodHandle RWV2 = Libc.downcall("syscall",
            FunctionDescriptor.of(C_LONG, C_LONG, C_LONG, C_POINTER, C_LONG, C_LONG, C_LONG, C_LONG, C_POINTER),
            Linker.Option.firstVariadicArg(1));

    /**
     * {@code preadv2(fd, iov, 1, -1, flags)} (the system call: file offset -1 as its low half, 0
     * as its high half, as glibc passes it on 64-bit Linux) with the one {@code iov} (scratch of at least
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
            long r = (long) RWV2.invokeExact(state, SYS_preadv2, (long) fd, iov, 1L, -1L, 0L, (long) flags, buf);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /** {@code pwritev2(fd, iov, 1, -1, flags)}, the iovec set and checked as {@link #preadv2} does. */
    public static long pwritev2(int fd, MemorySegment iov, MemorySegment buf, long offset, long count, int flags) {
        setIovec(iov, buf, offset, count);
        MemorySegment state = Libc.callState();
        try {
            long r = (long) RWV2.invokeExact(state, SYS_pwritev2, (long) fd, iov, 1L, -1L, 0L, (long) flags, buf);
            return r < 0 ? -Libc.errno(state) : r;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
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
