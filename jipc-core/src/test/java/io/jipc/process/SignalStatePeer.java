package io.jipc.process;

import io.jipc.internal.libc.SignalH;
import io.jipc.internal.libc.Spawn;
import io.jipc.internal.libc.Wait;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Runs in a second JVM (it changes process-wide signal state): ignores SIGINT and SIGTTIN, blocks
 * SIGINT and SIGUSR2 in its main thread, then starts the C probe's {@code sigstate} twice — once
 * with a bare posix_spawn (which passes that state on, showing the setup works) and once with
 * ChildProcess (which must not). Both children write to this JVM's standard output.
 */
public final class SignalStatePeer {
    private SignalStatePeer() {}

    public static void main(String[] args) throws Exception {
        String probe = args[0];
        try (Arena a = Arena.ofConfined()) {
            MemorySegment act = a.allocate(SignalH.SIGACTION.layout());
            act.set(ValueLayout.ADDRESS, SignalH.SA_HANDLER, MemorySegment.ofAddress(SignalH.SIG_IGN));
            SignalH.sigemptyset(act.asSlice(SignalH.SA_MASK, SignalH.SIGSET_SIZE));
            check(SignalH.sigaction(2, act, MemorySegment.NULL), "sigaction(SIGINT)");
            check(SignalH.sigaction(21, act, MemorySegment.NULL), "sigaction(SIGTTIN)");
            MemorySegment set = a.allocate(SignalH.SIGSET.layout());
            SignalH.sigemptyset(set);
            SignalH.sigaddset(set, 2);
            SignalH.sigaddset(set, 12);
            check(SignalH.pthread_sigmask(SignalH.SIG_BLOCK, set, MemorySegment.NULL), "pthread_sigmask");

            say("bare posix_spawn:");
            MemorySegment argv = a.allocate(ValueLayout.ADDRESS, 3);
            argv.setAtIndex(ValueLayout.ADDRESS, 0, a.allocateFrom(probe));
            argv.setAtIndex(ValueLayout.ADDRESS, 1, a.allocateFrom("sigstate"));
            argv.setAtIndex(ValueLayout.ADDRESS, 2, MemorySegment.NULL);
            MemorySegment pid = a.allocate(ValueLayout.JAVA_INT);
            check(Spawn.posix_spawn(pid, a.allocateFrom(probe), MemorySegment.NULL, MemorySegment.NULL, argv,
                    Spawn.environ()), "posix_spawn");
            check(Wait.waitid(Wait.P_PID, pid.get(ValueLayout.JAVA_INT, 0), a.allocate(Wait.SIGINFO.layout()),
                    Wait.WEXITED), "waitid");

            say("ChildProcess:");
            try (ChildProcess child = ChildProcess.builder(probe, "sigstate").start()) {
                say("status " + child.waitFor());
            }
        }
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    private static void check(int r, String what) {
        if (r < 0) {
            throw new IllegalStateException(what + " failed: errno " + -r);
        }
    }
}
