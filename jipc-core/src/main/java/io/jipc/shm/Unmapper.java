package io.jipc.shm;

import io.jipc.internal.wait.BackOff;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Unmaps the mappings whose segment a system call still held when they were closed. Closing a
 * shared arena fails while a downcall (or NIO I/O on a buffer view) has it acquired; the pages must
 * stay until that call returns, and {@code close()} must not wait for a call that may block for
 * ever. So such a mapping goes to one daemon thread, which closes its arena and unmaps it as soon
 * as it can (it tries every millisecond, backing off to 50 ms).
 */
final class Unmapper {
    private Unmapper() {}

    private static final List<Mapping.Life> PENDING = new ArrayList<>();
    private static Thread thread;

    /** Closes {@code arena}; false if a system call holds it now. */
    static boolean tryClose(Arena arena) {
        try {
            arena.close();
            return true;
        } catch (IllegalStateException held) {
            return false;
        }
    }

    /** Unmaps {@code life} once its arena can be closed. */
    static void later(Mapping.Life life) {
        synchronized (PENDING) {
            PENDING.add(life);
            if (thread == null) {
                thread = Thread.ofPlatform().daemon().name("jipc-unmapper").start(Unmapper::run);
            } else {
                LockSupport.unpark(thread);
            }
        }
    }

    private static void run() {
        int idle = 0;
        while (true) {
            List<Mapping.Life> now;
            synchronized (PENDING) {
                if (PENDING.isEmpty()) {
                    thread = null;
                    return;
                }
                now = new ArrayList<>(PENDING);
            }
            boolean progress = false;
            for (Mapping.Life life : now) {
                if (tryClose(life.arena)) {
                    life.unmap();
                    synchronized (PENDING) {
                        PENDING.remove(life);
                    }
                    progress = true;
                }
            }
            idle = progress ? 0 : idle + 1;
            LockSupport.parkNanos(BackOff.PATIENT.pauseNanos(idle));
        }
    }
}
