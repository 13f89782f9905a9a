package io.jipc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real launcher ({@code ./jipc}) from bash, the way a user's shell does: arguments as
 * exact bytes ({@code $'\xNN'} quoting, so non-UTF-8 bytes get through), standard streams
 * redirected as a shell redirects them ({@code <&-}, {@code >/dev/full}, a pipe whose reader is
 * gone), a umask, a locale, an unprivileged user. {@code exec} all the way down: the process
 * started is the JVM, so a signal sent to it reaches jipc.
 */
final class Shell {
    private Shell() {}

    /** How standard input or output is set up for one run. */
    enum Stream {
        /** Standard input from a file of the run's bytes; standard output to a file the test reads. */
        FILE("", ""),
        /** {@code <&-} / {@code >&-}. */
        CLOSED("<&-", ">&-"),
        /** {@code </dev/null}; for output, {@code >/dev/full}. */
        DEV_NULL("</dev/null", null),
        DEV_FULL(null, ">/dev/full"),
        /** Standard output a FIFO whose only reader closed before jipc started: a broken pipe. */
        BROKEN_PIPE(null, ">&4 4>&-"),
        /** Standard input a pipe from the test that stays open with nothing written: a read blocks. */
        HELD_OPEN("", null);

        final String stdin;
        final String stdout;

        Stream(String stdin, String stdout) {
            this.stdin = stdin;
            this.stdout = stdout;
        }
    }

    /** One command line and the world it runs in. */
    static final class Run {
        final List<Object> args = new ArrayList<>();
        byte[] stdinBytes = new byte[0];
        Stream stdin = Stream.FILE;
        Stream stdout = Stream.FILE;
        final Map<String, String> env = new LinkedHashMap<>();
        boolean unprivileged;
        boolean defaultSignals;
        String umask = "022";

        Run(List<Object> args) {
            this.args.addAll(args);
        }

        Run stdin(Stream s) {
            stdin = s;
            return this;
        }

        Run stdin(byte[] bytes) {
            stdin = Stream.FILE;
            stdinBytes = bytes;
            return this;
        }

        Run stdout(Stream s) {
            stdout = s;
            return this;
        }

        Run env(String name, String value) {
            env.put(name, value);
            return this;
        }

        Run asNobody() {
            unprivileged = true;
            return this;
        }

        Run umask(String u) {
            umask = u;
            return this;
        }

        /** SIGINT, SIGTERM and SIGHUP at their default, whatever the test JVM inherited (a background job ignores SIGINT). */
        Run signalsAtDefault() {
            defaultSignals = true;
            return this;
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder("jipc");
            for (Object a : args) {
                b.append(' ').append(a instanceof byte[] bytes ? RawArguments.escaped(bytes) : a);
            }
            return b + (stdin == Stream.FILE ? "" : " stdin=" + stdin) + (stdout == Stream.FILE ? "" : " stdout=" + stdout)
                    + (unprivileged ? " as uid 65534" : "") + (env.isEmpty() ? "" : " " + env);
        }
    }

    /** What a finished run left: its status, standard output (when it went to a file), standard error. */
    record Result(int status, byte[] stdout, String stderr) {
        String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }

        /** Standard error without the note the launcher prints when it rebuilds. */
        List<String> errLines() {
            return stderr.lines().filter(l -> !l.contains("building the command line")).toList();
        }
    }

    /** A started run. */
    static final class Started implements AutoCloseable {
        final Process process;
        final Path dir;
        final Run run;

        Started(Process process, Path dir, Run run) {
            this.process = process;
            this.dir = dir;
            this.run = run;
        }

        long pid() {
            return process.pid();
        }

        /** Waits for the end; fails the test after {@code timeout}. */
        Result await(Duration timeout) {
            try {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                    throw new AssertionError(run + " still running after " + timeout + "; stderr: " + read("err"));
                }
                byte[] out = Files.exists(dir.resolve("out")) ? Files.readAllBytes(dir.resolve("out")) : new byte[0];
                return new Result(process.exitValue(), out, new String(read("err"), StandardCharsets.UTF_8));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private byte[] read(String name) {
            try {
                return Files.readAllBytes(dir.resolve(name));
            } catch (IOException e) {
                return new byte[0];
            }
        }

        /** Sends a signal by name (INT, TERM, HUP). */
        void signal(String name) {
            try {
                Process kill = new ProcessBuilder("kill", "-s", name, String.valueOf(pid())).inheritIO().start();
                assertThat(kill.waitFor()).as("kill -s " + name).isZero();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }

        /**
         * Waits until the process is the JVM (the launcher has exec'ed it) and has used no CPU for
         * a while: started, and asleep in a blocking call. No timing guess about JVM start-up.
         */
        void awaitIdle(Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            long last = -1;
            int still = 0;
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new AssertionError(run + " ended before it blocked: " + await(Duration.ofSeconds(5)));
                }
                long cpu = cpuTicks();
                if (cpu >= 0 && isJava() && cpu == last) {
                    if (++still >= 5) {
                        return;
                    }
                } else {
                    still = 0;
                }
                last = cpu;
                sleep(100);
            }
            throw new AssertionError(run + " did not settle into a blocking call within " + timeout);
        }

        private boolean isJava() {
            try {
                return Files.readSymbolicLink(Path.of("/proc/" + pid() + "/exe")).getFileName().toString().equals("java");
            } catch (IOException e) {
                return false;
            }
        }

        /** utime + stime of the whole process, /proc/PID/stat fields 14 and 15. */
        private long cpuTicks() {
            try {
                String stat = Files.readString(Path.of("/proc/" + pid() + "/stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                return Long.parseLong(f[11]) + Long.parseLong(f[12]);
            } catch (IOException | RuntimeException e) {
                return -1;
            }
        }

        @Override
        public void close() {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
                process.getOutputStream().close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException ignored) {
                // gone
            }
            deleteTree(dir);
        }
    }

    static Result run(Run run, Duration timeout) {
        try (Started s = start(run)) {
            return s.await(timeout);
        }
    }

    static Started start(Run run) {
        try {
            Path dir = Files.createTempDirectory("jipct-shell");
            Files.write(dir.resolve("in"), run.stdinBytes);
            StringBuilder script = new StringBuilder("set -e\numask ").append(run.umask).append('\n');
            if (run.stdout == Stream.BROKEN_PIPE) {
                // Open the FIFO read-write (no wait), add a writer, then close the only reader.
                script.append("mkfifo \"$D/pipe\"\nexec 3<>\"$D/pipe\" 4>\"$D/pipe\"\nexec 3<&-\n");
            }
            script.append("exec");
            if (run.defaultSignals) {
                script.append(" env --default-signal=INT,TERM,HUP");
            }
            if (run.unprivileged) {
                script.append(" setpriv --reuid=65534 --regid=65534 --clear-groups");
            }
            script.append(' ').append(quote(LauncherIT.LAUNCHER.toString().getBytes(StandardCharsets.UTF_8)));
            for (Object a : run.args) {
                script.append(' ').append(quote(a instanceof byte[] b ? b : a.toString().getBytes(StandardCharsets.UTF_8)));
            }
            script.append(' ').append(switch (run.stdin) {
                case FILE -> "<\"$D/in\"";
                case HELD_OPEN -> "";
                default -> run.stdin.stdin;
            });
            script.append(' ').append(run.stdout == Stream.FILE ? ">\"$D/out\"" : run.stdout.stdout);
            script.append(" 2>\"$D/err\"\n");
            ProcessBuilder pb = new ProcessBuilder("bash", "-c", script.toString());
            pb.environment().put("D", dir.toString());
            pb.environment().putAll(run.env);
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("shell-err").toFile()));
            // (Redirections are opened by bash as the test's user, before setpriv: the unprivileged
            // command inherits them open.)
            return new Started(pb.start(), dir, run);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Bash's $'…' quoting of exact bytes. */
    static String quote(byte[] bytes) {
        StringBuilder b = new StringBuilder("$'");
        for (byte x : bytes) {
            b.append(String.format("\\x%02x", x & 0xff));
        }
        return b.append('\'').toString();
    }

    static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // best effort: a temporary directory
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
