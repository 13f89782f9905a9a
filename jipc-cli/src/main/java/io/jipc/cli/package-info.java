/**
 * The {@code jipc} command: one class per mechanism, thin over the library — parsing and printing
 * only. What every command gets, from one place each: {@link io.jipc.cli.Io} (standard input
 * from a real descriptor 0, raw argument bytes) and {@link io.jipc.cli.Stdout} (writes whose
 * failures are reported, a receive's check before it takes anything), {@link
 * io.jipc.cli.Failure} (cli.md's error line), {@link io.jipc.cli.SignalExit} (SIGINT, SIGTERM,
 * SIGHUP unwind the command, exit 128+N), {@link io.jipc.cli.RawArguments} (names and paths byte
 * for byte), {@link io.jipc.cli.HelpCommand} and {@code --help} on every verb; shared argument
 * types in {@link io.jipc.cli.Converters}, {@link io.jipc.cli.JsonLines}, {@link
 * io.jipc.cli.ExitCodes}.
 */
package io.jipc.cli;
