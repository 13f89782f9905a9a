package io.jipc.lock;

import io.jipc.IpcException;
import io.jipc.internal.libc.Stat;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * A file's identity, as the kernel's lock lists name it: device and inode. {@code /proc/locks}
 * prints the device as hexadecimal major:minor; {@code stat(2)} gives it as one {@code dev_t},
 * which glibc's {@code major()}/{@code minor()} split (and {@code makedev()} joins) like this.
 */
record FileKey(long device, long inode) {
    static FileKey of(int major, int minor, long inode) {
        long dev = (minor & 0xffL) | ((major & 0xfffL) << 8) | ((minor & ~0xffL) << 12) | ((major & ~0xfffL) << 32);
        return new FileKey(dev, inode);
    }

    int major() {
        return (int) (((device >>> 8) & 0xfff) | ((device >>> 32) & ~0xfffL));
    }

    int minor() {
        return (int) ((device & 0xff) | ((device >>> 12) & ~0xffL));
    }

    /** The key of an open descriptor ({@code fstat}). */
    static FileKey ofDescriptor(int fd, String label) throws IpcException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Stat.STAT.layout());
            int r = Stat.fstat(fd, st);
            if (r < 0) {
                throw IpcException.of("fstat", label, -r);
            }
            return of(st);
        }
    }

    /** The key of the file {@code path} names, following symbolic links ({@code stat}). */
    static FileKey ofPath(String path) throws IpcException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(Stat.STAT.layout());
            int r = Stat.stat(a.allocateFrom(path, StandardCharsets.UTF_8), st);
            if (r < 0) {
                throw IpcException.of("stat", path, -r);
            }
            return of(st);
        }
    }

    static FileKey of(MemorySegment stat) {
        return new FileKey(stat.get(ValueLayout.JAVA_LONG, Stat.ST_DEV), stat.get(ValueLayout.JAVA_LONG, Stat.ST_INO));
    }

    /** {@code fe:00:2146882}, as {@code /proc/locks} prints it. */
    @Override
    public String toString() {
        return String.format("%02x:%02x:%d", major(), minor(), inode);
    }
}
