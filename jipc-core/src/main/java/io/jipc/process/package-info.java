/**
 * Child processes: {@link io.jipc.process.ChildProcess} starts a program with posix_spawn and
 * hands it any jipc descriptor at any number; a pidfd waits for it (timed, interruptible) and
 * signals it; {@link io.jipc.process.Pipeline} wires programs together with pipes.
 *
 * <pre>{@code
 * // sort -u < names.txt > sorted.txt, at most ten seconds
 * try (ChildProcess sort = ChildProcess.builder("sort", "-u")
 *         .stdin(Redirect.from(Path.of("names.txt")))
 *         .stdout(Redirect.to(Path.of("sorted.txt")))
 *         .start()) {
 *     ExitStatus status = sort.waitFor(Duration.ofSeconds(10)).orElseThrow();
 *     System.out.println(status);                        // "exit 0"
 * }
 *
 * // printf 'b\na\nb\n' | sort -u | wc -l > count.txt
 * try (Pipeline p = Pipeline.builder()
 *         .add("printf", "b\\na\\nb\\n").add("sort", "-u").add("wc", "-l")
 *         .stdout(Redirect.to(Path.of("count.txt")))
 *         .start()) {
 *     System.out.println(p.waitFor().pipefail());        // "exit 0"
 * }
 * }</pre>
 *
 * <p>Any jipc descriptor goes to any number in the child: {@code .fd(3,
 * Redirect.handOver(pipeReadEnd))} gives the child a pipe end at 3 and closes this process's copy
 * once the child has it.
 */
package io.jipc.process;
