package io.jipc;

import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * Permission bits between Java and C: a {@link PosixFilePermission} set and the low nine bits of
 * a {@code mode_t}, as {@code open(2)}, {@code mq_open(3)}, {@code msgget(2)} and {@code mkfifo(3)}
 * take them.
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/chmod.2.html">chmod(2)</a>
 * @see <a href="https://man7.org/linux/man-pages/man7/inode.7.html">inode(7)</a>
 */
public final class Perms {
    private Perms() {}

    private static final PosixFilePermission[] BY_BIT = {
        PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
        PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
        PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
    };

    /** jipc's default for every object it creates: {@code 0600}, read and write for the owner alone. */
    public static final Set<PosixFilePermission> DEFAULT = Set.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE);

    /** The mode bits of a permission set ({@code rw-------} is {@code 0600}). */
    public static int toMode(Set<PosixFilePermission> permissions) {
        Objects.requireNonNull(permissions, "permissions");
        int bits = 0;
        for (int i = 0; i < BY_BIT.length; i++) {
            if (permissions.contains(BY_BIT[i])) {
                bits |= 1 << i;
            }
        }
        return bits;
    }

    /** The permission set of the low nine bits of {@code mode} (set-id and sticky bits have no Java name). */
    public static Set<PosixFilePermission> fromMode(int mode) {
        Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
        for (int i = 0; i < BY_BIT.length; i++) {
            if ((mode & (1 << i)) != 0) {
                s.add(BY_BIT[i]);
            }
        }
        return s;
    }

    /** A mode the way {@code ls} and {@code ipcs} readers expect it: octal, four digits, {@code 0600}. */
    public static String octal(int mode) {
        return String.format("0%03o", mode & 07777);
    }
}
