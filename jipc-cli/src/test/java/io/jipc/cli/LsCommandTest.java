package io.jipc.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.IpcKey;
import io.jipc.NotFoundException;
import io.jipc.pipe.Fifo;
import io.jipc.sem.PosixSemaphore;
import io.jipc.shm.SharedMemory;
import io.jipc.shm.SysVSharedMemory;
import io.jipc.testing.CPeer;
import io.jipc.testing.Peer;
import io.jipc.testing.TestIpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jipc ls} and {@code jipc rm} against objects a C program made, and their exit codes. */
class LsCommandTest {
    private static final Duration T = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private static List<Map<String, Object>> json(CliRun r) {
        return r.stdout().lines().map(Json::object).toList();
    }

    @Test
    void aCProgramsObjectsAreListedLiveThenStaleThenRemoved() throws Exception {
        String name = TestIpc.name("ls");
        int key = TestIpc.key();
        TestIpc.key();
        TestIpc.key();
        try (Peer peer = Peer.start("inventory", List.of(CPeer.compile("inventory_peer").toString(), name,
                Integer.toString(key), "hold"))) {
            peer.awaitOutput("ready", T);
            Matcher m = Pattern.compile("ids (\\d+) (\\d+) (\\d+)").matcher(peer.stdout());
            assertThat(m.find()).isTrue();
            String msqid = m.group(1);
            String shmid = m.group(2);
            String semid = m.group(3);
            try {
                CliRun r = CliRun.run("ls", "--type", "shm,sysv-msg,sysv-shm,sysv-sem,socket", "--json");
                assertThat(r.status()).as(r.stderr()).isZero();
                Map<String, Object> shm = json(r).stream().filter(o -> (name + "-shm").equals(o.get("name"))).findFirst()
                        .orElseThrow();
                assertThat(shm).containsEntry("type", "shm").containsEntry("mode", "0640").containsEntry("size", 4096L)
                        .containsEntry("stale", false);
                assertThat((List<?>) shm.get("processes")).singleElement()
                        .isEqualTo(Map.of("role", "user", "pid", peer.pid(), "command", "inventory_peer", "alive", true));
                Map<String, Object> msg = json(r).stream().filter(o -> "sysv-msg".equals(o.get("type"))
                        && Long.valueOf(msqid).equals(o.get("id"))).findFirst().orElseThrow();
                assertThat(msg).containsEntry("key", Converters.formatKey(key)).containsEntry("messages", 1L)
                        .containsEntry("bytes", 5L).containsEntry("mode", "0600").containsEntry("stale", false);
                assertThat(json(r)).anySatisfy(o -> assertThat(o).containsEntry("type", "socket")
                        .containsEntry("name", "@" + name.substring(1) + "-sock").containsEntry("state", "listening"));

                CliRun table = CliRun.run("ls", "--type", "sysv-shm");
                assertThat(table.stdout().lines().findFirst().orElseThrow()).startsWith("TYPE").contains("OBJECT", "KEY",
                        "OWNER", "MODE", "SIZE", "DETAIL", "PROCESSES");
                assertThat(table.stdout()).containsPattern("sysv-shm +" + shmid + " +" + Converters.formatKey(key + 1)
                        + " +root +0600 +100 +attached=1 +creator=" + peer.pid() + "\\(inventory_peer\\)");
                assertThat(CliRun.run("ls", "--stale", "--type", "shm,sysv-shm").stdout()).doesNotContain(name + "-shm")
                        .doesNotContain(" " + shmid + " ");

                peer.process().getOutputStream().close();
                assertThat(peer.awaitExit(T)).isZero();
                CliRun stale = CliRun.run("ls", "--stale", "--type", "shm,sem,sysv-msg,sysv-shm,sysv-sem");
                assertThat(stale.stdout()).contains(name + "-shm", name + "-sem").containsPattern("sysv-msg +" + msqid + " ")
                        .containsPattern("sysv-shm +" + shmid + " .*STALE attached=0 .*creator=" + peer.pid() + "\\(dead\\)")
                        .containsPattern("sysv-sem +" + semid + " ");

                Path fifo = dir.resolve("f");
                Fifo.createExclusively(fifo);
                CliRun rm = CliRun.run("rm", "-v", "shm:" + name + "-shm", "sem:" + name + "-sem", "sysv-msg:" + msqid,
                        "sysv-shm:" + shmid, "sysv-sem:" + semid, "fifo:" + fifo);
                assertThat(rm.status()).as(rm.stderr()).isZero();
                assertThat(rm.stdout().lines()).hasSize(6).allMatch(l -> l.startsWith("removed "));
                assertThat(fifo).doesNotExist();
                assertThat(CliRun.run("ls", "--type", "shm,sem,sysv-msg,sysv-shm,sysv-sem").stdout())
                        .doesNotContain(name).doesNotContainPattern(" (" + msqid + "|" + shmid + "|" + semid + ") ");
            } finally {
                CliRun.run("rm", "shm:" + name + "-shm", "sem:" + name + "-sem", "sysv-msg:" + msqid, "sysv-shm:" + shmid,
                        "sysv-sem:" + semid);
            }
        }
    }

    @Test
    void aMissingObjectIsASystemErrorWithEnoentAndTheOthersAreStillRemoved() throws Exception {
        String present = TestIpc.name("rm-present");
        String missing = TestIpc.name("rm-missing");
        PosixSemaphore.createExclusively(present).close();
        Path file = Files.createFile(dir.resolve("plain"));
        CliRun r = CliRun.run("rm", "shm:" + missing, "sem:" + present, "sysv-msg:2147483646", "fifo:" + dir.resolve("none"),
                "fifo:" + file);
        assertThat(r.status()).isEqualTo(ExitCodes.SYSTEM);
        assertThat(r.stderr().lines().toList()).containsExactly(
                "jipc: shm_unlink(" + missing + "): No such file or directory (ENOENT)",
                "jipc: msgctl(msqid 2147483646, IPC_RMID): No such file or directory (ENOENT)",
                "jipc: nothing on the system has msqid 2147483646",
                "jipc: stat(" + dir.resolve("none") + "): No such file or directory (ENOENT)",
                "jipc: stat(" + file + "): Invalid argument (EINVAL)",
                "jipc: is a regular file, not a FIFO");
        assertThat(file).exists();
        try {
            PosixSemaphore.openExisting(present).close();
            throw new AssertionError("sem:" + present + " was not removed");
        } catch (NotFoundException removed) {
            // removed, the failures around it notwithstanding
        }
    }

    @Test
    void aBadObjectIsAUsageErrorAndNothingIsRemoved() throws Exception {
        String name = TestIpc.name("rm-kept");
        SharedMemory.createExclusively(name, 10).close();
        try {
            for (String bad : List.of("jobs", "mq:jobs", "sysv-msg:x", "socket:/tmp/s", "bogus:1")) {
                CliRun r = CliRun.run("rm", "shm:" + name, bad);
                assertThat(r.status()).as(bad).isEqualTo(ExitCodes.USAGE);
                assertThat(r.stderr()).as(bad).startsWith("jipc: ").doesNotContain("Exception");
                SharedMemory.openExisting(name).close();
            }
            assertThat(CliRun.run("rm").status()).isEqualTo(ExitCodes.USAGE);
            assertThat(CliRun.run("ls", "--type", "fifo").status()).isEqualTo(ExitCodes.USAGE);
            assertThat(CliRun.run("ls", "--type", "queue").status()).isEqualTo(ExitCodes.USAGE);
        } finally {
            SharedMemory.unlink(name);
        }
    }

    @Test
    void aSegmentThisJvmHoldsIsNotStale() throws Exception {
        try (SysVSharedMemory seg = SysVSharedMemory.createExclusively(IpcKey.of(TestIpc.key()), 10)) {
            try {
                CliRun r = CliRun.run("ls", "--type", "sysv-shm", "--json");
                assertThat(json(r)).anySatisfy(o -> assertThat(o).containsEntry("id", (long) seg.id()).containsEntry("stale", false));
                assertThat(json(CliRun.run("ls", "--type", "sysv-shm", "--json", "--stale")))
                        .noneMatch(o -> Long.valueOf(seg.id()).equals(o.get("id")));
            } finally {
                seg.remove();
            }
        }
    }
}
