package io.jipc.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * SIGINT, SIGTERM and SIGHUP end a command with exit status 128+N after it removed what it
 * promised to remove (the socket file of {@code sock listen}, for one).
 *
 * <p><b>How.</b> The JVM's own handlers for these three signals already start its shutdown with
 * status 128+N, and leave a signal alone that was ignored when the JVM started ({@code nohup},
 * a background job of a non-interactive shell), as a C program that installs handlers only for
 * signals not ignored does. The one thing they do not do is unwind the command: the shutdown
 * hooks run while the main thread still sits in its blocked call, and the JVM halts after them,
 * so no {@code close()} and no {@code finally} of the command runs. This hook closes that gap: it
 * interrupts the command's thread (every blocking jipc call answers {@link Thread#interrupt()}
 * within 100 ms, and {@link Io}'s standard streams are interruptible channels), which unwinds
 * through the command's try-with-resources, and waits for the command to end, for at most {@link
 * #CLEANUP} in case something does not answer. Meanwhile no error line is printed: the signal,
 * not the command, ended the run.
 *
 * <p><b>Why not {@code sun.misc.Signal}.</b> It would work on JDK 25 (jdk.unsupported), but it
 * replaces the JVM's handlers, so jipc would have to redo what they do right (128+N, signals
 * ignored at start), it is an unsupported API the build's {@code -Werror} flags, and a shutdown
 * hook sees every way the JVM can be asked to stop.
 */
final class SignalExit {
    private SignalExit() {}

    /** The longest a signal waits for the command to unwind. */
    static final java.time.Duration CLEANUP = java.time.Duration.ofSeconds(3);

    private static final CountDownLatch DONE = new CountDownLatch(1);
    private static volatile boolean stopping;

    /**
     * Installs the hook for the command that runs on {@code command}; once per process, from main.
     * If the command does not end within {@link #CLEANUP}, {@code err} says so: what it promised
     * to remove may still be there.
     */
    static void install(Thread command, java.io.PrintStream err) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (DONE.getCount() == 0) {
                return; // the command ended first: an ordinary exit
            }
            stopping = true;
            command.interrupt();
            try {
                if (!DONE.await(CLEANUP.toMillis(), TimeUnit.MILLISECONDS)) {
                    err.println("jipc: warning: the command did not stop within " + CLEANUP.toSeconds()
                            + " s of the signal; exiting without its cleanup");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "jipc-signal-exit"));
    }

    /** The command has ended (its cleanup done): a signal from now on just exits. */
    static void commandDone() {
        DONE.countDown();
    }

    /** Whether a signal is ending the command (its errors are the signal's doing, not reported). */
    static boolean stopping() {
        return stopping;
    }
}
