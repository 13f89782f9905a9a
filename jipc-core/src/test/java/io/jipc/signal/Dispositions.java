package io.jipc.signal;

import io.jipc.internal.libc.SignalH;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.TreeMap;

/**
 * What each signal does in this process now (handler address and flags, from {@code sigaction}),
 * so that a test that registers handlers in the test JVM can show it put everything back.
 */
final class Dispositions {
    private Dispositions() {}

    private static final int SA_RESTORER = 0x04000000;

    /** A signal's disposition: the handler's address (0 SIG_DFL, 1 SIG_IGN) and the flags. */
    record Disposition(long handler, int flags) {
        boolean isDefault() {
            return handler == SignalH.SIG_DFL;
        }
    }

    static Disposition of(Signal s) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment old = a.allocate(SignalH.SIGACTION.layout());
            if (SignalH.sigaction(s.number(), MemorySegment.NULL, old) < 0) {
                throw new IllegalStateException("sigaction(" + s + ") query failed");
            }
            // SA_RESTORER is glibc's business: set on every sigaction it makes, whatever the handler.
            return new Disposition(old.get(ValueLayout.ADDRESS, SignalH.SA_HANDLER).address(),
                    old.get(ValueLayout.JAVA_INT, SignalH.SA_FLAGS) & ~SA_RESTORER);
        }
    }

    /** Every catchable signal's disposition. */
    static Map<Signal, Disposition> all() {
        Map<Signal, Disposition> m = new TreeMap<>();
        for (Signal s : Signal.values()) {
            if (s.catchable()) {
                m.put(s, of(s));
            }
        }
        return m;
    }
}
