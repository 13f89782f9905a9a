package io.jipc.internal.libc;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.testing.CPeer;
import io.jipc.testing.Peer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The CMSG_* macros reproduced in {@link Socket} give what glibc's give, for every payload size that matters. */
class CmsgArithmeticTest {
    @Test
    void cmsgMacrosMatchGlibc() throws Exception {
        StringBuilder c = new StringBuilder("#include <stdio.h>\n#include <sys/socket.h>\nint main(void) {\n");
        c.append("  for (size_t n = 0; n <= 1100; n++) printf(\"%zu %zu %zu %zu\\n\", n, CMSG_ALIGN(n), CMSG_SPACE(n), CMSG_LEN(n));\n");
        c.append("  return 0;\n}\n");
        Path dir = CPeer.outputDir();
        Files.createDirectories(dir);
        Path source = dir.resolve("cmsg.c");
        Files.writeString(source, c);
        Path binary = dir.resolve("cmsg");
        CPeer.compileSource(source, binary);
        List<String> mismatches = new ArrayList<>();
        try (Peer p = Peer.start("cmsg", List.of(binary.toString()))) {
            p.awaitSuccess(Duration.ofSeconds(30));
            String[] lines = p.stdout().split("\n");
            assertThat(lines).hasSize(1101);
            for (String line : lines) {
                String[] v = line.split(" ");
                long n = Long.parseLong(v[0]);
                String java = n + " " + Socket.CMSG_ALIGN(n) + " " + Socket.CMSG_SPACE(n) + " " + Socket.CMSG_LEN(n);
                if (!java.equals(line)) {
                    mismatches.add("C " + line + ", Java " + java);
                }
            }
        }
        assertThat(mismatches).isEmpty();
        assertThat(Socket.CMSG_DATA_OFFSET()).isEqualTo(16);
    }

    @Test
    void theHeaderWalkStopsAtTheBufferEndAndAtBrokenLengths() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment control = a.allocate(Socket.CMSG_SPACE(4) + Socket.CMSG_SPACE(12));
            control.set(Libc.C_SIZE_T, 0, Socket.CMSG_LEN(4));
            long second = Socket.CMSG_SPACE(4);
            control.set(Libc.C_SIZE_T, second, Socket.CMSG_LEN(12));
            long len = control.byteSize();
            assertThat(Socket.nextHeader(control, len, -1)).isZero();
            assertThat(Socket.nextHeader(control, len, 0)).isEqualTo(second);
            assertThat(Socket.nextHeader(control, len, second)).isEqualTo(-1);
            // a controllen cut inside the second header: the walk ends after the first
            assertThat(Socket.nextHeader(control, second + 8, 0)).isEqualTo(-1);
            // a length smaller than the header itself ends the walk instead of looping
            control.set(Libc.C_SIZE_T, 0, 3L);
            assertThat(Socket.nextHeader(control, len, -1)).isEqualTo(-1);
            assertThat(Socket.nextHeader(control, 0, -1)).isEqualTo(-1);
        }
    }
}
