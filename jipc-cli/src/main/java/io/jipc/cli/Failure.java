package io.jipc.cli;

import io.jipc.Errno;
import io.jipc.IpcException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A system error as cli.md prints it, the one place its line is made: {@code jipc:
 * <call>(<object>): <strerror text> (<ERRNO NAME>)}, then, on lines of their own, any advice
 * (which names the command line's flags, never the library's methods). Exit status 3.
 *
 * <p>Made from a library {@link IpcException} ({@link #of}), or by the CLI itself for what it does
 * around the library: {@code read(stdin)}, {@code write(stdout)}, a message too long for the queue
 * before it is read to its end. A call the library names with its command, {@code
 * msgctl(IPC_STAT)}, is printed the way C writes it: {@code msgctl(msqid 7, IPC_STAT)}.
 */
final class Failure extends IOException {
    private static final long serialVersionUID = 1L;

    /** Library advice that names Java: a method call, a camelCase identifier. Never shown on the command line. */
    private static final Pattern JAVA_NAME = Pattern.compile("\\w\\(\\)|\\b[a-z]+[A-Z][A-Za-z]*\\b|\\.[a-z]+[A-Z]");

    private final String call;
    private final String object;
    private final int errno;
    private final transient List<String> advice;

    private Failure(String call, String object, int errno, List<String> advice) {
        super(line(call, object, errno));
        this.call = call;
        this.object = object;
        this.errno = errno;
        this.advice = List.copyOf(advice);
    }

    /** An error line, not a bug: no stack trace to fill in. */
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }

    /** A failure of a call the CLI makes itself, with advice lines (none is fine). */
    static Failure system(String call, String object, Errno errno, String... advice) {
        return new Failure(call, object, errno.number(), List.of(advice));
    }

    /**
     * The library's exception as cli.md prints it. The library's own explanation, when it says
     * more than strerror, follows as advice, unless it names the library's Java API (commands give
     * their own advice for those, with {@link #withAdvice}).
     */
    static Failure of(IpcException e) {
        List<String> advice = new ArrayList<>();
        String detail = detail(e);
        if (detail != null && !JAVA_NAME.matcher(detail).find()) {
            advice.add(detail);
        }
        return new Failure(e.call(), e.object(), e.errno(), advice);
    }

    /** The same line, with {@code lines} as its advice instead of any it had. */
    Failure withAdvice(String... lines) {
        return new Failure(call, object, errno, List.of(lines));
    }

    /** The same line, each advice line rewritten (to name the command's flags where the library names fields). */
    Failure mapAdvice(java.util.function.UnaryOperator<String> rewrite) {
        return new Failure(call, object, errno, advice.stream().map(rewrite).toList());
    }

    /** The same line, with {@code line} added after its advice. */
    Failure addAdvice(String line) {
        List<String> all = new ArrayList<>(advice);
        all.add(line);
        return new Failure(call, object, errno, all);
    }

    int errno() {
        return errno;
    }

    String call() {
        return call;
    }

    /** Whether this is a failure to write standard output (however much advice it carries). */
    boolean isStdout() {
        return call.equals("write") && "stdout".equals(object);
    }

    /** Everything printed on standard error: the cli.md line, then the advice, each {@code jipc: }-prefixed. */
    List<String> lines() {
        List<String> lines = new ArrayList<>();
        lines.add("jipc: " + getMessage());
        for (String a : advice) {
            lines.add("jipc: " + a);
        }
        return lines;
    }

    /** {@code <call>(<object>): <strerror text> (<ERRNO NAME>)}, the call written as C writes it. */
    static String line(String call, String object, int errno) {
        String obj = object == null ? "" : object;
        int paren = call.indexOf('(');
        String head = paren > 0 && call.endsWith(")")
                ? call.substring(0, paren) + "(" + obj + (obj.isEmpty() ? "" : ", ") + call.substring(paren + 1)
                : call + "(" + obj + ")";
        return head + ": " + Errno.describe(errno) + " (" + Errno.nameOf(errno) + ")";
    }

    /**
     * What the library said besides the call, object and errno, or null when it said only
     * strerror: its message is {@code call(object): detail (ERRNO)}.
     */
    private static String detail(IpcException e) {
        String message = e.getMessage();
        String prefix = e.call() + "(" + (e.object() == null ? "" : e.object()) + "): ";
        String suffix = " (" + Errno.nameOf(e.errno()) + ")";
        if (message == null || !message.startsWith(prefix)) {
            return null;
        }
        String detail = message.substring(prefix.length());
        if (detail.endsWith(suffix)) {
            detail = detail.substring(0, detail.length() - suffix.length());
        }
        String strerror = Errno.describe(e.errno());
        if (detail.equals(strerror) || detail.isBlank()) {
            return null;
        }
        // "Address already in use: a socket file exists..." — the strerror text leading the detail.
        if (detail.startsWith(strerror + ": ")) {
            detail = detail.substring(strerror.length() + 2);
        }
        return detail;
    }

    /**
     * The errno behind a JDK I/O error on a standard stream: the JDK words it as strerror does
     * ("No space left on device", "Broken pipe"); EIO when the text is not one of them.
     */
    static Errno errnoOf(IOException e) {
        if (e instanceof java.nio.channels.ClosedChannelException) {
            return Errno.EBADF;
        }
        String m = e.getMessage();
        if (m != null) {
            for (Errno candidate : Errno.values()) {
                if (m.equals(candidate.description()) || m.endsWith(": " + candidate.description())) {
                    return candidate;
                }
            }
        }
        return Errno.EIO;
    }
}
