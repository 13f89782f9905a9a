package io.jipc.process;

import io.jipc.signal.Signal;
import io.jipc.signal.Signals;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Runs as the first process of a new pid namespace (unshare --pid --fork --mount-proc), where it
 * can make the kernel hand a dead child's pid to the next child (by writing ns_last_pid): then a
 * pidfd of the first child must not reach the second, and a plain kill of the number does.
 * Prints "reused PID", "pidfd signal: false", "second alive: true", "kill: SIGTERM".
 */
public final class PidReusePeer {
    private PidReusePeer() {}

    public static void main(String[] args) throws Exception {
        Path lastPid = Path.of("/proc/sys/kernel/ns_last_pid");
        for (int attempt = 0; attempt < 50; attempt++) {
            try (ChildProcess first = ChildProcess.builder("/bin/sh", "-c", "exit 0").start()) {
                first.waitFor(); // reaped: its pid is free, its pidfd still open here
                long pid = first.pid();
                Files.writeString(lastPid, Long.toString(pid - 1));
                try (ChildProcess second = ChildProcess.builder("/bin/sleep", "60").start()) {
                    if (second.pid() != pid) {
                        continue; // a thread of this JVM took the number first: again
                    }
                    System.out.println("reused " + pid);
                    System.out.println("pidfd signal: " + first.signal(Signal.SIGTERM));
                    System.out.println("pidfd queue: " + first.queue(Signal.SIGTERM, 1));
                    System.out.println("second alive: " + second.tryWaitFor(Duration.ofMillis(300)).isEmpty());
                    Signals.send(pid, Signal.SIGTERM);
                    System.out.println("kill: " + second.waitFor());
                    return;
                }
            }
        }
        System.out.println("no pid was reused in 50 attempts");
        System.exit(1);
    }
}
