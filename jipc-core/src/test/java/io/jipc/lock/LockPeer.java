package io.jipc.lock;

import io.jipc.Fd;
import io.jipc.IpcException;
import io.jipc.internal.libc.Unistd;
import io.jipc.testing.Crash;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The JVM twin of {@code c/lock_peer.c}: the same commands on stdin, the same answers, through
 * jipc's {@link FileLock} — one open file description of PATH, as the C peer has, so that both
 * are one owner of their OFD and flock locks.
 */
public final class LockPeer {
    private LockPeer() {}

    private static Fd fd;
    private static FileLock opened;
    private static final Map<String, FileLock> LOCKS = new HashMap<>();

    public static void main(String[] args) throws Exception {
        Path path = Path.of(args[0]);
        reopen(path);
        System.out.println("ready");
        BufferedReader in = Crash.stdin();
        String line;
        while ((line = in.readLine()) != null) {
            String[] t = line.trim().split("\\s+");
            switch (t[0]) {
                case "lock" -> {
                    System.out.println("blocking " + Unistd.gettid());
                    System.out.flush();
                    FileLock l = lockOf(t[1], Long.parseLong(t[3]), Long.parseLong(t[4]));
                    try {
                        l.lock(type(t[2]));
                        System.out.println("locked");
                    } catch (DeadlockException e) {
                        System.out.println("EDEADLK");
                    }
                }
                case "try" -> {
                    FileLock l = lockOf(t[1], Long.parseLong(t[3]), Long.parseLong(t[4]));
                    System.out.println(l.tryLock(type(t[2])) ? "locked" : "busy");
                }
                case "unlock" -> {
                    lockOf(t[1], Long.parseLong(t[2]), Long.parseLong(t[3])).unlock();
                    System.out.println("unlocked");
                }
                case "getlk" -> {
                    FileLock l = lockOf(t[1], Long.parseLong(t[3]), Long.parseLong(t[4]));
                    System.out.println(l.holder(type(t[2])).map(h -> (h.type() == LockType.SHARED ? "shared " : "exclusive ")
                            + (h.kind() == LockKind.OFD ? -1 : h.pid().orElse(0)) + " " + h.range().start() + " "
                            + h.range().length()).orElse("free"));
                }
                case "close" -> {
                    closeAll();
                    System.out.println("closed");
                }
                case "reopen" -> {
                    reopen(path);
                    System.out.println("reopened");
                }
                case "point" -> {
                    Crash.point(t[1]);
                    System.out.println("passed " + t[1]);
                }
                case "exit" -> {
                    closeAll();
                    return;
                }
                default -> throw new IllegalArgumentException("bad command: " + line);
            }
            System.out.flush();
        }
    }

    private static void reopen(Path path) throws IpcException {
        opened = FileLock.open(path, FileLock.Options.defaults().withCreate(true));
        fd = opened.fd();
    }

    private static void closeAll() {
        LOCKS.values().forEach(FileLock::close);
        LOCKS.clear();
        opened.close();
    }

    private static LockType type(String t) {
        return switch (t) {
            case "shared" -> LockType.SHARED;
            case "exclusive" -> LockType.EXCLUSIVE;
            default -> throw new IllegalArgumentException(t);
        };
    }

    /** One FileLock per kind and range, all on the one descriptor. */
    private static FileLock lockOf(String kind, long start, long len) throws IpcException {
        LockKind k = switch (kind) {
            case "flock" -> LockKind.FLOCK;
            case "posix" -> LockKind.POSIX;
            case "ofd" -> LockKind.OFD;
            default -> throw new IllegalArgumentException(kind);
        };
        String key = kind + " " + start + " " + len;
        FileLock l = LOCKS.get(key);
        if (l == null) {
            l = FileLock.on(fd, FileLock.Options.defaults().withKind(k).withRange(start, len));
            LOCKS.put(key, l);
        }
        return l;
    }
}
