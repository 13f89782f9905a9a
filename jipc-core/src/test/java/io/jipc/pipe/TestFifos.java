package io.jipc.pipe;

import io.jipc.testing.LeakGuard;
import io.jipc.testing.TestIpc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * FIFO paths for tests, in the temporary directory and named with this run's prefix; a leak-guard
 * probe reports and removes any the tests leave behind.
 */
final class TestFifos implements LeakGuard.Probe {
    static {
        LeakGuard.register(new TestFifos());
    }

    private static Path dir() {
        return Path.of(System.getProperty("java.io.tmpdir"));
    }

    /** A fresh path (nothing there yet). */
    static Path path(String what) {
        return dir().resolve(TestIpc.name(what).substring(1));
    }

    @Override
    public List<String> removeLeftovers() {
        List<String> found = new ArrayList<>();
        try (Stream<Path> entries = Files.list(dir())) {
            for (Path p : entries.filter(p -> p.getFileName().toString().startsWith(TestIpc.PREFIX)).toList()) {
                found.add(p.toString());
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return found;
    }
}
