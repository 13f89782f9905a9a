package io.jipc.lock;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The kernel's lists of file locks: {@code /proc/locks} (every lock on the system, and every
 * request waiting for one) and the {@code lock:} lines of {@code /proc/PID/fdinfo/FD} (the locks
 * an open file description holds), both in the format of {@code proc(5)}:
 * <pre>
 * 1: POSIX  ADVISORY  WRITE 1234 fe:00:2146882 0 EOF
 * 2: OFDLCK ADVISORY  READ  -1 fe:00:2146882 10 19
 * 3: FLOCK  ADVISORY  WRITE 5678 fe:00:2146901 0 EOF
 * 3: -> FLOCK  ADVISORY  WRITE 5690 fe:00:2146901 0 EOF      (a request waiting for lock 3)
 * </pre>
 * Leases and delegations, which are not locks, are left out.
 */
final class ProcLocks {
    private ProcLocks() {}

    static final Path PROC_LOCKS = Path.of("/proc/locks");

    /**
     * One lock, or one waiting request.
     *
     * @param pid     as the kernel prints it: the owner for POSIX, the locker (0 once gone) for
     *                flock, -1 for OFD
     * @param end     the last byte, -1 for EOF
     * @param waiting whether this is a request waiting for a lock ({@code ->})
     */
    record Line(LockKind kind, LockType type, long pid, FileKey file, long start, long end, boolean waiting) {
        LockRange range() {
            return LockRange.between(start, end);
        }

        /** Whether this and {@code other} are the same lock as far as the kernel's text tells. */
        boolean sameLock(Line other) {
            return kind == other.kind && type == other.type && file.equals(other.file) && start == other.start
                    && end == other.end;
        }
    }

    /** Every line of {@code /proc/locks} that is a lock or a waiting request. */
    static List<Line> read() throws IOException {
        return parse(readText(PROC_LOCKS), false);
    }

    /** The locks an open file description holds, from its descriptor's fdinfo text. */
    static List<Line> ofFdinfo(String fdinfo) {
        return parse(fdinfo, true);
    }

    /**
     * A small /proc file's text, read with one large read: seq files answer short reads with
     * partial records. UTF-8, for the paths some of them hold.
     */
    static String readText(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static List<Line> parse(String text, boolean fdinfo) {
        List<Line> lines = new ArrayList<>();
        for (String raw : text.split("\n")) {
            String s = raw;
            if (fdinfo) {
                if (!s.startsWith("lock:")) {
                    continue;
                }
                s = s.substring("lock:".length());
            }
            Line l = parseLine(s.strip());
            if (l != null) {
                lines.add(l);
            }
        }
        return lines;
    }

    /** One line, or null for one that is not a lock (a lease, an unknown kind, a malformed line). */
    static Line parseLine(String s) {
        String[] t = s.split("\\s+");
        int i = 1; // t[0] is "N:"
        if (t.length < 8 || !t[0].endsWith(":")) {
            return null;
        }
        boolean waiting = t[i].equals("->");
        if (waiting) {
            i++;
        }
        if (t.length < i + 7) {
            return null;
        }
        LockKind kind = switch (t[i]) {
            case "FLOCK" -> LockKind.FLOCK;
            case "POSIX" -> LockKind.POSIX;
            case "OFDLCK" -> LockKind.OFD;
            default -> null; // LEASE, DELEG, ACCESS, UNKNOWN
        };
        if (kind == null) {
            return null;
        }
        i += 2; // the kind and ADVISORY (or MANDATORY on old kernels)
        LockType type = switch (t[i++]) {
            case "READ" -> LockType.SHARED;
            case "WRITE" -> LockType.EXCLUSIVE;
            default -> null;
        };
        if (type == null) {
            return null;
        }
        try {
            long pid = Long.parseLong(t[i++]);
            String[] dev = t[i++].split(":");
            if (dev.length != 3) {
                return null; // "<none>:0": no inode
            }
            FileKey file = FileKey.of(Integer.parseInt(dev[0], 16), Integer.parseInt(dev[1], 16), Long.parseLong(dev[2]));
            long start = Long.parseLong(t[i++]);
            long end = t[i].equals("EOF") ? -1 : Long.parseLong(t[i]);
            return new Line(kind, type, pid, file, start, end, waiting);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
