package io.jipc.testing;

import java.util.ArrayList;
import java.util.List;

/**
 * Starts a second JVM running a peer's {@code main} (a class of the test class path, typically a
 * {@code *Peer}), with the same JDK and class path as the test and native access enabled.
 */
public final class PeerJvm {
    private PeerJvm() {}

    public static Peer start(Class<?> mainClass, String... args) {
        return start(List.of(), mainClass, args);
    }

    /** Same, with extra JVM options before the class name. */
    public static Peer start(List<String> jvmOptions, Class<?> mainClass, String... args) {
        return Peer.start(mainClass.getSimpleName(), command(List.of(), jvmOptions, mainClass, args));
    }

    /**
     * Starts the peer JVM with these signal numbers blocked from its first instruction (through
     * coreutils' {@code env --block-signal}), as a shell or a supervisor can start a program: every
     * thread the JVM makes inherits the mask, except for the signals HotSpot unblocks itself.
     */
    public static Peer startWithSignalsBlocked(List<Integer> signals, List<String> jvmOptions, Class<?> mainClass,
            String... args) {
        List<String> prefix = new ArrayList<>();
        prefix.add("env");
        for (int s : signals) {
            prefix.add("--block-signal=" + s);
        }
        return Peer.start(mainClass.getSimpleName(), command(prefix, jvmOptions, mainClass, args));
    }

    private static List<String> command(List<String> prefix, List<String> jvmOptions, Class<?> mainClass, String... args) {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(javaCommand());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-Xshare:auto");
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass.getName());
        cmd.addAll(List.of(args));
        return cmd;
    }

    /**
     * Starts a single-file Java program ({@code java Source.java}: the JDK's source launcher
     * compiles it in memory) with the test's class path, jipc included.
     */
    public static Peer startSource(List<String> jvmOptions, java.nio.file.Path source, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaCommand());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(source.toString());
        cmd.addAll(List.of(args));
        return Peer.start(source.getFileName().toString(), cmd);
    }

    /** The java launcher of the running JVM. */
    public static String javaCommand() {
        return ProcessHandle.current().info().command()
                .orElseGet(() -> System.getProperty("java.home") + "/bin/java");
    }
}
