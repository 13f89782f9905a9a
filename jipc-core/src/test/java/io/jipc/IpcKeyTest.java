package io.jipc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jipc.testing.CPeer;
import io.jipc.testing.Peer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IpcKeyTest {
    @TempDir
    Path dir;

    @Test
    void ftokGivesTheKeyCGives() throws Exception {
        Path file = Files.createFile(dir.resolve("anchor"));
        for (int project : new int[] {1, 7, 200, 255}) {
            IpcKey key = IpcKey.ftok(file, project);
            try (Peer c = CPeer.start("msg_peer", "ftok", file.toString(), String.valueOf(project))) {
                c.awaitSuccess(Duration.ofSeconds(30));
                assertThat(key.toString()).as("project " + project).isEqualTo(c.stdout().strip());
            }
            assertThat(key.value() >>> 24).isEqualTo(project);
        }
        assertThat(IpcKey.ftok(file, 3)).isEqualTo(IpcKey.ftok(file, 3)).isNotEqualTo(IpcKey.ftok(file, 4));
    }

    @Test
    void ftokChecksItsArguments() {
        assertThatThrownBy(() -> IpcKey.ftok(dir, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ftok project id must be 1..255 (only its low 8 bits count), got 0");
        assertThatThrownBy(() -> IpcKey.ftok(dir, 256)).isInstanceOf(IllegalArgumentException.class);
        Path missing = dir.resolve("missing");
        assertThatThrownBy(() -> IpcKey.ftok(missing, 1)).isInstanceOf(NotFoundException.class)
                .hasMessage("ftok(" + missing + "): No such file or directory (ENOENT)");
    }

    @Test
    void explicitAndParsedKeys() {
        assertThat(IpcKey.of(0x4a001002)).hasToString("0x4a001002").isEqualTo(IpcKey.parse("0x4a001002"));
        assertThat(IpcKey.parse("1234").value()).isEqualTo(1234);
        assertThat(IpcKey.parse("0xffffffff").value()).isEqualTo(-1);
        assertThat(IpcKey.parse("-5").value()).isEqualTo(-5);
        assertThat(IpcKey.PRIVATE.isPrivate()).isTrue();
        assertThat(IpcKey.PRIVATE).hasToString("IPC_PRIVATE");
        assertThatThrownBy(() -> IpcKey.of(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("IPC_PRIVATE");
        assertThatThrownBy(() -> IpcKey.parse("0")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> IpcKey.parse("jobs")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("decimal number or 0x followed by hex digits");
        assertThatThrownBy(() -> IpcKey.parse("0x1ffffffff")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("32 bits");
    }
}
