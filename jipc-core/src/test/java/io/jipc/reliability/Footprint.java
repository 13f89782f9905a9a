package io.jipc.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What a process holds at one moment, as the soak suite compares it: descriptors ({@code
 * /proc/PID/fd}), mappings ({@code /proc/PID/maps}, all of them and those of shared memory), the
 * resident set, and for this JVM the heap after a full collection and the native memory the JVM
 * accounts for (Native Memory Tracking, when the JVM was started with it: FFM's native
 * allocations, {@code Arena.allocate}, are malloc'ed through it and counted under "Other").
 *
 * @param fds         open descriptors
 * @param maps        lines of /proc/PID/maps
 * @param sharedMaps  mappings of /dev/shm objects, memfds and System V segments
 * @param rssKb       VmRSS
 * @param heapBytes   heap in use after System.gc() (-1 for another process)
 * @param nmtMallocKb NMT's total malloc (-1 without NMT or for another process)
 * @param nmtOtherKb  NMT's "Other" category, where Unsafe/FFM allocations are counted (-1 likewise)
 */
record Footprint(int fds, int maps, int sharedMaps, long rssKb, long heapBytes, long nmtMallocKb, long nmtOtherKb) {

    /** This JVM, after a full collection. */
    static Footprint self() {
        // Collections until the heap stops shrinking: objects with a Cleaner (an Arena.ofAuto's
        // memory, a forgotten descriptor) go only after the Cleaner's thread has run between two
        // collections, and on a loaded machine it may not have after one.
        Runtime rt = Runtime.getRuntime();
        long heap = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            System.gc();
            long now = rt.totalMemory() - rt.freeMemory();
            if (heap - now < 16 * 1024) {
                heap = Math.min(heap, now);
                break;
            }
            heap = now;
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        // Counted before jcmd attaches: its connection closes when the JVM's listener is done with it.
        long pid = ProcessHandle.current().pid();
        int fds = fds(pid);
        int maps = mapLines(pid, false);
        int sharedMaps = mapLines(pid, true);
        long rss = rssKb(pid);
        String nmt = nmtSummary();
        long malloc = -1;
        long other = -1;
        if (nmt != null) {
            Matcher m = Pattern.compile("(?m)^\\s*malloc: (\\d+)KB").matcher(nmt);
            if (m.find()) {
                malloc = Long.parseLong(m.group(1));
            }
            // Listed only while something is allocated there.
            Matcher o = Pattern.compile("-\\s+Other \\(reserved=(\\d+)KB, committed=(\\d+)KB\\)").matcher(nmt);
            other = o.find() ? Long.parseLong(o.group(2)) : 0;
        }
        return new Footprint(fds, maps, sharedMaps, rss, heap, malloc, other);
    }

    /** Another process, from /proc alone. */
    static Footprint of(long pid) {
        return new Footprint(fds(pid), mapLines(pid, false), mapLines(pid, true), rssKb(pid), -1, -1, -1);
    }

    /**
     * NMT's summary of this JVM ({@code jcmd PID VM.native_memory summary}), or null without NMT.
     * The first call makes the JVM open its attach listener (one descriptor, kept): measurements
     * taken with NMT start after one.
     */
    static String nmtSummary() {
        try {
            Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
            Process p = new ProcessBuilder(jcmd.toString(), String.valueOf(ProcessHandle.current().pid()),
                    "VM.native_memory", "summary").redirectErrorStream(true).start();
            p.getOutputStream().close();
            String s;
            try (var in = p.getInputStream()) {
                s = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            }
            p.waitFor();
            return s.contains("Total:") ? s : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    static int fds(long pid) {
        try (Stream<Path> s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return (int) s.count() - (pid == ProcessHandle.current().pid() ? 1 : 0); // the listing's own
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int mapLines(long pid, boolean sharedOnly) {
        try {
            int n = 0;
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/maps"))) {
                if (!sharedOnly) {
                    n++;
                    continue;
                }
                String[] f = line.trim().split("\\s+", 6);
                if (f.length == 6 && (f[5].startsWith("/dev/shm/") || f[5].startsWith("/memfd:") || f[5].startsWith("/SYSV"))) {
                    n++;
                }
            }
            return n;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static long rssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
            return -1;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code after} less this, field by field. */
    Footprint growthTo(Footprint after) {
        return new Footprint(after.fds - fds, after.maps - maps, after.sharedMaps - sharedMaps, after.rssKb - rssKb,
                heapBytes < 0 ? -1 : after.heapBytes - heapBytes, nmtMallocKb < 0 ? -1 : after.nmtMallocKb - nmtMallocKb,
                nmtOtherKb < 0 ? -1 : after.nmtOtherKb - nmtOtherKb);
    }

    /** One line of key=value pairs, as the soak reports print them. */
    String line() {
        return "fds=" + fds + " maps=" + maps + " shared_maps=" + sharedMaps + " rss_kb=" + rssKb + " heap_b=" + heapBytes
                + " nmt_malloc_kb=" + nmtMallocKb + " nmt_other_kb=" + nmtOtherKb;
    }

    static Footprint parse(String line) {
        java.util.Map<String, Long> v = new java.util.HashMap<>();
        for (String kv : line.trim().split("\\s+")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                try {
                    v.put(kv.substring(0, eq), Long.parseLong(kv.substring(eq + 1)));
                } catch (NumberFormatException notANumber) {
                    // another key of the line
                }
            }
        }
        return new Footprint(v.get("fds").intValue(), v.get("maps").intValue(), v.get("shared_maps").intValue(),
                v.get("rss_kb"), v.get("heap_b"), v.get("nmt_malloc_kb"), v.get("nmt_other_kb"));
    }
}
