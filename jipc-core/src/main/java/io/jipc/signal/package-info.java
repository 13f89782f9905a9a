/**
 * Linux signals: send them (with a value, to a process group, through a pidfd), handle them on a
 * Java thread, and wait for them — with who sent them and what value came along.
 *
 * <pre>{@code
 * // A daemon's signals, handled on jipc's dispatch thread: never in signal context.
 * try (SignalRegistration hup = Signals.handle(Signal.SIGHUP, info -> reload.set(true));
 *      SignalCatcher stop = SignalCatcher.open(Signal.SIGTERM, Signal.SIGINT)) {
 *     SignalInfo why = stop.receive();                     // waits, like sigwaitinfo
 *     System.out.println(why);                             // SIGTERM (KILL from pid 4242 uid 1000)
 * }                                                        // SIGHUP, SIGTERM, SIGINT: as before
 *
 * Signals.queue(pid, Signal.SIGRTMIN_1, 42);               // sigqueue: the receiver's info.value() is 42
 * child.signal(Signal.SIGTERM);                            // io.jipc.process.ChildProcess: pidfd_send_signal
 * Signal s = Signal.parse("USR1");                         // SIGUSR1, number 10
 * }</pre>
 *
 * <h2>How a signal reaches Java code</h2>
 * A handler cannot be Java: signal context allows only async-signal-safe work, and an FFM upcall
 * may allocate, lock, reach a safepoint. {@code sun.misc.Signal} (unsupported, no siginfo) is the
 * JDK's only way. jipc has two, and a signal takes whichever the kernel gives it:
 * <ol>
 *   <li><b>Blocked in every thread: taken from the kernel's queue.</b> A signal that every
 *       thread blocks stays pending: a catcher's {@code receive} takes it with {@code
 *       sigtimedwait}, one system call per signal as {@code sigwaitinfo} in C, and jipc's
 *       dispatch thread reads the handlers' ones from a {@code signalfd(2)}; either way with the
 *       sender's siginfo. The kernel merges a standard signal sent again while pending and
 *       queues real-time ones in order.</li>
 *   <li><b>Otherwise: jipc's handler.</b> For every signal it catches jipc installs ({@code
 *       SA_SIGINFO | SA_RESTART}) a handler of 13 machine instructions that writes the 128-byte
 *       {@code siginfo_t} it is given into a pipe with one raw {@code write(2)} and returns; the
 *       dispatch thread ({@code jipc-signal-dispatch}) reads the pipe and hands each signal on.
 *       The handler touches no errno, no lock, no memory but its own; see {@code HandlerStub}.
 *       It runs in whatever thread the kernel chose, which it interrupts for the length of
 *       one system call; calls there restart ({@code SA_RESTART}), as with any handler.</li>
 * </ol>
 * A signal is delivered through exactly one of them, never both: the kernel either finds a thread
 * that does not block it (the handler) or leaves it pending (the kernel's queue).
 *
 * <h2>What was checked on JDK 25 (HotSpot) before building on it</h2>
 * Small programs (C and Java; the tests {@code SignalPathsTest} keep checking them) showed:
 * <ul>
 *   <li><b>A signal blocked in every thread stays pending</b>, in the process's shared queue
 *       ({@code ShdPnd}), and a signalfd read from a Java thread takes it with the sender's pid,
 *       uid, {@code si_code} and sigqueue value. Three SIGUSR1 sent meanwhile come out as one,
 *       three sigqueue'd SIGRTMIN+1 as three, in order.</li>
 *   <li><b>Threads inherit their creator's mask</b>, Java threads included (platform threads, and
 *       virtual threads' carriers made from such a thread). HotSpot then unblocks, in every
 *       thread it starts, the signals it needs: SIGSEGV, SIGBUS, SIGFPE, SIGILL, its
 *       suspend/resume signal SIGUSR2, and — unless run with {@code -Xrs} or ignored at start —
 *       SIGHUP, SIGINT and SIGTERM (its shutdown signals); SIGQUIT stays blocked in all but its VM
 *       thread.</li>
 *   <li><b>A JVM started with signals blocked</b> ({@code posix_spawn}'s mask, {@code env
 *       --block-signal}, {@link io.jipc.process.ChildProcessBuilder#blockSignals}) keeps them
 *       blocked in every thread — the launcher's primordial thread, {@code main}, GC, compiler
 *       and user threads — except those HotSpot unblocks. So SIGUSR1, SIGCHLD, SIGWINCH, SIGALRM,
 *       the real-time signals... stay pending for a catcher or the dispatch thread; SIGTERM does only with {@code -Xrs}.</li>
 *   <li><b>In an ordinary JVM</b> no thread blocks them, so a signal blocked in one thread only
 *       is delivered to another: blocking in {@code main} does not keep SIGUSR1 from killing the
 *       JVM. Hence the handler.</li>
 *   <li><b>glibc's {@code write} cannot be the handler itself</b>: the handler's first argument,
 *       the signal number, would be the descriptor, and descriptors 1 to 64 are the JVM's own
 *       (standard output and error, its modules file, jars). Hence jipc's own few instructions,
 *       checked on x86_64 in the JVM (100,000 sigqueue'd signals while the JVM allocated and
 *       collected garbage: all delivered or counted) and on aarch64 under qemu-user.</li>
 *   <li><b>The JVM's signals</b> (handlers in {@code /proc/self/status}'s {@code SigCgt}): 1, 2,
 *       3, 4, 7, 8, 11, 12, 13, 15, 25, 62 and glibc's 33; with {@code -Xrs} not 1, 2, 3 or 15.
 *       {@code _JAVA_SR_SIGNUM=N} moves the suspend/resume signal from 12 to N.</li>
 * </ul>
 *
 * <h2>What a handler or catcher learns: {@link io.jipc.signal.SignalInfo}</h2>
 * The kernel's record of each delivered signal, whichever way it came: its {@code si_code} (who
 * or what raised it: kill, sigqueue, tgkill, a timer, the kernel), the sending process's pid and
 * real uid (for kill, sigqueue, tgkill, mq_notify; for SIGCHLD the child's, with its status), and
 * the value sent with sigqueue (and with timer and mq_notify signals). It is not available:
 * <ul>
 *   <li>for the second and later copies of a standard signal merged into one still pending (the
 *       kernel keeps the first one's record; jipc merges the same way while one waits for a
 *       handler or a receive) — send real-time signals when every one counts;</li>
 *   <li>for signals jipc dropped because more than 8192 waited (a flood of real-time signals
 *       faster than they are handled; counted by {@link io.jipc.signal.Signals#lost()});</li>
 *   <li>for a signal sent to one thread ({@code tgkill}, or raised by the kernel for that
 *       thread's own act, such as SIGPIPE) that this thread blocks: it waits in that thread's own
 *       queue, which neither way reads;</li>
 *   <li>when jipc cannot install its handler (executable memory refused by the system, or {@code
 *       -Dio.jipc.signalHandlerCode=false}): then only signals blocked in every thread can be
 *       caught at all, and catching another one is refused with an exception saying so.</li>
 * </ul>
 *
 * <h2>Signals jipc refuses</h2>
 * SIGKILL and SIGSTOP (no process can catch them), and those HotSpot and jipc keep: SIGSEGV,
 * SIGBUS, SIGFPE, SIGILL, SIGQUIT (unless {@code -Xrs}), SIGUSR2 (the suspend/resume signal),
 * SIGRTMAX-2 (NIO's) and jipc's own wake-up signal (normally SIGRTMAX-3). Each refusal is an
 * {@link java.lang.IllegalArgumentException} saying whose it is; {@link
 * io.jipc.signal.Signals#reservation} asks beforehand. SIGHUP, SIGINT and SIGTERM may be caught:
 * while caught, they no longer start the JVM's shutdown (shutdown hooks run on {@code
 * System.exit}).
 *
 * <h2>Sending</h2>
 * {@link io.jipc.signal.Signals#send}, {@link io.jipc.signal.Signals#sendToGroup} and {@link
 * io.jipc.signal.Signals#queue} take a pid, which the kernel may have given to another process
 * once the first has exited and been reaped. {@link io.jipc.process.ChildProcess#signal} and
 * {@link io.jipc.process.PidFd#signal} send through a pidfd instead: a process that has gone
 * makes them return false (ESRCH), and no other process can receive it.
 */
package io.jipc.signal;
