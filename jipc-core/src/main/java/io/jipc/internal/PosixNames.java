package io.jipc.internal;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The one set of rules for POSIX IPC names — message queues ({@code mq_open}), named semaphores
 * ({@code sem_open}) and shared-memory objects ({@code shm_open}): one leading slash, then 1 to
 * 255 bytes (NAME_MAX, counted in UTF-8) with no other slash and no NUL, and neither {@code .}
 * nor {@code ..}. glibc and Linux accept exactly these for all three (each lives as a file in its
 * own flat file system), so a name that passes here is one a C program can open too.
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/mq_overview.7.html">mq_overview(7)</a>
 * @see <a href="https://man7.org/linux/man-pages/man7/sem_overview.7.html">sem_overview(7)</a>
 * @see <a href="https://man7.org/linux/man-pages/man3/shm_open.3.html">shm_open(3)</a>
 */
public final class PosixNames {
    private PosixNames() {}

    public static final int NAME_MAX = 255;

    /**
     * Checks a name.
     *
     * @param kind    what is named, for the message ("queue", "semaphore", "shared-memory object")
     * @param example a good name of that kind, for the message ("/jobs")
     * @throws IllegalArgumentException saying what is wrong and what is allowed
     */
    public static void check(String name, String kind, String example) {
        Objects.requireNonNull(name, "name");
        String rule = " (a POSIX " + kind + " name is one leading slash followed by 1 to " + NAME_MAX
                + " bytes with no other slash and no NUL, e.g. " + example + ")";
        if (!name.startsWith("/")) {
            throw new IllegalArgumentException(kind + " name \"" + name + "\" does not start with a slash" + rule);
        }
        String rest = name.substring(1);
        if (rest.isEmpty()) {
            throw new IllegalArgumentException(kind + " name \"/\" is empty after the slash" + rule);
        }
        if (rest.indexOf('/') >= 0) {
            throw new IllegalArgumentException(kind + " name \"" + name + "\" has a slash after the first" + rule);
        }
        if (rest.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(kind + " name contains a NUL character" + rule);
        }
        if (rest.equals(".") || rest.equals("..")) {
            throw new IllegalArgumentException(kind + " name \"" + name + "\" is reserved" + rule);
        }
        int bytes = rest.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > NAME_MAX) {
            throw new IllegalArgumentException(kind + " name is " + bytes + " bytes after the slash, more than NAME_MAX "
                    + NAME_MAX + rule);
        }
    }
}
