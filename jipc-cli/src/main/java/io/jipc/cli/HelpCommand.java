package io.jipc.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jipc help [COMMAND [VERB]]}: the same page as {@code jipc COMMAND VERB --help}, for a
 * command, a verb of it, or jipc itself. (picocli's own help command takes one word, so {@code
 * jipc help sock listen} showed the page of {@code sock}.)
 */
@Command(name = "help", helpCommand = true,
        description = "Show how to use jipc, one of its commands, or a verb: jipc help mq send.")
final class HelpCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "A command and, optionally, one of its verbs.")
    List<String> words = new ArrayList<>();

    @Override
    public Integer call() throws Failure {
        CommandLine target = spec.root().commandLine();
        for (String word : words) {
            CommandLine next = target.getSubcommands().get(word);
            if (next == null) {
                String at = target == spec.root().commandLine() ? "jipc" : target.getCommandSpec().qualifiedName();
                throw new CommandLine.ParameterException(spec.commandLine(), "'" + word + "' is not a command of " + at
                        + " (see " + at + " --help)");
            }
            target = next;
        }
        target.usage(spec.commandLine().getOut());
        spec.commandLine().getOut().flush();
        Failure f = Io.of(spec).out().failure();
        if (f != null) {
            throw f;
        }
        return ExitCodes.OK;
    }
}
