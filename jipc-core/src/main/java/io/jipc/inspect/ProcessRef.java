package io.jipc.inspect;

import java.util.Objects;
import java.util.Optional;

/**
 * A process an object names or is used by, and in what role.
 *
 * @param role    {@code creator}, {@code last} (last attach/detach), {@code last_send}, {@code
 *                last_receive}, {@code last_op} (last semop on one of a set's semaphores), {@code
 *                notify} (registered with mq_notify), {@code user} (has it open or mapped now),
 *                {@code holder} (of a lock or socket)
 * @param pid     its process id
 * @param command its name ({@code /proc/PID/comm}), when it is alive and could be read
 * @param alive   whether a process with this pid exists now (pids are reused: a live pid may be another process)
 * @see <a href="https://man7.org/linux/man-pages/man5/proc.5.html">proc(5)</a>
 */
public record ProcessRef(String role, long pid, Optional<String> command, boolean alive) {
    public ProcessRef {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(command, "command");
    }

    /** {@code 1234 (java)}, or {@code 1234 (dead)}. */
    @Override
    public String toString() {
        return pid + (alive ? command.map(c -> " (" + c + ")").orElse("") : " (dead)");
    }
}
