package io.jipc.process;

import io.jipc.Fd;
import io.jipc.IpcException;
import io.jipc.ObjectClosedException;
import io.jipc.internal.ServiceDescriptors;
import io.jipc.internal.libc.Eventfd;
import io.jipc.internal.libc.Unistd;
import io.jipc.internal.libc.Poll;
import io.jipc.internal.libc.Wait;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * One daemon thread that reaps children nobody waits for any more (detached on close, or found
 * unreachable by the Cleaner): it sleeps in poll(2) on their pidfds plus its own wake-up eventfd,
 * and reaps and closes each pidfd as its child exits. Started on first use. It waits on many
 * objects at once and is never closed nor interrupted, so it is not a wait of jipc's engine but
 * a poll loop of its own, like an event loop.
 */
final class Reaper {
    private Reaper() {}

    private static final ConcurrentLinkedQueue<Fd> INCOMING = new ConcurrentLinkedQueue<>();
    /** The reaper thread's wake-up eventfd: -1 until started, -2 if eventfd failed (it then polls every 100 ms). */
    private static int wakeFd = -1;
    private static final MemorySegment ONE = Arena.global().allocate(ValueLayout.JAVA_LONG);

    static {
        ONE.set(ValueLayout.JAVA_LONG, 0, 1L);
    }
    private static volatile int watching;

    /** Takes ownership of a pidfd: the reaper reaps its child and closes it. */
    static void adopt(Fd pidfd) {
        INCOMING.add(pidfd);
        wake();
    }

    /** How many children the reaper waits for now (for tests and diagnostics). */
    static int pending() {
        return watching + INCOMING.size();
    }

    private static synchronized void wake() {
        if (wakeFd == -1) {
            int ev = Eventfd.eventfd(0, Eventfd.EFD_CLOEXEC | Eventfd.EFD_NONBLOCK);
            wakeFd = ev < 0 ? -2 : ev;
            if (ev >= 0) {
                ServiceDescriptors.add(ev);
            }
            int own = wakeFd;
            Thread.ofPlatform().daemon().name("jipc-child-reaper").start(() -> loop(own));
        }
        if (wakeFd >= 0) {
            Unistd.write(wakeFd, ONE, 8);
        }
    }

    private static void loop(int own) {
        List<Fd> watched = new ArrayList<>();
        MemorySegment info = Arena.ofAuto().allocate(Wait.SIGINFO.layout());
        MemorySegment counter = Arena.ofAuto().allocate(ValueLayout.JAVA_LONG);
        MemorySegment fds = MemorySegment.NULL;
        int capacity = 0;
        while (true) {
            for (Fd fd; (fd = INCOMING.poll()) != null; ) {
                watched.add(fd);
            }
            watched.removeIf(fd -> reaped(fd, info));
            watching = watched.size();
            int n = watched.size() + 1;
            if (n > capacity) {
                capacity = Math.max(16, n * 2);
                fds = Arena.ofAuto().allocate(Poll.POLLFD_SIZE * capacity, 8);
            }
            fds.set(ValueLayout.JAVA_INT, Poll.POLLFD_FD, own);
            fds.set(ValueLayout.JAVA_SHORT, Poll.POLLFD_EVENTS, Poll.POLLIN);
            int acquired = 0;
            try {
                for (Fd fd : watched) {
                    long at = Poll.POLLFD_SIZE * (acquired + 1);
                    fds.set(ValueLayout.JAVA_INT, at + Poll.POLLFD_FD, fd.acquire("poll"));
                    fds.set(ValueLayout.JAVA_SHORT, at + Poll.POLLFD_EVENTS, Poll.POLLIN);
                    acquired++;
                }
                Poll.poll(fds, n, own < 0 ? 100 : -1);
            } catch (ObjectClosedException e) {
                // Only this thread closes what it watches; nothing to do but go round again.
            } finally {
                for (int i = 0; i < acquired; i++) {
                    watched.get(i).release();
                }
            }
            if (own >= 0) {
                Unistd.read(own, counter, 8);
            }
        }
    }

    /** Reaps if the child has exited; closes the pidfd when done (or when it cannot be waited for). */
    private static boolean reaped(Fd fd, MemorySegment info) {
        try {
            int n = fd.acquire("waitid");
            boolean done;
            try {
                done = ChildProcess.waitNoHang(n, info, fd.label()) != null;
            } finally {
                fd.release();
            }
            if (done) {
                fd.close();
            }
            return done;
        } catch (IpcException e) {
            fd.close();
            return true;
        }
    }
}
