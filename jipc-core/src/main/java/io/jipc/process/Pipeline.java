package io.jipc.process;

import io.jipc.Fd;
import io.jipc.FdBacked;
import io.jipc.IpcException;
import io.jipc.internal.wait.Deadline;
import io.jipc.internal.libc.Fcntl;
import io.jipc.internal.libc.Unistd;
import io.jipc.signal.Signal;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Programs connected by pipes, the way the shell runs {@code printf ... | sort | wc -l}: each
 * stage's standard output is the next stage's standard input, through a real
 * <a href="https://man7.org/linux/man-pages/man2/pipe.2.html">pipe(2)</a> created for the pair.
 *
 * <pre>{@code
 * try (Pipeline p = Pipeline.builder()
 *         .add("printf", "b\\na\\nb\\n")
 *         .add("sort", "-u")
 *         .add("wc", "-l")
 *         .stdout(Redirect.to(Path.of("count.txt")))
 *         .start()) {
 *     Pipeline.Status status = p.waitFor();
 *     if (!status.success()) System.err.println("failed: " + status.pipefail());
 * }
 * }</pre>
 *
 * <p>The pipes are blocking (they belong to the children only) and close-on-exec here; this
 * process closes its copies as soon as both neighbours have started, so every reader sees EOF
 * when its writer exits. The first stage's standard input and the last stage's standard output
 * are this process's unless {@link Builder#stdin}/{@link Builder#stdout} say otherwise; each
 * stage's other descriptors (standard error, fd 3...), environment and directory are its own
 * builder's. If a stage cannot be started, those already started are killed and reaped.
 */
public final class Pipeline implements AutoCloseable {
    private final List<ChildProcess> stages;
    private final long processGroup;

    private Pipeline(List<ChildProcess> stages, long processGroup) {
        this.stages = List.copyOf(stages);
        this.processGroup = processGroup;
    }

    /** An empty pipeline builder; add at least one stage. */
    public static Builder builder() {
        return new Builder();
    }

    /** The running stages, first to last. */
    public List<ChildProcess> stages() {
        return stages;
    }

    /** The process group of every stage when {@link Builder#newProcessGroup()} was asked for, else 0. */
    public long processGroup() {
        return processGroup;
    }

    /** Waits for every stage to exit and reaps them all. */
    public Status waitFor() throws IpcException {
        List<ExitStatus> all = new ArrayList<>(stages.size());
        for (ChildProcess c : stages) {
            all.add(c.waitFor());
        }
        return new Status(all);
    }

    /** Every stage's status if all have exited (reaping those that have), else empty; never waits. */
    public Optional<Status> tryWaitFor() throws IpcException {
        List<ExitStatus> all = new ArrayList<>(stages.size());
        boolean done = true;
        for (ChildProcess c : stages) {
            Optional<ExitStatus> s = c.tryWaitFor();
            done &= s.isPresent();
            s.ifPresent(all::add);
        }
        return done ? Optional.of(new Status(all)) : Optional.empty();
    }

    /** Waits at most {@code timeout} (in all) for every stage; empty if one still runs then. */
    public Optional<Status> tryWaitFor(Duration timeout) throws IpcException {
        long deadline = Deadline.after(timeout);
        List<ExitStatus> all = new ArrayList<>(stages.size());
        for (ChildProcess c : stages) {
            long left = deadline == Deadline.FOREVER ? Long.MAX_VALUE : Math.max(0, deadline - System.nanoTime());
            Optional<ExitStatus> s = c.tryWaitFor(Duration.ofNanos(left));
            if (s.isEmpty()) {
                return Optional.empty();
            }
            all.add(s.get());
        }
        return Optional.of(new Status(all));
    }

    /** Sends {@code signal} to every stage still running (through each pidfd). */
    public void signal(Signal signal) throws IpcException {
        for (ChildProcess c : stages) {
            c.signal(signal);
        }
    }

    /** Closes every stage (see {@link ChildProcess#close()}: running stages are killed and reaped). */
    @Override
    public void close() {
        for (ChildProcess c : stages) {
            c.close();
        }
    }

    /**
     * The stages' exit statuses, first to last.
     *
     * @param stages one status per stage
     * @see <a href="https://man7.org/linux/man-pages/man2/waitid.2.html">waitid(2)</a>
     */
    public record Status(List<ExitStatus> stages) {
        public Status {
            stages = List.copyOf(stages);
            if (stages.isEmpty()) {
                throw new IllegalArgumentException("a pipeline has at least one stage");
            }
        }

        /** The last stage's status: what a shell reports as the pipeline's {@code $?} by default. */
        public ExitStatus last() {
            return stages.get(stages.size() - 1);
        }

        /**
         * The status {@code set -o pipefail} reports: the rightmost stage that did not succeed,
         * or the last stage when all did.
         */
        public ExitStatus pipefail() {
            for (int i = stages.size() - 1; i >= 0; i--) {
                if (!stages.get(i).success()) {
                    return stages.get(i);
                }
            }
            return last();
        }

        /** Whether every stage exited with 0. */
        public boolean success() {
            return stages.stream().allMatch(ExitStatus::success);
        }

        /** The statuses as {@code bash}'s {@code PIPESTATUS} array: exit code or 128 + signal. */
        public int[] pipeStatus() {
            return stages.stream().mapToInt(ExitStatus::shellStatus).toArray();
        }
    }

    /**
     * Stages and the two ends of a pipeline. Not thread-safe.
     *
     * @see <a href="https://man7.org/linux/man-pages/man2/pipe.2.html">pipe(2)</a>
     * @see <a href="https://man7.org/linux/man-pages/man3/posix_spawn.3.html">posix_spawn(3)</a>
     */
    public static final class Builder {
        private final List<ChildProcessBuilder> stages = new ArrayList<>();
        private Redirect stdin = Redirect.inherit();
        private Redirect stdout = Redirect.inherit();
        private boolean newProcessGroup;

        private Builder() {}

        /** Appends a stage running {@code program} with arguments. */
        public Builder add(String program, String... args) {
            return add(ChildProcess.builder(program, args));
        }

        /**
         * Appends a stage configured by its own builder (environment, directory, stderr, extra
         * descriptors). Its standard input (unless first) and output (unless last) are the
         * pipeline's and must not be set on the stage.
         */
        public Builder add(ChildProcessBuilder stage) {
            stages.add(Objects.requireNonNull(stage, "stage"));
            return this;
        }

        /** What the first stage reads (default: this process's standard input). */
        public Builder stdin(Redirect redirect) {
            stdin = Objects.requireNonNull(redirect, "redirect");
            return this;
        }

        /** The object's descriptor as the first stage's standard input; this process keeps its copy. */
        public Builder stdin(FdBacked object) {
            return stdin(Redirect.of(object));
        }

        /** Where the last stage writes (default: this process's standard output). */
        public Builder stdout(Redirect redirect) {
            stdout = Objects.requireNonNull(redirect, "redirect");
            return this;
        }

        /** The object's descriptor as the last stage's standard output; this process keeps its copy. */
        public Builder stdout(FdBacked object) {
            return stdout(Redirect.of(object));
        }

        /** Runs every stage in one new process group, led by the first stage (as a shell runs a job). */
        public Builder newProcessGroup() {
            newProcessGroup = true;
            return this;
        }

        /**
         * Creates the pipes and starts every stage, first to last.
         *
         * @throws IllegalArgumentException with no stage, or a stage whose piped stdin/stdout was also set
         */
        public Pipeline start() throws IpcException {
            if (stages.isEmpty()) {
                throw new IllegalArgumentException("a pipeline needs at least one stage");
            }
            int last = stages.size() - 1;
            for (int i = 0; i <= last; i++) {
                ChildProcessBuilder s = stages.get(i);
                if (i > 0 && s.hasRedirect(0)) {
                    throw new IllegalArgumentException("stage " + (i + 1) + " (" + s.command.get(0)
                            + ") reads the previous stage's output; do not set its stdin");
                }
                if (i < last && s.hasRedirect(1)) {
                    throw new IllegalArgumentException("stage " + (i + 1) + " (" + s.command.get(0)
                            + ") writes into the next stage; do not set its stdout");
                }
                if (newProcessGroup && (s.processGroup >= 0 || s.newSession)) {
                    throw new IllegalArgumentException("stage " + (i + 1) + " (" + s.command.get(0)
                            + ") chooses its own process group or session; the pipeline's newProcessGroup() does that");
                }
            }
            List<ChildProcess> started = new ArrayList<>(stages.size());
            Fd previousRead = null;
            boolean ok = false;
            try {
                long group = 0;
                for (int i = 0; i <= last; i++) {
                    ChildProcessBuilder s = stages.get(i);
                    TreeMap<Integer, Redirect> fds = new TreeMap<>(s.fds);
                    if (i == 0) {
                        fds.putIfAbsent(0, stdin);
                    } else {
                        fds.put(0, Redirect.of(previousRead));
                    }
                    Fd[] next = null;
                    if (i < last) {
                        next = pipe();
                        fds.put(1, Redirect.of(next[1]));
                    } else {
                        fds.putIfAbsent(1, stdout);
                    }
                    int pg = !newProcessGroup ? s.processGroup : i == 0 ? 0 : (int) group;
                    try {
                        ChildProcess child = Spawner.spawn(s, fds, pg);
                        started.add(child);
                        if (i == 0 && newProcessGroup) {
                            group = child.pid();
                        }
                    } finally {
                        // Our copies go at once: the children hold theirs, and a reader must see EOF.
                        if (previousRead != null) {
                            previousRead.close();
                            previousRead = null;
                        }
                        if (next != null) {
                            next[1].close();
                            previousRead = next[0];
                        }
                    }
                }
                ok = true;
                return new Pipeline(started, group);
            } finally {
                if (previousRead != null) {
                    previousRead.close();
                }
                if (!ok) {
                    for (ChildProcess c : started) {
                        c.close();
                    }
                }
            }
        }

        /** A blocking, close-on-exec pipe: [read end, write end]. */
        private static Fd[] pipe() throws IpcException {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment ends = arena.allocate(ValueLayout.JAVA_INT, 2);
                int r = Unistd.pipe2(ends, Fcntl.O_CLOEXEC);
                if (r < 0) {
                    throw IpcException.of("pipe2", "pipeline", -r);
                }
                return new Fd[] {Fd.adopt(ends.getAtIndex(ValueLayout.JAVA_INT, 0), "pipeline pipe"),
                        Fd.adopt(ends.getAtIndex(ValueLayout.JAVA_INT, 1), "pipeline pipe")};
            }
        }
    }
}
