package io.jipc.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jipc.signal.Signal;
import org.junit.jupiter.api.Test;

class ExitStatusTest {
    @Test
    void exitedAndKilledReadLikeTheShell() {
        ExitStatus ok = ExitStatus.exited(0);
        assertThat(ok.success()).isTrue();
        assertThat(ok.exited()).isTrue();
        assertThat(ok.signal()).isEmpty();
        assertThat(ok).hasToString("exit 0");
        ExitStatus segv = ExitStatus.killed(11, true);
        assertThat(segv.success()).isFalse();
        assertThat(segv.signal()).contains(Signal.SIGSEGV);
        assertThat(segv.shellStatus()).isEqualTo(139);
        assertThat(segv).hasToString("killed by SIGSEGV (core dumped)");
        assertThat(ExitStatus.killed(32, false)).hasToString("killed by signal 32");
        assertThat(ExitStatus.killed(35, false).signal()).contains(Signal.SIGRTMIN_1);
    }

    @Test
    void impossibleCombinationsAreRefused() {
        assertThatThrownBy(() -> ExitStatus.exited(256)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ExitStatus.exited(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ExitStatus.killed(0, false)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ExitStatus.killed(65, false)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ExitStatus(0, 0, true)).isInstanceOf(IllegalArgumentException.class);
    }
}
