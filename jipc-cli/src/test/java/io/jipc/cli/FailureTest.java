package io.jipc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.Errno;
import io.jipc.IpcException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** cli.md's error line, the streams' failures, and argument bytes, in-process (the launcher's side is CliEdgeCasesIT). */
class FailureTest {
    @Test
    void theLineIsCliMdsWithTheCallWrittenAsCWritesIt() {
        assertThat(Failure.line("msgctl(IPC_STAT)", "msqid 7", 22)).isEqualTo("msgctl(msqid 7, IPC_STAT): Invalid argument (EINVAL)");
        assertThat(Failure.line("write", "stdout", 28)).isEqualTo("write(stdout): No space left on device (ENOSPC)");
        assertThat(Failure.line("mq_open", null, 2)).isEqualTo("mq_open(): No such file or directory (ENOENT)");
    }

    @Test
    void theLibrarysExplanationFollowsUnlessItNamesJava() {
        IpcException factual = IpcException.withDetail("msgsnd", "msqid 3", 22, "message of 9 bytes exceeds msgmax = 8");
        assertThat(Failure.of(factual).lines()).containsExactly("jipc: msgsnd(msqid 3): Invalid argument (EINVAL)",
                "jipc: message of 9 bytes exceeds msgmax = 8");
        IpcException java = IpcException.withDetail("bind", "/s", 98,
                "Address already in use: a socket file exists (bind with replaceStale to replace it)");
        assertThat(Failure.of(java).lines()).containsExactly("jipc: bind(/s): Address already in use (EADDRINUSE)");
        IpcException truncating = IpcException.withDetail("msgrcv", "msqid 3", 7, "use TypeSelector.truncating()");
        assertThat(Failure.of(truncating).lines()).hasSize(1);
        IpcException leading = IpcException.withDetail("bind", "/s", 98, "Address already in use: a live socket is bound there");
        assertThat(Failure.of(leading).lines()).containsExactly("jipc: bind(/s): Address already in use (EADDRINUSE)",
                "jipc: a live socket is bound there");
        assertThat(Failure.of(new IpcException("mq_open", "/q", 2)).lines()).containsExactly(
                "jipc: mq_open(/q): No such file or directory (ENOENT)");
    }

    @Test
    void theJdksWordsForAStreamErrorGiveItsErrno() {
        assertThat(Failure.errnoOf(new IOException("Broken pipe"))).isEqualTo(Errno.EPIPE);
        assertThat(Failure.errnoOf(new IOException("No space left on device"))).isEqualTo(Errno.ENOSPC);
        assertThat(Failure.errnoOf(new java.nio.channels.ClosedByInterruptException())).isEqualTo(Errno.EBADF);
        assertThat(Failure.errnoOf(new IOException("something else"))).isEqualTo(Errno.EIO);
    }

    @Test
    void aFailedEmitSaysWhatWasLost() {
        Stdout out = new Stdout(failing("Broken pipe"), false, false);
        try {
            out.emit("x".getBytes(StandardCharsets.UTF_8), "the message received from /q (1 bytes, priority 0)");
            throw new AssertionError("no failure");
        } catch (Failure f) {
            assertThat(f.lines()).containsExactly("jipc: write(stdout): Broken pipe (EPIPE)",
                    "jipc: taken but not written, so lost: the message received from /q (1 bytes, priority 0)");
            assertThat(out.failure().isStdout()).as("kept for the command's end, which reports stdout once").isTrue();
        }
    }

    @Test
    void aClosedStandardInputFailsBeforeTheCommandDoesAnything() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Io io = Io.withClosed(new ByteArrayInputStream("not read".getBytes(StandardCharsets.UTF_8)),
                new ByteArrayOutputStream(), new PrintStream(err, true, StandardCharsets.UTF_8), Set.of(0),
                "mq", "send", "/jipct-never-made");
        int status = JipcCommand.execute(io, new String[] {"mq", "send", "/jipct-never-made"});
        assertThat(status).isEqualTo(ExitCodes.SYSTEM);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("jipc: read(stdin): Bad file descriptor (EBADF)\n"
                + "jipc: standard input is closed");
        // With DATA given, standard input is not needed and its state does not matter.
        err.reset();
        io = Io.withClosed(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(),
                new PrintStream(err, true, StandardCharsets.UTF_8), Set.of(0), "mq", "send", "/jipct-never-made", "x");
        JipcCommand.execute(io, new String[] {"mq", "send", "/jipct-never-made", "x"});
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("jipc: mq_open(/jipct-never-made): No such file");
    }

    @Test
    void aClosedStandardOutputIsEbadfExitThree() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Io io = Io.withClosed(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(),
                new PrintStream(err, true, StandardCharsets.UTF_8), Set.of(1), "--version");
        assertThat(JipcCommand.execute(io, new String[] {"--version"})).isEqualTo(ExitCodes.SYSTEM);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("jipc: write(stdout): Bad file descriptor (EBADF)\n"
                + "jipc: standard output is closed\n");
    }

    /** The msqid is the point of create: if it cannot be printed, the queue this run created is removed again. */
    @Test
    void aQueueWhoseIdCannotBePrintedIsRemovedAgain() throws Exception {
        String key = Converters.formatKey(io.jipc.testing.TestIpc.key());
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = JipcCommand.execute(new ByteArrayInputStream(new byte[0]), failing("No space left on device"), err,
                "sysv-msg", "create", "--key", key);
        assertThat(status).isEqualTo(ExitCodes.SYSTEM);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("jipc: write(stdout): No space left on device (ENOSPC)\n"
                + "jipc: the queue it created (msqid ").endsWith(") was removed again\n");
        assertThat(CliRun.run("sysv-msg", "info", "--key", key).stderr()).contains("(ENOENT)");
    }

    @Test
    void argumentBytesAreShownAsBashWritesThem() {
        assertThat(RawArguments.escaped(new byte[] {'/', 'q', (byte) 0xe9, '\\'})).isEqualTo("/q\\xe9\\x5c");
        assertThat(RawArguments.isUtf8("caf\u00e9".getBytes(StandardCharsets.UTF_8))).isTrue();
        assertThat(RawArguments.isUtf8(new byte[] {'c', (byte) 0xe9})).isFalse();
    }

    private static OutputStream failing(String message) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException(message);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                throw new IOException(message);
            }
        };
    }
}
