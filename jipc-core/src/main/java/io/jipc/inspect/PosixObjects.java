package io.jipc.inspect;

import io.jipc.mq.PosixMessageQueue;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/** POSIX queues (an mqueue mount), shared-memory objects and named semaphores ({@code /dev/shm}). */
final class PosixObjects {
    private PosixObjects() {}

    static final Path DEV_SHM = Path.of("/dev/shm");

    /** Where an mqueue file system is mounted, from {@code /proc/self/mountinfo}. */
    static Optional<Path> mqueueMount() {
        for (String line : ProcessTable.read(Path.of("/proc/self/mountinfo")).split("\n")) {
            // id parent major:minor root mountpoint options [optional...] - fstype source superoptions
            int dash = line.indexOf(" - ");
            String[] before = line.split(" ");
            if (dash > 0 && before.length > 4 && line.substring(dash + 3).startsWith("mqueue ")) {
                return Optional.of(Path.of(unescape(before[4])));
            }
        }
        return Optional.empty();
    }

    /** mountinfo writes space, tab, newline and backslash as octal escapes ({@code \040}). */
    private static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(s.charAt(i));
            }
        }
        return b.toString();
    }

    static List<IpcObject> queues(Path mount, ProcessTable procs, boolean sawEveryone) throws IOException {
        List<IpcObject> found = new ArrayList<>();
        long device = ((Number) Files.getAttribute(mount, "unix:dev")).longValue();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(mount)) {
            for (Path p : ds) {
                String name = "/" + p.getFileName();
                Map<String, Object> a;
                try {
                    a = Files.readAttributes(p, "unix:uid,mode", LinkOption.NOFOLLOW_LINKS);
                } catch (IOException gone) {
                    continue;
                }
                // QSIZE:129 NOTIFY:2 SIGNO:0 NOTIFY_PID:8260
                Map<String, Long> status = new LinkedHashMap<>();
                for (String field : ProcessTable.read(p).trim().split("\\s+")) {
                    int c = field.indexOf(':');
                    if (c > 0 && field.substring(c + 1).matches("\\d+")) {
                        status.put(field.substring(0, c), Long.parseLong(field.substring(c + 1)));
                    }
                }
                Map<String, Long> counts = new LinkedHashMap<>();
                try (PosixMessageQueue q = PosixMessageQueue.openExisting(name, PosixMessageQueue.Options.defaults()
                        .withAccess(PosixMessageQueue.Access.READ_ONLY))) {
                    PosixMessageQueue.Info i = q.info();
                    counts.put("messages", i.currentMessages());
                    counts.put("max_messages", i.maxMessages());
                    counts.put("message_size", i.messageSize());
                } catch (io.jipc.IpcException | RuntimeException mayNotRead) {
                    // listed with what the mount shows
                }
                List<ProcessRef> refs = new ArrayList<>();
                long notify = status.getOrDefault("NOTIFY_PID", 0L);
                if (notify > 0) {
                    refs.add(procs.ref("notify", notify));
                }
                for (long pid : procs.openingQueue(name, device)) {
                    refs.add(procs.ref("user", pid));
                }
                boolean stale = sawEveryone && refs.stream().noneMatch(ProcessRef::alive);
                found.add(new IpcObject(ObjectType.MQ, Optional.of(name), OptionalLong.empty(), Optional.empty(),
                        OptionalInt.of((Integer) a.get("uid")), OptionalInt.of((Integer) a.get("mode") & 07777),
                        status.containsKey("QSIZE") ? OptionalLong.of(status.get("QSIZE")) : OptionalLong.empty(),
                        counts, Map.of(), refs, stale));
            }
        }
        return found;
    }

    /** The regular files of /dev/shm: {@code sem.NAME} are named semaphores, the rest shared-memory objects. */
    static List<IpcObject> devShm(ProcessTable procs, boolean sawEveryone) throws IOException {
        List<IpcObject> found = new ArrayList<>();
        if (!Files.isDirectory(DEV_SHM)) {
            return found;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(DEV_SHM)) {
            for (Path p : ds) {
                Map<String, Object> a;
                try {
                    a = Files.readAttributes(p, "unix:uid,mode,size", LinkOption.NOFOLLOW_LINKS);
                } catch (IOException gone) {
                    continue;
                }
                int mode = (Integer) a.get("mode");
                if ((mode & 0170000) != 0100000) {
                    continue; // not a regular file: not made by shm_open or sem_open
                }
                String file = p.getFileName().toString();
                boolean semaphore = file.startsWith("sem.") && file.length() > 4;
                String path = p.toString();
                Set<Long> users = new LinkedHashSet<>(procs.mapping(path));
                users.addAll(procs.opening(path));
                List<ProcessRef> refs = users.stream().map(pid -> procs.ref("user", pid)).toList();
                boolean stale = sawEveryone && users.isEmpty();
                long size = (Long) a.get("size");
                Map<String, Long> counts = new LinkedHashMap<>();
                if (semaphore) {
                    semaphoreValue(p, size).ifPresent(v -> counts.put("value", v));
                }
                found.add(new IpcObject(semaphore ? ObjectType.SEM : ObjectType.SHM,
                        Optional.of("/" + (semaphore ? file.substring(4) : file)), OptionalLong.empty(), Optional.empty(),
                        OptionalInt.of((Integer) a.get("uid")), OptionalInt.of(mode & 07777),
                        semaphore ? OptionalLong.empty() : OptionalLong.of(size), counts, Map.of(), refs, stale));
            }
        }
        return found;
    }

    /**
     * A named semaphore's value, read from its file rather than by {@code sem_open} (which would map
     * it, and fault on a file too short to be one): glibc's {@code sem_t} on 64-bit Linux begins
     * with a 64-bit word whose low 32 bits are the value (the high ones count waiters).
     */
    private static Optional<Long> semaphoreValue(Path file, long size) {
        if (size < 32) {
            return Optional.empty(); // not a glibc semaphore
        }
        try (var in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(8);
            if (head.length < 8) {
                return Optional.empty();
            }
            return Optional.of(ByteBuffer.wrap(head).order(ByteOrder.nativeOrder()).getInt(0) & 0xFFFF_FFFFL);
        } catch (IOException | RuntimeException mayNotRead) {
            return Optional.empty();
        }
    }
}
