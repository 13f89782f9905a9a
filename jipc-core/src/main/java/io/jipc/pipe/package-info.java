/**
 * Pipes and FIFOs: {@link io.jipc.pipe.Pipe} (pipe2, with splice and tee between its ends and
 * other descriptors) and {@link io.jipc.pipe.Fifo} (mkfifo, and opens that wait for the other side,
 * inside open(2) as C's do).
 *
 * <pre>{@code
 * try (Pipe pipe = Pipe.open()) {
 *     Pipe.WriteEnd out = pipe.writeEnd();
 *     out.write("hello\n".getBytes(StandardCharsets.UTF_8));
 *     out.close();                                        // the reader now sees end of stream
 *     byte[] all = pipe.readEnd().inputStream().readAllBytes();
 * }
 *
 * Fifo fifo = Fifo.createOrOpen(Path.of("/tmp/jobs.fifo"));
 * Optional<Pipe.ReadEnd> in = fifo.tryOpenForReading(Duration.ofSeconds(5));   // empty: no writer came
 * }</pre>
 *
 * <p>Both ends of both kinds are {@link io.jipc.pipe.Pipe.ReadEnd} and {@link
 * io.jipc.pipe.Pipe.WriteEnd}, with the three forms of every jipc call — {@code read}, {@code
 * tryRead}, {@code tryRead(…, Duration)}, and the same for writes, splice and tee — on {@code
 * byte[]}, {@link java.nio.ByteBuffer} and {@link java.lang.foreign.MemorySegment}; a try form
 * that moved nothing answers {@link io.jipc.Transfer#NOTHING}. Also stream and channel views and
 * capacity control. Hand an end to a child process with {@link io.jipc.process.ChildProcess},
 * which gives the child a blocking description (the end's own, which is blocking unless a
 * non-blocking call on a FIFO made it otherwise, or one of its own, as {@link
 * io.jipc.pipe.Pipe.End#reopenBlocking()} makes); a child JVM takes the descriptor it inherited
 * with {@link io.jipc.pipe.Pipe.ReadEnd#adopt(int)}.
 */
package io.jipc.pipe;
