package io.jipc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * The library's Javadoc builds with every doclint check but "missing comment" and no warning at
 * all, with the JDK's own javadoc tool (the compiler's doclint runs on every build already; this
 * adds what only javadoc checks: links between pages, the module page). It is written to {@code
 * jipc-core/target/apidocs}, where the README points a reader after {@code mvn verify}.
 */
class JavadocTest {
    private static final Path MODULE = Path.of(System.getProperty("basedir", "."));

    @Test
    void javadocBuildsWithoutAWarning() {
        ToolProvider javadoc = ToolProvider.findFirst("javadoc").orElseThrow(
                () -> new AssertionError("the JDK running the tests has no javadoc tool (jdk.javadoc)"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = javadoc.run(new PrintWriter(out, true), new PrintWriter(err, true),
                "-Xdoclint:all,-missing", "-quiet", "--source-path", MODULE.resolve("src/main/java").toString(),
                "--module", "io.jipc", "-d", MODULE.resolve("target/apidocs").toString());
        String said = out + "\n" + err;
        assertThat(status).as(said).isZero();
        assertThat(said).as("javadoc's warnings and errors").doesNotContainIgnoringCase("warning")
                .doesNotContainIgnoringCase("error");
        assertThat(MODULE.resolve("target/apidocs/io.jipc/io/jipc/mq/PosixMessageQueue.html")).isRegularFile();
    }
}
