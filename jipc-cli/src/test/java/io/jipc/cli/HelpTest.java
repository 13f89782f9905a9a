package io.jipc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * {@code --help}, {@code -h} and {@code jipc help GROUP VERB} on every command and verb of the
 * tree, those added later included (the tree is walked, not listed): exit 0, the command's own
 * page on standard output, nothing on standard error.
 */
class HelpTest {
    /** Every command path of the tree: [fifo], [fifo, create], ..., [help]. */
    static Stream<List<String>> commandPaths() {
        CommandLine root = JipcCommand.commandLine(new Io(InputStream.nullInputStream(), OutputStream.nullOutputStream(),
                System.err, false, new String[] {"help"}, null), new String[] {"help"});
        List<List<String>> all = new ArrayList<>();
        walk(root, new ArrayList<>(), all);
        return all.stream();
    }

    private static void walk(CommandLine c, List<String> path, List<List<String>> into) {
        for (Map.Entry<String, CommandLine> sub : c.getSubcommands().entrySet()) {
            List<String> p = new ArrayList<>(path);
            p.add(sub.getKey());
            into.add(p);
            walk(sub.getValue(), p, into);
        }
    }

    private static CliRun run(List<String> path, String... more) {
        List<String> args = new ArrayList<>(path);
        args.addAll(List.of(more));
        return CliRun.run(args.toArray(String[]::new));
    }

    @ParameterizedTest(name = "jipc {0} --help")
    @MethodSource("commandPaths")
    void everyCommandAndVerbHasHelpExitZero(List<String> path) {
        // picocli tells of a description it could not format (a lone '%') on System.err, not on the Io's stream.
        java.io.PrintStream systemErr = System.err;
        java.io.ByteArrayOutputStream picocliWarnings = new java.io.ByteArrayOutputStream();
        CliRun help;
        try {
            System.setErr(new java.io.PrintStream(picocliWarnings, true, StandardCharsets.UTF_8));
            help = run(path, "--help");
        } finally {
            System.setErr(systemErr);
        }
        assertThat(picocliWarnings.toString(StandardCharsets.UTF_8)).as(path + ": picocli's warnings").isEmpty();
        assertThat(help.status()).as(path + ": " + help.stderr()).isZero();
        assertThat(help.stderr()).isEmpty();
        assertThat(help.stdout()).startsWith("Usage: jipc " + String.join(" ", path) + " ");
        assertThat(run(path, "-h").stdout()).isEqualTo(help.stdout());
        List<String> viaHelp = new ArrayList<>(List.of("help"));
        viaHelp.addAll(path);
        CliRun h = CliRun.run(viaHelp.toArray(String[]::new));
        assertThat(h.status()).isZero();
        assertThat(h.stdout()).as("jipc help " + path).isEqualTo(help.stdout());
    }

    /** A group's page lists its verbs by their first description line: a whole sentence, never cut off. */
    @ParameterizedTest(name = "jipc {0}")
    @MethodSource("commandPaths")
    void firstDescriptionLinesAreWholeSentences(List<String> path) {
        CommandLine c = JipcCommand.commandLine(new Io(InputStream.nullInputStream(), OutputStream.nullOutputStream(),
                System.err, false, new String[] {"help"}, null), new String[] {"help"});
        for (String word : path) {
            c = c.getSubcommands().get(word);
        }
        String[] description = c.getCommandSpec().usageMessage().description();
        assertThat(description).as(path + " has a description").isNotEmpty();
        assertThat(description[0]).as(path + ": the line the group's page shows").endsWith(".");
    }

    @Test
    void helpForWhatDoesNotExistIsAUsageError() {
        CliRun r = CliRun.run("help", "mq", "bogus");
        assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.stderr()).startsWith("jipc: 'bogus' is not a command of jipc mq");
        assertThat(CliRun.run("help", "bogus").status()).isEqualTo(ExitCodes.USAGE);
    }

    /** Every command of cli.md is built: each one's group answers --help (the "not built yet" answer is gone). */
    @Test
    void everyCommandCliMdNamesIsBuilt() {
        for (String command : List.of("fifo", "sock", "lock", "locks", "mq", "sysv-msg", "sem", "sysv-sem", "shm",
                "sysv-shm", "signal", "ls", "rm", "tour", "bench")) {
            CliRun r = CliRun.run(command, "--help");
            assertThat(r.status()).as(command).isZero();
            assertThat(r.stdout()).startsWith("Usage: jipc " + command);
        }
        CliRun unknown = CliRun.run("bogus");
        assertThat(unknown.status()).isEqualTo(ExitCodes.USAGE);
        assertThat(unknown.stderr()).startsWith("jipc: Unmatched argument at index 0: 'bogus'");
    }

    /** Help written to a full standard output is reported as any other write failure. */
    @Test
    void helpThatCannotBeWrittenIsASystemError() {
        OutputStream full = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("No space left on device");
            }
        };
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int status = JipcCommand.execute(InputStream.nullInputStream(), full, err, "mq", "send", "--help");
        assertThat(status).isEqualTo(ExitCodes.SYSTEM);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("jipc: write(stdout): No space left on device (ENOSPC)\n");
    }
}
