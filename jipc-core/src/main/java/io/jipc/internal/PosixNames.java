package io.jipc.internal;

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
        // Checked without building anything: a valid name (every call but a refused one) costs
        // no allocation, where the rule's text and a copy of the name cost some 100 ns per open.
        if (!name.startsWith("/")) {
            throw refused(kind, "name \"" + name + "\" does not start with a slash", example);
        }
        if (name.length() == 1) {
            throw refused(kind, "name \"/\" is empty after the slash", example);
        }
        if (name.indexOf('/', 1) >= 0) {
            throw refused(kind, "name \"" + name + "\" has a slash after the first", example);
        }
        if (name.indexOf('\0') >= 0) {
            throw refused(kind, "name contains a NUL character", example);
        }
        if (name.equals("/.") || name.equals("/..")) {
            throw refused(kind, "name \"" + name + "\" is reserved", example);
        }
        int bytes = utf8Length(name) - 1;
        if (bytes > NAME_MAX) {
            throw refused(kind, "name is " + bytes + " bytes after the slash, more than NAME_MAX " + NAME_MAX, example);
        }
    }

    private static IllegalArgumentException refused(String kind, String what, String example) {
        return new IllegalArgumentException(kind + " " + what + " (a POSIX " + kind + " name is one leading slash"
                + " followed by 1 to " + NAME_MAX + " bytes with no other slash and no NUL, e.g. " + example + ")");
    }

    /** The length of {@code s} in UTF-8 (an unpaired surrogate counts as the '?' it is encoded as). */
    private static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += Character.isSurrogate(c) ? 1 : 3;
            }
        }
        return n;
    }
}
