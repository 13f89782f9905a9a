package io.jipc.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A mechanism {@code jipc bench} can measure: how this JVM and a peer JVM connect through jipc,
 * and the C program that does the same exchange.
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
     * This JVM's side: creates the objects, starts the peer through {@code launcher}, and returns
     * this side's open link once the peer is connected.
     *
     * @param scratch a private empty directory for named objects, removed by the harness afterwards
     */
    Link connect(PeerLauncher launcher, Path scratch) throws IOException;

    /** The peer's side, in the child JVM: {@code args} are those {@link #connect} gave the launcher. */
    Link accept(List<String> args) throws IOException;

    /** The arguments after the counts for the C program ({@code bench.h}'s ARG), e.g. {@code scratch}. */
    default List<String> cArguments(Path scratch) {
        return List.of();
    }
}
