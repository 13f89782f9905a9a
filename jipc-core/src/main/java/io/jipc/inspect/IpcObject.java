package io.jipc.inspect;

import io.jipc.IpcKey;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * An IPC object that exists on the system, as {@link Inventory} found it.
 *
 * @param type       what it is
 * @param name       its name: a POSIX name ({@code /jobs}), a socket's address (a path or {@code
 *                   @abstract}), a locked file's path; empty for System V objects
 * @param id         a System V object's id (msqid, semid, shmid); a socket's inode
 * @param key        a System V object's key
 * @param ownerUid   its owner's uid
 * @param mode       its permission bits, e.g. {@code 0600}
 * @param size       its size in bytes (shared memory; the bytes queued in a message queue)
 * @param counts     what else the kernel counts, in snake_case as {@code jipc ls --json} prints
 *                   them: {@code messages}, {@code max_messages}, {@code message_size}, {@code
 *                   value}, {@code semaphores}, {@code attached}, {@code start}, {@code end}...
 * @param labels     words that describe it: {@code socket_type}, {@code state}, {@code lock_kind}, {@code lock_type}
 * @param processes  the processes it names (creator, last users) and those that have it open,
 *                   mapped or held now, as far as this process may look (another user's
 *                   descriptors need privilege)
 * @param stale      whether it is left over: every process it names is dead and nothing has it
 *                   open, mapped or attached (see {@link Inventory})
 * @see <a href="https://man7.org/linux/man-pages/man1/ipcs.1.html">ipcs(1)</a>
 * @see <a href="https://man7.org/linux/man-pages/man7/sysvipc.7.html">sysvipc(7)</a>
 */
public record IpcObject(ObjectType type, Optional<String> name, OptionalLong id, Optional<IpcKey> key,
                        OptionalInt ownerUid, OptionalInt mode, OptionalLong size, Map<String, Long> counts,
                        Map<String, String> labels, List<ProcessRef> processes, boolean stale) {
    public IpcObject {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(key, "key");
        counts = Collections.unmodifiableMap(new LinkedHashMap<>(counts));
        labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
        processes = List.copyOf(processes);
    }

    /** How {@code jipc rm} names it: {@code mq:/jobs}, {@code sysv-shm:32769}; empty for sockets and locks. */
    public Optional<String> reference() {
        if (!type.removable()) {
            return Optional.empty();
        }
        return Optional.of(type.cliName() + ":" + (name.isPresent() ? name.get() : Long.toString(id.orElseThrow())));
    }
}
