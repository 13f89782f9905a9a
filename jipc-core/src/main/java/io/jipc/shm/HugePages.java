package io.jipc.shm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The huge page sizes the kernel offers, from {@code /sys/kernel/mm/hugepages}. */
final class HugePages {
    private HugePages() {}

    static final Path ROOT = Path.of("/sys/kernel/mm/hugepages");

    /** The sysfs directory of the pool of huge pages of {@code size} bytes. */
    static Path pool(long size) {
        return ROOT.resolve("hugepages-" + (size >> 10) + "kB");
    }

    /** Every huge page size the kernel has a pool for, smallest first (empty without hugetlbfs). */
    static List<Long> sizes() {
        List<Long> sizes = new ArrayList<>();
        try (Stream<Path> pools = Files.list(ROOT)) {
            for (Path p : pools.toList()) {
                String n = p.getFileName().toString();
                if (n.startsWith("hugepages-") && n.endsWith("kB")) {
                    sizes.add(Long.parseLong(n.substring("hugepages-".length(), n.length() - 2)) << 10);
                }
            }
        } catch (IOException | RuntimeException none) {
            return List.of();
        }
        sizes.sort(null);
        return List.copyOf(sizes);
    }
}
