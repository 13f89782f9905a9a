package io.jipc.shm;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The mappings this process has of each shared-memory file, so that jipc never shrinks a file
 * below one of them: a page past a file's end faults (SIGBUS) when touched. Mapping a file and
 * resizing it hold the same lock, so neither can slip between the other's check and its call.
 */
final class LiveMappings {
    private LiveMappings() {}

    /** A file as the kernel knows it: device and inode (what {@code fstat} says). */
    record FileKey(long device, long inode) {}

    private static final Map<FileKey, Set<Mapping.Life>> LIVE = new HashMap<>();

    /** The lock {@link SharedMemory}/{@link MemFd} hold while they check sizes and map or resize. */
    static final Object LOCK = LIVE;

    static void add(Mapping.Life life) {
        synchronized (LOCK) {
            LIVE.computeIfAbsent(life.file, k -> new HashSet<>()).add(life);
        }
    }

    static void remove(Mapping.Life life) {
        if (life.file == null) {
            return;
        }
        synchronized (LOCK) {
            Set<Mapping.Life> s = LIVE.get(life.file);
            if (s != null && s.remove(life) && s.isEmpty()) {
                LIVE.remove(life.file);
            }
        }
    }

    /** How far into the file this process's mappings of it reach (0 if it has none). Call holding {@link #LOCK}. */
    static long reach(FileKey file) {
        long end = 0;
        for (Mapping.Life l : LIVE.getOrDefault(file, Set.of())) {
            end = Math.max(end, l.fileEnd);
        }
        return end;
    }

    /** How many writable mappings of {@code file} this process has. Call holding {@link #LOCK}. */
    static int writable(FileKey file) {
        int n = 0;
        for (Mapping.Life l : LIVE.getOrDefault(file, Set.of())) {
            n += l.writable ? 1 : 0;
        }
        return n;
    }
}
