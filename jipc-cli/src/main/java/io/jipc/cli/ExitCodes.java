package io.jipc.cli;

/** The exit statuses of cli.md, the same for every subcommand. */
public final class ExitCodes {
    private ExitCodes() {}

    /** Success. */
    public static final int OK = 0;
    /** Would block, timed out, or lock conflict (like {@code flock -n}). */
    public static final int WOULD_BLOCK = 1;
    /** The command line itself is wrong: unknown verb, bad name, negative size... */
    public static final int USAGE = 2;
    /** The kernel said no: ENOENT, EACCES, EMSGSIZE... */
    public static final int SYSTEM = 3;
}
