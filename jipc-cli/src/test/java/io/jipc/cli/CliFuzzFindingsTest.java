package io.jipc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The bugs the CLI fuzzer ({@link CliFuzzTest}) found, one test each. */
class CliFuzzFindingsTest {
    @Test
    void signalWaitTakesATimeoutTooLongForNanosecondsAsNoDeadline() {
        // It was "jipc: internal error: java.lang.ArithmeticException: long overflow", exit 3,
        // before the command got to say that SIGKILL can never be caught.
        CliRun r = CliRun.run("signal", "wait", "KILL", "--timeout", "9223372036854775807ms");
        assertThat(r.stderr()).doesNotContain("internal error").startsWith("jipc: ");
        assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
    }
}
