package io.jipc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.mq.PosixMessage;
import io.jipc.mq.SysVMessage;
import io.jipc.testing.MqueueLeakProbe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every command of the real {@code ./jipc} against the shell's edge cases: standard input closed
 * or {@code /dev/null}; standard output {@code /dev/full}, closed, or a pipe nobody reads; SIGINT,
 * SIGTERM and SIGHUP while blocked; {@code LC_ALL=C} with non-ASCII names and non-UTF-8 data;
 * an unprivileged user where permissions matter; a umask that would narrow a mode. ({@code
 * --help} on every command and verb, which needs no second process, is {@link HelpTest}.)
 *
 * <p>Expected everywhere: the documented exit status, cli.md's error line first (every line on
 * standard error is jipc's: no stack trace, no JVM warning), not one byte sent that the user did
 * not give, nothing taken that could not be delivered, nothing left behind.
 *
 * <p><b>A new command joins by adding a row</b> to {@link #COMMANDS} (and, if it can block, to
 * {@link #BLOCKING}; if permissions decide what it may do, to {@link #permissionRows()}).
 */
class CliEdgeCasesIT {
    private static final Duration T = Duration.ofSeconds(120);

    @BeforeAll
    static void probe() {
        MqueueLeakProbe.register();
    }

    // ================================================================== the table

    enum Trait {
        /** Reads its DATA from standard input (DATA absent). */
        STDIN,
        /** Writes to standard output when it succeeds. */
        PRINTS
    }

    /** How a row's command sees the world, and what it did to it. */
    interface Check {
        void check(World w, Shell.Result r) throws Exception;
    }

    interface Arrange {
        Object arrange(World w) throws Exception;
    }

    interface Args {
        List<Object> args(World w);
    }

    /**
     * One command line of the table.
     *
     * @param name      how the test reports it
     * @param traits    what it does with its standard streams
     * @param args      its arguments in a world
     * @param arrange   what must be there before it runs (a message to receive, a peer on the other end); may return a {@link World.Counterpart}
     * @param done      what a successful run did (given the arrangement's counterpart through the world)
     * @param untouched what a refused run must leave as it was: nothing sent, taken, created or removed
     */
    record Row(String name, Set<Trait> traits, Args args, Arrange arrange, Check done, Check untouched) {
        boolean has(Trait t) {
            return traits.contains(t);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static Object nothing(World w) {
        return null;
    }

    private static final Check NO_CHECK = (w, r) -> { };

    /** The last counterpart a row arranged (one run at a time). */
    private static World.Counterpart peer;

    private static World.Counterpart peer() {
        return peer;
    }

    private static List<Object> a(Object... args) {
        return List.of(args);
    }

    static final List<Row> COMMANDS = List.of(
            new Row("fifo create", EnumSet.noneOf(Trait.class),
                    w -> a("fifo", "create", w.newFifo.toString(), "--mode", "0640"), CliEdgeCasesIT::nothing,
                    (w, r) -> assertThat(World.fileMode(w.newFifo)).isEqualTo(0640),
                    (w, r) -> assertThat(w.newFifo).doesNotExist()),
            new Row("fifo write DATA", EnumSet.noneOf(Trait.class),
                    w -> a("fifo", "write", w.fifo.toString(), World.DATA), World::fifoReader,
                    (w, r) -> {
                        peer().await(T);
                        assertThat(peer().received()).isEqualTo(World.DATA);
                    },
                    (w, r) -> assertThat(peer().received()).isEmpty()),
            new Row("fifo write <stdin", EnumSet.of(Trait.STDIN),
                    w -> a("fifo", "write", w.fifo.toString()), World::fifoReader,
                    (w, r) -> {
                        peer().await(T);
                        assertThat(peer().received()).isEqualTo(World.DATA);
                    },
                    (w, r) -> assertThat(peer().acted).as("the FIFO was not even opened").isFalse()),
            new Row("fifo read", EnumSet.of(Trait.PRINTS),
                    w -> a("fifo", "read", w.fifo.toString()), w -> w.fifoWriter(World.DATA),
                    (w, r) -> assertThat(r.stdout()).isEqualTo(World.DATA),
                    (w, r) -> assertThat(peer().acted).as("no writer was let in to lose its bytes").isFalse()),
            new Row("mq create", EnumSet.noneOf(Trait.class),
                    w -> a("mq", "create", w.newMq, "--mode", "0640"), CliEdgeCasesIT::nothing,
                    (w, r) -> assertThat(World.mqMode(w.newMq)).isEqualTo(0640),
                    (w, r) -> assertThat(World.mqExists(w.newMq)).isFalse()),
            new Row("mq send DATA", EnumSet.noneOf(Trait.class),
                    w -> a("mq", "send", w.mq, World.DATA, "--priority", "3"), CliEdgeCasesIT::nothing,
                    (w, r) -> assertThat(w.drainMq()).containsExactly(new PosixMessage(3, World.DATA)),
                    (w, r) -> assertThat(w.drainMq()).isEmpty()),
            new Row("mq send <stdin", EnumSet.of(Trait.STDIN),
                    w -> a("mq", "send", w.mq), CliEdgeCasesIT::nothing,
                    (w, r) -> assertThat(w.drainMq()).containsExactly(new PosixMessage(0, World.DATA)),
                    (w, r) -> assertThat(w.drainMq()).isEmpty()),
            new Row("mq receive", EnumSet.of(Trait.PRINTS),
                    w -> a("mq", "receive", w.mq), w -> {
                        w.putMq(World.DATA, 5);
                        return null;
                    },
                    (w, r) -> {
                        assertThat(r.stdout()).isEqualTo(World.DATA);
                        assertThat(w.drainMq()).isEmpty();
                    },
                    (w, r) -> assertThat(w.drainMq()).as("the message stays queued").containsExactly(new PosixMessage(5, World.DATA))),
            new Row("mq info", EnumSet.of(Trait.PRINTS),
                    w -> a("mq", "info", w.mq), CliEdgeCasesIT::nothing,
                    (w, r) -> assertThat(r.out()).startsWith("name " + w.mq + "\n"), NO_CHECK),
            new Row("mq unlink", EnumSet.noneOf(Trait.class),
                    w -> a("mq", "unlink", w.mq), CliEdgeCasesIT::nothing,
                    (w, r) -> assertThat(World.mqExists(w.mq)).isFalse(),
                    (w, r) -> assertThat(World.mqExists(w.mq)).isTrue()),
            new Row("shm create", EnumSet.noneOf(Trait.class),
                    w -> a("shm", "create", w.newShm, "--size", "4096", "--mode", "0640"), CliEdgeCasesIT::nothing,
                    (w, r) -> assertThat(World.shmMode(w.newShm)).isEqualTo(0640),
                    (w, r) -> assertThat(World.shmExists(w.newShm)).isFalse()),
            new Row("shm write DATA", EnumSet.noneOf(Trait.class),
                    w -> a("shm", "write", w.shm, World.DATA, "--offset", "1"), CliEdgeCasesIT::nothing,
                    (w, r) -> assertThat(World.slice(w.shmBytes(), 1, World.DATA.length)).isEqualTo(World.DATA),
                    (w, r) -> assertThat(w.shmBytes()).as("nothing written").containsOnly(0)),
            new Row("shm write <stdin", EnumSet.of(Trait.STDIN),
                    w -> a("shm", "write", w.shm, "--offset", "1"), CliEdgeCasesIT::nothing,
                    (w, r) -> assertThat(World.slice(w.shmBytes(), 1, World.DATA.length)).isEqualTo(World.DATA),
                    (w, r) -> assertThat(w.shmBytes()).as("nothing written").containsOnly(0)),
            new Row("shm read", EnumSet.of(Trait.PRINTS),
                    w -> a("shm", "read", w.shm, "--length", World.DATA.length), w -> {
                        w.putShm(World.DATA);
                        return null;
                    },
                    (w, r) -> assertThat(r.stdout()).isEqualTo(World.DATA), NO_CHECK),
            new Row("shm info", EnumSet.of(Trait.PRINTS),
                    w -> a("shm", "info", w.shm), CliEdgeCasesIT::nothing,
                    (w, r) -> assertThat(r.out()).startsWith("name " + w.shm + "\n"), NO_CHECK),
            new Row("shm unlink", EnumSet.noneOf(Trait.class),
                    w -> a("shm", "unlink", w.shm), CliEdgeCasesIT::nothing,
                    (w, r) -> assertThat(World.shmExists(w.shm)).isFalse(),
                    (w, r) -> assertThat(World.shmExists(w.shm)).isTrue()),
            new Row("sock listen", EnumSet.of(Trait.PRINTS),
                    w -> a("sock", "listen", w.sock.toString()), w -> w.sockClient(World.DATA),
                    (w, r) -> {
                        assertThat(r.stdout()).isEqualTo(World.DATA);
                        assertThat(w.sock).as("the socket file is removed at exit").doesNotExist();
                    },
                    (w, r) -> {
                        assertThat(peer().acted).as("no client was accepted").isFalse();
                        assertThat(Files.exists(w.sock, LinkOption.NOFOLLOW_LINKS)).isFalse();
                    }),
            new Row("sock send DATA", EnumSet.noneOf(Trait.class),
                    w -> a("sock", "send", w.server.toString(), World.DATA, "--type", "dgram"), CliEdgeCasesIT::nothing,
                    (w, r) -> assertThat(w.serverReceived()).isEqualTo(World.DATA),
                    (w, r) -> assertThat(w.serverReceived()).as("no datagram").isNull()),
            new Row("sock send <stdin", EnumSet.of(Trait.STDIN),
                    w -> a("sock", "send", w.server.toString(), "--type", "dgram"), CliEdgeCasesIT::nothing,
                    (w, r) -> assertThat(w.serverReceived()).isEqualTo(World.DATA),
                    (w, r) -> assertThat(w.serverReceived()).as("no datagram").isNull()),
            new Row("sysv-msg create", EnumSet.of(Trait.PRINTS),
                    w -> a("sysv-msg", "create", "--key", Converters.formatKey(w.newKey), "--mode", "0640"),
                    CliEdgeCasesIT::nothing,
                    (w, r) -> {
                        int id = World.sysvId(w.newKey);
                        assertThat(r.out()).isEqualTo(id + "\n");
                        assertThat(World.sysvMode(id)).isEqualTo(0640);
                    },
                    (w, r) -> assertThat(World.sysvId(w.newKey)).as("no queue left for the key").isEqualTo(-1)),
            new Row("sysv-msg send DATA", EnumSet.noneOf(Trait.class),
                    w -> a("sysv-msg", "send", "--id", w.msqid, "--type", "7", World.DATA), CliEdgeCasesIT::nothing,
                    (w, r) -> assertThat(w.drainSysv()).containsExactly(new SysVMessage(7, World.DATA)),
                    (w, r) -> assertThat(w.drainSysv()).isEmpty()),
            new Row("sysv-msg send <stdin", EnumSet.of(Trait.STDIN),
                    w -> a("sysv-msg", "send", "--id", w.msqid, "--type", "7"), CliEdgeCasesIT::nothing,
                    (w, r) -> assertThat(w.drainSysv()).containsExactly(new SysVMessage(7, World.DATA)),
                    (w, r) -> assertThat(w.drainSysv()).isEmpty()),
            new Row("sysv-msg receive", EnumSet.of(Trait.PRINTS),
                    w -> a("sysv-msg", "receive", "--id", w.msqid), w -> {
                        w.putSysv(World.DATA, 4);
                        return null;
                    },
                    (w, r) -> {
                        assertThat(r.stdout()).isEqualTo(World.DATA);
                        assertThat(w.drainSysv()).isEmpty();
                    },
                    (w, r) -> assertThat(w.drainSysv()).as("the message stays queued")
                            .containsExactly(new SysVMessage(4, World.DATA))),
            new Row("sysv-msg info", EnumSet.of(Trait.PRINTS),
                    w -> a("sysv-msg", "info", "--id", w.msqid), CliEdgeCasesIT::nothing,
                    (w, r) -> assertThat(r.out()).startsWith("id " + w.msqid + "\n"), NO_CHECK),
            new Row("sysv-msg remove", EnumSet.noneOf(Trait.class),
                    w -> a("sysv-msg", "remove", "--id", w.msqid), CliEdgeCasesIT::nothing,
                    (w, r) -> assertThat(World.sysvExists(w.msqid)).isFalse(),
                    (w, r) -> assertThat(World.sysvExists(w.msqid)).isTrue()),
            new Row("sysv-shm create", EnumSet.of(Trait.PRINTS),
                    w -> a("sysv-shm", "create", "--key", Converters.formatKey(w.newShmKey), "--size", "4096", "--mode", "0640"),
                    CliEdgeCasesIT::nothing,
                    (w, r) -> {
                        int id = World.sysvShmId(w.newShmKey);
                        assertThat(r.out()).isEqualTo(id + "\n");
                        assertThat(World.sysvShmMode(id)).isEqualTo(0640);
                    },
                    (w, r) -> assertThat(World.sysvShmId(w.newShmKey)).as("no segment left for the key").isEqualTo(-1)),
            new Row("sysv-shm write DATA", EnumSet.noneOf(Trait.class),
                    w -> a("sysv-shm", "write", "--id", w.shmid, World.DATA, "--offset", "1"), CliEdgeCasesIT::nothing,
                    (w, r) -> assertThat(World.slice(w.sysvShmBytes(), 1, World.DATA.length)).isEqualTo(World.DATA),
                    (w, r) -> assertThat(w.sysvShmBytes()).as("nothing written").containsOnly(0)),
            new Row("sysv-shm write <stdin", EnumSet.of(Trait.STDIN),
                    w -> a("sysv-shm", "write", "--id", w.shmid, "--offset", "1"), CliEdgeCasesIT::nothing,
                    (w, r) -> assertThat(World.slice(w.sysvShmBytes(), 1, World.DATA.length)).isEqualTo(World.DATA),
                    (w, r) -> assertThat(w.sysvShmBytes()).as("nothing written").containsOnly(0)),
            new Row("sysv-shm read", EnumSet.of(Trait.PRINTS),
                    w -> a("sysv-shm", "read", "--id", w.shmid, "--length", World.DATA.length), w -> {
                        w.putSysvShm(World.DATA);
                        return null;
                    },
                    (w, r) -> assertThat(r.stdout()).isEqualTo(World.DATA), NO_CHECK),
            new Row("sysv-shm info", EnumSet.of(Trait.PRINTS),
                    w -> a("sysv-shm", "info", "--id", w.shmid), CliEdgeCasesIT::nothing,
                    (w, r) -> assertThat(r.out()).startsWith("id " + w.shmid + "\n"), NO_CHECK),
            new Row("sysv-shm remove", EnumSet.noneOf(Trait.class),
                    w -> a("sysv-shm", "remove", "--id", w.shmid), CliEdgeCasesIT::nothing,
                    (w, r) -> assertThat(World.sysvShmExists(w.shmid)).isFalse(),
                    (w, r) -> assertThat(World.sysvShmExists(w.shmid)).isTrue()),
            new Row("lock", EnumSet.noneOf(Trait.class),
                    w -> a("lock", w.newLockFile.toString(), "--", "true"), CliEdgeCasesIT::nothing,
                    (w, r) -> assertThat(World.fileMode(w.newLockFile)).as("created 0600").isEqualTo(0600),
                    (w, r) -> assertThat(w.newLockFile).doesNotExist()),
            new Row("locks", EnumSet.of(Trait.PRINTS),
                    w -> a("locks", w.lockFile.toString()), World::lockHolder,
                    (w, r) -> assertThat(r.out().lines().skip(1).toList()).singleElement().asString()
                            .startsWith("FLOCK WRITE").endsWith(" " + w.lockFile),
                    NO_CHECK),
            new Row("sem create", EnumSet.noneOf(Trait.class),
                    w -> a("sem", "create", w.newSem, "--value", "2", "--mode", "0640"), CliEdgeCasesIT::nothing,
                    (w, r) -> assertThat(World.semMode(w.newSem)).isEqualTo(0640),
                    (w, r) -> assertThat(World.semExists(w.newSem)).isFalse()),
            new Row("sem post", EnumSet.noneOf(Trait.class),
                    w -> a("sem", "post", w.sem, "--count", "2"), CliEdgeCasesIT::nothing,
                    (w, r) -> assertThat(w.semValue()).isEqualTo(2),
                    (w, r) -> assertThat(w.semValue()).isZero()),
            new Row("sem wait", EnumSet.noneOf(Trait.class),
                    w -> a("sem", "wait", w.sem, "--timeout", "20s"), w -> {
                        w.postSem(1);
                        return null;
                    },
                    (w, r) -> assertThat(w.semValue()).isZero(),
                    (w, r) -> assertThat(w.semValue()).as("nothing taken").isEqualTo(1)),
            new Row("sem value", EnumSet.of(Trait.PRINTS),
                    w -> a("sem", "value", w.sem), CliEdgeCasesIT::nothing,
                    (w, r) -> assertThat(r.out()).isEqualTo("0\n"), NO_CHECK),
            new Row("sem unlink", EnumSet.noneOf(Trait.class),
                    w -> a("sem", "unlink", w.sem), CliEdgeCasesIT::nothing,
                    (w, r) -> assertThat(World.semExists(w.sem)).isFalse(),
                    (w, r) -> assertThat(World.semExists(w.sem)).isTrue()),
            new Row("sysv-sem create", EnumSet.of(Trait.PRINTS),
                    w -> a("sysv-sem", "create", "--key", Converters.formatKey(w.newSemKey), "--count", "2", "--mode", "0640"),
                    CliEdgeCasesIT::nothing,
                    (w, r) -> {
                        int id = World.semSetId(w.newSemKey);
                        assertThat(r.out()).isEqualTo(id + "\n");
                        assertThat(World.semSetMode(id)).isEqualTo(0640);
                    },
                    (w, r) -> assertThat(World.semSetId(w.newSemKey)).as("no set left for the key").isEqualTo(-1)),
            new Row("sysv-sem op", EnumSet.noneOf(Trait.class),
                    w -> a("sysv-sem", "op", "--id", w.semid, "0:-1", "1:+1"), CliEdgeCasesIT::nothing,
                    (w, r) -> assertThat(w.semValues()).containsExactly(0, 1),
                    (w, r) -> assertThat(w.semValues()).containsExactly(1, 0)),
            new Row("sysv-sem values", EnumSet.of(Trait.PRINTS),
                    w -> a("sysv-sem", "values", "--id", w.semid), CliEdgeCasesIT::nothing,
                    (w, r) -> assertThat(r.out()).isEqualTo("1 0\n"), NO_CHECK),
            new Row("sysv-sem remove", EnumSet.noneOf(Trait.class),
                    w -> a("sysv-sem", "remove", "--id", w.semid), CliEdgeCasesIT::nothing,
                    (w, r) -> assertThat(World.semSetExists(w.semid)).isFalse(),
                    (w, r) -> assertThat(World.semSetExists(w.semid)).isTrue()),
            new Row("signal send", EnumSet.noneOf(Trait.class),
                    w -> a("signal", "send", peer().pid, "USR1"), w -> w.signalReceiver(10),
                    (w, r) -> {
                        peer().await(T);
                        assertThat(new String(peer().received(), StandardCharsets.UTF_8)).startsWith("10 0 ");
                    },
                    NO_CHECK),
            new Row("signal send --value", EnumSet.noneOf(Trait.class),
                    w -> a("signal", "send", peer().pid, "RTMIN+3", "--value", "-9"), w -> w.signalReceiver(37),
                    (w, r) -> {
                        peer().await(T);
                        assertThat(new String(peer().received(), StandardCharsets.UTF_8)).startsWith("37 -1 ").endsWith(" -9");
                    },
                    NO_CHECK),
            new Row("signal wait", EnumSet.of(Trait.PRINTS),
                    w -> a("signal", "wait", "USR1", "--timeout", "60s"), w -> w.signalSender(io.jipc.signal.Signal.SIGUSR1),
                    (w, r) -> assertThat(r.out()).isEqualTo("SIGUSR1\n"),
                    (w, r) -> assertThat(peer().acted).as("nothing was caught, so nothing sent").isFalse()),
            new Row("signal list", EnumSet.of(Trait.PRINTS),
                    w -> a("signal", "list"), CliEdgeCasesIT::nothing,
                    (w, r) -> assertThat(r.out()).contains("\n  9 SIGKILL      terminate no "), NO_CHECK),
            new Row("ls", EnumSet.of(Trait.PRINTS),
                    w -> a("ls", "--type", "sysv-msg,sem,shm", "--json"), CliEdgeCasesIT::nothing,
                    (w, r) -> assertThat(r.out()).contains("\"id\":" + w.msqid + ",", "\"name\":\"" + w.sem + "\"",
                            "\"name\":\"" + w.shm + "\""),
                    NO_CHECK),
            new Row("rm", EnumSet.noneOf(Trait.class),
                    w -> a("rm", "mq:" + w.mq, "sysv-msg:" + w.msqid, "sem:" + w.sem, "shm:" + w.shm, "sysv-shm:" + w.shmid,
                            "sysv-sem:" + w.semid, "fifo:" + w.fifo), CliEdgeCasesIT::nothing,
                    (w, r) -> {
                        assertThat(World.mqExists(w.mq)).isFalse();
                        assertThat(World.sysvExists(w.msqid)).isFalse();
                        assertThat(World.semExists(w.sem)).isFalse();
                        assertThat(World.shmExists(w.shm)).isFalse();
                        assertThat(World.sysvShmExists(w.shmid)).isFalse();
                        assertThat(World.semSetExists(w.semid)).isFalse();
                        assertThat(Files.exists(w.fifo, LinkOption.NOFOLLOW_LINKS)).isFalse();
                    },
                    (w, r) -> {
                        assertThat(World.mqExists(w.mq)).isTrue();
                        assertThat(World.sysvExists(w.msqid)).isTrue();
                        assertThat(World.semExists(w.sem)).isTrue();
                        assertThat(World.shmExists(w.shm)).isTrue();
                        assertThat(World.sysvShmExists(w.shmid)).isTrue();
                        assertThat(World.semSetExists(w.semid)).isTrue();
                        assertThat(w.fifo).exists();
                    }),
            new Row("tour", EnumSet.of(Trait.PRINTS),
                    w -> a("tour", "--only", "pipe,shm"), CliEdgeCasesIT::nothing,
                    (w, r) -> {
                        assertThat(r.out()).contains("2/2 shm: ", "Tour done: 2 mechanisms");
                        assertNoTourLeftovers();
                    },
                    (w, r) -> assertNoTourLeftovers()),
            new Row("completion", EnumSet.of(Trait.PRINTS),
                    w -> a("completion", "bash"), CliEdgeCasesIT::nothing,
                    (w, r) -> assertThat(r.out()).startsWith("#!/usr/bin/env bash"), NO_CHECK),
            new Row("help mq send", EnumSet.of(Trait.PRINTS),
                    w -> a("help", "mq", "send"), CliEdgeCasesIT::nothing,
                    (w, r) -> assertThat(r.out()).startsWith("Usage: jipc mq send "), NO_CHECK),
            new Row("--version", EnumSet.of(Trait.PRINTS),
                    w -> a("--version"), CliEdgeCasesIT::nothing,
                    (w, r) -> assertThat(r.out()).startsWith("jipc "), NO_CHECK));

    /**
     * Nothing in /dev/shm of a tour that has ended (the tour names its objects jipc-tour-PID-…);
     * a tour still running belongs to another run on this machine and is left to it.
     */
    private static void assertNoTourLeftovers() throws java.io.IOException {
        java.util.regex.Pattern tour = java.util.regex.Pattern.compile("jipc-tour-(\\d+)-");
        try (Stream<java.nio.file.Path> shm = Files.list(java.nio.file.Path.of("/dev/shm"))) {
            assertThat(shm.map(p -> p.getFileName().toString())).noneMatch(n -> {
                java.util.regex.Matcher m = tour.matcher(n);
                return m.find() && !ProcessHandle.of(Long.parseLong(m.group(1))).map(ProcessHandle::isAlive).orElse(false);
            });
        }
    }

    static Stream<Row> commands() {
        return COMMANDS.stream();
    }

    // ================================================================== running a row

    /** Runs a row once in a fresh world, with {@code setup} applied to the run; checks what every run must. */
    private static void runRow(Row row, String tag, java.util.function.UnaryOperator<Shell.Run> setup, Expect expect)
            throws Exception {
        try (World w = new World(tag, 0600)) {
            peer = null;
            Object arranged = row.arrange().arrange(w);
            peer = arranged instanceof World.Counterpart c ? c : null;
            Shell.Run run = setup.apply(new Shell.Run(row.args().args(w)).stdin(World.DATA));
            Shell.Result r = Shell.run(run, T);
            assertOnlyJipcLines(run, r);
            expect.check(row, w, run, r);
        }
    }

    interface Expect {
        void check(Row row, World w, Shell.Run run, Shell.Result r) throws Exception;
    }

    /** Exit 0 and the row's effect. */
    private static final Expect SUCCEEDS = (row, w, run, r) -> {
        assertThat(r.status()).as(run + "\n" + r.stderr()).isZero();
        row.done().check(w, r);
    };

    /** cli.md's line first, exit 3, nothing done. */
    private static Expect failsWith(String firstLine) {
        return (row, w, run, r) -> {
            assertThat(r.status()).as(run + "\n" + r.stderr()).isEqualTo(ExitCodes.SYSTEM);
            assertThat(r.errLines()).as(run.toString()).isNotEmpty();
            assertThat(r.errLines().get(0)).as(run.toString()).isEqualTo(firstLine);
            row.untouched().check(w, r);
        };
    }

    /** Every line on standard error is jipc's own: no stack trace, no JVM or launcher noise. */
    private static void assertOnlyJipcLines(Shell.Run run, Shell.Result r) {
        for (String line : r.errLines()) {
            // ("ready PID" is jipc signal wait's, as cli.md says.)
            assertThat(line).as(run + ": stderr line").matches("jipc: .*|Try 'jipc.*|ready \\d+");
        }
    }

    // ================================================================== standard input

    @ParameterizedTest(name = "{0}")
    @MethodSource("commands")
    void stdinClosed(Row row) throws Exception {
        runRow(row, "", run -> run.stdin(Shell.Stream.CLOSED), row.has(Trait.STDIN)
                ? failsWith("jipc: read(stdin): Bad file descriptor (EBADF)")
                : SUCCEEDS);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("commands")
    void stdinFromDevNull(Row row) throws Exception {
        runRow(row, "", run -> run.stdin(Shell.Stream.DEV_NULL), row.has(Trait.STDIN)
                ? (r0, w, run, r) -> {
                    assertThat(r.status()).as(run + "\n" + r.stderr()).isZero();
                    assertEmptyDataArrived(row, w);
                }
                : SUCCEEDS);
    }

    /** From /dev/null, a send sends empty DATA: an empty message, datagram or write. */
    private static void assertEmptyDataArrived(Row row, World w) throws Exception {
        switch (row.name().split(" ")[0]) {
            case "mq" -> assertThat(w.drainMq()).containsExactly(new PosixMessage(0, new byte[0]));
            case "sysv-msg" -> assertThat(w.drainSysv()).containsExactly(new SysVMessage(7, new byte[0]));
            case "sock" -> assertThat(w.serverReceived()).as("one empty datagram").isEqualTo(new byte[0]);
            case "shm" -> assertThat(w.shmBytes()).as("nothing written").containsOnly(0);
            case "sysv-shm" -> assertThat(w.sysvShmBytes()).as("nothing written").containsOnly(0);
            case "fifo" -> {
                peer().await(T);
                assertThat(peer().received()).isEmpty();
            }
            default -> throw new AssertionError("no empty-DATA check for " + row);
        }
    }

    // ================================================================== standard output

    @ParameterizedTest(name = "{0}")
    @MethodSource("commands")
    void stdoutDevFull(Row row) throws Exception {
        runRow(row, "", run -> run.stdout(Shell.Stream.DEV_FULL), row.has(Trait.PRINTS)
                ? failsWith("jipc: write(stdout): No space left on device (ENOSPC)")
                : SUCCEEDS);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("commands")
    void stdoutClosed(Row row) throws Exception {
        runRow(row, "", run -> run.stdout(Shell.Stream.CLOSED), row.has(Trait.PRINTS)
                ? failsWith("jipc: write(stdout): Bad file descriptor (EBADF)")
                : SUCCEEDS);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("commands")
    void stdoutAPipeWhoseReaderIsGone(Row row) throws Exception {
        runRow(row, "", run -> run.stdout(Shell.Stream.BROKEN_PIPE), row.has(Trait.PRINTS)
                ? failsWith("jipc: write(stdout): Broken pipe (EPIPE)")
                : SUCCEEDS);
    }

    /**
     * The reader leaves after the first bytes (as {@code jipc fifo read F | head -c1} does): what
     * was read already is gone, and jipc says so, with EPIPE, exit 3.
     */
    @Test
    void aReaderThatLeavesMidStreamGetsEpipeAndTheCountOfWhatWasLost() throws Exception {
        try (World w = new World("", 0600)) {
            // Standard output a pipe to this test: read one byte, close it, then write more into the FIFO.
            ProcessBuilder pb = new ProcessBuilder("bash", "-c", "exec " + Shell.quote(LauncherIT.LAUNCHER.toString()
                    .getBytes(StandardCharsets.UTF_8)) + " fifo read " + Shell.quote(w.fifo.toString()
                    .getBytes(StandardCharsets.UTF_8)));
            Process p = pb.start();
            try (World.Counterpart writer = w.new Counterpart("fifo-writer", self -> {
                var end = io.jipc.pipe.Fifo.tryOpenForWriting(w.fifo, Duration.ofSeconds(60)).orElseThrow();
                try (end) {
                    end.write("a".getBytes(StandardCharsets.UTF_8));
                    while (!self.acted.get()) {
                        Thread.sleep(10);
                    }
                    end.write("lost".getBytes(StandardCharsets.UTF_8));
                }
            })) {
                assertThat(p.getInputStream().read()).isEqualTo('a');
                p.getInputStream().close();
                writer.acted.set(true);
                writer.await(T);
                assertThat(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(p.exitValue()).as(err).isEqualTo(ExitCodes.SYSTEM);
                assertThat(err.lines().filter(l -> !l.contains("building the command line")).toList()).containsExactly(
                        "jipc: write(stdout): Broken pipe (EPIPE)",
                        "jipc: taken but not written, so lost: 4 bytes read from " + w.fifo);
            } finally {
                p.destroyForcibly();
                p.waitFor();
                p.getOutputStream().close();
            }
        }
    }

    // ================================================================== locale

    /**
     * Under LC_ALL=C every name and path carries a non-ASCII part and DATA a byte that is not
     * UTF-8: everything arrives byte for byte (names as UTF-8, DATA as given).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("commands")
    void nonAsciiNamesAndDataUnderTheCLocale(Row row) throws Exception {
        runRow(row, "-\u00e9\u00df", run -> run.env("LC_ALL", "C").env("LANG", "C"), SUCCEEDS);
    }

    @Test
    void aNameThatIsNotUtf8IsRefusedNotAltered() throws Exception {
        try (World w = new World("", 0600)) {
            byte[] name = World.concat(w.newMq.getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0xe9});
            Shell.Result r = Shell.run(new Shell.Run(a("mq", "create", name)).env("LC_ALL", "C"), T);
            assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
            assertThat(r.errLines().get(0)).isEqualTo("jipc: argument '" + w.newMq + "\\xe9' is not UTF-8: jipc takes"
                    + " names and paths as UTF-8 and would not reach the same name (DATA may be any bytes)");
            assertThat(World.mqExists(w.newMq + "\ufffd")).isFalse();
            byte[] path = World.concat(w.newFifo.toString().getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0xe9});
            r = Shell.run(new Shell.Run(a("fifo", "create", path)).env("LC_ALL", "C"), T);
            assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
            try (var entries = Files.list(w.dir)) {
                assertThat(entries.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("fifo", "server", "lock");
            }
        }
    }

    // ================================================================== signals

    /**
     * A command that can block: how to make it block, and what must hold after a signal ended it.
     *
     * @param after checked once the command has exited 128+N
     */
    record Blocking(String name, Args args, Arrange arrange, boolean holdStdin, Check after) {
        @Override
        public String toString() {
            return name;
        }
    }

    static final List<Blocking> BLOCKING = List.of(
            new Blocking("sock listen, no client", w -> a("sock", "listen", w.sock.toString()), CliEdgeCasesIT::nothing,
                    false, (w, r) -> assertThat(Files.exists(w.sock, LinkOption.NOFOLLOW_LINKS))
                            .as("the socket file it promised to remove").isFalse()),
            new Blocking("mq receive, empty queue", w -> a("mq", "receive", w.mq), CliEdgeCasesIT::nothing, false,
                    (w, r) -> assertThat(w.drainMq()).isEmpty()),
            new Blocking("mq send, full queue", w -> a("mq", "send", w.mq, "fifth"), w -> {
                for (int i = 0; i < 4; i++) {
                    w.putMq(new byte[] {(byte) i}, 0);
                }
                return null;
            }, false, (w, r) -> assertThat(w.drainMq()).hasSize(4)),
            new Blocking("mq send, standard input open and silent", w -> a("mq", "send", w.mq), CliEdgeCasesIT::nothing,
                    true, (w, r) -> assertThat(w.drainMq()).as("nothing sent").isEmpty()),
            new Blocking("shm write, standard input open and silent", w -> a("shm", "write", w.shm), CliEdgeCasesIT::nothing,
                    true, (w, r) -> assertThat(w.shmBytes()).as("nothing written").containsOnly(0)),
            new Blocking("sysv-msg receive, empty queue", w -> a("sysv-msg", "receive", "--id", w.msqid),
                    CliEdgeCasesIT::nothing, false, (w, r) -> assertThat(w.drainSysv()).isEmpty()),
            new Blocking("sysv-msg send, full queue", w -> a("sysv-msg", "send", "--id", w.msqid, "--type", "1", "more"),
                    w -> {
                        w.limitSysv(4);
                        w.putSysv(new byte[] {1, 2, 3, 4}, 1);
                        return null;
                    }, false, (w, r) -> assertThat(w.drainSysv()).hasSize(1)),
            new Blocking("lock, held by another", w -> a("lock", w.lockFile.toString(), "--", "touch",
                    w.newLockFile.toString()), World::lockHolder, false,
                    (w, r) -> assertThat(w.newLockFile).as("the command never ran").doesNotExist()),
            new Blocking("sem wait, value 0", w -> a("sem", "wait", w.sem), CliEdgeCasesIT::nothing, false,
                    (w, r) -> assertThat(w.semValue()).isZero()),
            new Blocking("sysv-sem op, cannot proceed", w -> a("sysv-sem", "op", "--id", w.semid, "0:-1", "1:-1"),
                    CliEdgeCasesIT::nothing, false, (w, r) -> assertThat(w.semValues()).as("nothing applied")
                            .containsExactly(1, 0)),
            new Blocking("signal wait, no signal comes", w -> a("signal", "wait", "USR1", "RTMIN+4"), CliEdgeCasesIT::nothing,
                    false, NO_CHECK),
            new Blocking("fifo read, no writer", w -> a("fifo", "read", w.fifo.toString()), CliEdgeCasesIT::nothing,
                    false, NO_CHECK),
            new Blocking("fifo write, no reader", w -> a("fifo", "write", w.fifo.toString(), "x"), CliEdgeCasesIT::nothing,
                    false, NO_CHECK));

    /**
     * Each blocking command with one of the three signals in turn (the JVM treats them alike), and
     * the command that promised a removal with all three.
     */
    static Stream<Arguments> blockedAndSignalled() {
        String[][] signals = {{"INT", "2"}, {"TERM", "15"}, {"HUP", "1"}};
        List<Arguments> all = new ArrayList<>();
        for (int i = 0; i < BLOCKING.size(); i++) {
            for (int s = 0; s < signals.length; s++) {
                if (i == 0 || s == i % signals.length) {
                    all.add(Arguments.of(BLOCKING.get(i), signals[s][0], Integer.parseInt(signals[s][1])));
                }
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0}: SIG{1}")
    @MethodSource("blockedAndSignalled")
    void aSignalWhileBlockedEndsWith128PlusNAndLeavesNothing(Blocking b, String signal, int number) throws Exception {
        try (World w = new World("", 0600)) {
            b.arrange().arrange(w);
            Shell.Run run = new Shell.Run(b.args().args(w)).signalsAtDefault();
            if (b.holdStdin()) {
                run.stdin(Shell.Stream.HELD_OPEN);
            }
            try (Shell.Started s = Shell.start(run)) {
                s.awaitIdle(T);
                s.signal(signal);
                Shell.Result r = s.await(T);
                assertThat(r.status()).as(run + "\n" + r.stderr()).isEqualTo(128 + number);
                // Quiet: no error line, and not the warning of a command that did not unwind in time.
                assertThat(r.errLines().stream().filter(l -> !l.matches("ready \\d+")))
                        .as("a signal ends the run quietly, the command unwound").isEmpty();
                b.after().check(w, r);
            }
        }
    }

    // ================================================================== permissions and modes

    /**
     * A command run as uid 65534 against objects the test (root) made with mode 0622 (others
     * may write, not read) — or 0600 for the FIFO and the socket, which others may not use.
     */
    record Permission(String name, Args args, int status, Check after) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Permission> permissionRows() {
        return Stream.of(
                new Permission("sysv-msg send --id to a queue it may only write",
                        w -> a("sysv-msg", "send", "--id", w.msqid, "--type", "2", World.DATA), 0,
                        (w, r) -> assertThat(w.drainSysv()).containsExactly(new SysVMessage(2, World.DATA))),
                new Permission("sysv-msg send --key to a queue it may only write",
                        w -> a("sysv-msg", "send", "--key", Converters.formatKey(w.key), "--type", "2", World.DATA), 0,
                        (w, r) -> assertThat(w.drainSysv()).containsExactly(new SysVMessage(2, World.DATA))),
                new Permission("sysv-msg receive from a queue it may not read",
                        w -> a("sysv-msg", "receive", "--id", w.msqid, "--nonblock"), ExitCodes.SYSTEM,
                        (w, r) -> assertThat(r.errLines().get(0)).isEqualTo("jipc: msgrcv(msqid " + w.msqid
                                + "): Permission denied (EACCES)")),
                new Permission("mq send to a queue it may only write",
                        w -> a("mq", "send", w.mq, World.DATA), 0,
                        (w, r) -> assertThat(w.drainMq()).containsExactly(new PosixMessage(0, World.DATA))),
                new Permission("mq receive from a queue it may not read",
                        w -> a("mq", "receive", w.mq), ExitCodes.SYSTEM,
                        (w, r) -> assertThat(r.errLines().get(0)).isEqualTo("jipc: mq_open(" + w.mq
                                + "): Permission denied (EACCES)")),
                new Permission("fifo write to a FIFO of another user",
                        w -> a("fifo", "write", w.fifo.toString(), "x", "--nonblock"), ExitCodes.SYSTEM,
                        (w, r) -> assertThat(r.errLines().get(0)).isEqualTo("jipc: open(" + w.fifo
                                + "): Permission denied (EACCES)")),
                new Permission("sock send to a socket of another user",
                        w -> a("sock", "send", w.server.toString(), "x", "--type", "dgram"), ExitCodes.SYSTEM,
                        (w, r) -> {
                            assertThat(r.errLines().get(0)).matches("jipc: (connect|sendto|sendmsg)\\(" + w.server
                                    + "\\): Permission denied \\(EACCES\\)");
                            assertThat(w.serverReceived()).isNull();
                        }),
                new Permission("lock a file it may not open",
                        w -> a("lock", w.lockFile.toString(), "--", "touch", w.newLockFile.toString()), ExitCodes.SYSTEM,
                        (w, r) -> {
                            assertThat(r.errLines().get(0)).isEqualTo("jipc: open(" + w.lockFile
                                    + "): Permission denied (EACCES)");
                            assertThat(w.newLockFile).as("the command never ran").doesNotExist();
                        }),
                new Permission("sem post to a semaphore it may only write",
                        w -> a("sem", "post", w.sem), ExitCodes.SYSTEM,
                        (w, r) -> {
                            assertThat(r.errLines().get(0)).isEqualTo("jipc: sem_open(" + w.sem + "): Permission denied (EACCES)");
                            assertThat(w.semValue()).isZero();
                        }),
                new Permission("sysv-sem op on a set it may only write",
                        w -> a("sysv-sem", "op", "--key", Converters.formatKey(w.semKey), "0:-1", "1:+1"), 0,
                        (w, r) -> assertThat(w.semValues()).containsExactly(0, 1)),
                new Permission("sysv-sem values of a set it may not read",
                        w -> a("sysv-sem", "values", "--key", Converters.formatKey(w.semKey)), ExitCodes.SYSTEM,
                        (w, r) -> assertThat(r.errLines().get(0)).startsWith("jipc: semctl(semid " + w.semid + ", ")
                                .endsWith("Permission denied (EACCES)")),
                new Permission("signal send to a process of another user",
                        w -> a("signal", "send", "1", "USR1"), ExitCodes.SYSTEM,
                        (w, r) -> assertThat(r.errLines().get(0)).isEqualTo("jipc: kill(1): Operation not permitted (EPERM)")),
                new Permission("ls another user's objects it may not read",
                        w -> a("ls", "--type", "sysv-msg,sem", "--json"), 0,
                        (w, r) -> assertThat(r.out()).contains("\"id\":" + w.msqid + ",", "\"name\":\"" + w.sem + "\"")),
                new Permission("rm another user's objects",
                        w -> a("rm", "sysv-msg:" + w.msqid, "mq:" + w.mq), ExitCodes.SYSTEM,
                        (w, r) -> {
                            assertThat(r.errLines()).containsExactly(
                                    "jipc: msgctl(msqid " + w.msqid + ", IPC_RMID): Operation not permitted (EPERM)",
                                    "jipc: only the queue's owner or creator (or a privileged process) may remove it",
                                    "jipc: mq_unlink(" + w.mq + "): Permission denied (EACCES)");
                            assertThat(World.sysvExists(w.msqid)).isTrue();
                            assertThat(World.mqExists(w.mq)).isTrue();
                        }),
                new Permission("sem create --mode 0666 under umask 022",
                        w -> a("sem", "create", w.newSem, "--mode", "0666"), 0,
                        (w, r) -> assertThat(World.semMode(w.newSem)).isEqualTo(0666)),
                new Permission("sysv-sem create --mode 0666",
                        w -> a("sysv-sem", "create", "--key", Converters.formatKey(w.newSemKey), "--count", "1",
                                "--mode", "0666"), 0,
                        (w, r) -> assertThat(World.semSetMode(World.semSetId(w.newSemKey))).isEqualTo(0666)),
                new Permission("shm write to an object it may only write (mapping needs read too)",
                        w -> a("shm", "write", w.shm, World.DATA), ExitCodes.SYSTEM,
                        (w, r) -> {
                            assertThat(r.errLines().get(0)).isEqualTo("jipc: shm_open(" + w.shm
                                    + "): Permission denied (EACCES)");
                            assertThat(w.shmBytes()).containsOnly(0);
                        }),
                new Permission("shm read from an object it may not read",
                        w -> a("shm", "read", w.shm), ExitCodes.SYSTEM,
                        (w, r) -> assertThat(r.errLines().get(0)).isEqualTo("jipc: shm_open(" + w.shm
                                + "): Permission denied (EACCES)")),
                new Permission("sysv-shm write to a segment it may only write (attaching needs read too)",
                        w -> a("sysv-shm", "write", "--id", w.shmid, World.DATA), ExitCodes.SYSTEM,
                        (w, r) -> {
                            assertThat(r.errLines().get(0)).isEqualTo("jipc: shmctl(shmid " + w.shmid
                                    + ", IPC_STAT): Permission denied (EACCES)");
                            assertThat(w.sysvShmBytes()).containsOnly(0);
                        }),
                new Permission("shm create --mode 0666 under umask 022",
                        w -> a("shm", "create", w.newShm, "--size", "10", "--mode", "0666"), 0,
                        (w, r) -> assertThat(World.shmMode(w.newShm)).isEqualTo(0666)),
                new Permission("sysv-shm create --mode 0666",
                        w -> a("sysv-shm", "create", "--key", Converters.formatKey(w.newShmKey), "--size", "10", "--mode", "0666"), 0,
                        (w, r) -> assertThat(World.sysvShmMode(World.sysvShmId(w.newShmKey))).isEqualTo(0666)),
                new Permission("mq create --mode 0666 under umask 022",
                        w -> a("mq", "create", w.newMq, "--mode", "0666"), 0,
                        (w, r) -> assertThat(World.mqMode(w.newMq)).isEqualTo(0666)),
                new Permission("fifo create --mode 0666 under umask 022",
                        w -> a("fifo", "create", w.newFifo.toString(), "--mode", "0666"), 0,
                        (w, r) -> assertThat(World.fileMode(w.newFifo)).isEqualTo(0666)),
                new Permission("sysv-msg create --mode 0666",
                        w -> a("sysv-msg", "create", "--key", Converters.formatKey(w.newKey), "--mode", "0666"), 0,
                        (w, r) -> assertThat(World.sysvMode(World.sysvId(w.newKey))).isEqualTo(0666)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("permissionRows")
    void asAnUnprivilegedUser(Permission p) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(io.jipc.internal.libc.Unistd.getuid() == 0,
                "needs root to run jipc as uid 65534 (setpriv)");
        try (World w = new World("", 0622)) {
            Files.setPosixFilePermissions(w.fifo, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            Files.setPosixFilePermissions(w.server, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            Shell.Run run = new Shell.Run(p.args().args(w)).asNobody();
            Shell.Result r = Shell.run(run, T);
            assertOnlyJipcLines(run, r);
            assertThat(r.status()).as(run + "\n" + r.stderr()).isEqualTo(p.status());
            p.after().check(w, r);
        }
    }

    /**
     * An owner-only mode is looked at after shm_open and set only where the umask narrowed it: a
     * umask that masks the owner's own bits (0277) still gets the mode asked for.
     */
    @Test
    void anOwnerOnlyShmModeIsExactUnderAUmaskThatNarrowsTheOwner() throws Exception {
        try (World w = new World("", 0600)) {
            Shell.Result r = Shell.run(new Shell.Run(a("shm", "create", w.newShm, "--size", "10", "--mode", "0600"))
                    .umask("277"), T);
            assertThat(r.status()).as(r.stderr()).isZero();
            assertThat(World.shmMode(w.newShm)).isEqualTo(0600);
        }
    }

    /** Under umask 077 (which would leave the owner alone), every object jipc creates still gets the mode asked for. */
    @Test
    void modesAreExactWhateverTheUmask() throws Exception {
        try (World w = new World("", 0600)) {
            for (List<Object> args : List.of(
                    a("mq", "create", w.newMq, "--mode", "0644"),
                    a("fifo", "create", w.newFifo.toString(), "--mode", "0644"),
                    a("sysv-msg", "create", "--key", Converters.formatKey(w.newKey), "--mode", "0644"),
                    a("sem", "create", w.newSem, "--mode", "0644"),
                    a("sysv-sem", "create", "--key", Converters.formatKey(w.newSemKey), "--count", "1", "--mode", "0644"),
                    a("shm", "create", w.newShm, "--size", "10", "--mode", "0644"),
                    a("sysv-shm", "create", "--key", Converters.formatKey(w.newShmKey), "--size", "10", "--mode", "0644"))) {
                Shell.Result r = Shell.run(new Shell.Run(args).umask("077"), T);
                assertThat(r.status()).as(args + "\n" + r.stderr()).isZero();
            }
            assertThat(World.mqMode(w.newMq)).isEqualTo(0644);
            assertThat(World.fileMode(w.newFifo)).isEqualTo(0644);
            assertThat(World.sysvMode(World.sysvId(w.newKey))).isEqualTo(0644);
            assertThat(World.semMode(w.newSem)).isEqualTo(0644);
            assertThat(World.semSetMode(World.semSetId(w.newSemKey))).isEqualTo(0644);
            assertThat(World.shmMode(w.newShm)).isEqualTo(0644);
            assertThat(World.sysvShmMode(World.sysvShmId(w.newShmKey))).isEqualTo(0644);
            try (World.Counterpart client = w.sockClient(new byte[] {1});
                    Shell.Started listen = Shell.start(new Shell.Run(a("sock", "listen", w.sock.toString(), "--mode", "0644",
                            "--keep")).umask("077"))) {
                client.await(T);
                assertThat(listen.await(T).status()).isZero();
                assertThat(World.fileMode(w.sock)).isEqualTo(0644);
            }
        }
    }
}
