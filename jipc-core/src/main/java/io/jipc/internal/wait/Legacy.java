package io.jipc.internal.wait;

import io.jipc.Fd;
import io.jipc.IpcException;

/** TEMPORARY: the old Fd wait protocol on the new primitives, while mechanisms move to Operation. */
public final class Legacy {
    private Legacy() {}

    public static final int SMALL_TRANSFER = 4096;

    public static boolean await(Fd fd, short events, long deadline, String call) throws IpcException {
        Handle h = Handles.of(fd);
        int n = h.acquire(call);
        try {
            return Waiter.current().awaitReady(h, n, events, deadline, call);
        } finally {
            h.release();
        }
    }

    public static boolean beginKernelWait(Fd fd) {
        return Waiter.current().beginKernelWait(Handles.of(fd), Deadline.FOREVER);
    }

    public static void endKernelWait(Fd fd) {
        Waiter.current().endKernelWait(Handles.of(fd));
    }

    public static void checkOpen(Fd fd, String call) throws IpcException {
        Handles.of(fd).checkOpen(call);
    }

    public static void checkWake(Fd fd, String call) throws IpcException {
        Handles.of(fd).checkWake(call);
    }

    public static int closeEventFd(Fd fd) throws IpcException {
        return Handles.of(fd).closeEventFd();
    }
}
