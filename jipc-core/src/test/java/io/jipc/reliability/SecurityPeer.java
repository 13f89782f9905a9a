package io.jipc.reliability;

import io.jipc.IpcKey;
import io.jipc.channel.Channel;
import io.jipc.channel.ChannelWriter;
import io.jipc.lock.FileLock;
import io.jipc.mq.PosixMessageQueue;
import io.jipc.mq.SysVMessageQueue;
import io.jipc.pipe.Fifo;
import io.jipc.sem.PermitPool;
import io.jipc.sem.PosixSemaphore;
import io.jipc.sem.SysVSemaphoreSet;
import io.jipc.shm.Mapping;
import io.jipc.shm.MemFd;
import io.jipc.shm.SharedMemory;
import io.jipc.shm.SysVSharedMemory;
import io.jipc.socket.SocketType;
import io.jipc.socket.UnixAddress;
import io.jipc.socket.UnixDatagramSocket;
import io.jipc.socket.UnixServerSocket;
import io.jipc.socket.UnixSocket;
import io.jipc.sync.SharedMutex;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The other process of {@link SecurityTest}. Commands:
 * <ul>
 * <li>{@code create DIR NAME KEY}: creates one object of every creatable kind with the default
 *     options (under whatever umask it was started with), closes them and prints one line per
 *     object, {@code KIND WHERE}; the test looks at their modes and removes them.</li>
 * <li>{@code open DIR NAME KEY}: tries to open each object {@code create} makes (run as another
 *     user), printing {@code KIND opened}, {@code KIND denied} or {@code KIND error …}.</li>
 * <li>{@code race GATE}: reads lines {@code KIND ARG… T} from standard input, prints {@code armed
 *     T}, spins until the 8-byte word at offset 0 of shared memory {@code GATE} equals T, then
 *     creates the object exclusively and prints {@code T won} or {@code T lost}; a server it won
 *     for a {@code replace} trial stays bound until the next line.</li>
 * <li>{@code connect ADDRESS}: connects, prints {@code connected}, and prints {@code eof} when the
 *     server closes the connection.</li>
 * </ul>
 */
public final class SecurityPeer {
    private SecurityPeer() {}

    static final String[] KINDS = {"fifo", "stream-socket", "dgram-socket", "posix-mq", "posix-sem", "shm", "channel",
        "file-lock", "sysv-mq", "sysv-sem", "permit-pool", "sysv-shm"};

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "create" -> create(Path.of(args[1]), args[2], Integer.decode(args[3]));
            case "open" -> open(Path.of(args[1]), args[2], Integer.decode(args[3]));
            case "race" -> race(args[1]);
            case "connect" -> {
                try (UnixSocket s = UnixSocket.connect(UnixAddress.parse(args[1]))) {
                    System.out.println("connected");
                    System.out.flush();
                    System.out.println(s.receive(new byte[1]) == -1 ? "eof" : "data");
                }
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    /** Where each kind's object is, for names derived from one NAME, KEY and DIR. */
    static Map<String, String> places(Path dir, String name, int key) {
        return Map.ofEntries(Map.entry("fifo", dir.resolve("fifo").toString()),
                Map.entry("stream-socket", dir.resolve("stream.sock").toString()),
                Map.entry("dgram-socket", dir.resolve("dgram.sock").toString()),
                Map.entry("posix-mq", name + "-mq"), Map.entry("posix-sem", name + "-sem"),
                Map.entry("shm", name + "-shm"), Map.entry("channel", name + "-channel"),
                Map.entry("file-lock", dir.resolve("lock").toString()),
                Map.entry("sysv-mq", "0x" + Integer.toHexString(key)), Map.entry("sysv-sem", "0x" + Integer.toHexString(key + 1)),
                Map.entry("permit-pool", "0x" + Integer.toHexString(key + 2)), Map.entry("sysv-shm", "0x" + Integer.toHexString(key + 3)));
    }

    static void create(Path dir, String name, int key) throws Exception {
        Map<String, String> at = places(dir, name, key);
        for (String kind : KINDS) {
            String where = at.get(kind);
            switch (kind) {
                case "fifo" -> Fifo.createExclusively(Path.of(where));
                case "stream-socket" -> UnixServerSocket.bind(UnixAddress.of(Path.of(where))).close();
                case "dgram-socket" -> UnixDatagramSocket.bind(UnixAddress.of(Path.of(where))).close();
                case "posix-mq" -> PosixMessageQueue.createExclusively(where).close();
                case "posix-sem" -> PosixSemaphore.createExclusively(where).close();
                case "shm" -> SharedMemory.createExclusively(where, 4096).close();
                case "channel" -> ChannelWriter.createExclusively(where, Channel.Options.defaults()).close();
                case "file-lock" -> FileLock.open(Path.of(where), FileLock.Options.defaults().withCreate(true)).close();
                case "sysv-mq" -> SysVMessageQueue.createExclusively(IpcKey.of(key)).close();
                case "sysv-sem" -> SysVSemaphoreSet.createExclusively(IpcKey.of(key + 1), 1).close();
                case "permit-pool" -> PermitPool.createExclusively(IpcKey.of(key + 2), 1).close();
                case "sysv-shm" -> SysVSharedMemory.createExclusively(IpcKey.of(key + 3), 4096).close();
                default -> throw new IllegalArgumentException(kind);
            }
            System.out.println(kind + " " + where);
        }
        try (MemFd m = MemFd.create("security", 4096)) {
            int n = m.fd().acquire("stat");
            try {
                System.out.println("memfd " + Integer.toOctalString((int) Files.getAttribute(Path.of("/proc/self/fd/" + n), "unix:mode") & 0777));
            } finally {
                m.fd().release();
            }
        }
    }

    static void open(Path dir, String name, int key) {
        Map<String, String> at = places(dir, name, key);
        for (String kind : KINDS) {
            String where = at.get(kind);
            try {
                AutoCloseable opened = switch (kind) {
                    case "fifo" -> Fifo.tryOpenForReading(Path.of(where)).orElseThrow();
                    case "stream-socket" -> UnixSocket.connect(UnixAddress.of(Path.of(where)));
                    case "dgram-socket" -> {
                        UnixDatagramSocket s = UnixDatagramSocket.unbound();
                        try {
                            s.sendTo(new byte[1], UnixAddress.of(Path.of(where)));
                        } catch (Exception e) {
                            s.close();
                            throw e;
                        }
                        yield s;
                    }
                    case "posix-mq" -> PosixMessageQueue.openExisting(where);
                    case "posix-sem" -> PosixSemaphore.openExisting(where);
                    case "shm" -> SharedMemory.openExisting(where);
                    case "channel" -> io.jipc.channel.ChannelReader.openExisting(where);
                    case "file-lock" -> FileLock.open(Path.of(where), FileLock.Options.defaults());
                    // msgget/semget with no mode bits asked succeed for anyone (as in C): the
                    // permissions are checked by the first operation.
                    case "sysv-mq" -> {
                        SysVMessageQueue q = SysVMessageQueue.openExisting(IpcKey.of(key));
                        try (q) {
                            q.trySend(new byte[1], 1);
                        }
                        yield q;
                    }
                    case "sysv-sem" -> {
                        SysVSemaphoreSet set = SysVSemaphoreSet.openExisting(IpcKey.of(key + 1));
                        try (set) {
                            set.values();
                        }
                        yield set;
                    }
                    case "permit-pool" -> {
                        PermitPool pool = PermitPool.openExisting(IpcKey.of(key + 2));
                        try (pool) {
                            pool.tryAcquire();
                        }
                        yield pool;
                    }
                    case "sysv-shm" -> SysVSharedMemory.openExisting(IpcKey.of(key + 3)).attach();
                    default -> throw new IllegalArgumentException(kind);
                };
                opened.close();
                System.out.println(kind + " opened");
            } catch (io.jipc.PermissionDeniedException e) {
                System.out.println(kind + " denied " + e.getMessage());
            } catch (Exception | AssertionError e) {
                System.out.println(kind + " error " + e);
            }
        }
    }

    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    static void race(String gateName) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (SharedMemory gateShm = SharedMemory.openExisting(gateName); Mapping gate = gateShm.map()) {
            System.out.println("racing");
            System.out.flush();
            AutoCloseable held = null;
            String line;
            while ((line = in.readLine()) != null && !line.equals("exit")) {
                if (held != null) {
                    held.close();
                    held = null;
                }
                String[] a = line.split(" ");
                long trial = Long.parseLong(a[a.length - 1]);
                System.out.println("armed " + trial);
                System.out.flush();
                while ((long) LONG.getVolatile(gate.segment(), 0L) != trial) {
                    Thread.onSpinWait();
                }
                String result;
                try {
                    AutoCloseable made = attempt(a, gate);
                    if (a[0].equals("replace")) {
                        held = made;
                    } else {
                        made.close();
                    }
                    result = "won";
                } catch (io.jipc.AlreadyExistsException e) {
                    result = "lost";
                } catch (io.jipc.IpcException e) {
                    // a path taken by a socket answers EADDRINUSE
                    result = e.errno() == io.jipc.Errno.EADDRINUSE.number() ? "lost" : "error " + e;
                } catch (IllegalStateException e) {
                    // a slot another process claimed first
                    result = e.getMessage().contains("already") ? "lost" : "error " + e;
                }
                System.out.println(trial + " " + result);
                System.out.flush();
            }
            if (held != null) {
                held.close();
            }
        }
    }

    private static AutoCloseable attempt(String[] a, Mapping gate) throws Exception {
        String arg = a[1];
        return switch (a[0]) {
            case "fifo" -> {
                Fifo.createExclusively(Path.of(arg));
                yield () -> { };
            }
            case "stream-socket" -> UnixServerSocket.bind(UnixAddress.of(Path.of(arg)));
            case "seqpacket-socket" -> UnixServerSocket.bind(UnixAddress.of(Path.of(arg)),
                    UnixServerSocket.Options.defaults().withType(SocketType.SEQPACKET));
            case "dgram-socket" -> UnixDatagramSocket.bind(UnixAddress.of(Path.of(arg)));
            case "replace" -> UnixServerSocket.bind(UnixAddress.of(Path.of(arg)),
                    UnixServerSocket.Options.defaults().withReplaceStale(true));
            case "posix-mq" -> PosixMessageQueue.createExclusively(arg);
            case "posix-sem" -> PosixSemaphore.createExclusively(arg);
            case "shm" -> SharedMemory.createExclusively(arg, 4096);
            case "channel" -> ChannelWriter.createExclusively(arg, Channel.Options.defaults());
            case "sysv-mq" -> SysVMessageQueue.createExclusively(IpcKey.of(Integer.decode(arg)));
            case "sysv-sem" -> SysVSemaphoreSet.createExclusively(IpcKey.of(Integer.decode(arg)), 1);
            case "permit-pool" -> PermitPool.createExclusively(IpcKey.of(Integer.decode(arg)), 1);
            case "sysv-shm" -> SysVSharedMemory.createExclusively(IpcKey.of(Integer.decode(arg)), 4096);
            case "mutex-slot" -> SharedMutex.createExclusively(gate, Long.parseLong(arg));
            default -> throw new IllegalArgumentException(a[0]);
        };
    }
}
