package io.jipc;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.testing.Peer;
import io.jipc.testing.PeerJvm;
import io.jipc.testing.TestIpc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs every Java example of the README as written there, so the README cannot drift from the
 * library: each {@code ```java} block becomes the body of a single-file program (the imports a
 * reader would add are supplied), run by the JDK's source launcher in a JVM of its own, with
 * jipc on its class path. A line ending in {@code // prints: TEXT} says what the example prints;
 * the test checks it did. Names in the examples ({@code "/jobs"}) get this run's prefix, so
 * nothing a test leaves could collide with anyone's queue.
 */
class ReadmeExampleTest {
    private static final Path README = Path.of(System.getProperty("user.dir")).getParent().resolve("README.md");
    private static final Pattern BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern PRINTS = Pattern.compile("//\\s*prints:\\s*(.*)$", Pattern.MULTILINE);
    private static final Pattern POSIX_NAME = Pattern.compile("\"/([a-z][a-z0-9-]*)\"");
    private static final List<String> IMPORTS = List.of(
            "import static java.nio.charset.StandardCharsets.UTF_8;",
            "import io.jipc.*;", "import io.jipc.channel.*;", "import io.jipc.lock.*;", "import io.jipc.mq.*;", "import io.jipc.pipe.*;", "import io.jipc.poll.*;",
            "import io.jipc.process.*;", "import io.jipc.sem.*;", "import io.jipc.shm.*;", "import io.jipc.signal.*;",
            "import io.jipc.socket.*;", "import io.jipc.sync.*;", "import io.jipc.inspect.*;",
            "import java.lang.foreign.MemorySegment;", "import java.lang.foreign.ValueLayout;", "import java.nio.ByteBuffer;",
            "import java.nio.file.*;", "import java.time.Duration;", "import java.util.*;");

    @TestFactory
    Stream<DynamicTest> everyJavaExampleRunsAndPrintsWhatItSays(@TempDir Path dir) throws IOException {
        String readme = Files.readString(README);
        List<DynamicTest> tests = new ArrayList<>();
        Matcher m = BLOCK.matcher(readme);
        int n = 0;
        while (m.find()) {
            String code = m.group(1);
            int index = ++n;
            tests.add(DynamicTest.dynamicTest("README example " + index, () -> run(dir, index, code)));
        }
        assertThat(tests).as("Java examples in " + README).isNotEmpty();
        return tests.stream();
    }

    private static void run(Path dir, int index, String code) throws IOException {
        List<String> expected = new ArrayList<>();
        Matcher p = PRINTS.matcher(code);
        while (p.find()) {
            expected.add(p.group(1).strip());
        }
        String body = POSIX_NAME.matcher(code).replaceAll(r -> "\"/" + TestIpc.PREFIX + r.group(1) + "\"");
        String cls = "ReadmeExample" + index;
        Path source = dir.resolve(cls + ".java");
        Files.writeString(source, String.join("\n", IMPORTS) + "\n\npublic class " + cls
                + " {\n    public static void main(String[] args) throws Exception {\n" + body.indent(8)
                + "    }\n}\n");
        List<String> options = List.of("--source", String.valueOf(Runtime.version().feature()),
                "-Dio.jipc.readme=" + index);
        try (Peer peer = PeerJvm.startSource(options, source)) {
            int status = peer.awaitExit(Duration.ofSeconds(60));
            assertThat(status).as("example %d exited %d\nstdout: %s\nstderr: %s\ncode:\n%s", index, status,
                    peer.stdout(), peer.stderr(), code).isZero();
            assertThat(peer.stdout().lines().map(String::strip).toList()).as("what example %d prints", index)
                    .containsAll(expected);
        }
    }
}
