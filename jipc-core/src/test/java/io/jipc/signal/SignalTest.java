package io.jipc.signal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jipc.testing.CPeer;
import io.jipc.testing.Peer;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SignalTest {
    @Test
    void numbersNamesAndCatchabilityMatchGlibc() {
        try (Peer c = CPeer.start("signal_names")) {
            c.awaitSuccess(Duration.ofSeconds(30));
            int checked = 0;
            for (String line : c.stdout().split("\n")) {
                String[] f = line.split(" ");
                if (f[0].equals("SIGRTMIN")) {
                    assertThat(Signal.SIGRTMIN.number()).isEqualTo(Integer.parseInt(f[1]));
                    continue;
                }
                if (f[0].equals("SIGRTMAX")) {
                    assertThat(Signal.SIGRTMAX.number()).isEqualTo(Integer.parseInt(f[1]));
                    continue;
                }
                int number = Integer.parseInt(f[0]);
                boolean catchable = f[2].equals("1");
                if (number == 32 || number == 33) {
                    assertThat(Signal.find(number)).as("glibc-internal %d", number).isEmpty();
                    assertThat(catchable).isFalse();
                    continue;
                }
                Signal s = Signal.of(number);
                assertThat(s.catchable()).as("catchable %s", s).isEqualTo(catchable);
                if (!f[1].equals("-")) {
                    assertThat(Signal.parse(f[1])).as("glibc's name %s", f[1]).isSameAs(s);
                }
                checked++;
            }
            assertThat(checked).isEqualTo(62);
        }
    }

    @Test
    void namesAsPeopleWriteThem() {
        assertThat(Signal.parse("USR1")).isSameAs(Signal.SIGUSR1);
        assertThat(Signal.parse("sigterm")).isSameAs(Signal.SIGTERM);
        assertThat(Signal.parse(" 9 ")).isSameAs(Signal.SIGKILL);
        assertThat(Signal.parse("IOT")).isSameAs(Signal.SIGABRT);
        assertThat(Signal.parse("SIGCLD")).isSameAs(Signal.SIGCHLD);
        assertThat(Signal.parse("RTMIN+3")).isSameAs(Signal.SIGRTMIN_3);
        assertThat(Signal.parse("SIGRTMAX-1")).isSameAs(Signal.SIGRTMAX_1).extracting(Signal::number).isEqualTo(63);
        assertThat(Signal.SIGRTMIN_15.signalName()).isEqualTo("SIGRTMIN+15");
        assertThat(Signal.SIGRTMAX_14.number()).isEqualTo(50);
        assertThat(Signal.SIGRTMAX_14).hasToString("SIGRTMAX-14");
        assertThat(Arrays.stream(Signal.values()).map(Signal::number).distinct().count()).isEqualTo(62);
        assertThat(Signal.SIGRTMIN.realTime()).isTrue();
        assertThat(Signal.SIGSYS.realTime()).isFalse();
        assertThatThrownBy(() -> Signal.parse("SIGNOPE")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SIGNOPE");
        assertThatThrownBy(() -> Signal.parse("99999999999")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Signal.of(32)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1-31 and 34-64");
        assertThat(Signal.find(0)).isEmpty();
    }
}
