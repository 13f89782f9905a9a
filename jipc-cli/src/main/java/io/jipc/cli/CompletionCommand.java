package io.jipc.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jipc completion bash}: prints a bash completion script; source it from ~/.bashrc. */
@Command(name = "completion", mixinStandardHelpOptions = true,
        description = "Print a shell completion script: source <(jipc completion bash).")
final class CompletionCommand implements java.util.concurrent.Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "SHELL", description = "The shell: bash (zsh can use it via bashcompinit).")
    String shell;

    @Override
    public Integer call() throws IOException {
        if (!shell.equals("bash") && !shell.equals("zsh")) {
            throw new IllegalArgumentException("unsupported shell '" + shell + "': bash or zsh");
        }
        String script = AutoComplete.bash("jipc", spec.root().commandLine());
        Io.of(spec).out().write(script.getBytes(StandardCharsets.UTF_8));
        return ExitCodes.OK;
    }
}
