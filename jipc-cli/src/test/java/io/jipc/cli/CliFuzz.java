package io.jipc.cli;

import io.jipc.testing.Hostile;
import io.jipc.testing.TestIpc;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Argument vectors for the CLI fuzzer: a command line of cli.md built from values of the right
 * kind, then mutated (a token dropped, doubled, swapped, replaced by a hostile value, a flag or
 * value inserted, {@code --flag=value} joined).
 *
 * <p><b>Safety is checked on the final vector, not hoped for</b> ({@link #safe}): a process id is
 * only the test's own child or one no process can have; a System V {@code --id}/{@code --key} only
 * one of the run's own or one that cannot parse; {@code --path} (ftok) only a path that does not
 * exist; every path or POSIX name carries the run's prefix or lies in the test's directory;
 * {@code jipc lock … -- CMD} runs only {@code /bin/true}-like commands; {@code bench} and {@code
 * tour} only in forms that are refused before they start. A vector that fails the check is not run
 * (and counted).
 */
final class CliFuzz {
    final Hostile h;
    final Path dir;
    final String childPid;
    /** Objects of the run's own, made by the test: names, ids and keys a vector may use. */
    final List<String> names = new ArrayList<>();
    /** System V ids by kind ("msg", "sem", "shm"): an id names an object of one kind only. */
    final java.util.Map<String, String> ids = new java.util.HashMap<>();
    final List<String> keys = new ArrayList<>();
    final List<String> drawnNames = new ArrayList<>();
    private int fresh;

    CliFuzz(Hostile h, Path dir, long childPid) {
        this.h = h;
        this.dir = dir;
        this.childPid = Long.toString(childPid);
        this.templates = makeTemplates();
    }

    /** Every command and verb of cli.md, as a builder of a plausible command line. */
    private final List<Supplier<List<String>>> templates;

    private List<Supplier<List<String>>> makeTemplates() {
        return List.of(
            () -> l("fifo", "create", path(), opt("--mode", mode())),
            () -> l("fifo", "write", path(), data(), waitForm()),
            () -> l("fifo", "read", path(), "--timeout", shortDuration()),
            () -> l("sock", "listen", addr(), opt("--type", sockType()), opt("--count", number()), "--timeout", shortDuration(), flag("--json")),
            () -> l("sock", "send", addr(), data(), opt("--type", sockType()), opt("--fd", path())),
            () -> l("lock", path(), h.pick("--shared", "--exclusive", "-s", "-x", NONE), opt("--kind", h.pick("flock", "posix", "ofd", "bogus", "")),
                    opt("--range", range()), waitForm(), "--", command()),
            () -> l("locks", h.chance(0.5) ? path() : NONE, flag("--json")),
            () -> l("mq", "create", name(), opt("--max-messages", number()), opt("--message-size", number()), opt("--mode", mode()), flag("--exclusive")),
            () -> l("mq", "send", name(), data(), opt("--priority", number()), waitForm()),
            () -> l("mq", "receive", name(), waitForm(), flag("--json")),
            () -> l("mq", "info", name(), flag("--json")),
            () -> l("mq", "unlink", name()),
            () -> l("sysv-msg", "create", target("msg", true), opt("--mode", mode()), flag("--exclusive")),
            () -> l("sysv-msg", "send", target("msg", false), "--type", number(), data(), "--nonblock"),
            () -> l("sysv-msg", "receive", target("msg", false), opt("--type", number()), flag("--except"), waitForm(), flag("--json")),
            () -> l("sysv-msg", "info", target("msg", false), flag("--json")),
            () -> l("sysv-msg", "remove", target("msg", false)),
            () -> l("sem", "create", name(), opt("--value", number()), opt("--mode", mode()), flag("--exclusive")),
            () -> l("sem", "post", name(), opt("--count", number())),
            () -> l("sem", "wait", name(), waitForm()),
            () -> l("sem", "value", name()),
            () -> l("sem", "unlink", name()),
            () -> l("sysv-sem", "create", target("sem", true), "--count", number(), opt("--value", number()), opt("--mode", mode()), flag("--exclusive")),
            () -> l("sysv-sem", "op", target("sem", false), semOp(), h.chance(0.5) ? semOp() : NONE, flag("--undo"), waitForm()),
            () -> l("sysv-sem", "values", target("sem", false), flag("--json")),
            () -> l("sysv-sem", "remove", target("sem", false)),
            () -> l("shm", "create", name(), "--size", number(), opt("--mode", mode()), flag("--exclusive")),
            () -> l("shm", "write", name(), data(), opt("--offset", number())),
            () -> l("shm", "read", name(), opt("--offset", number()), opt("--length", number())),
            () -> l("shm", "info", name(), flag("--json")),
            () -> l("shm", "unlink", name()),
            () -> l("sysv-shm", "create", target("shm", true), "--size", number(), opt("--mode", mode()), flag("--exclusive")),
            () -> l("sysv-shm", "write", target("shm", false), data(), opt("--offset", number())),
            () -> l("sysv-shm", "read", target("shm", false), opt("--offset", number()), opt("--length", number())),
            () -> l("sysv-shm", "info", target("shm", false), flag("--json")),
            () -> l("sysv-shm", "remove", target("shm", false)),
            () -> l("signal", "send", pid(), signal(), opt("--value", number())),
            () -> l("signal", "wait", signal(), h.chance(0.3) ? signal() : NONE, opt("--count", number()), "--timeout", shortDuration()),
            () -> l("signal", "list", flag("--json")),
            () -> l("ls", opt("--type", h.pick("mq,sem,shm", "sysv-msg,sysv-sem,sysv-shm", "socket,lock", "bogus", "", ",,", "mq,,")),
                    flag("--stale"), flag("--json")),
            () -> l("rm", objectRef(), h.chance(0.3) ? objectRef() : NONE),
            () -> l("help", h.pick("mq", "sysv-sem", "bogus", "", "lock", "tour")),
            () -> l("completion", h.pick("bash", "zsh", "", "fish")),
            () -> l(h.pick("--version", "-V", "--help", "-h", "", "bogus", "\uD800")),
            // bench and tour run for seconds to minutes: only forms refused before they start
            () -> l("bench", h.pick("--size", "--messages"), h.pick("-1", "abc", "", "99999999999999999999")),
            () -> l("bench", "--mechanisms", h.pick("bogus", "", ",,"), "--messages", "-1"),
            () -> l("tour", "--only", h.pick("bogus", "", ",", "\uD800")));
    }

    /** Commands and verbs by name, for reports: "mq send", "lock", … */
    static String commandOf(List<String> v) {
        if (v.isEmpty()) {
            return "(none)";
        }
        Set<String> withVerbs = Set.of("fifo", "sock", "mq", "sysv-msg", "sem", "sysv-sem", "shm", "sysv-shm", "signal");
        if (withVerbs.contains(v.get(0)) && v.size() > 1 && !v.get(1).startsWith("-")) {
            return v.get(0) + " " + v.get(1);
        }
        return v.get(0).startsWith("-") || v.get(0).isEmpty() ? "jipc " + (v.get(0).startsWith("--") ? v.get(0) : "(other)") : v.get(0);
    }

    /** The command and verb the last vector was built from (before mutation). */
    String lastCommand = "";

    /** A command line, mutated 0–3 times. */
    List<String> vector() {
        List<String> v = new ArrayList<>(h.pick(templates).get());
        lastCommand = commandOf(v);
        int mutations = h.pick(0, 0, 1, 1, 2, 3);
        for (int i = 0; i < mutations && !v.isEmpty(); i++) {
            mutate(v);
        }
        return v;
    }

    private void mutate(List<String> v) {
        int i = h.below(v.size());
        switch (h.below(7)) {
            case 0 -> v.remove(i);
            case 1 -> v.add(i, v.get(i));
            case 2 -> {
                if (i + 1 < v.size()) {
                    v.set(i, v.set(i + 1, v.get(i)));
                }
            }
            case 3 -> v.set(i, hostileValue());
            case 4 -> v.add(i, h.pick(FLAGS));
            case 5 -> v.add(i, hostileValue());
            default -> {
                if (v.get(i).startsWith("--") && i + 1 < v.size()) {
                    v.set(i, v.get(i) + "=" + v.remove(i + 1));
                }
            }
        }
    }

    private static final List<String> FLAGS = List.of("--json", "--mode", "--timeout", "--nonblock", "-n", "--exclusive",
            "--priority", "--max-messages", "--message-size", "--type", "--except", "--value", "--count", "--undo",
            "--size", "--offset", "--length", "--shared", "--kind", "--range", "--stale", "--help", "--version", "--fd",
            "--", "-", "--bogus", "-Z", "--conflict-exit-code", "-E", "--close", "-v");

    private String hostileValue() {
        return switch (h.below(5)) {
            case 0 -> number();
            case 1 -> h.hostileString();
            case 2 -> h.pick(DURATIONS);
            case 3 -> name();
            default -> mode();
        };
    }

    // ------------------------------------------------------------------ values of each kind

    private static List<String> l(String... parts) {
        List<String> v = new ArrayList<>();
        for (String p : parts) {
            if (p.contains("\u0001SPLIT\u0001")) {
                for (String q : p.split("\u0001SPLIT\u0001")) {
                    v.add(q);
                }
            } else if (!p.equals("\u0001NONE\u0001")) {
                v.add(p);
            }
        }
        return v;
    }

    private static final String NONE = "\u0001NONE\u0001";

    /** {@code --flag value}, or nothing half the time. */
    private String opt(String flag, String value) {
        return h.chance(0.5) ? flag + "\u0001SPLIT\u0001" + value : NONE;
    }

    private String flag(String flag) {
        return h.chance(0.4) ? flag : NONE;
    }

    String number() {
        return h.pick("0", "1", "2", "3", "16", "4096", "-1", "-4096", "2147483647", "2147483648", "-2147483649",
                "9223372036854775807", "9223372036854775808", "99999999999999999999", "0x10", "1e3", "abc", "", " 1",
                "+5", "007", "\u0661\u0662", "\uFF15", "1_000", "NaN", "\0");
    }

    private String mode() {
        return h.pick("0600", "0640", "0777", "0", "8888", "-1", "07777", "017777", "abc", "0x1ff", "", "600");
    }

    private static final List<String> DURATIONS = List.of("10ms", "0", "0s", "0ms", "-1s", "1ns", "PT0.01S", "abc", "",
            "99999999999999999999s", "9223372036854775807ms", "PT-1S", "1x", "5", "1h", "PT1000000000H", "-PT5S", "1e3s");

    /** A duration that cannot make a command wait long: short, zero, negative or not one. */
    private String shortDuration() {
        return h.pick("10ms", "0", "0s", "0ms", "-1s", "1ns", "PT0.01S", "abc", "", "99999999999999999999s",
                "9223372036854775807ms", "PT-1S", "1x", "5", "-PT5S");
    }

    private String waitForm() {
        return h.pick("--nonblock", "-n", "--timeout" + "\u0001SPLIT\u0001" + shortDuration(),
                "--nonblock\u0001SPLIT\u0001--timeout\u0001SPLIT\u000110ms");
    }

    private String data() {
        return h.pick("hello", "", "-", "\u00e9t\u00e9", "\uD800", "x".repeat(9000), "\0", NONE);
    }

    String name() {
        if (!names.isEmpty() && h.chance(0.4)) {
            return h.pick(names);
        }
        String n = TestIpc.name("cli" + (++fresh));
        drawnNames.add(n);
        if (h.valid()) {
            return n;
        }
        return h.pick(n + "/x", n + "\uD800", n + "\u00e9", n.substring(1), "", "/", "//", "/a/b", n + "x".repeat(300), n + "\n");
    }

    private String path() {
        String f = "p" + (++fresh);
        return h.pick(dir.resolve(f).toString(), dir.resolve(f).toString(), dir.toString(), dir.resolve("existing").toString(),
                dir.resolve("missing").resolve(f).toString(), dir.resolve("n".repeat(300)).toString(), "",
                dir + "/" + f + "\u00e9\uD800", dir.resolve(f) + "/");
    }

    private String addr() {
        return h.pick(dir.resolve("s" + (++fresh)).toString(), "@" + TestIpc.PREFIX + fresh, "@", "",
                "@" + TestIpc.PREFIX + "x".repeat(200), dir.resolve("existing").toString(), dir.resolve("s".repeat(120)).toString());
    }

    private String sockType() {
        return h.pick("stream", "dgram", "seqpacket", "raw", "", "STREAM");
    }

    private String range() {
        return h.pick("0:10", "-1:5", "5:-1", "9223372036854775807:1", "a:b", ":", "0:0", "10", "1:9223372036854775807");
    }

    /** {@code jipc lock … -- CMD}: only commands that do nothing, or that cannot run. */
    private String command() {
        return h.pick("/bin/true", "/bin/false", "true", "/nonexistent/" + TestIpc.PREFIX, dir.resolve("existing").toString());
    }

    private String target(String kind, boolean create) {
        String key = keys.isEmpty() || create && h.chance(0.5) ? "0x" + Integer.toHexString(TestIpc.key()) : h.pick(keys);
        return switch (h.below(create ? 3 : 4)) {
            case 0 -> "--key\u0001SPLIT\u0001" + (h.valid() ? key : h.pick(BAD_KEYS));
            case 1 -> "--path\u0001SPLIT\u0001" + dir.resolve("no-such-file") + (h.chance(0.3) ? "\u0001SPLIT\u0001--project-id\u0001SPLIT\u0001" + number() : "");
            case 2 -> "--key\u0001SPLIT\u0001" + key;
            default -> "--id\u0001SPLIT\u0001" + (ids.containsKey(kind) && h.valid() ? ids.get(kind) : h.pick(BAD_IDS));
        };
    }

    private static final List<String> BAD_KEYS = List.of("0x", "zz", "0x1ffffffff", "-0x1", "", "0xg", "99999999999");
    private static final List<String> BAD_IDS = List.of("-1", "abc", "2147483648", "", "-2147483649", "0x");

    private String semOp() {
        return h.pick("0:-1", "0:+1", "1:0", "99:1", "0:-99999", "a:b", ":", "0:2147483648", "-1:1", "0", "0:1:2");
    }

    private String pid() {
        return h.chance(0.5) ? childPid : h.pick(BAD_PIDS);
    }

    private static final List<String> BAD_PIDS = List.of("abc", "", "99999999", "2147483647", "9223372036854775808", "-99999999", "0x10");

    private String signal() {
        return h.pick("USR1", "SIGUSR2", "TERM", "CONT", "0", "64", "65", "-1", "SIGFOO", "", "usr1", "KILL", "STOP", "SIGSEGV", "9");
    }

    private String objectRef() {
        return switch (h.below(4)) {
            case 0 -> h.pick("mq:", "sem:", "shm:") + name();
            case 1 -> {
                String kind = h.pick("msg", "sem", "shm");
                yield "sysv-" + kind + ":" + (ids.containsKey(kind) && h.valid() ? ids.get(kind) : h.pick(BAD_IDS));
            }
            case 2 -> "fifo:" + path();
            default -> h.pick("bogus:x", "mq", ":", "", "mq:/a/b");
        };
    }

    // ------------------------------------------------------------------ the safety check

    /**
     * Whether a vector may run: every process id, System V id and key, ftok path, name, path and
     * command in it is the test's own or can name nothing. Decided on the final tokens, after
     * mutation.
     */
    boolean safe(List<String> v) {
        if (v.isEmpty()) {
            return true;
        }
        String cmd = v.get(0);
        if ((cmd.equals("bench") || cmd.equals("tour")) && !refusedBeforeStarting(v)) {
            return false;
        }
        int dashDash = v.indexOf("--");
        if (cmd.equals("lock")) {
            // with "--", what follows is the command; without, every token came from the pools
            // above, none of which names a program that does anything
            if (dashDash >= 0 && dashDash + 1 < v.size() && !safeCommand(v.get(dashDash + 1))) {
                return false;
            }
        }
        for (int i = 0; i < v.size(); i++) {
            String t = v.get(i);
            if (cmd.equals("lock") && dashDash >= 0 && i > dashDash + 1) {
                continue; // arguments of /bin/true
            }
            String flag = t.contains("=") && t.startsWith("--") ? t.substring(0, t.indexOf('=')) : t;
            String value = t.contains("=") && t.startsWith("--") ? t.substring(t.indexOf('=') + 1)
                    : i + 1 < v.size() ? v.get(i + 1) : null;
            if (flag.equals("--id") && value != null && !BAD_IDS.contains(value)
                    && !(cmd.startsWith("sysv-") && value.equals(ids.get(cmd.substring(5))))) {
                return false;
            }
            if (flag.equals("--key") && value != null && !keys.contains(value) && !BAD_KEYS.contains(value) && !ourKey(value)) {
                return false;
            }
            if (flag.equals("--path") && value != null && !value.equals(dir.resolve("no-such-file").toString())) {
                return false;
            }
            if (!pathSafe(t)) {
                return false;
            }
        }
        if (cmd.equals("signal") && v.size() > 2 && v.get(1).equals("send")) {
            for (String t : v.subList(2, v.size())) {
                if (looksLikePid(t) && !t.equals(childPid) && !BAD_PIDS.contains(t)) {
                    return false;
                }
            }
        }
        if (cmd.equals("rm")) {
            for (String t : v.subList(1, v.size())) {
                int colon = t.indexOf(':');
                if (colon > 0 && t.startsWith("sysv-")) {
                    String id = t.substring(colon + 1);
                    if (!BAD_IDS.contains(id) && !id.equals(ids.get(t.substring(5, colon)))) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    private static boolean safeCommand(String c) {
        return c.equals("/bin/true") || c.equals("/bin/false") || c.equals("true") || c.startsWith("/nonexistent/")
                || c.endsWith("/existing");
    }

    private static boolean refusedBeforeStarting(List<String> v) {
        return v.contains("-1") || v.contains("abc") || v.contains("bogus") || v.contains(",,") || v.contains("")
                || v.contains("99999999999999999999") || v.contains("\uD800") || v.contains(",");
    }

    private static boolean ourKey(String value) {
        try {
            return TestIpc.isOurKey((int) Long.parseLong(value.startsWith("0x") ? value.substring(2) : value, value.startsWith("0x") ? 16 : 10));
        } catch (NumberFormatException e) {
            return true; // cannot parse: names nothing
        }
    }

    private static boolean looksLikePid(String t) {
        return t.matches("[+-]?[0-9]+");
    }

    /** A token with a slash names a path or a POSIX object: ours (prefix, test directory) or nothing. */
    private boolean pathSafe(String t) {
        String s = t;
        for (String kind : List.of("mq:", "sem:", "shm:", "fifo:", "sysv-msg:", "sysv-sem:", "sysv-shm:")) {
            if (s.startsWith(kind)) {
                s = s.substring(kind.length());
            }
        }
        if (s.startsWith("--") && s.contains("=")) {
            s = s.substring(s.indexOf('=') + 1);
        }
        if (!s.contains("/")) {
            return true;
        }
        return s.contains(TestIpc.PREFIX) || s.startsWith(dir.toString()) || Set.of("/", "//", "/a/b", "/./").contains(s)
                || s.startsWith("/nonexistent/");
    }
}
