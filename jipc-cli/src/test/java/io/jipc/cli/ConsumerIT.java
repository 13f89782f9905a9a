package io.jipc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.testing.Peer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * examples/consumer, built and run as its README says: {@code mvn -pl jipc-core -am install} from
 * (a copy of) this repository, {@code mvn package} in the consumer, then {@code java} with jipc on
 * the module path and on the class path. Both Maven runs use a private local repository, seeded
 * from {@code ~/.m2} through a file:// mirror, so the test works offline and leaves {@code ~/.m2}
 * as it was.
 */
class ConsumerIT {
    private static final Duration T = Duration.ofMinutes(10);
    private static final Path ROOT = Path.of(System.getProperty("basedir", "."), "..").toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    // Two Maven builds seeding a fresh repository: 150 s for the first alone on this 2-core machine
    // under load, past the suite's 120 s default; each step has its own bound (T).
    @Test
    @org.junit.jupiter.api.Timeout(value = 20, unit = java.util.concurrent.TimeUnit.MINUTES)
    void theConsumerBuildsAgainstAnInstalledJipcCoreAndRunsOnTheModuleAndClassPath() throws Exception {
        Path settings = Files.writeString(tmp.resolve("settings.xml"), "<settings><mirrors><mirror><id>seed</id>"
                + "<mirrorOf>*</mirrorOf><url>" + Path.of(System.getProperty("user.home"), ".m2", "repository").toUri()
                + "</url></mirror></mirrors></settings>");
        Path repo = tmp.resolve("repo");
        Path source = tmp.resolve("jipc");
        copy(ROOT.resolve("pom.xml"), source.resolve("pom.xml"));
        copyTree(ROOT.resolve("scripts"), source.resolve("scripts"));
        copyTree(ROOT.resolve("jipc-core"), source.resolve("jipc-core"));
        copy(ROOT.resolve("jipc-cli/pom.xml"), source.resolve("jipc-cli/pom.xml"));
        copy(ROOT.resolve("jipc-bench/pom.xml"), source.resolve("jipc-bench/pom.xml"));
        Path consumer = tmp.resolve("consumer");
        copyTree(ROOT.resolve("examples/consumer"), consumer);
        String jdk = System.getProperty("java.home");

        run(source, List.of("mvn", "-B", "-q", "-s", settings.toString(), "-Dmaven.repo.local=" + repo,
                "-pl", "jipc-core", "-am", "install", "-DskipTests", "-Dmaven.javadoc.skip=true"), null);
        assertThat(repo.resolve("io/jipc/jipc-core/0.1.0-SNAPSHOT/jipc-core-0.1.0-SNAPSHOT.jar")).exists();
        run(consumer, List.of("mvn", "-B", "-q", "-s", settings.toString(), "-Dmaven.repo.local=" + repo, "package"), jdk);
        Path lib = consumer.resolve("target/lib");
        assertThat(lib.resolve("jipc-core-0.1.0-SNAPSHOT.jar")).exists();

        String java = Path.of(jdk, "bin", "java").toString();
        String modulePath = run(consumer, List.of(java, "--enable-native-access=io.jipc", "--module-path", "target/lib",
                "--add-modules", "io.jipc", "-cp", "target/consumer.jar", "example.Consumer"), null);
        assertThat(modulePath).isEqualTo("jipc from the module path (module io.jipc)\npipe: through a pipe\n"
                + "mq: through a queue (priority 3)\n");
        String classPath = run(consumer, List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                "target/consumer.jar:target/lib/jipc-core-0.1.0-SNAPSHOT.jar", "example.Consumer"), null);
        assertThat(classPath).startsWith("jipc from the class path\n").endsWith("mq: through a queue (priority 3)\n");
    }

    /** Runs a command in {@code dir} (with JAVA_HOME={@code javaHome} if given); returns its output; fails on a non-zero exit. */
    private static String run(Path dir, List<String> command, String javaHome) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("env", "-C", dir.toString()));
        if (javaHome != null) {
            cmd.add("JAVA_HOME=" + javaHome);
        }
        cmd.addAll(command);
        try (Peer p = Peer.start(command.get(0), cmd)) {
            assertThat(p.awaitExit(T)).as(command + "\n" + p.stdout() + p.stderr()).isZero();
            return p.stdout();
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
    }

    /** Copies a tree without its build output ({@code target/}). */
    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : all.toList()) {
                Path rel = from.relativize(p);
                if (rel.toString().equals("target") || rel.startsWith("target")) {
                    continue;
                }
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to.resolve(rel));
                } else {
                    copy(p, to.resolve(rel));
                }
            }
        }
    }
}
