package io.jipc;

import io.jipc.internal.libc.Ipc;
import io.jipc.internal.libc.Stat;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * A System V IPC key: the number that names a message queue, semaphore set or shared-memory
 * segment across processes. Made explicitly ({@link #of(int)}), from a file with {@link
 * #ftok(Path, int)} (as C programs usually do), or {@link #PRIVATE} for an object only its
 * creator and the processes it hands the id to can reach.
 *
 * <p>Keys compare by value; {@link #toString()} shows them as {@code ipcs} does ({@code
 * 0x4a001002}).
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/sysvipc.7.html">sysvipc(7)</a>
 */
public final class IpcKey {
    /** {@code IPC_PRIVATE}: each create makes a new object that no key can find. */
    public static final IpcKey PRIVATE = new IpcKey(Ipc.IPC_PRIVATE);

    private final int value;

    private IpcKey(int value) {
        this.value = value;
    }

    /**
     * An explicit key. Every int is a key except 0, which is {@code IPC_PRIVATE}.
     *
     * @throws IllegalArgumentException for 0: use {@link #PRIVATE} to mean a private object
     */
    public static IpcKey of(int key) {
        if (key == Ipc.IPC_PRIVATE) {
            throw new IllegalArgumentException("key 0 is IPC_PRIVATE, not a key other processes can use:"
                    + " use IpcKey.PRIVATE for a private object, or any non-zero key");
        }
        return new IpcKey(key);
    }

    /**
     * Parses a key as the {@code ipc*} tools write them: decimal ({@code 1234}, {@code -5}) or
     * {@code 0x} hex ({@code 0x4a001002}), anything from -2^31 to 2^32-1 except 0.
     *
     * @throws IllegalArgumentException for anything else, saying what is allowed
     */
    public static IpcKey parse(String text) {
        String t = text.strip();
        long v;
        try {
            if (t.startsWith("0x") || t.startsWith("0X")) {
                v = Long.parseLong(t.substring(2), 16);
            } else {
                v = Long.parseLong(t);
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a System V key: \"" + text
                    + "\" (write a decimal number or 0x followed by hex digits, e.g. 0x4a001002)");
        }
        if (v < Integer.MIN_VALUE || v > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("System V key " + text + " does not fit 32 bits");
        }
        return of((int) v);
    }

    /**
     * The key C's {@code ftok(path, projectId)} gives: built from the file's inode and device
     * numbers and the low 8 bits of the project id, so every process naming the same existing
     * file and id gets the same key (as long as the file is not replaced).
     *
     * @param path      an existing file or directory
     * @param projectId 1 to 255 (ftok uses only 8 bits, and 0 is refused by convention)
     * @throws IllegalArgumentException if the project id is outside 1..255 or the path contains NUL
     * @throws NotFoundException        if the path does not exist
     * @throws IpcException             if it cannot be examined (EACCES, ENOTDIR...)
     * @see <a href="https://man7.org/linux/man-pages/man3/ftok.3.html">ftok(3)</a>
     */
    public static IpcKey ftok(Path path, int projectId) throws IpcException {
        if (projectId < 1 || projectId > 255) {
            throw new IllegalArgumentException("ftok project id must be 1..255 (only its low 8 bits count), got "
                    + projectId);
        }
        String p = path.toString();
        if (p.isEmpty() || p.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("ftok needs a non-empty path without NUL characters, got \"" + p + "\"");
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cPath = a.allocateFrom(p);
            // ftok's -1 cannot be told from a key: stat first, so a missing file says ENOENT.
            int r = Stat.stat(cPath, a.allocate(Stat.STAT.layout()));
            if (r < 0) {
                throw IpcException.of("ftok", p, -r);
            }
            return new IpcKey(Ipc.ftok(cPath, projectId));
        }
    }

    /** The key as C's {@code key_t}. */
    public int value() {
        return value;
    }

    /** Whether this is {@link #PRIVATE}. */
    public boolean isPrivate() {
        return value == Ipc.IPC_PRIVATE;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpcKey k && k.value == value;
    }

    @Override
    public int hashCode() {
        return value;
    }

    /** {@code 0x} and eight hex digits, as {@code ipcs} prints keys; {@code IPC_PRIVATE} for {@link #PRIVATE}. */
    @Override
    public String toString() {
        return isPrivate() ? "IPC_PRIVATE" : String.format("0x%08x", value);
    }
}
