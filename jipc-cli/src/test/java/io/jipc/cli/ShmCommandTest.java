package io.jipc.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.shm.Mapping;
import io.jipc.shm.SharedMemory;
import io.jipc.testing.CPeer;
import io.jipc.testing.Peer;
import io.jipc.testing.TestIpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ShmCommandTest {
    private static String c(String... args) {
        try (Peer p = CPeer.start("shm_peer", args)) {
            p.awaitSuccess(Duration.ofSeconds(60));
            return p.stdout().strip();
        }
    }

    @Test
    void createWriteReadInfoUnlink() throws Exception {
        String name = TestIpc.name("cli-shm");
        CliRun create = CliRun.run("shm", "create", name, "--size", "4K", "--mode", "0640");
        assertThat(create.status()).as(create.stderr()).isZero();
        assertThat(create.stdout()).isEmpty();
        assertThat(create.stderr()).isEmpty();
        assertThat(CliRun.run("shm", "info", name, "--json").stdout()).isEqualTo("{\"name\":\"" + name
                + "\",\"size\":4096,\"mode\":\"0640\",\"owner\":" + io.jipc.internal.libc.Unistd.getuid() + "}\n");
        assertThat(CliRun.run("shm", "info", name).stdout()).isEqualTo("name " + name + "\nsize 4096\nmode 0640\nowner "
                + io.jipc.internal.libc.Unistd.getuid() + "\n");

        assertThat(CliRun.run("shm", "write", name, "hello", "--offset", "10").status()).isZero();
        assertThat(CliRun.runWithInput("from stdin".getBytes(UTF_8), "shm", "write", name, "--offset", "100").status()).isZero();
        assertThat(CliRun.run("shm", "read", name, "--offset", "10", "--length", "5").stdout()).isEqualTo("hello");
        assertThat(c("posix-read", name, "100", "10")).isEqualTo("from stdin");
        assertThat(c("posix-write", name, "4090", "end")).isEqualTo("wrote 4096");
        byte[] all = CliRun.run("shm", "read", name).stdoutBytes();
        assertThat(all).hasSize(4096);
        assertThat(new String(all, 10, 5, UTF_8)).isEqualTo("hello");
        assertThat(new String(all, 4090, 3, UTF_8)).isEqualTo("end");
        assertThat(CliRun.run("shm", "read", name, "--offset", "4093").stdoutBytes()).containsOnly(0).hasSize(3);
        assertThat(CliRun.run("shm", "read", name, "--offset", "4096").stdout()).as("nothing left: nothing").isEmpty();
        assertThat(CliRun.run("shm", "write", name, "", "--offset", "4096").status()).as("nothing to write").isZero();

        assertThat(CliRun.run("shm", "create", name, "--size", "2048").status()).as("exists: left as it is").isZero();
        assertThat(CliRun.run("shm", "create", name, "--size", "8192").status()).isZero();
        assertThat(CliRun.run("shm", "info", name).stdout()).as("grown, never shrunk").contains("size 8192\n");
        CliRun exists = CliRun.run("shm", "create", name, "--size", "1", "--exclusive");
        assertThat(exists.status()).isEqualTo(ExitCodes.SYSTEM);
        assertThat(exists.stderr()).isEqualTo("jipc: shm_open(" + name + "): File exists (EEXIST)\n");

        assertThat(CliRun.run("shm", "unlink", name).status()).isZero();
        CliRun gone = CliRun.run("shm", "unlink", name);
        assertThat(gone.status()).isEqualTo(ExitCodes.SYSTEM);
        assertThat(gone.stderr()).isEqualTo("jipc: shm_unlink(" + name + "): No such file or directory (ENOENT)\n");
        CliRun read = CliRun.run("shm", "read", name);
        assertThat(read.status()).isEqualTo(ExitCodes.SYSTEM);
        assertThat(read.stderr()).isEqualTo("jipc: shm_open(" + name + "): No such file or directory (ENOENT)\n");
    }

    @Test
    void badInputExitsTwoAndChangesNothing() throws Exception {
        String name = TestIpc.name("cli-shm-bad");
        for (String[] args : new String[][] {
                {"shm", "create", name, "--size", "0"},
                {"shm", "create", name, "--size", "-5"},
                {"shm", "create", name.substring(1), "--size", "10"},
                {"shm", "create", "/a/b", "--size", "10"},
                {"shm", "create", name, "--size", "10x"},
                {"shm", "create", name, "--size", "10", "--mode", "04600"}}) {
            CliRun r = CliRun.run(args);
            assertThat(r.status()).as(String.join(" ", args) + "\n" + r.stderr()).isEqualTo(ExitCodes.USAGE);
            assertThat(r.stderr()).startsWith("jipc: ");
        }
        assertThat(CliRun.run("shm", "create", name, "--size", "0").stderr())
                .startsWith("jipc: --size must be at least 1 byte, got 0\n");
        assertThat(Files.exists(Path.of("/dev/shm" + name))).isFalse();

        long tmpfs = Files.getFileStore(Path.of("/dev/shm")).getTotalSpace();
        CliRun big = CliRun.run("shm", "create", name, "--size", String.valueOf(tmpfs + 1));
        assertThat(big.status()).isEqualTo(ExitCodes.SYSTEM);
        assertThat(big.stderr()).isEqualTo("jipc: ftruncate(" + name + "): No space left on device (ENOSPC)\n"
                + "jipc: size " + (tmpfs + 1) + " is more than the tmpfs at /dev/shm (its size= mount option) can ever"
                + " hold, " + tmpfs + " bytes\n");
        assertThat(Files.exists(Path.of("/dev/shm" + name))).isFalse();

        assertThat(CliRun.run("shm", "create", name, "--size", "16").status()).isZero();
        try {
            CliRun past = CliRun.run("shm", "write", name, "x", "--offset", "17");
            assertThat(past.status()).isEqualTo(ExitCodes.USAGE);
            assertThat(past.stderr()).isEqualTo("jipc: --offset 17 is past the end of " + name + ", which has 16 bytes\n");
            CliRun tooLong = CliRun.run("shm", "write", name, "0123456789", "--offset", "10");
            assertThat(tooLong.status()).isEqualTo(ExitCodes.USAGE);
            assertThat(tooLong.stderr()).isEqualTo("jipc: DATA of 10 bytes is more than the 6 bytes from --offset 10 to"
                    + " the end of " + name + " (16 bytes); nothing was written\n");
            CliRun stdin = CliRun.runWithInput(new byte[17], "shm", "write", name);
            assertThat(stdin.status()).isEqualTo(ExitCodes.USAGE);
            assertThat(stdin.stderr()).startsWith("jipc: standard input holds more than the 16 bytes");
            CliRun length = CliRun.run("shm", "read", name, "--offset", "8", "--length", "9");
            assertThat(length.status()).isEqualTo(ExitCodes.USAGE);
            assertThat(length.stderr()).isEqualTo("jipc: --length 9 from --offset 8 passes the end of " + name
                    + ", which has 16 bytes\n");
            assertThat(length.stdout()).isEmpty();
            assertThat(CliRun.run("shm", "read", name, "--offset", "-1").status()).isEqualTo(ExitCodes.USAGE);
            try (SharedMemory shm = SharedMemory.openExisting(name); Mapping m = shm.map()) {
                byte[] b = new byte[16];
                m.read(0, b);
                assertThat(b).as("nothing was written").isEqualTo(new byte[16]);
            }
        } finally {
            SharedMemory.unlink(name);
        }
    }

    @Test
    void largeObjectsStreamThrough() throws Exception {
        String name = TestIpc.name("cli-shm-big");
        assertThat(CliRun.run("shm", "create", name, "--size", "3M").status()).isZero();
        try {
            byte[] data = new byte[3 << 20];
            Arrays.fill(data, (byte) 'z');
            data[data.length - 1] = 'e';
            assertThat(CliRun.runWithInput(data, "shm", "write", name).status()).isZero();
            assertThat(CliRun.run("shm", "read", name).stdoutBytes()).isEqualTo(data);
        } finally {
            SharedMemory.unlink(name);
        }
    }
}
