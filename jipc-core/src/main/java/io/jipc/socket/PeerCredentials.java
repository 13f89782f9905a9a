package io.jipc.socket;

/**
 * Who is on the other end of a UNIX socket: a process id, user id and group id as the kernel
 * recorded them ({@code struct ucred}), from SO_PEERCRED (the peer of a connection, taken when
 * it connected) or SCM_CREDENTIALS (the sender of one message).
 *
 * <p>The kernel vouches for these values: an unprivileged process cannot claim another process's
 * ids. The pid is translated into the receiver's pid namespace (0 when the sender is not visible
 * there).
 *
 * @param pid the process id
 * @param uid the user id
 * @param gid the group id
 * @see <a href="https://man7.org/linux/man-pages/man7/unix.7.html">unix(7), SO_PEERCRED and SCM_CREDENTIALS</a>
 */
public record PeerCredentials(int pid, int uid, int gid) {}
