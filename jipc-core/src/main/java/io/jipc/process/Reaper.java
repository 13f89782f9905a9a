package io.jipc.process;

import io.jipc.Fd;
import io.jipc.IpcException;
import io.jipc.ObjectClosedException;
import io.jipc.internal.ThreadWaker;
import io.jipc.internal.libc.Poll;
import io.jipc.internal.libc.Wait;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;

/**
 * One daemon thread that reaps children nobody waits for any more (detached on close, or found
 * unreachable by the Cleaner): it sleeps in poll(2) on their pidfds plus its own wake-up eventfd,
 * and reaps and closes each pidfd as its child exits. Started on first use.
 */
final class Reaper {
    private Reaper() {}

    private static final ConcurrentLinkedQueue<Fd> INCOMING = new ConcurrentLinkedQueue<>();
    private static ThreadWaker waker;
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
        if (waker == null) {
            CountDownLatch started = new CountDownLatch(1);
            ThreadWaker[] created = new ThreadWaker[1];
            Thread.ofPlatform().daemon().name("jipc-child-reaper").start(() -> {
                try {
                    created[0] = ThreadWaker.current();
                } catch (IpcException e) {
                    created[0] = null;
                } finally {
                    started.countDown();
                }
                loop(created[0]);
            });
            boolean interrupted = false;
            while (true) {
                try {
                    started.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            if (created[0] == null) {
                return; // no eventfd: the loop polls with a timeout instead, nothing to wake
            }
            waker = created[0];
        }
        waker.wakeup();
    }

    private static void loop(ThreadWaker own) {
        List<Fd> watched = new ArrayList<>();
        MemorySegment info = Arena.ofAuto().allocate(Wait.SIGINFO.layout());
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
            fds.set(ValueLayout.JAVA_INT, Poll.POLLFD_FD, own == null ? -1 : own.eventFd());
            fds.set(ValueLayout.JAVA_SHORT, Poll.POLLFD_EVENTS, Poll.POLLIN);
            int acquired = 0;
            try {
                for (Fd fd : watched) {
                    long at = Poll.POLLFD_SIZE * (acquired + 1);
                    fds.set(ValueLayout.JAVA_INT, at + Poll.POLLFD_FD, fd.acquire("poll"));
                    fds.set(ValueLayout.JAVA_SHORT, at + Poll.POLLFD_EVENTS, Poll.POLLIN);
                    acquired++;
                }
                Poll.poll(fds, n, own == null ? 100 : -1);
            } catch (ObjectClosedException e) {
                // Only this thread closes what it watches; nothing to do but go round again.
            } finally {
                for (int i = 0; i < acquired; i++) {
                    watched.get(i).release();
                }
            }
            if (own != null) {
                own.drain();
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
