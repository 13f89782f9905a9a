/**
 * Message queues: POSIX ({@link io.jipc.mq.PosixMessageQueue}: by name, with priorities, pollable)
 * and System V ({@link io.jipc.mq.SysVMessageQueue}: by key, typed, with selective receive).
 *
 * <pre>{@code
 * // POSIX: higher priorities first
 * try (var q = PosixMessageQueue.createOrOpen("/jobs",
 *         PosixMessageQueue.Options.defaults().withMaxMessages(10).withMessageSize(256))) {
 *     q.send("urgent".getBytes(UTF_8), 9);
 *     PosixMessage m = q.receive();                     // m.priority() == 9
 * }
 *
 * // System V: receivers pick by type
 * try (var q = SysVMessageQueue.createOrOpen(IpcKey.ftok(Path.of("/tmp"), 7))) {
 *     q.send("resize photo.jpg".getBytes(UTF_8), 1);
 *     SysVMessage m = q.receive(TypeSelector.exactly(1));
 *     q.remove();
 * }
 * }</pre>
 *
 * <p>Both speak the kernel's formats, so a C program using {@code mq_send}/{@code mq_receive} or
 * {@code msgsnd}/{@code msgrcv} on the same queue sees the same messages. Every send and receive
 * has a blocking, a timed and a non-blocking form; the forms taking a caller's buffer and a
 * {@link io.jipc.mq.Envelope} holder allocate nothing.
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/mq_overview.7.html">mq_overview(7)</a>
 * @see <a href="https://man7.org/linux/man-pages/man7/sysvipc.7.html">sysvipc(7)</a>
 */
package io.jipc.mq;
