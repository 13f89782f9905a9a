package io.jipc.process;

import io.jipc.testing.LeakGuard;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The zombie children of this JVM, read from /proc: processes whose parent is us and whose state
 * is Z. Registered with the leak guard, so any test class that leaves one unreaped fails.
 */
final class Zombies implements LeakGuard.Probe {
    static final Zombies PROBE = new Zombies();

    /** "pid (comm)" of every zombie child of this process. */
    static List<String> ofThisJvm() {
        long self = ProcessHandle.current().pid();
        List<String> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                String stat;
                try {
                    stat = Files.readString(p.resolve("stat"));
                } catch (IOException gone) {
                    continue;
                }
                int close = stat.lastIndexOf(')');
                String[] rest = stat.substring(close + 2).split(" ");
                if (rest[0].equals("Z") && Long.parseLong(rest[1]) == self) {
                    found.add(stat.substring(0, close + 1));
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return found;
    }

    /** Reports zombies (after giving the JDK's own reaper a moment for its children); cannot remove them. */
    @Override
    public List<String> removeLeftovers() {
        List<String> found = List.of();
        for (int attempt = 0; attempt < 20; attempt++) {
            found = ofThisJvm();
            if (found.isEmpty()) {
                return found;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return found.stream().map(z -> "zombie child " + z).toList();
    }
}
