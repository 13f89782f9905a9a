/**
 * Waiting on many jipc objects at once: {@link io.jipc.poll.Poller}, an epoll instance over
 * anything that lives on a descriptor ({@link io.jipc.FdBacked}: sockets, pipes, FIFOs, POSIX
 * queues, pidfds, eventfds) or a raw {@link io.jipc.Fd}.
 *
 * <pre>{@code
 * try (Poller poller = Poller.create()) {
 *     poller.register(server, Set.of(Readiness.READ), "accept");
 *     while (true) {
 *         int n = poller.poll(Duration.ofSeconds(5));
 *         for (int i = 0; i < n; i++) {
 *             Poller.Registration r = poller.ready(i);
 *             if ("accept".equals(r.attachment())) {
 *                 poller.register(server.accept(), Set.of(Readiness.READ), "client");
 *             } else if (r.isReadable()) {
 *                 ... read from (UnixSocket) r.source() ...
 *             }
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p>Why its own package and not {@code io.jipc.process} (where the first design put it): the
 * poller knows nothing of processes. It depends only on {@link io.jipc.Fd}, and every mechanism
 * (sockets, pipes, queues, pidfds of child processes) plugs into it without the poller depending
 * on any of them.
 */
package io.jipc.poll;
