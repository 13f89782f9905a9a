package io.jipc.signal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jipc.testing.CPeer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * jipc's signal handler is machine code written as bytes: the bytes must be what GNU as makes of
 * the assembly source beside this test ({@code signal/stub_*.s}, the source HandlerStub's Javadoc
 * shows). This platform's source is assembled with the {@code as} that comes with gcc; the other
 * platform's when its cross assembler is installed.
 */
class HandlerStubTest {
    @Test
    void theHandlerIsWhatTheAssemblerMakesOfItsSource() throws Exception {
        boolean aarch64 = "aarch64".equals(System.getProperty("os.arch"));
        byte[] assembled = assemble(aarch64 ? "stub_aarch64.s" : "stub_x86_64.s", "as", "objcopy");
        assertThat(HandlerStub.code(System.getProperty("os.arch"))).isEqualTo(codeOnly(assembled));
    }

    @Test
    void theOtherPlatformsHandlerToo() throws Exception {
        boolean aarch64 = "aarch64".equals(System.getProperty("os.arch"));
        String prefix = aarch64 ? "x86_64-linux-gnu-" : "aarch64-linux-gnu-";
        assumeTrue(onPath(prefix + "as"), "no cross assembler " + prefix + "as (apt install binutils-" + prefix + ")");
        byte[] assembled = assemble(aarch64 ? "stub_x86_64.s" : "stub_aarch64.s", prefix + "as", prefix + "objcopy");
        assertThat(HandlerStub.code(aarch64 ? "amd64" : "aarch64")).isEqualTo(codeOnly(assembled));
    }

    /** The code without the two literals after it (counter address, descriptor), which are filled in at run time. */
    private static byte[] codeOnly(byte[] text) {
        // The literals are the last 8 + 4 bytes (plus the section's alignment padding after them).
        int end = text.length;
        while (end % 4 != 0) {
            end--;
        }
        return Arrays.copyOf(text, end - 12);
    }

    private static byte[] assemble(String source, String as, String objcopy) throws IOException, InterruptedException {
        Path dir = CPeer.outputDir().resolve("stub");
        Files.createDirectories(dir);
        Path src = dir.resolve(source);
        try (InputStream in = HandlerStubTest.class.getClassLoader().getResourceAsStream("signal/" + source)) {
            assertThat(in).as("resource signal/" + source).isNotNull();
            Files.write(src, in.readAllBytes());
        }
        Path obj = dir.resolve(source + ".o");
        Path bin = dir.resolve(source + ".bin");
        run(as, "-o", obj.toString(), src.toString());
        run(objcopy, "-O", "binary", "-j", ".text", obj.toString(), bin.toString());
        return Files.readAllBytes(bin);
    }

    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd) + ": " + out).isZero();
    }

    private static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }
}
