package io.jipc.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * One Java implementation of a mechanism's exchange, both ends in Java: this JVM and a peer JVM
 * the harness starts. jipc's ({@link #JIPC}) is the one under test; another library's (the JDK's,
 * {@link #JDK}) runs beside it where it has the mechanism, in the same rounds and the same table.
 *
 * @param name    the {@code impl} in the table and the JSON lines, as cli.md names it
 * @param connect this JVM's side: creates the objects, starts the peer through the launcher, and
 *                returns this side's open link once the peer is connected; the path is a private
 *                empty directory for named objects, removed by the harness afterwards
 * @param accept  the peer's side, in the child JVM, given the arguments {@code connect} gave the
 *                launcher
 */
public record JavaImpl(String name, Connect connect, Accept accept) {
    /** This library. */
    public static final String JIPC = "jipc";
    /**
     * This library's batch forms: a sender that sends several messages per call ({@link
     * io.jipc.socket.MessageBatch}, gathering writes), a receiver that takes all that has arrived
     * per call. Extra rows, beside {@link #JIPC}'s one call per message.
     */
    public static final String JIPC_BATCH = "jipc-batch";
    /** The JDK's own API for the mechanism ({@code java.nio.channels}). */
    public static final String JDK = "jdk";
    /**
     * The same system calls as bare FFM downcalls, no library: the least any Java code pays for
     * the exchange, so that jipc/ffm is what jipc itself costs.
     */
    public static final String FFM = "ffm";

    /** This JVM's side of a {@link JavaImpl}. */
    @FunctionalInterface
    public interface Connect {
        /** Creates the objects, starts the peer and returns this side's link. */
        Link connect(PeerLauncher launcher, Path scratch) throws IOException;
    }

    /** The peer JVM's side of a {@link JavaImpl}. */
    @FunctionalInterface
    public interface Accept {
        /** Opens the peer's link from the arguments this JVM's side gave the launcher. */
        Link accept(List<String> args) throws IOException;
    }

    public JavaImpl {
        if (name == null || name.isEmpty() || name.equals(Comparison.BASELINE) || connect == null || accept == null) {
            throw new IllegalArgumentException("a Java implementation needs a name other than '" + Comparison.BASELINE
                    + "', a connect and an accept");
        }
    }
}
