package io.jipc.bench.jmh;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The wake-up tool end to end, briefly: a reader JVM, a writer JVM and the C floor, all on CPU 0. */
class WakeLatencyTest {
    @Test
    void measuresJipcsWakeUpAndTheBareFutexOne() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream was = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            WakeLatency.main(new String[] {"0", "0", "50", "100", "FENCED"});
        } finally {
            System.setOut(was);
        }
        assertThat(out.toString(StandardCharsets.UTF_8).lines()).satisfiesExactly(
                header -> assertThat(header).isEqualTo("reader on CPU 0, writer on CPU 0, 50 records 100 us apart, FENCED"),
                jipc -> assertThat(jipc).matches("jipc: min [0-9.]+ p50 [0-9.]+ p90 [0-9.]+ p99 [0-9.]+ max [0-9.]+ us \\(n=40\\)"),
                c -> assertThat(c).matches("c: min [0-9.]+ p50 [0-9.]+ p90 [0-9.]+ p99 [0-9.]+ max [0-9.]+ us \\(n=40\\)"));
    }
}
