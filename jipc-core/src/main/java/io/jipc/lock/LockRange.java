package io.jipc.lock;

/**
 * Bytes of a file a lock covers: from {@code start}, {@code length} bytes, or to the end of the
 * file however far it grows when {@code length} is 0 (as {@code struct flock}'s {@code l_len}).
 * A range may lie beyond the end of the file. flock locks always cover {@link #WHOLE_FILE}.
 *
 * @param start  the first byte, 0 or more
 * @param length how many bytes, 0 or more; 0 means "to the end of the file"
 * @see <a href="https://man7.org/linux/man-pages/man2/fcntl.2.html">fcntl(2)</a>
 */
public record LockRange(long start, long length) {
    /** From byte 0 to the end of the file, however far it grows. */
    public static final LockRange WHOLE_FILE = new LockRange(0, 0);

    /**
     * @throws IllegalArgumentException if start or length is negative, or the range ends beyond
     *                                  the largest file offset (2^63 - 1)
     */
    public LockRange {
        if (start < 0) {
            throw new IllegalArgumentException("a lock range starts at byte 0 or later, got start " + start);
        }
        if (length < 0) {
            throw new IllegalArgumentException("a lock range's length is 0 (to the end of the file) or more, got "
                    + length);
        }
        if (length > 0 && start > Long.MAX_VALUE - (length - 1)) {
            throw new IllegalArgumentException("a lock range must end at byte " + Long.MAX_VALUE
                    + " at the latest: start " + start + " + length " + length + " goes beyond");
        }
    }

    /** {@code length} bytes from {@code start}; 0 for "to the end of the file". */
    public static LockRange of(long start, long length) {
        return new LockRange(start, length);
    }

    /** From {@code start} to the end of the file, however far it grows. */
    public static LockRange from(long start) {
        return new LockRange(start, 0);
    }

    /**
     * The range from {@code start} to {@code end} inclusive, as {@code /proc/locks} prints it;
     * {@code end} -1 for "EOF".
     */
    static LockRange between(long start, long end) {
        return end < 0 || end == Long.MAX_VALUE ? new LockRange(start, 0) : new LockRange(start, end - start + 1);
    }

    /** Whether the range runs to the end of the file (length 0). */
    public boolean toEndOfFile() {
        return length == 0;
    }

    /** The last byte covered: {@code start + length - 1}, or {@link Long#MAX_VALUE} to the end of the file. */
    public long end() {
        return length == 0 ? Long.MAX_VALUE : start + length - 1;
    }

    /** Whether this range and {@code other} share at least one byte. */
    public boolean overlaps(LockRange other) {
        return start <= other.end() && other.start <= end();
    }

    /** Whether this is the whole file (from 0, to the end). */
    public boolean isWholeFile() {
        return start == 0 && length == 0;
    }

    /** {@code bytes 10..19}, {@code bytes 10..EOF}, {@code the whole file}. */
    @Override
    public String toString() {
        if (isWholeFile()) {
            return "the whole file";
        }
        return "bytes " + start + ".." + (length == 0 ? "EOF" : Long.toString(end()));
    }
}
