package io.jipc.internal.libc;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.testing.CPeer;
import io.jipc.testing.Peer;
import java.io.IOException;
import java.lang.foreign.MemoryLayout;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every struct the libc layer declares is compared with the real C headers: a generated C program
 * prints {@code sizeof}, {@code _Alignof} and {@code offsetof} of each member, and each must equal the Java layout.
 * A wrong layout can therefore never reach a user, on whatever platform the suite runs.
 */
class LayoutTest {
    /**
     * Headers whose objects jipc places at offsets it computes in shared memory (io.jipc.sync's
     * slots), where alignment matters as much as size: their alignments are compared too.
     */
    private static final java.util.Set<String> PLACED_IN_SHARED_MEMORY = java.util.Set.of("pthread.h", "semaphore.h");

    @BeforeAll
    static void loadEveryHeaderClass() throws IOException, URISyntaxException, ClassNotFoundException {
        Path dir = Path.of(Libc.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve("io/jipc/internal/libc");
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                String n = f.getFileName().toString();
                if (n.endsWith(".class") && !n.contains("$")) {
                    Class.forName("io.jipc.internal.libc." + n.substring(0, n.length() - 6), true,
                            Libc.class.getClassLoader());
                }
            }
        }
    }

    @Test
    void everyDeclaredStructMatchesTheCHeaders() throws Exception {
        List<Libc.CStruct> structs = Libc.structs();
        assertThat(structs).extracting(Libc.CStruct::cName).contains("struct stat", "struct timespec", "struct pollfd");

        Map<String, Long> javaSide = new LinkedHashMap<>();
        StringBuilder c = new StringBuilder("#include <stdio.h>\n#include <stddef.h>\n");
        for (String header : new TreeSet<>(structs.stream().map(Libc.CStruct::header).toList())) {
            c.append("#include <").append(header).append(">\n");
        }
        c.append("int main(void) {\n");
        for (Libc.CStruct s : structs) {
            javaSide.put(s.cName() + " sizeof", s.layout().byteSize());
            c.append("  printf(\"%s sizeof %zu\\n\", \"").append(s.cName()).append("\", sizeof(").append(s.cName()).append("));\n");
            if (PLACED_IN_SHARED_MEMORY.contains(s.header())) {
                javaSide.put(s.cName() + " alignof", s.layout().byteAlignment());
                c.append("  printf(\"%s alignof %zu\\n\", \"").append(s.cName()).append("\", _Alignof(").append(s.cName()).append("));\n");
            }
            for (MemoryLayout m : s.layout().memberLayouts()) {
                if (m.name().isEmpty()) {
                    continue;
                }
                String member = m.name().get();
                javaSide.put(s.cName() + " " + member, s.offset(member));
                c.append("  printf(\"%s %s %zu\\n\", \"").append(s.cName()).append("\", \"").append(member)
                        .append("\", offsetof(").append(s.cName()).append(", ").append(member).append("));\n");
            }
        }
        c.append("  return 0;\n}\n");

        Path dir = CPeer.outputDir();
        Files.createDirectories(dir);
        Path source = dir.resolve("layouts.c");
        Files.writeString(source, c);
        Path binary = dir.resolve("layouts");
        CPeer.compileSource(source, binary);

        Map<String, Long> cSide = new LinkedHashMap<>();
        try (Peer p = Peer.start("layouts", List.of(binary.toString()))) {
            p.awaitSuccess(Duration.ofSeconds(30));
            for (String line : p.stdout().split("\n")) {
                int cut = line.lastIndexOf(' ');
                cSide.put(line.substring(0, cut), Long.parseLong(line.substring(cut + 1)));
            }
        }
        List<String> mismatches = new ArrayList<>();
        javaSide.forEach((what, value) -> {
            if (!value.equals(cSide.get(what))) {
                mismatches.add(what + ": Java " + value + ", C " + cSide.get(what));
            }
        });
        assertThat(mismatches).as("layouts differing from the C headers").isEmpty();
        assertThat(cSide).hasSameSizeAs(javaSide);
    }
}
