package io.jipc.cli.tour;

import io.jipc.IpcKey;
import io.jipc.pipe.Pipe;
import io.jipc.process.ChildProcess;
import io.jipc.process.ChildProcessBuilder;
import io.jipc.process.ExitStatus;
import io.jipc.process.Redirect;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;

/**
 * Runs tour steps, each between this process and real child processes, narrating on {@code out}
 * and, when standard error is a terminal, showing progress there. What a step makes is removed
 * when the step ends, however it ends: an error, a full standard output, or the interrupt with
 * which SIGINT, SIGTERM and SIGHUP unwind a command.
 *
 * <p>Objects are named after this process so that anyone can tell what is the tour's: POSIX
 * names {@code /jipc-tour-PID-WHAT}, System V keys {@link #key(long, int)}, files in a directory
 * {@code jipc-tour-PID-*} under the temporary directory.
 */
public final class Tour {
    /** How long a child may take (a JVM starting on a loaded machine included). */
    static final Duration CHILD_TIMEOUT = Duration.ofSeconds(60);

    /** Something a step must undo. */
    @FunctionalInterface
    public interface Cleanup {
        void run() throws Exception;
    }

    /** Writes one line of narration. */
    @FunctionalInterface
    public interface Narrator {
        void line(String text) throws IOException;
    }

    private final Narrator out;
    private final PrintStream progress;
    private final long pid = ProcessHandle.current().pid();

    /**
     * @param out      where the narration goes (standard output)
     * @param progress where progress goes, or null (standard error only when it is a terminal)
     */
    public Tour(Narrator out, PrintStream progress) {
        this.out = out;
        this.progress = progress;
    }

    /** The System V key of the tour of process {@code pid} for its object {@code n} (0 to 15). */
    public static int key(long pid, int n) {
        return (int) (0x6a000000L | ((pid & 0xFFFFF) << 4) | (n & 0xF));
    }

    /** Runs {@code steps} in order; returns how many ran. */
    public int run(List<TourStep> steps) throws Exception {
        long start = System.nanoTime();
        out.line("jipc tour: " + steps.size() + " mechanisms, each between this process (pid " + pid
                + ") and a real child process.");
        int i = 0;
        for (TourStep step : steps) {
            i++;
            if (progress != null) {
                progress.print("\rjipc tour: " + i + "/" + steps.size() + " " + step.mechanism() + "...   ");
                progress.flush();
            }
            out.line("");
            out.line(String.format(Locale.ROOT, "%d/%d %s: %s", i, steps.size(), step.mechanism(), step.title()));
            long t0 = System.nanoTime();
            try (Context c = new Context(step.mechanism())) {
                step.run(c);
            }
            out.line("    (" + millis(System.nanoTime() - t0) + ")");
        }
        if (progress != null) {
            progress.print("\r" + " ".repeat(40) + "\r");
            progress.flush();
        }
        out.line("");
        out.line("Tour done: " + steps.size() + " mechanisms in " + millis(System.nanoTime() - start)
                + "; everything it created is removed.");
        return steps.size();
    }

    static String millis(long nanos) {
        return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
    }

    /** What a step sees: narration, names for its objects, children, and the cleanups it registers. */
    public final class Context implements AutoCloseable {
        private final String mechanism;
        private final Deque<Cleanup> cleanups = new ArrayDeque<>();
        private Path dir;

        Context(String mechanism) {
            this.mechanism = mechanism;
        }

        /** This process's pid. */
        public long pid() {
            return pid;
        }

        /** Says one thing that happened. */
        public void say(String text) throws IOException {
            out.line("    " + text);
        }

        /** A POSIX name for this step's object: {@code /jipc-tour-PID-WHAT}. */
        public String name(String what) {
            return "/jipc-tour-" + pid + "-" + what;
        }

        /** The System V key for this tour's object {@code n}. */
        public IpcKey key(int n) {
            return IpcKey.of(Tour.key(pid, n));
        }

        /** A private directory for this step's files (removed at its end). */
        public Path dir() throws IOException {
            if (dir == null) {
                dir = Files.createTempDirectory("jipc-tour-" + pid + "-" + mechanism + "-");
                Path made = dir;
                cleanup(() -> deleteTree(made));
            }
            return dir;
        }

        /** Registers what to undo when the step ends (the last registered runs first). */
        public void cleanup(Cleanup c) {
            cleanups.push(c);
        }

        /** Registers the removal of {@code object} (already gone is fine) for when the step ends. */
        public void removeAtEnd(io.jipc.inspect.ObjectRef object) {
            cleanup(() -> {
                try {
                    io.jipc.inspect.Inventory.remove(object);
                } catch (io.jipc.NotFoundException gone) {
                    // removed already
                }
            });
        }

        /** Starts {@code command} with its standard output and error captured; it is killed if the step ends first. */
        public Child start(List<String> command) throws Exception {
            return start(ChildProcess.builder(command));
        }

        /** Starts a child from a builder (for descriptors of its own); output captured as {@link #start(List)}. */
        public Child start(ChildProcessBuilder builder) throws Exception {
            Pipe stdout = Pipe.open();
            Pipe stderr = Pipe.open();
            cleanup(stdout::close);
            cleanup(stderr::close);
            ChildProcess p = builder.stdout(Redirect.handOver(stdout.writeEnd()))
                    .stderr(Redirect.handOver(stderr.writeEnd())).env(JIPC_CLOSED_FDS, "").start();
            cleanup(p::close);
            return new Child(p, stdout.readEnd(), stderr.readEnd());
        }

        /** Starts {@code jipc ARGS…} as a child JVM: the same Java, options, module and class path as this one. */
        public Child jipc(String... args) throws Exception {
            return start(jipcCommand(args));
        }

        /** Shows a command as a shell would take it. */
        public String shown(List<String> command) {
            List<String> words = new ArrayList<>();
            for (String w : command) {
                words.add(w.matches("[\\w@%+=:,./-]+") ? w : "'" + w.replace("'", "'\\''") + "'");
            }
            return String.join(" ", words);
        }

        /** Runs every cleanup, the last registered first, all of them even if some fail; throws the first failure. */
        @Override
        public void close() throws IOException {
            Exception first = null;
            while (!cleanups.isEmpty()) {
                try {
                    cleanups.pop().run();
                } catch (Exception e) {
                    if (first == null) {
                        first = e;
                    }
                }
            }
            if (first instanceof IOException e) {
                throw e;
            }
            if (first != null) {
                throw new IOException("cleaning up the " + mechanism + " step: " + first, first);
            }
        }
    }

    static final String JIPC_CLOSED_FDS = "JIPC_CLOSED_FDS";

    /** The command that runs jipc in a new JVM the way this one was started. */
    static List<String> jipcCommand(String... args) {
        return javaCommand(io.jipc.cli.JipcCommand.class, args);
    }

    /** The command that runs {@code main}'s class in a new JVM the way this one was started. */
    static List<String> javaCommand(Class<?> main, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString()));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** A child process whose standard output and error the tour reads once it has exited. */
    public static final class Child {
        private final ChildProcess process;
        private final Pipe.ReadEnd stdout;
        private final Pipe.ReadEnd stderr;

        Child(ChildProcess process, Pipe.ReadEnd stdout, Pipe.ReadEnd stderr) {
            this.process = process;
            this.stdout = stdout;
            this.stderr = stderr;
        }

        public long pid() {
            return process.pid();
        }

        public ChildProcess process() {
            return process;
        }

        /**
         * Waits for the child to exit successfully and returns what it printed.
         *
         * @throws IOException if it failed or did not finish in time, with what it said on standard error
         */
        public String output() throws IOException {
            ExitStatus s = process.tryWaitFor(CHILD_TIMEOUT).orElse(null);
            String out = readAll(stdout);
            if (s == null || !s.success()) {
                String err = readAll(stderr).strip();
                throw new IOException("child " + process.pid() + " " + (s == null ? "did not finish within "
                        + CHILD_TIMEOUT.toSeconds() + " s" : "failed (" + s + ")") + (err.isEmpty() ? "" : ": " + err));
            }
            return out;
        }

        private static String readAll(Pipe.ReadEnd in) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            int n;
            while ((n = in.tryRead(buf, Duration.ofSeconds(5))) > 0) {
                b.write(buf, 0, n);
            }
            return b.toString(StandardCharsets.UTF_8);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
