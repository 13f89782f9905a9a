/**
 * The cross-process benchmark harness behind {@code jipc bench}: each mechanism between this JVM
 * and a peer JVM through jipc (and through the JDK's channels where the JDK has the mechanism),
 * against the same exchange between two C processes.
 *
 * <pre>{@code
 * Harness.Options options = new Harness.Options(List.of(Mechanisms.byName("pipe")), List.of(64),
 *         0, 5, CPrograms.defaultCacheDir(), false);
 * List<Comparison> results = Harness.run(options, (step, steps, what) -> System.err.println(what));
 * System.out.print(Table.format(results, 5));
 * }</pre>
 *
 * <p>A mechanism plugs in with one {@link io.jipc.bench.Mechanism} class (listed in {@link
 * io.jipc.bench.Mechanisms}) and one C file {@code src/main/c/<name>.c} built on {@code bench.h};
 * the loops, timing, statistics and output are shared. The JMH benchmarks of the bare downcall
 * cost live in {@code io.jipc.bench.jmh} (run them with {@code jipc-bench/jmh}).
 */
package io.jipc.bench;
