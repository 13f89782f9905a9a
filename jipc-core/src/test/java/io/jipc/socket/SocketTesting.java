package io.jipc.socket;

import io.jipc.testing.LeakGuard;
import io.jipc.testing.TestIpc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Addresses for socket tests, unique per run, and a leak probe for socket files left in /tmp. */
final class SocketTesting {
    private SocketTesting() {}

    /** Where test socket files go: /tmp keeps paths far below the 107-byte limit. */
    static final Path DIR = Path.of("/tmp");

    enum Kind { PATH, ABSTRACT }

    static {
        LeakGuard.register(new SocketFileProbe());
    }

    /** A fresh address of {@code kind}: {@code /tmp/jipct-...-what-N} or {@code @jipct-...-what-N}. */
    static UnixAddress address(Kind kind, String what) {
        String name = TestIpc.name(what).substring(1);
        return kind == Kind.PATH ? UnixAddress.of(DIR.resolve(name)) : UnixAddress.abstractName(name);
    }

    static UnixAddress path(String what) {
        return address(Kind.PATH, what);
    }

    /** Finds socket files of this run still in /tmp, and abstract names of this run still bound. */
    static final class SocketFileProbe implements LeakGuard.Probe {
        @Override
        public List<String> removeLeftovers() {
            List<String> found = new ArrayList<>();
            try (Stream<Path> files = Files.list(DIR)) {
                for (Path p : files.filter(p -> p.getFileName().toString().startsWith(TestIpc.PREFIX)).toList()) {
                    found.add("socket file " + p);
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            try {
                for (String line : Files.readAllLines(Path.of("/proc/net/unix"), java.nio.charset.StandardCharsets.ISO_8859_1)) {
                    if (line.contains("@" + TestIpc.PREFIX)) {
                        found.add("abstract socket still bound: " + line.substring(line.lastIndexOf(' ') + 1));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return found;
        }
    }
}
