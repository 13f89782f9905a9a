package io.jipc.internal;

import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/** Permission bits: {@link PosixFilePermission} sets to the C {@code mode_t} low nine bits and back. */
public final class Modes {
    private Modes() {}

    private static final PosixFilePermission[] BY_BIT = {
        PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
        PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
        PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
    };

    /** jipc's default for every object it creates: {@code 0600}. */
    public static final Set<PosixFilePermission> DEFAULT = Set.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE);

    /** The bits of a permission set ({@code rw-------} is {@code 0600}). */
    public static int toBits(Set<PosixFilePermission> perms) {
        int bits = 0;
        for (int i = 0; i < BY_BIT.length; i++) {
            if (perms.contains(BY_BIT[i])) {
                bits |= 1 << i;
            }
        }
        return bits;
    }

    /** The permission set of the low nine bits of {@code mode}. */
    public static Set<PosixFilePermission> fromBits(int mode) {
        Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
        for (int i = 0; i < BY_BIT.length; i++) {
            if ((mode & (1 << i)) != 0) {
                s.add(BY_BIT[i]);
            }
        }
        return s;
    }

    /** Octal with a leading zero, four digits at least: {@code 0600}. */
    public static String octal(int mode) {
        return String.format("0%03o", mode & 07777);
    }
}
