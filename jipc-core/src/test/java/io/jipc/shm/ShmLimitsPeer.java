package io.jipc.shm;

import io.jipc.IpcKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * Runs in a namespace of its own ({@link ShmLimitsTest}): a 1 MiB tmpfs on /dev/shm, shmmax 65536,
 * shmmni 1. Tries what those limits refuse (and a sparse object that fits only until touched) and prints, per line, "WHAT: created" or "WHAT: " and
 * the exception's message; then what is left in /dev/shm.
 */
public final class ShmLimitsPeer {
    private ShmLimitsPeer() {}

    public static void main(String[] args) throws Exception {
        String name = args[0];
        SharedMemory.Options reserve = SharedMemory.Options.defaults().withReserve(true);
        report("tmpfs", () -> SharedMemory.createExclusively(name, 2 << 20));
        try (SharedMemory a = SharedMemory.createExclusively(name + "-a", 768 << 10, reserve)) {
            report("reserve", () -> SharedMemory.createExclusively(name + "-b", 768 << 10, reserve));
            report("sparse", () -> SharedMemory.createExclusively(name + "-c", 768 << 10));
            try (SharedMemory c = SharedMemory.openExisting(name + "-c"); Mapping m = c.map()) {
                m.write(0, new byte[200 << 10]); // touched: 200 KiB of the 256 left are taken
            }
            report("grow", () -> {
                a.resize(1 << 20);
                return a;
            });
            SharedMemory.unlink(name + "-a");
            SharedMemory.unlink(name + "-c");
        }
        report("shmmax", () -> SysVSharedMemory.createExclusively(IpcKey.PRIVATE, 65537));
        try (SysVSharedMemory one = SysVSharedMemory.createExclusively(IpcKey.PRIVATE, 100)) {
            report("shmmni", () -> SysVSharedMemory.createExclusively(IpcKey.PRIVATE, 100));
            one.remove();
        }
        try (Stream<Path> left = Files.list(Path.of("/dev/shm"))) {
            System.out.println("left: " + left.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    private static void report(String what, Callable<? extends AutoCloseable> attempt) {
        try (AutoCloseable made = attempt.call()) {
            System.out.println(what + ": created");
        } catch (Exception e) {
            System.out.println(what + ": " + e.getMessage());
        }
    }
}
