package io.jipc;

import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * Who owns a System V object and who may use it: its {@code struct ipc_perm}, the same for
 * message queues, semaphore sets and shared-memory segments.
 *
 * @param key        the key it was created with ({@link IpcKey#PRIVATE} for a private object)
 * @param ownerUid   owner (uid), who may change and remove it
 * @param ownerGid   owner's group (gid)
 * @param creatorUid creator (cuid)
 * @param creatorGid creator's group (cgid)
 * @param mode       permissions (the low nine bits of mode)
 * @see <a href="https://man7.org/linux/man-pages/man7/sysvipc.7.html">sysvipc(7)</a>
 */
public record IpcPerm(IpcKey key, int ownerUid, int ownerGid, int creatorUid, int creatorGid,
                      Set<PosixFilePermission> mode) {
    public IpcPerm {
        mode = Set.copyOf(mode);
    }

    /** The permissions as octal bits, e.g. {@code 0600} = 384. */
    public int modeBits() {
        return Perms.toMode(mode);
    }
}
