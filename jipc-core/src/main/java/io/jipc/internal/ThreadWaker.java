package io.jipc.internal;

import io.jipc.IpcException;
import io.jipc.internal.libc.Eventfd;
import io.jipc.internal.libc.Libc;
import io.jipc.internal.libc.Unistd;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Cleaner;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One eventfd per thread that ever blocks in jipc, written when that thread is interrupted, so
 * that a poll(2) it sleeps in returns at once.
 *
 * <p>Why per thread: a wake descriptor shared by all the threads waiting on one object would have
 * to be drained by someone, and a drain by thread A can swallow the wake meant for thread B. Here
 * only the owner drains its own eventfd.
 *
 * <p>The interrupt reaches the eventfd through {@link InterruptHook}.
 */
public final class ThreadWaker extends InterruptHook {
    private static final Cleaner CLEANER = Cleaner.create();
    private static final Set<Integer> LIVE = ConcurrentHashMap.newKeySet();
    private static final ThreadLocal<ThreadWaker> CURRENT = new ThreadLocal<>();

    private final int eventFd;
    private final AtomicBoolean posted = new AtomicBoolean();
    private final MemorySegment counter = Arena.ofAuto().allocate(ValueLayout.JAVA_LONG);
    /** Scratch for the waits of this thread: three struct pollfd, reused by every wait. */
    private final MemorySegment pollFds = Arena.ofAuto().allocate(io.jipc.internal.libc.Poll.POLLFD_SIZE * 3, 8);

    private ThreadWaker(int eventFd) {
        this.eventFd = eventFd;
        LIVE.add(eventFd);
        CLEANER.register(this, () -> {
            LIVE.remove(eventFd);
            Unistd.close(eventFd);
        });
    }

    /** The calling thread's waker, created on its first blocking wait. */
    public static ThreadWaker current() throws IpcException {
        ThreadWaker w = CURRENT.get();
        if (w == null) {
            int fd = Eventfd.eventfd(0, Eventfd.EFD_CLOEXEC | Eventfd.EFD_NONBLOCK);
            if (fd < 0) {
                throw IpcException.of("eventfd", "interrupt wake-up", -fd);
            }
            w = new ThreadWaker(fd);
            CURRENT.set(w);
        }
        return w;
    }

    /**
     * The descriptors held by live wakers: they belong to threads, not to any object, so the
     * test suite's leak guard leaves them out.
     */
    public static Set<Integer> liveDescriptors() {
        return Set.copyOf(LIVE);
    }

    /** Three struct pollfd of scratch for this thread's waits. */
    public MemorySegment pollFds() {
        return pollFds;
    }

    public int eventFd() {
        return eventFd;
    }

    /** Marks the start of an interruptible wait; an interrupt already pending writes at once. */
    public void enter() {
        beginInterruptible();
    }

    /** Marks the end of the wait and drains what an interrupt wrote, so the next wait sleeps. */
    public void exit() {
        endInterruptible();
        drain();
    }

    /** Reads the eventfd back to zero if an interrupt wrote it. */
    public void drain() {
        if (posted.compareAndSet(true, false)) {
            Unistd.read(eventFd, counter, 8);
        }
    }

    @Override
    protected void onInterrupt() {
        if (posted.compareAndSet(false, true)) {
            // Runs on the interrupting thread: writes a shared constant, reads nothing.
            Unistd.write(eventFd, ONE, 8);
        }
    }

    private static final MemorySegment ONE = Arena.global().allocate(ValueLayout.JAVA_LONG);

    static {
        ONE.set(ValueLayout.JAVA_LONG, 0, 1L);
    }
}
