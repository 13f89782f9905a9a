package io.jipc.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.pipe.Fifo;
import io.jipc.pipe.Pipe;
import io.jipc.testing.CPeer;
import io.jipc.testing.Peer;
import io.jipc.testing.TestIpc;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code jipc fifo create|write|read} run in-process with captured output, against the library and a C peer. */
class FifoCommandTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    private final Path path = fifoPath("cli-fifo");

    static Path fifoPath(String what) {
        return Path.of(System.getProperty("java.io.tmpdir"), TestIpc.name(what).substring(1));
    }

    @AfterEach
    void removeTheFifo() throws Exception {
        Files.deleteIfExists(path);
    }

    private String p() {
        return path.toString();
    }

    private static CompletableFuture<CliRun> inBackground(String... args) {
        return CompletableFuture.supplyAsync(() -> CliRun.run(args), runnable -> Thread.ofPlatform().start(runnable));
    }

    @Test
    void createMakesAFifoQuietlyAndRefusesAnExistingPath() throws Exception {
        CliRun r = CliRun.run("fifo", "create", p());
        assertThat(r.status()).isZero();
        assertThat(r.stdout()).isEmpty();
        assertThat(r.stderr()).isEmpty();
        assertThat(Files.isRegularFile(path)).isFalse();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS)))
                .isEqualTo("rw-------");

        r = CliRun.run("fifo", "create", p());
        assertThat(r.status()).isEqualTo(ExitCodes.SYSTEM);
        assertThat(r.stderr()).isEqualTo("jipc: mkfifo(" + path + "): File exists (EEXIST)\n");
        assertThat(CliRun.run("fifo", "create", p(), "--reuse").status()).isZero();
        Files.delete(path);

        assertThat(CliRun.run("fifo", "create", p(), "--mode", "0640").status()).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path))).isEqualTo("rw-r-----");
        Files.delete(path);

        r = CliRun.run("fifo", "create", p(), "--mode", "4755");
        assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.stderr()).isEqualTo("jipc: --mode for a FIFO takes permission bits only (0 to 0777), got 04755\n");
        assertThat(CliRun.run("fifo", "create", p(), "--mode", "9").status()).isEqualTo(ExitCodes.USAGE);

        Files.writeString(path, "not a fifo");
        r = CliRun.run("fifo", "create", p(), "--reuse");
        assertThat(r.status()).isEqualTo(ExitCodes.SYSTEM);
        assertThat(r.stderr()).isEqualTo("jipc: mkfifo(" + path + "): File exists (EEXIST)\n"
                + "jipc: exists and is a regular file, not a FIFO\n");
        r = CliRun.run("fifo", "read", p(), "--timeout", "1s");
        assertThat(r.status()).isEqualTo(ExitCodes.SYSTEM);
        assertThat(r.stderr()).isEqualTo("jipc: open(" + path + "): Invalid argument (EINVAL)\n"
                + "jipc: is a regular file, not a FIFO\n");
    }

    @Test
    void writeAndReadExitOneWhenTheOtherSideDoesNotCome() throws Exception {
        Fifo.createExclusively(path);
        for (String[] args : new String[][] {
                {"fifo", "write", p(), "data", "--timeout", "200ms"},
                {"fifo", "write", p(), "data", "--nonblock"},
                {"fifo", "read", p(), "--timeout", "200ms"},
                {"fifo", "read", p(), "--nonblock"}}) {
            CliRun r = CliRun.run(args);
            assertThat(r.status()).as(String.join(" ", args)).isEqualTo(ExitCodes.WOULD_BLOCK);
            assertThat(r.stdout()).isEmpty();
            assertThat(r.stderr()).isEmpty();
        }
        CliRun r = CliRun.run("fifo", "write", p(), "x", "--timeout", "1s", "--nonblock");
        assertThat(r.status()).as("--timeout and --nonblock exclude each other").isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void aMissingFifoIsASystemError() {
        CliRun r = CliRun.run("fifo", "write", p(), "x", "--nonblock");
        assertThat(r.status()).isEqualTo(ExitCodes.SYSTEM);
        assertThat(r.stderr()).isEqualTo("jipc: open(" + path + "): No such file or directory (ENOENT)\n");
        assertThat(CliRun.run("fifo").status()).isEqualTo(ExitCodes.USAGE);
        assertThat(CliRun.run("fifo", "remove", p()).status()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void writeWaitsForReadAndTheBytesArriveExactly() throws Exception {
        Fifo.createExclusively(path);
        CompletableFuture<CliRun> reader = inBackground("fifo", "read", p(), "--timeout", "60s");
        CliRun w = CliRun.run("fifo", "write", p(), "héllo\n\u0000end", "--timeout", "60s");
        assertThat(w.status()).isZero();
        CliRun r = reader.get(60, TimeUnit.SECONDS);
        assertThat(r.status()).isZero();
        assertThat(r.stdoutBytes()).isEqualTo("héllo\n\u0000end".getBytes(UTF_8));
        assertThat(r.stderr()).isEmpty();
    }

    @Test
    void writeStreamsStandardInputToALibraryReader() throws Exception {
        Fifo fifo = Fifo.createExclusively(path);
        byte[] data = new byte[500_000];
        new Random(7).nextBytes(data);
        CompletableFuture<CliRun> writer = CompletableFuture.supplyAsync(
                () -> CliRun.runWithInput(data, "fifo", "write", p()), runnable -> Thread.ofPlatform().start(runnable));
        try (Pipe.ReadEnd in = fifo.tryOpenForReading(WAIT).orElseThrow()) {
            assertThat(in.inputStream().readAllBytes()).isEqualTo(data);
        }
        assertThat(writer.get(60, TimeUnit.SECONDS).status()).isZero();
    }

    @Test
    void readCopiesWhatACWriterWritesUntilItCloses() throws Exception {
        Fifo.createExclusively(path);
        CompletableFuture<CliRun> reader = inBackground("fifo", "read", p(), "--timeout", "60s");
        try (Peer writer = CPeer.start("pipe_peer", "fifo-write", p(), "from C", "200")) {
            CliRun r = reader.get(60, TimeUnit.SECONDS);
            assertThat(r.status()).isZero();
            assertThat(r.stdout()).isEqualTo("from C");
            writer.awaitSuccess(WAIT);
        }
    }

    @Test
    void aWriteWhoseReaderLeavesIsASystemError() throws Exception {
        Fifo fifo = Fifo.createExclusively(path);
        CompletableFuture<CliRun> writer = CompletableFuture.supplyAsync(
                () -> CliRun.runWithInput(new byte[1 << 20], "fifo", "write", p()), runnable -> Thread.ofPlatform().start(runnable));
        try (Pipe.ReadEnd in = fifo.tryOpenForReading(WAIT).orElseThrow()) {
            assertThat(in.read(new byte[10])).isPositive();
        }
        CliRun w = writer.get(60, TimeUnit.SECONDS);
        assertThat(w.status()).isEqualTo(ExitCodes.SYSTEM);
        assertThat(w.stderr()).isEqualTo("jipc: write(" + path + "): Broken pipe (EPIPE)\n");
    }
}
