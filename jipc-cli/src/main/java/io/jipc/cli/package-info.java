/**
 * The {@code jipc} command: one class per mechanism, thin over the library — parsing and printing
 * only. Shared pieces: {@link io.jipc.cli.Io} (streams, raw argument bytes), {@link
 * io.jipc.cli.Converters}, {@link io.jipc.cli.JsonLines}, {@link io.jipc.cli.ExitCodes}.
 */
package io.jipc.cli;
