package io.jipc.shm;

import java.util.ArrayList;
import java.util.List;

/**
 * The mappings this process has of shared-memory files, so that jipc never shrinks a file below
 * one of them: a page past a file's end faults (SIGBUS) when touched. Mapping a file and resizing
 * it hold the same lock, so neither can slip between the other's check and its call. (A list:
 * a process has few mappings, and adding one allocates nothing.)
 */
final class LiveMappings {
    private LiveMappings() {}

    /** A file as the kernel knows it: device and inode (what {@code fstat} says). */
    record FileKey(long device, long inode) {}

    private static final List<Mapping.Life> LIVE = new ArrayList<>();

    /** The lock {@link SharedMemory}/{@link MemFd} hold while they check sizes and map or resize. */
    static final Object LOCK = LIVE;

    static void add(Mapping.Life life) {
        synchronized (LOCK) {
            LIVE.add(life);
        }
    }

    static void remove(Mapping.Life life) {
        if (life.file == null) {
            return;
        }
        synchronized (LOCK) {
            for (int i = LIVE.size() - 1; i >= 0; i--) {
                if (LIVE.get(i) == life) {
                    LIVE.remove(i);
                    return;
                }
            }
        }
    }

    /** How far into the file this process's mappings of it reach (0 if it has none). Call holding {@link #LOCK}. */
    static long reach(FileKey file) {
        long end = 0;
        for (Mapping.Life l : LIVE) {
            if (l.file.equals(file)) {
                end = Math.max(end, l.fileEnd);
            }
        }
        return end;
    }

    /** How many writable mappings of {@code file} this process has. Call holding {@link #LOCK}. */
    static int writable(FileKey file) {
        int n = 0;
        for (Mapping.Life l : LIVE) {
            n += l.file.equals(file) && l.writable ? 1 : 0;
        }
        return n;
    }
}
