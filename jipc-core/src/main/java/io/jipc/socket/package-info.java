/**
 * UNIX-domain sockets: stream, datagram and seqpacket, filesystem paths and Linux abstract names,
 * descriptor passing (SCM_RIGHTS) and peer credentials (SO_PEERCRED, SCM_CREDENTIALS).
 *
 * <pre>{@code
 * // a server that hands each client a descriptor, and refuses other users
 * try (UnixServerSocket server = UnixServerSocket.bind(UnixAddress.parse("@jobs"),
 *         UnixServerSocket.Options.defaults().withType(SocketType.SEQPACKET))) {
 *     UnixSocket client = server.tryAcceptIf(peer -> peer.uid() == myUid, Duration.ofSeconds(10)).orElseThrow();
 *     try (client; Fd log = PassedFiles.openReadOnly(Path.of("/var/log/jobs.log"))) {
 *         client.sendFds(ByteBuffer.wrap("log".getBytes()), List.of(log));
 *     }
 * }
 *
 * // the client
 * try (UnixSocket s = UnixSocket.connect(UnixAddress.parse("@jobs"), SocketType.SEQPACKET);
 *      ReceivedMessage m = s.receiveMessage(ByteBuffer.allocate(64), 1)) {
 *     Fd log = m.takeFds().get(0);
 * }
 * }</pre>
 *
 * <p>Every operation that can wait comes in three forms: {@code send}/{@code receive}/{@code
 * accept}/{@code connect} wait until done, their {@code try} forms never wait, and the {@code try}
 * forms with a {@link java.time.Duration} wait at most that long; nothing done is {@link
 * io.jipc.Transfer#NOTHING} for counts, {@code false} for datagram sends, an empty {@link
 * java.util.Optional} for objects. Sockets are close-on-exec and in blocking mode, as in C: a
 * blocking call sleeps inside its socket call, uses no CPU, returns promptly on close and answers
 * interrupt at once. Received descriptors are owned ({@link io.jipc.Fd}) and close-on-exec, never
 * leaked, also when the kernel had to drop some (MSG_CTRUNC, reported by {@link
 * io.jipc.socket.ReceivedMessage#controlTruncated()}). A socket file is created with mode 0600,
 * and removed only by {@code unlink()} or the {@code withUnlinkOnClose} option; a stale file left by a
 * dead server is replaced only on request, and a live server's file never.
 *
 * <p>What the JDK offers over UNIX sockets ({@code SocketChannel} with a {@code
 * UnixDomainSocketAddress}) is stream sockets on filesystem paths; the datagram and seqpacket
 * types, abstract names, descriptor passing and credentials are what this package adds.
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/unix.7.html">unix(7)</a>
 */
package io.jipc.socket;
