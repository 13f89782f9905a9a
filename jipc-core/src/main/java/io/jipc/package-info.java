/**
 * What every jipc mechanism shares: {@link io.jipc.Fd} (an owned descriptor), {@link
 * io.jipc.IpcException} and its subclasses, and {@link io.jipc.Errno}.
 *
 * <p>Errors: a refused system call throws an {@code IpcException} naming the call, the object and
 * the errno ({@code mq_open(/jobs): No such file or directory (ENOENT)}); a bad argument throws
 * {@code IllegalArgumentException} before any system call is made.
 */
package io.jipc;
