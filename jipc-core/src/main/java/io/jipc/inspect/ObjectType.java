package io.jipc.inspect;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The kinds of object {@link Inventory} lists and removes, named as {@code jipc ls --type} and {@code jipc rm} name them.
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/sysvipc.7.html">sysvipc(7)</a>
 * @see <a href="https://man7.org/linux/man-pages/man7/mq_overview.7.html">mq_overview(7)</a>
 * @see <a href="https://man7.org/linux/man-pages/man7/sem_overview.7.html">sem_overview(7)</a>
 * @see <a href="https://man7.org/linux/man-pages/man7/shm_overview.7.html">shm_overview(7)</a>
 * @see <a href="https://man7.org/linux/man-pages/man7/unix.7.html">unix(7)</a>
 * @see <a href="https://man7.org/linux/man-pages/man7/fifo.7.html">fifo(7)</a>
 */
public enum ObjectType {
    /** A POSIX message queue ({@code mq_open}), listed from an mqueue mount. */
    MQ("mq"),
    /** A POSIX named semaphore ({@code sem_open}), the file {@code /dev/shm/sem.NAME}. */
    SEM("sem"),
    /** A POSIX shared-memory object ({@code shm_open}), a file in {@code /dev/shm}. */
    SHM("shm"),
    /** A System V message queue, from {@code /proc/sysvipc/msg}. */
    SYSV_MSG("sysv-msg"),
    /** A System V semaphore set, from {@code /proc/sysvipc/sem}. */
    SYSV_SEM("sysv-sem"),
    /** A System V shared-memory segment, from {@code /proc/sysvipc/shm}. */
    SYSV_SHM("sysv-shm"),
    /** A UNIX-domain socket with an address, from {@code /proc/net/unix}. */
    SOCKET("socket"),
    /** A file lock, from {@code /proc/locks}. */
    LOCK("lock"),
    /** A FIFO: removable by path, never listed (a FIFO can be anywhere in the file system). */
    FIFO("fifo");

    private final String cliName;

    ObjectType(String cliName) {
        this.cliName = cliName;
    }

    /** The name on the command line and in JSON: {@code mq}, {@code sysv-shm}... */
    public String cliName() {
        return cliName;
    }

    /** Whether {@link Inventory#list} can list objects of this type (every type but FIFO). */
    public boolean listable() {
        return this != FIFO;
    }

    /** Whether {@link Inventory#remove} can remove objects of this type (sockets and locks go with their holders). */
    public boolean removable() {
        return this != SOCKET && this != LOCK;
    }

    /** The type a command line names, e.g. {@code sysv-msg}. */
    public static ObjectType ofCliName(String name) {
        for (ObjectType t : values()) {
            if (t.cliName.equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown object type '" + name + "': one of "
                + Arrays.stream(values()).map(ObjectType::cliName).collect(Collectors.joining(", ")));
    }
}
