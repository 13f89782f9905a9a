package io.jipc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.testing.Peer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command README.md and examples/README.md show is run — by this test, by another test, or
 * by {@code .ci/run} — so the READMEs cannot rot. A command is a line of a {@code ```sh} block, or
 * a code span that starts like one ({@code ./jipc …}, {@code jipc …}, {@code mvn …}, {@code java
 * …}, {@code examples/…/run}, {@code scripts/….sh}). Each found command must be listed below, and each
 * listed command found: a command added to a README fails this test until it says where it runs.
 * A claim that another file runs a command is checked by a piece of that file that shows it does.
 *
 * <p>Not here: docs/bench/README.md's {@code scripts/check-bench-report.sh}, a maintainer's check
 * of a report's chart that needs Chromium (which CI does not install); it is documented there,
 * with what it needs, and is none of these READMEs' commands.
 */
class ReadmeCommandsIT {
    private static final Path ROOT = Path.of(System.getProperty("basedir", "."), "..").toAbsolutePath().normalize();
    private static final List<String> READMES = List.of("README.md", "examples/README.md");
    private static final String CLI_TESTS = "jipc-cli/src/test/java/io/jipc/cli/";

    /** Where a command is run: a file, and a piece of it that shows it runs that command. */
    record RunBy(String file, String evidence) {}

    private static RunBy by(String test, String evidence) {
        return new RunBy(test.startsWith(".") ? test : CLI_TESTS + test + ".java", evidence);
    }

    /** Commands run by other tests or by CI. */
    static final Map<String, RunBy> ELSEWHERE = new LinkedHashMap<>();

    /**
     * The feature table's command column: synopses of cli.md's commands ({@code jipc mq
     * create|send|…}), not command lines; each verb runs in its command's tests.
     */
    static final Map<String, RunBy> SYNOPSES = new LinkedHashMap<>();

    static {
        ELSEWHERE.put("./jipc tour", by("TourLauncherIT", "new Shell.Run(List.of(\"tour\"))"));
        ELSEWHERE.put("mvn verify", by(".ci/run", "\nmvn verify\n"));
        String glance = "## The command line at a glance\\n```sh\\n(.*?)```";
        for (String line : List.of("./jipc mq create /demo-jobs && ./jipc mq send /demo-jobs 'resize photo.jpg' --priority 9",
                "./jipc mq receive /demo-jobs", "./jipc lock /tmp/demo.lock -- echo 'one at a time'",
                "./jipc ls --type sysv-shm,shm,sem --stale",
                "./jipc rm mq:/demo-jobs fifo:/tmp/demo.lock || echo \"exit $?: not a FIFO, kept\"",
                "./jipc help mq send")) {
            ELSEWHERE.put(line, by("ReadmeCliIT", glance));
        }
        ELSEWHERE.put("examples/pipeline/run /etc", by("ExamplesIT", "run(\"pipeline\", dir.toString())"));
        ELSEWHERE.put("examples/fifo-pair/run", by("ExamplesIT", "run(\"fifo-pair\")"));
        ELSEWHERE.put("examples/fd-passing/run", by("ExamplesIT", "run(\"fd-passing\")"));
        ELSEWHERE.put("examples/record-lock/run", by("ExamplesIT", "run(\"record-lock\")"));
        ELSEWHERE.put("examples/connection-pool/run", by("ExamplesIT", "run(\"connection-pool\")"));
        ELSEWHERE.put("examples/job-dispatch/run", by("JobDispatchExampleIT", "\"examples\", \"job-dispatch\", \"run\""));
        ELSEWHERE.put("examples/signal-daemon/run", by("SignalDaemonExampleIT", "\"examples\", \"signal-daemon\", \"run\""));
        ELSEWHERE.put("examples/frame-buffer/run", by("FrameBufferExampleIT", "\"examples\", \"frame-buffer\", \"run\""));
        ELSEWHERE.put("examples/threads-mutex/run", by("ThreadsMutexExampleIT", "\"examples\", \"threads-mutex\", \"run\""));
        ELSEWHERE.put("mvn -pl jipc-core -am install -DskipTests",
                by("ConsumerIT", "\"-pl\", \"jipc-core\", \"-am\", \"install\", \"-DskipTests\""));
        ELSEWHERE.put("java --enable-native-access=io.jipc --module-path jipc-core.jar --add-modules io.jipc -cp app.jar app.Main",
                by("ConsumerIT", "\"--enable-native-access=io.jipc\", \"--module-path\""));
        ELSEWHERE.put("java --enable-native-access=ALL-UNNAMED -cp app.jar:jipc-core.jar app.Main",
                by("ConsumerIT", "\"--enable-native-access=ALL-UNNAMED\", \"-cp\""));
        ELSEWHERE.put("jipc mq create /café", by("CliEdgeCasesIT", "a(\"mq\", \"create\", name)).env(\"LC_ALL\", \"C\")"));

        SYNOPSES.put("jipc fifo create\\|write\\|read", by("FifoLauncherIT", "\"fifo\""));
        SYNOPSES.put("jipc sock listen\\|send", by("SockLauncherIT", "\"sock\""));
        SYNOPSES.put("jipc lock PATH -- COMMAND", by("LockCommandTest", "\"lock\""));
        SYNOPSES.put("jipc locks [PATH]", by("LockCommandTest", "\"locks\""));
        SYNOPSES.put("jipc mq create\\|send\\|receive\\|info\\|unlink", by("MqLauncherIT", "\"mq\""));
        SYNOPSES.put("jipc sysv-msg create\\|send\\|receive\\|info\\|remove", by("SysvMsgCommandTest", "\"sysv-msg\""));
        SYNOPSES.put("jipc sem create\\|post\\|wait\\|value\\|unlink", by("SemLauncherIT", "\"sem\""));
        SYNOPSES.put("jipc sysv-sem create\\|op\\|values\\|remove", by("SysvSemCommandTest", "\"sysv-sem\""));
        SYNOPSES.put("jipc shm create\\|write\\|read\\|info\\|unlink", by("ShmLauncherIT", "\"shm\""));
        SYNOPSES.put("jipc sysv-shm create\\|write\\|read\\|info\\|remove", by("SysvShmCommandTest", "\"sysv-shm\""));
        SYNOPSES.put("jipc signal send\\|wait\\|list", by("SignalLauncherIT", "\"signal\""));
        SYNOPSES.put("jipc ls [--type …] [--stale] [--json]", by("LsLauncherIT", "\" ls --type mq --json; \""));
        SYNOPSES.put("jipc rm mq:/jobs sysv-shm:ID fifo:PATH …", by("LsLauncherIT", "\" rm mq:\""));
        SYNOPSES.put("jipc tour [--only …]", by("TourLauncherIT", "List.of(\"tour\", \"--only\""));
        SYNOPSES.put("jipc bench", by("BenchLauncherIT", "LauncherIT.jipc(\"bench\""));
        SYNOPSES.put("jipc bench --mechanisms channel,channel-mpsc", by("./jipc-bench/src/test/java/io/jipc/bench/HarnessTest.java", "everyMechanismExchangesInJipcAndInC"));
    }

    /** Commands this test runs, each from the repository root, with what its output must show. */
    static final Map<String, List<String>> HERE = new LinkedHashMap<>();

    static {
        HERE.put("./jipc bench --mechanisms pipe,mq --size 64 --rounds 1 --warmup-cap 2s",
                List.of("pipe, 64 B", "mq, 64 B", "jipc/c"));
        HERE.put("./jipc tour --only mq,shm", List.of("1/2 mq: ", "2/2 shm: "));
        HERE.put("./jipc ls", List.of("TYPE ", " OBJECT "));
        HERE.put("./jipc --help", List.of("Usage: jipc"));
        HERE.put("jipc help mq send", List.of("Usage: jipc mq send"));
        HERE.put("jipc mq send --help", List.of("Usage: jipc mq send"));
    }

    @TempDir
    Path dir;

    @Test
    void everyCommandOfTheReadmesSaysWhereItRuns() throws IOException {
        Set<String> found = commands();
        Set<String> listed = new LinkedHashSet<>(HERE.keySet());
        listed.addAll(ELSEWHERE.keySet());
        listed.addAll(SYNOPSES.keySet());
        assertThat(found).as("commands in the READMEs that no test or CI runs").isSubsetOf(listed);
        assertThat(listed).as("commands listed here that the READMEs no longer show").isSubsetOf(found);
    }

    @Test
    void whatRunsACommandElsewhereShowsItDoes() throws IOException {
        Map<String, RunBy> all = new LinkedHashMap<>(ELSEWHERE);
        all.putAll(SYNOPSES);
        for (var e : all.entrySet()) {
            Path file = ROOT.resolve(e.getValue().file());
            assertThat(file).as(e.getKey()).isRegularFile();
            String text = Files.readString(file);
            String evidence = e.getValue().evidence();
            boolean shows = evidence.startsWith("## ")
                    ? Pattern.compile(evidence, Pattern.DOTALL).matcher(Files.readString(ROOT.resolve("README.md"))).find()
                            && text.contains("## The command line at a glance")
                    : text.contains(evidence);
            assertThat(shows).as(e.getKey() + " is run by " + e.getValue().file() + ": it should contain " + evidence).isTrue();
        }
        assertThat(Files.readString(ROOT.resolve(".ci/run"))).as("CI runs the README's test command and no more")
                .contains("\nmvn verify\n");
    }

    @Test
    void theCommandsRunHereRunAsWritten() throws Exception {
        for (var e : HERE.entrySet()) {
            String command = e.getKey().startsWith("jipc ") ? "./" + e.getKey() : e.getKey();
            String script = "set -e; cd " + Shell.quote(ROOT.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8))
                    + "\n" + command;
            // The bench's C programs are compiled into a cache: this test's own, not the user's.
            try (Peer p = Peer.start("readme", List.of("env", "JIPC_BENCH_CACHE=" + dir, "bash", "-c", script))) {
                int status = p.awaitExit(Duration.ofSeconds(600));
                assertThat(status).as(command + "\n" + p.stdout() + p.stderr()).isZero();
                assertThat(p.stdout()).as(command).contains(e.getValue());
            }
        }
    }

    /** Every command the READMEs show, as written (a line's {@code # comment} left out). */
    static Set<String> commands() throws IOException {
        Set<String> found = new LinkedHashSet<>();
        Pattern span = Pattern.compile("`([^`]+)`");
        Pattern command = Pattern.compile("(\\./jipc|jipc|mvn|java|bash|sudo|apt-get) .*|(examples|scripts)/\\S*(/run|\\.sh)( .*)?");
        for (String readme : READMES) {
            boolean inBlock = false;
            boolean shell = false;
            for (String line : Files.readAllLines(ROOT.resolve(readme))) {
                if (line.startsWith("```")) {
                    shell = !inBlock && line.substring(3).strip().equals("sh");
                    inBlock = !inBlock;
                    continue;
                }
                if (inBlock) {
                    String c = line.replaceAll("\\s+#.*$", "").strip();
                    if (shell && !c.isEmpty() && !c.startsWith("#")) {
                        found.add(c);
                    }
                    continue;
                }
                Matcher m = span.matcher(line);
                while (m.find()) {
                    if (command.matcher(m.group(1)).matches()) {
                        found.add(m.group(1));
                    }
                }
            }
        }
        return found;
    }
}
