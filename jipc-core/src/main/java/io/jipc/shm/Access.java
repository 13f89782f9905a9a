package io.jipc.shm;

/**
 * What a descriptor or a mapping of shared memory may do: read, or read and write. A mapping's
 * access is its protection ({@code PROT_READ}, or {@code PROT_READ | PROT_WRITE}), a descriptor's
 * its open mode ({@code O_RDONLY}, {@code O_RDWR}); a read-only descriptor cannot give a writable
 * mapping.
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/mmap.2.html">mmap(2)</a>
 * @see <a href="https://man7.org/linux/man-pages/man3/shm_open.3.html">shm_open(3)</a>
 */
public enum Access {
    /** Reads only: a mapping's segment is {@linkplain java.lang.foreign.MemorySegment#isReadOnly() read-only}. */
    READ_ONLY("read-only"),
    /** Reads and writes. */
    READ_WRITE("read-write");

    final String text;

    Access(String text) {
        this.text = text;
    }
}
