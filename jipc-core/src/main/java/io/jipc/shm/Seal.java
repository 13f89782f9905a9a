package io.jipc.shm;

import io.jipc.internal.libc.Fcntl;
import java.util.EnumSet;
import java.util.Set;

/**
 * A file seal of a {@link MemFd} ({@code F_ADD_SEALS}): a promise the kernel keeps for every
 * process that has the file, so that a receiver can trust what it maps. Seals are only ever
 * added, never removed.
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/fcntl.2.html">fcntl(2), "File Sealing"</a>
 * @see <a href="https://man7.org/linux/man-pages/man2/memfd_create.2.html">memfd_create(2)</a>
 */
public enum Seal {
    /** {@code F_SEAL_SEAL}: no more seals may be added. */
    SEAL(Fcntl.F_SEAL_SEAL),
    /** {@code F_SEAL_SHRINK}: the size may not decrease, so no mapping can lose its pages. */
    SHRINK(Fcntl.F_SEAL_SHRINK),
    /** {@code F_SEAL_GROW}: the size may not increase. */
    GROW(Fcntl.F_SEAL_GROW),
    /**
     * {@code F_SEAL_WRITE}: the contents may not change, through write(2) or any shared mapping;
     * refused (EBUSY) while a writable shared mapping exists anywhere.
     */
    WRITE(Fcntl.F_SEAL_WRITE),
    /**
     * {@code F_SEAL_FUTURE_WRITE} (Linux 5.1): no new writable mapping and no write(2), while the
     * writable mappings made before stay writable (a producer keeps its own, consumers cannot write).
     */
    FUTURE_WRITE(Fcntl.F_SEAL_FUTURE_WRITE);

    final int bit;

    Seal(int bit) {
        this.bit = bit;
    }

    /** The F_SEAL_* name, as fcntl(2) calls it. */
    public String cName() {
        return "F_SEAL_" + name();
    }

    static int bits(Set<Seal> seals) {
        int b = 0;
        for (Seal s : seals) {
            b |= s.bit;
        }
        return b;
    }

    static Set<Seal> of(int bits) {
        Set<Seal> s = EnumSet.noneOf(Seal.class);
        for (Seal seal : values()) {
            if ((bits & seal.bit) != 0) {
                s.add(seal);
            }
        }
        return s;
    }
}
