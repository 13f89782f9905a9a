package io.jipc.shm;

/**
 * What a descriptor or a mapping of shared memory may do: read, or read and write. A mapping's
 * access is its protection ({@code PROT_READ}, or {@code PROT_READ | PROT_WRITE}), a descriptor's
 * its open mode ({@code O_RDONLY}, {@code O_RDWR}); a read-only descriptor cannot give a writable
 * mapping.
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
