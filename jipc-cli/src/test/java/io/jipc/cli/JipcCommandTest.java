package io.jipc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class JipcCommandTest {
    @Test
    void unknownCommandIsAUsageErrorOnOneLine() {
        CliRun r = CliRun.run("bogus");
        assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.stderr()).startsWith("jipc: Unmatched argument at index 0: 'bogus'");
        assertThat(r.stdout()).isEmpty();
    }

    @Test
    void noCommandIsAUsageError() {
        assertThat(CliRun.run().status()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void helpListsCommands() {
        CliRun r = CliRun.run("help");
        assertThat(r.status()).isZero();
        assertThat(r.stdout()).contains("Usage: jipc", "completion");
    }

    @Test
    void completionPrintsABashScript() {
        CliRun r = CliRun.run("completion", "bash");
        assertThat(r.status()).isZero();
        assertThat(r.stdout()).startsWith("#!/usr/bin/env bash").contains("complete -F");
        assertThat(CliRun.run("completion", "fish").status()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void durationsInEveryFormCliMdNames() {
        assertThat(Converters.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Converters.parseDuration("5s")).isEqualTo(Duration.ofSeconds(5));
        assertThat(Converters.parseDuration("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Converters.parseDuration("PT5S")).isEqualTo(Duration.ofSeconds(5));
        assertThat(Converters.parseDuration("0")).isEqualTo(Duration.ZERO);
        assertThatThrownBy(() -> Converters.parseDuration("5 s")).isInstanceOf(TypeConversionException.class)
                .hasMessageContaining("250ms, 5s, 2m");
        assertThatThrownBy(() -> Converters.parseDuration("-PT1S")).isInstanceOf(TypeConversionException.class);
        assertThatThrownBy(() -> Converters.parseDuration("99999999999999999999s")).isInstanceOf(TypeConversionException.class);
    }

    @Test
    void modesAreOctal() {
        assertThat(Converters.parseMode("0600")).isEqualTo(0600);
        assertThat(Converters.parseMode("644")).isEqualTo(0644);
        assertThat(Converters.formatMode(0600)).isEqualTo("0600");
        assertThat(Converters.permissions(0640)).containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ,
                PosixFilePermission.OWNER_WRITE, PosixFilePermission.GROUP_READ);
        for (String bad : List.of("0800", "abc", "", "077777", "-1")) {
            assertThatThrownBy(() -> Converters.parseMode(bad)).as(bad).isInstanceOf(TypeConversionException.class)
                    .hasMessageContaining("octal");
        }
    }

    @Test
    void keysAreDecimalOrHex() {
        assertThat(Converters.parseKey("0x1234")).isEqualTo(0x1234);
        assertThat(Converters.parseKey("4660")).isEqualTo(4660);
        assertThat(Converters.parseKey("0xffffffff")).isEqualTo(-1);
        assertThat(Converters.formatKey(0x1234)).isEqualTo("0x00001234");
        assertThatThrownBy(() -> Converters.parseKey("0x1ffffffff")).isInstanceOf(TypeConversionException.class);
        assertThatThrownBy(() -> Converters.parseKey("k")).isInstanceOf(TypeConversionException.class);
    }

    @Test
    void jsonPayloadsAreTextWhenUtf8AndBase64Otherwise() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        JsonLines json = new JsonLines(out);
        var g = json.begin();
        g.writeNumberProperty("priority", 3);
        JsonLines.data(g, "héllo \"q\"\n".getBytes(StandardCharsets.UTF_8));
        json.end();
        g = json.begin();
        JsonLines.data(g, new byte[] {(byte) 0xff, 0, 1});
        json.end();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(
                "{\"priority\":3,\"data\":\"héllo \\\"q\\\"\\n\"}\n{\"data_base64\":\"/wAB\"}\n");
    }

    @Test
    void dataArgumentsKeepTheirRawBytes() throws Exception {
        byte[] latin1 = {'c', 'a', 'f', (byte) 0xe9};
        // What the JVM made of the argument under LANG=C, and what /proc/self/cmdline holds.
        String[] args = {"mq", "send", "/q", "caf\ufffd"};
        Io io = new Io(new java.io.ByteArrayInputStream("stdin".getBytes(StandardCharsets.UTF_8)),
                new ByteArrayOutputStream(), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                false, args, List.of("mq".getBytes(), "send".getBytes(), "/q".getBytes(), latin1));
        assertThat(io.data("caf\ufffd")).isEqualTo(latin1);
        assertThat(io.data("-")).isEqualTo("stdin".getBytes(StandardCharsets.UTF_8));
    }
}
