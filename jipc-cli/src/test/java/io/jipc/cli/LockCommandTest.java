package io.jipc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.lock.FileLock;
import io.jipc.lock.LockKind;
import io.jipc.lock.LockType;
import io.jipc.testing.Peer;
import io.jipc.testing.PeerJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jipc lock} and {@code jipc locks}, in-process and as a process of their own, against the library and flock(1). */
class LockCommandTest {
    private static final Duration T = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private static FileLock hold(Path p, LockKind kind, LockType type) throws Exception {
        return FileLock.lock(p, FileLock.Options.defaults().withKind(kind).withType(type).withCreate(true));
    }

    private static int flockN(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("flock", "-n"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return p.exitValue();
    }

    // ---------------------------------------------------------------- jipc lock

    @Test
    void runsTheCommandWhileHoldingTheLockAndPassesItsStatusThrough() throws Exception {
        Path f = dir.resolve("created");
        Path seen = dir.resolve("seen");
        // Inside: flock(1) on a new open of the file is refused; on the inherited descriptor 3 the lock is its own.
        CliRun r = CliRun.run("lock", f.toString(), "--", "sh", "-c",
                "flock -n " + f + " true; a=$?; flock -n 3; echo $a $? > " + seen + "; exit 7");
        assertThat(r.status()).isEqualTo(7);
        assertThat(r.stderr()).isEmpty();
        assertThat(r.stdout()).isEmpty();
        assertThat(Files.readString(seen)).isEqualTo("1 0\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
        assertThat(flockN(f.toString(), "true")).as("released once the command is done").isZero();

        assertThat(CliRun.run("lock", f.toString(), "--", "sh", "-c", "kill -TERM $$").status()).as("128 + SIGTERM")
                .isEqualTo(143);
        assertThat(CliRun.run("lock", f.toString(), "--", "true").status()).isZero();
        // --close: the command does not get the descriptor.
        r = CliRun.run("lock", "--close", f.toString(), "--", "sh", "-c", "flock -n 3 2>/dev/null; echo $? > " + seen);
        assertThat(r.status()).isZero();
        assertThat(Files.readString(seen)).as("descriptor 3 is closed in the command").isNotEqualTo("0\n");
    }

    @Test
    void aLockThatCannotBeHadExitsOneWithoutRunningTheCommand() throws Exception {
        Path f = dir.resolve("busy");
        Path ran = dir.resolve("ran");
        try (FileLock held = hold(f, LockKind.FLOCK, LockType.EXCLUSIVE)) {
            CliRun r = CliRun.run("lock", "--nonblock", f.toString(), "--", "touch", ran.toString());
            assertThat(r.status()).isEqualTo(ExitCodes.WOULD_BLOCK);
            assertThat(r.stderr()).isEmpty();
            assertThat(CliRun.run("lock", "-n", "-E", "42", f.toString(), "--", "touch", ran.toString()).status()).isEqualTo(42);
            long start = System.nanoTime();
            assertThat(CliRun.run("lock", "--timeout", "300ms", f.toString(), "--", "touch", ran.toString()).status())
                    .isEqualTo(ExitCodes.WOULD_BLOCK);
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(300));
            r = CliRun.run("lock", "-n", "--verbose", f.toString(), "--", "touch", ran.toString());
            assertThat(r.status()).isEqualTo(ExitCodes.WOULD_BLOCK);
            assertThat(r.stderr()).isEqualTo("jipc: " + f + ": FLOCK exclusive lock on the whole file of " + f
                    + ", held by process " + ProcessHandle.current().pid() + " (" + held.holders().get(0).command().orElseThrow()
                    + ")\n");
            assertThat(ran).doesNotExist();
            // A blocking one waits until the holder lets go.
            CompletableFuture<CliRun> waiting = CompletableFuture.supplyAsync(
                    () -> CliRun.run("lock", f.toString(), "--", "touch", ran.toString()), r2 -> Thread.ofPlatform().start(r2));
            Thread.sleep(300);
            assertThat(waiting).isNotDone();
            held.unlock();
            assertThat(waiting.get(30, TimeUnit.SECONDS).status()).isZero();
            assertThat(ran).exists();
        }
    }

    @Test
    void sharedLocksAndRangesOfEveryKind() throws Exception {
        Path f = dir.resolve("kinds");
        try (FileLock reader = hold(f, LockKind.FLOCK, LockType.SHARED)) {
            assertThat(CliRun.run("lock", "-s", "-n", f.toString(), "--", "true").status()).isZero();
            assertThat(CliRun.run("lock", "-x", "-n", f.toString(), "--", "true").status()).isEqualTo(1);
            assertThat(CliRun.run("lock", "--kind", "ofd", "-n", f.toString(), "--", "true").status())
                    .as("flock and fcntl locks do not see each other").isZero();
        }
        try (FileLock bytes = FileLock.lock(f, FileLock.Options.defaults().withRange(100, 10))) {
            for (String kind : List.of("posix", "ofd")) {
                assertThat(CliRun.run("lock", "--kind", kind, "--range", "0:100", "-n", f.toString(), "--", "true").status())
                        .as(kind + " adjacent").isZero();
                assertThat(CliRun.run("lock", "--kind", kind, "--range", "105:0", "-n", f.toString(), "--", "true").status())
                        .as(kind + " overlapping").isEqualTo(1);
                assertThat(CliRun.run("lock", "--kind", kind.toUpperCase(), "-s", "--range", "109:1", "-n", f.toString(),
                        "--", "true").status()).as(kind + " shared against exclusive").isEqualTo(1);
            }
        }
    }

    @Test
    void badCommandLinesExitTwoAndChangeNothing() throws Exception {
        Path f = dir.resolve("never-created");
        Map<List<String>, String> cases = Map.of(
                List.of("lock", "--range", "5:10", f.toString(), "--", "true"),
                "jipc: --range needs --kind posix or ofd: flock locks whole files",
                List.of("lock", "--kind", "ofd", "--range", "-1:5", f.toString(), "--", "true"),
                "jipc: Invalid value for option '--range': invalid range '-1:5': a lock range starts at byte 0 or later, got start -1",
                List.of("lock", "--kind", "ofd", "--range", "5", f.toString(), "--", "true"),
                "jipc: Invalid value for option '--range': invalid range '5': START:LENGTH, e.g. 0:100 (bytes 0 to 99) or 100:0 (byte 100 to the end of the file)",
                List.of("lock", "--kind", "lockf", f.toString(), "--", "true"),
                "jipc: Invalid value for option '--kind': invalid kind 'lockf': flock, posix or ofd",
                List.of("lock", f.toString()),
                "jipc: Missing required parameter: 'COMMAND'",
                List.of("lock", "--shared", "--exclusive", f.toString(), "--", "true"),
                "jipc: Error: --shared, --exclusive are mutually exclusive (specify only one)",
                List.of("lock", "-n", "--timeout", "1s", f.toString(), "--", "true"),
                "jipc: Error: --nonblock, --timeout=D are mutually exclusive (specify only one)",
                List.of("lock", "-E", "300", f.toString(), "--", "true"),
                "jipc: --conflict-exit-code takes 0 to 255, got 300");
        for (Map.Entry<List<String>, String> c : cases.entrySet()) {
            CliRun r = CliRun.run(c.getKey().toArray(String[]::new));
            assertThat(r.status()).as(String.join(" ", c.getKey())).isEqualTo(ExitCodes.USAGE);
            assertThat(r.stderr().lines().findFirst().orElse("")).as(String.join(" ", c.getKey())).isEqualTo(c.getValue());
        }
        assertThat(f).doesNotExist();
    }

    @Test
    void aFileThatCannotBeOpenedExitsThreeWithTheOpenError() throws Exception {
        Path d = Files.createDirectory(dir.resolve("a-dir"));
        CliRun r = CliRun.run("lock", d.toString(), "--", "true");
        assertThat(r.status()).isEqualTo(ExitCodes.SYSTEM);
        assertThat(r.stderr()).isEqualTo("jipc: open(" + d + "): Is a directory (EISDIR)\njipc: jipc locks files, not directories\n");
        r = CliRun.run("lock", "/etc/passwd/below", "--", "true");
        assertThat(r.status()).isEqualTo(ExitCodes.SYSTEM);
        assertThat(r.stderr()).isEqualTo("jipc: open(/etc/passwd/below): Not a directory (ENOTDIR)\n");
        r = CliRun.run("lock", dir.resolve("f").toString(), "--", "/no/such/program");
        assertThat(r.status()).isEqualTo(ExitCodes.SYSTEM);
        assertThat(r.stderr()).startsWith("jipc: ").contains("(/no/such/program): No such file or directory (ENOENT)");

        // Permission denied: run as a process that file permissions apply to (root without
        // CAP_DAC_OVERRIDE, or this user when not root).
        Path secret = dir.resolve("secret");
        Files.writeString(secret, "");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("---------"));
        List<String> cmd = new ArrayList<>();
        if (io.jipc.internal.libc.Unistd.getuid() == 0) {
            cmd.addAll(List.of("setpriv", "--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-all"));
        }
        cmd.addAll(List.of(PeerJvm.javaCommand(), "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), JipcCommand.class.getName(), "lock", secret.toString(), "--", "true"));
        try (Peer p = Peer.start("jipc", cmd)) {
            assertThat(p.awaitExit(T)).as(p.stderr()).isEqualTo(ExitCodes.SYSTEM);
            assertThat(p.stderr()).isEqualTo("jipc: open(" + secret + "): Permission denied (EACCES)\n");
        }
    }

    @Test
    void theCommandKeepsAFlockLockWhenJipcIsKilledAsUnderFlock1() throws Exception {
        Path f = dir.resolve("inherited");
        // The command's output goes elsewhere, so that the peer's pipe closes with jipc.
        List<String> cmd = List.of(PeerJvm.javaCommand(), "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), JipcCommand.class.getName(),
                "lock", f.toString(), "--", "sh", "-c", "echo started; exec sleep 60 >/dev/null 2>&1");
        Long sleeper = null;
        try (Peer jipc = Peer.start("jipc", cmd)) {
            jipc.awaitOutput("started\n", T);
            assertThat(flockN(f.toString(), "true")).isEqualTo(1);
            List<Long> holders = CliRun.run("locks", f.toString(), "--json").stdout().lines()
                    .map(l -> ((Number) Json.object(l).get("pid")).longValue()).toList();
            assertThat(holders).as("jipc and its command both hold the open file").hasSize(2).contains(jipc.pid());
            sleeper = holders.stream().filter(pid -> pid != jipc.pid()).findFirst().orElseThrow();
            jipc.process().destroyForcibly();
            assertThat(jipc.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(flockN(f.toString(), "true")).as("the command still holds it").isEqualTo(1);
            ProcessHandle.of(sleeper).ifPresent(ProcessHandle::destroyForcibly);
            long deadline = System.nanoTime() + T.toNanos();
            while (flockN(f.toString(), "true") != 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(flockN(f.toString(), "true")).as("released with its last holder").isZero();
        } finally {
            if (sleeper != null) {
                ProcessHandle.of(sleeper).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    // ---------------------------------------------------------------- jipc locks

    @Test
    void locksListsHoldersPlainAndAsJson() throws Exception {
        Path f = dir.resolve("listed");
        long self = ProcessHandle.current().pid();
        try (FileLock whole = hold(f, LockKind.FLOCK, LockType.SHARED);
             FileLock bytes = FileLock.lock(f, FileLock.Options.defaults().withRange(10, 10));
             FileLock tail = FileLock.lock(f, FileLock.Options.defaults().withKind(LockKind.POSIX).withType(LockType.SHARED)
                     .withRange(100, 0))) {
            String comm = whole.holders().get(0).command().orElseThrow();
            CliRun r = CliRun.run("locks", f.toString(), "--json");
            assertThat(r.status()).isZero();
            assertThat(r.stderr()).isEmpty();
            assertThat(r.stdout().lines().map(Json::object).toList()).containsExactly(
                    row("FLOCK", "READ", 0L, null, self, comm, f.toString()),
                    row("OFDLCK", "WRITE", 10L, 19L, self, comm, f.toString()),
                    row("POSIX", "READ", 100L, null, self, comm, f.toString()));
            r = CliRun.run("locks", f.toString());
            assertThat(r.status()).isZero();
            List<String> lines = r.stdout().lines().toList();
            assertThat(lines).hasSize(4);
            assertThat(lines.get(0)).matches("KIND +TYPE +START +END +PID COMMAND +PATH");
            assertThat(lines.get(1).split(" +")).containsExactly("FLOCK", "READ", "0", "EOF", Long.toString(self), comm,
                    f.toString());
            assertThat(lines.get(2).split(" +")).containsExactly("OFDLCK", "WRITE", "10", "19", Long.toString(self), comm,
                    f.toString());
            r = CliRun.run("locks", "--json");
            assertThat(r.status()).isZero();
            assertThat(r.stdout().lines().map(Json::object).filter(m -> f.toString().equals(m.get("path")))).hasSize(3);
        }
        CliRun r = CliRun.run("locks", f.toString());
        assertThat(r.stdout().lines()).as("a header and nothing else").hasSize(1);
        r = CliRun.run("locks", dir.resolve("missing").toString());
        assertThat(r.status()).isEqualTo(ExitCodes.SYSTEM);
        assertThat(r.stderr()).isEqualTo("jipc: stat(" + dir.resolve("missing") + "): No such file or directory (ENOENT)\n");
    }

    /** A --json line as cli.md names its keys (null for "to the end of the file"). */
    private static Map<String, Object> row(String kind, String type, long start, Long end, long pid, String command,
                                           String path) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("kind", kind);
        m.put("type", type);
        m.put("start", start);
        m.put("end", end);
        m.put("pid", pid);
        m.put("command", command);
        m.put("path", path);
        return m;
    }
}
