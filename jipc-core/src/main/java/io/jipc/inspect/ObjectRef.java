package io.jipc.inspect;

import io.jipc.internal.PosixNames;
import java.util.Objects;

/**
 * An object to remove, as {@code jipc rm} names it: {@code mq:/jobs}, {@code sem:/pool}, {@code
 * shm:/frames}, {@code sysv-msg:ID}, {@code sysv-sem:ID}, {@code sysv-shm:ID}, {@code fifo:PATH}.
 *
 * @param type what it is
 * @param name its POSIX name or the FIFO's path; null for a System V object
 * @param id   a System V object's id; -1 otherwise
 * @see <a href="https://man7.org/linux/man-pages/man1/ipcrm.1.html">ipcrm(1)</a>
 */
public record ObjectRef(ObjectType type, String name, int id) {
    public ObjectRef {
        Objects.requireNonNull(type, "type");
    }

    /**
     * Parses {@code TYPE:NAME} or {@code TYPE:ID}.
     *
     * @throws IllegalArgumentException saying what is wrong and what the forms are
     */
    public static ObjectRef parse(String text) {
        int colon = text.indexOf(':');
        String forms = " (the forms: mq:/NAME, sem:/NAME, shm:/NAME, sysv-msg:ID, sysv-sem:ID, sysv-shm:ID, fifo:PATH)";
        if (colon < 0) {
            throw new IllegalArgumentException("'" + text + "' does not say what it is" + forms);
        }
        ObjectType type;
        try {
            type = ObjectType.ofCliName(text.substring(0, colon));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "': " + e.getMessage() + forms);
        }
        String rest = text.substring(colon + 1);
        return switch (type) {
            case MQ, SEM, SHM -> {
                PosixNames.check(rest, switch (type) {
                    case MQ -> "queue";
                    case SEM -> "semaphore";
                    default -> "shared-memory object";
                }, "/jobs");
                yield new ObjectRef(type, rest, -1);
            }
            case SYSV_MSG, SYSV_SEM, SYSV_SHM -> {
                if (!rest.matches("\\d{1,10}") || Long.parseLong(rest) > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException("'" + text + "': a System V id is a number from 0 to "
                            + Integer.MAX_VALUE + ", as jipc ls and ipcs print it");
                }
                yield new ObjectRef(type, null, Integer.parseInt(rest));
            }
            case FIFO -> {
                if (rest.isEmpty() || rest.indexOf('\0') >= 0) {
                    throw new IllegalArgumentException("'" + text + "': fifo: takes the FIFO's path");
                }
                yield new ObjectRef(type, rest, -1);
            }
            case SOCKET, LOCK -> throw new IllegalArgumentException("'" + text + "': " + type.cliName()
                    + "s are not removed, they go when the processes holding them close them" + forms);
        };
    }

    @Override
    public String toString() {
        return type.cliName() + ":" + (name != null ? name : Integer.toString(id));
    }
}
