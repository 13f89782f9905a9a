package io.jipc.bench;

import io.jipc.signal.Signal;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * A mechanism {@code jipc bench} can measure: its Java implementations (jipc's, and the JDK's where
 * the JDK has the mechanism), each between this JVM and a peer JVM, and the C program that does the
 * same exchange between two C processes.
 *
 * <p>Adding a mechanism takes one class implementing this (registered in {@link Mechanisms}) and
 * one C file, {@code src/main/c/<name>.c}, that includes {@code bench.h} and defines its five
 * {@code mech_*} functions. The loops themselves (ping-pong, streaming, timing, checking the
 * sequence numbers) are written once, in {@link Exchange} and in {@code bench.h}.
 */
public interface Mechanism {
    /** The name on the command line and in the JSON lines, as cli.md lists them ({@code pipe}, {@code fifo}, ...). */
    String name();

    /** What the exchange goes through, in a few words (for the table and the report). */
    String description();

    /**
     * The Java implementations, in the order each round runs them: jipc's first (impl {@link
     * JavaImpl#JIPC}) unless jipc lacks the mechanism ({@code tcp}), then others such as the
     * JDK's ({@link JavaImpl#JDK}). At least one; the C baseline runs after them.
     */
    List<JavaImpl> javaImpls();

    /** The arguments after the counts for the C program ({@code bench.h}'s ARG), e.g. {@code scratch}. */
    default List<String> cArguments(Path scratch) {
        return List.of();
    }

    /**
     * Signals the peer JVM starts with blocked in every thread ({@link
     * io.jipc.process.ChildProcessBuilder#blockSignals}): a mechanism that is signals reads them
     * with sigtimedwait, as its C baseline does with sigwaitinfo. None by default.
     */
    default Set<Signal> blockedSignals() {
        return Set.of();
    }

    /** The Java implementation called {@code impl}. */
    default JavaImpl javaImpl(String impl) {
        for (JavaImpl j : javaImpls()) {
            if (j.name().equals(impl)) {
                return j;
            }
        }
        throw new IllegalArgumentException(name() + " has no Java implementation '" + impl + "'");
    }
}
