package io.jipc.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** A command run in-process with captured streams: what CLI tests assert on. */
public record CliRun(int status, byte[] stdoutBytes, String stderr) {
    public static CliRun run(String... args) {
        return runWithInput(new byte[0], args);
    }

    public static CliRun runWithInput(byte[] stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = JipcCommand.execute(new ByteArrayInputStream(stdin), out, err, args);
        return new CliRun(status, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
    }

    public String stdout() {
        return new String(stdoutBytes, StandardCharsets.UTF_8);
    }
}
