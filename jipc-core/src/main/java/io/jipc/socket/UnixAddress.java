package io.jipc.socket;

import io.jipc.internal.libc.Socket;
import io.jipc.internal.libc.Un;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A UNIX-domain socket address ({@code struct sockaddr_un}): a filesystem path, a name in Linux's
 * abstract namespace, or unnamed.
 *
 * <p><b>Text form.</b> {@link #parse(String)} reads {@code @name} as the abstract name {@code name}
 * (its UTF-8 bytes) and anything else as a path; {@link #toString()} writes the same form, so
 * {@code ss -x} and {@code jipc sock} agree on how an address looks.
 *
 * <p><b>Limits.</b> {@code sun_path} is 108 bytes. A path takes at most 107 bytes, because jipc
 * always writes the terminating NUL (so that C programs reading the address with {@code strlen}
 * are safe); an abstract name takes at most 107 bytes, because its first byte is the NUL that marks
 * it abstract. Paths are encoded as the JDK encodes file names ({@code sun.jnu.encoding}). A path
 * must not contain NUL. Abstract names are counted by length, not NUL-terminated: jipc passes
 * {@code offsetof(struct sockaddr_un, sun_path) + 1 + length} as the address length, which is what
 * C programs written as {@code offsetof(...) + 1 + strlen(name)} use; a C program passing {@code
 * sizeof(struct sockaddr_un)} means a different name (padded with NULs to 107 bytes).
 *
 * <p><b>Permissions.</b> A filesystem socket is protected by its file mode and its directory; an
 * abstract name by nothing but the network namespace: any process in it may connect, so check
 * {@link UnixSocket#peerCredentials()} when that matters.
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/unix.7.html">unix(7)</a>
 */
public final class UnixAddress {
    /** The most bytes a filesystem path may have (108 for {@code sun_path}, minus the NUL). */
    public static final int MAX_PATH_BYTES = Un.SUN_PATH_SIZE - 1;
    /** The most bytes an abstract name may have (108 for {@code sun_path}, minus the leading NUL). */
    public static final int MAX_ABSTRACT_NAME_BYTES = Un.SUN_PATH_SIZE - 1;

    private static final UnixAddress UNNAMED = new UnixAddress(Kind.UNNAMED, new byte[0], null);

    private enum Kind { PATH, ABSTRACT, UNNAMED }

    private final Kind kind;
    /** The path's bytes without NUL, or the abstract name's bytes without the leading NUL. */
    private final byte[] bytes;
    private final Path path;

    private UnixAddress(Kind kind, byte[] bytes, Path path) {
        this.kind = kind;
        this.bytes = bytes;
        this.path = path;
    }

    /**
     * A filesystem address.
     *
     * @throws IllegalArgumentException if the path is empty, contains NUL, or encodes to more than
     *         107 bytes
     */
    public static UnixAddress of(Path path) {
        String s = path.toString();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("a socket path must not be empty");
        }
        if (s.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a socket path must not contain NUL: " + s);
        }
        byte[] b = s.getBytes(fileNameCharset());
        if (b.length > MAX_PATH_BYTES) {
            throw new IllegalArgumentException("a socket path has at most " + MAX_PATH_BYTES
                    + " bytes (sun_path holds 108 with the terminating NUL); this one has " + b.length + ": " + s);
        }
        return new UnixAddress(Kind.PATH, b, path);
    }

    /**
     * An address in the abstract namespace, from the name's UTF-8 bytes (no leading {@code @}).
     *
     * @throws IllegalArgumentException if the name has more than 107 bytes
     */
    public static UnixAddress abstractName(String name) {
        return abstractName(name.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * An address in the abstract namespace, from raw bytes (which may include NUL: abstract names
     * are counted, not terminated).
     *
     * @throws IllegalArgumentException if the name has more than 107 bytes
     */
    public static UnixAddress abstractName(byte[] name) {
        if (name.length > MAX_ABSTRACT_NAME_BYTES) {
            throw new IllegalArgumentException("an abstract socket name has at most " + MAX_ABSTRACT_NAME_BYTES
                    + " bytes (sun_path holds 108 with the leading NUL); this one has " + name.length);
        }
        return new UnixAddress(Kind.ABSTRACT, name.clone(), null);
    }

    /**
     * Reads the text form: {@code @name} is an abstract name, anything else a filesystem path.
     *
     * @throws IllegalArgumentException for an empty string or a name or path that is too long
     */
    public static UnixAddress parse(String text) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException("a socket address is a path or @name, not an empty string");
        }
        if (text.charAt(0) == '@') {
            return abstractName(text.substring(1));
        }
        if (text.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a socket path must not contain NUL: " + text.replace('\0', ' '));
        }
        return of(Path.of(text));
    }

    /** The address of a socket that has no name (an unbound socket, one end of a socketpair). */
    public static UnixAddress unnamed() {
        return UNNAMED;
    }

    /** Whether this is a name in the abstract namespace. */
    public boolean isAbstract() {
        return kind == Kind.ABSTRACT;
    }

    /** Whether this is a filesystem path. */
    public boolean isPath() {
        return kind == Kind.PATH;
    }

    /** Whether this is the address of an unnamed socket. */
    public boolean isUnnamed() {
        return kind == Kind.UNNAMED;
    }

    /**
     * The filesystem path.
     *
     * @throws IllegalStateException for an abstract or unnamed address
     */
    public Path path() {
        if (kind != Kind.PATH) {
            throw new IllegalStateException(this + " is not a filesystem address");
        }
        return path;
    }

    /**
     * The abstract name's bytes, without the leading NUL.
     *
     * @throws IllegalStateException for a path or unnamed address
     */
    public byte[] abstractNameBytes() {
        if (kind != Kind.ABSTRACT) {
            throw new IllegalStateException(this + " is not an abstract address");
        }
        return bytes.clone();
    }

    /** The text form: the path, {@code @name} for an abstract name, or the empty string when unnamed. */
    @Override
    public String toString() {
        return switch (kind) {
            case PATH -> path.toString();
            case ABSTRACT -> "@" + new String(bytes, StandardCharsets.UTF_8);
            case UNNAMED -> "";
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UnixAddress a && a.kind == kind && Arrays.equals(a.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + Arrays.hashCode(bytes);
    }

    // ------------------------------------------------------------------ native form

    /**
     * Writes this address into a {@code struct sockaddr_un} and returns the address length to pass
     * to bind/connect/sendto. Allocation-free.
     */
    int encode(MemorySegment sockaddr) {
        return encode(sockaddr, 0);
    }

    /** As {@link #encode(MemorySegment)}, for a {@code struct sockaddr_un} at offset {@code at}. */
    int encode(MemorySegment memory, long at) {
        memory.set(ValueLayout.JAVA_SHORT, at + Un.SUN_FAMILY, (short) Socket.AF_UNIX);
        long base = at + Un.SUN_PATH;
        switch (kind) {
            case PATH -> {
                MemorySegment.copy(bytes, 0, memory, ValueLayout.JAVA_BYTE, base, bytes.length);
                memory.set(ValueLayout.JAVA_BYTE, base + bytes.length, (byte) 0);
                return (int) Un.SUN_PATH + bytes.length + 1;
            }
            case ABSTRACT -> {
                memory.set(ValueLayout.JAVA_BYTE, base, (byte) 0);
                MemorySegment.copy(bytes, 0, memory, ValueLayout.JAVA_BYTE, base + 1, bytes.length);
                return (int) Un.SUN_PATH + 1 + bytes.length;
            }
            default -> {
                return (int) Un.SUN_PATH;
            }
        }
    }

    /** Reads an address the kernel wrote (getsockname, getpeername, accept, recvfrom). */
    static UnixAddress decode(MemorySegment sockaddr, int length) {
        int base = (int) Un.SUN_PATH;
        int len = Math.min(length, (int) Un.SOCKADDR_UN_SIZE);
        if (len <= base) {
            return UNNAMED;
        }
        byte first = sockaddr.get(ValueLayout.JAVA_BYTE, base);
        if (first == 0) {
            byte[] name = new byte[len - base - 1];
            MemorySegment.copy(sockaddr, ValueLayout.JAVA_BYTE, base + 1, name, 0, name.length);
            return new UnixAddress(Kind.ABSTRACT, name, null);
        }
        int end = base;
        while (end < len && sockaddr.get(ValueLayout.JAVA_BYTE, end) != 0) {
            end++;
        }
        byte[] p = new byte[end - base];
        MemorySegment.copy(sockaddr, ValueLayout.JAVA_BYTE, base, p, 0, p.length);
        return new UnixAddress(Kind.PATH, p, Path.of(new String(p, fileNameCharset())));
    }

    /** The path's bytes with a terminating NUL, for calls taking a C string (lstat, unlink). */
    byte[] pathCString() {
        byte[] c = Arrays.copyOf(bytes, bytes.length + 1);
        return c;
    }

    private static Charset fileNameCharset() {
        return Holder.JNU;
    }

    private static final class Holder {
        static final Charset JNU = jnu();

        private static Charset jnu() {
            String name = System.getProperty("sun.jnu.encoding");
            try {
                return name == null ? Charset.defaultCharset() : Charset.forName(name);
            } catch (IllegalArgumentException unknown) {
                return Charset.defaultCharset();
            }
        }
    }
}
