/**
 * Child processes: {@link io.jipc.process.ChildProcess} starts a program with posix_spawn and
 * hands it any jipc descriptor at any number; a pidfd waits for it (timed, interruptible) and
 * signals it; {@link io.jipc.process.Pipeline} wires programs together with pipes.
 *
 * <pre>{@code
 * // A child that reads at fd 3 what we write, its output captured through a pipe.
 * Fd[] in = ..., out = ...;                        // two pipes: [read end, write end]
 * try (ChildProcess child = ChildProcess.builder("/bin/sh", "-c", "tr a-z A-Z <&3")
 *         .fd(3, Redirect.handOver(in[0]))         // closed here once the child has it
 *         .stdout(Redirect.handOver(out[1]))
 *         .start()) {
 *     write(in[1], "hello\n"); in[1].close();      // EOF for the child
 *     String upper = readAll(out[0]);              // "HELLO\n"
 *     ExitStatus status = child.waitFor();          // exit 0
 * }
 *
 * // printf 'b\na\nb\n' | sort -u | wc -l
 * try (Pipeline p = Pipeline.builder().add("printf", "b\\na\\nb\\n").add("sort", "-u").add("wc", "-l")
 *         .stdout(Redirect.to(Path.of("count.txt"))).start()) {
 *     System.out.println(p.waitFor().pipefail());  // exit 0
 * }
 * }</pre>
 */
package io.jipc.process;
