package io.jipc.process;

import io.jipc.Fd;
import io.jipc.IpcException;
import io.jipc.internal.libc.Fcntl;
import io.jipc.internal.libc.Unistd;
import io.jipc.internal.libc.SignalH;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Runs in a second JVM that sets SIGCHLD to SIG_IGN (the kernel then reaps children itself):
 * a wait must end with a clear ECHILD error instead of hanging or inventing a status.
 */
public final class SigchldIgnoredPeer {
    private SigchldIgnoredPeer() {}

    public static void main(String[] args) throws Exception {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment act = a.allocate(SignalH.SIGACTION.layout());
            act.set(ValueLayout.ADDRESS, SignalH.SA_HANDLER, MemorySegment.ofAddress(SignalH.SIG_IGN));
            if (SignalH.sigaction(17, act, MemorySegment.NULL) < 0) {
                throw new IllegalStateException("sigaction(SIGCHLD)");
            }
        }
        // The child waits for a line on stdin, so it surely runs when pidfd_open is called.
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ends = a.allocate(ValueLayout.JAVA_INT, 2);
            if (Unistd.pipe2(ends, Fcntl.O_CLOEXEC) < 0) {
                throw new IllegalStateException("pipe2");
            }
            Fd read = Fd.adopt(ends.getAtIndex(ValueLayout.JAVA_INT, 0), "pipe");
            try (Fd write = Fd.adopt(ends.getAtIndex(ValueLayout.JAVA_INT, 1), "pipe");
                    ChildProcess child = ChildProcess.builder("/bin/sh", "-c", "read x; exit 3")
                            .stdin(Redirect.handOver(read)).start()) {
                write.close();
                System.out.println("status " + child.waitFor());
            } catch (IpcException e) {
                System.out.println(e.getMessage());
            }
        }
    }
}
