package io.jipc.inspect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jipc.IpcException;
import io.jipc.IpcKey;
import io.jipc.NotFoundException;
import io.jipc.internal.libc.Unistd;
import io.jipc.mq.PosixMessageQueue;
import io.jipc.shm.Mapping;
import io.jipc.shm.SharedMemory;
import io.jipc.shm.SysVSharedMemory;
import io.jipc.testing.CPeer;
import io.jipc.testing.Peer;
import io.jipc.testing.TestIpc;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The inventory against objects a C program and this JVM made: what is listed, who uses it, what is stale, removal. */
class InventoryTest {
    private static final Duration T = Duration.ofSeconds(60);
    private static final EnumSet<ObjectType> ALL = EnumSet.complementOf(EnumSet.of(ObjectType.FIFO));

    private static Optional<IpcObject> find(List<IpcObject> all, ObjectType type, String name, long id) {
        return all.stream().filter(o -> o.type() == type
                && (name != null ? o.name().equals(Optional.of(name)) : o.id().isPresent() && o.id().getAsLong() == id))
                .findFirst();
    }

    @Test
    void objectsOfACProgramAreListedWithTheirUsersThenStaleOnceItExitedAndRemoved() throws Exception {
        String name = TestIpc.name("inv");
        int key = TestIpc.key();
        TestIpc.key();
        TestIpc.key();
        Peer peer = Peer.start("inventory", List.of(CPeer.compile("inventory_peer").toString(), name,
                Integer.toString(key), "hold"));
        int msqid;
        int shmid;
        int semid;
        try {
            peer.awaitOutput("ready", T);
            Matcher m = Pattern.compile("ids (\\d+) (\\d+) (\\d+)").matcher(peer.stdout());
            assertThat(m.find()).as(peer.stdout()).isTrue();
            msqid = Integer.parseInt(m.group(1));
            shmid = Integer.parseInt(m.group(2));
            semid = Integer.parseInt(m.group(3));
            long pid = peer.pid();
            int uid = Unistd.getuid();

            List<IpcObject> all = Inventory.list(ALL).objects();
            IpcObject shm = find(all, ObjectType.SHM, name + "-shm", 0).orElseThrow();
            assertThat(shm.ownerUid().getAsInt()).isEqualTo(uid);
            assertThat(shm.mode().getAsInt()).isEqualTo(0640);
            assertThat(shm.size().getAsLong()).isEqualTo(4096);
            assertThat(shm.processes()).extracting(ProcessRef::pid).contains(pid);
            assertThat(shm.stale()).isFalse();
            assertThat(shm.reference()).contains("shm:" + name + "-shm");

            IpcObject sem = find(all, ObjectType.SEM, name + "-sem", 0).orElseThrow();
            assertThat(sem.counts()).containsEntry("value", 2L);
            assertThat(sem.mode().getAsInt()).isEqualTo(0600);
            assertThat(sem.stale()).as("nobody has it mapped, and the kernel names no creator").isTrue();

            IpcObject msg = find(all, ObjectType.SYSV_MSG, null, msqid).orElseThrow();
            assertThat(msg.key()).contains(IpcKey.of(key));
            assertThat(msg.counts()).containsEntry("messages", 1L).containsEntry("bytes", 5L);
            assertThat(msg.processes()).containsExactly(new ProcessRef("last_send", pid, Optional.of("inventory_peer"), true));
            assertThat(msg.stale()).isFalse();

            IpcObject seg = find(all, ObjectType.SYSV_SHM, null, shmid).orElseThrow();
            assertThat(seg.size().getAsLong()).isEqualTo(100);
            assertThat(seg.counts()).containsEntry("attached", 1L);
            assertThat(seg.processes()).extracting(ProcessRef::role, ProcessRef::pid)
                    .contains(org.assertj.core.groups.Tuple.tuple("creator", pid), org.assertj.core.groups.Tuple.tuple("user", pid));
            assertThat(seg.stale()).isFalse();

            IpcObject set = find(all, ObjectType.SYSV_SEM, null, semid).orElseThrow();
            assertThat(set.counts()).containsEntry("semaphores", 3L);
            assertThat(set.processes()).extracting(ProcessRef::pid).containsExactly(pid);
            assertThat(set.stale()).isFalse();

            IpcObject sock = find(all, ObjectType.SOCKET, "@" + name.substring(1) + "-sock", 0).orElseThrow();
            assertThat(sock.labels()).containsEntry("socket_type", "stream").containsEntry("state", "listening");
            assertThat(sock.processes()).extracting(ProcessRef::pid).containsExactly(pid);
            assertThat(sock.reference()).isEmpty();

            peer.process().getOutputStream().close();
            assertThat(peer.awaitExit(T)).isZero();

            List<IpcObject> after = Inventory.list(ALL).objects();
            for (IpcObject o : List.of(find(after, ObjectType.SHM, name + "-shm", 0).orElseThrow(),
                    find(after, ObjectType.SEM, name + "-sem", 0).orElseThrow(),
                    find(after, ObjectType.SYSV_MSG, null, msqid).orElseThrow(),
                    find(after, ObjectType.SYSV_SHM, null, shmid).orElseThrow(),
                    find(after, ObjectType.SYSV_SEM, null, semid).orElseThrow())) {
                assertThat(o.stale()).as(o.toString()).isTrue();
                assertThat(o.processes()).as(o.toString()).allMatch(p -> !p.alive());
            }
            assertThat(find(after, ObjectType.SOCKET, "@" + name.substring(1) + "-sock", 0)).as("went with its holder").isEmpty();

            List<String> refs = List.of("shm:" + name + "-shm", "sem:" + name + "-sem", "sysv-msg:" + msqid,
                    "sysv-shm:" + shmid, "sysv-sem:" + semid);
            for (String ref : refs) {
                Inventory.remove(ObjectRef.parse(ref));
            }
            List<IpcObject> gone = Inventory.list(ALL).objects();
            assertThat(gone).noneMatch(o -> o.reference().filter(refs::contains).isPresent());
            for (String ref : refs) {
                assertThatThrownBy(() -> Inventory.remove(ObjectRef.parse(ref))).as(ref)
                        .isInstanceOf(NotFoundException.class)
                        .satisfies(e -> assertThat(((IpcException) e).errno()).isEqualTo(io.jipc.Errno.ENOENT.number()));
            }
        } finally {
            peer.close();
            for (String ref : List.of("shm:" + name + "-shm", "sem:" + name + "-sem")) {
                try {
                    Inventory.remove(ObjectRef.parse(ref));
                } catch (NotFoundException gone) {
                    // removed by the test
                }
            }
            for (String table : List.of("msg", "shm", "sem")) {
                for (var row : SysVTables.rows(table)) {
                    if (TestIpc.isOurKey((int) Long.parseLong(row.get("key")))) {
                        String type = "sysv-" + table;
                        Inventory.remove(ObjectRef.parse(type + ":" + row.get(table.equals("msg") ? "msqid" : table + "id")));
                    }
                }
            }
        }
    }

    @Test
    void objectsThisJvmHoldsNameItAsTheirUser() throws Exception {
        String name = TestIpc.name("inv-java");
        long self = ProcessHandle.current().pid();
        try (SharedMemory shm = SharedMemory.createExclusively(name, 8192);
             SysVSharedMemory seg = SysVSharedMemory.createExclusively(IpcKey.of(TestIpc.key()), 64)) {
            try (Mapping m = shm.map(); Mapping a = seg.attach()) {
                List<IpcObject> all = Inventory.list(EnumSet.of(ObjectType.SHM, ObjectType.SYSV_SHM)).objects();
                IpcObject p = find(all, ObjectType.SHM, name, 0).orElseThrow();
                assertThat(p.processes()).extracting(ProcessRef::pid).contains(self);
                assertThat(p.stale()).isFalse();
                IpcObject s = find(all, ObjectType.SYSV_SHM, null, seg.id()).orElseThrow();
                assertThat(s.processes()).extracting(ProcessRef::role, ProcessRef::pid).contains(
                        org.assertj.core.groups.Tuple.tuple("creator", self), org.assertj.core.groups.Tuple.tuple("user", self));
            }
            shm.close();
            IpcObject p = find(Inventory.list(EnumSet.of(ObjectType.SHM)).objects(), ObjectType.SHM, name, 0).orElseThrow();
            assertThat(p.processes()).isEmpty();
            assertThat(p.stale()).isTrue();
            IpcObject s = find(Inventory.list(EnumSet.of(ObjectType.SYSV_SHM)).objects(), ObjectType.SYSV_SHM, null, seg.id())
                    .orElseThrow();
            assertThat(s.stale()).as("its creator, this JVM, lives").isFalse();
            Inventory.remove(ObjectRef.parse("shm:" + name));
            Inventory.remove(ObjectRef.parse("sysv-shm:" + seg.id()));
            assertThatThrownBy(seg::info).isInstanceOf(IpcException.class);
        }
    }

    @Test
    void posixQueuesAreListedFromAnMqueueMount() throws Exception {
        Assumptions.assumeTrue(PosixObjects.mqueueMount().isPresent(),
                "no mqueue file system is mounted (jipc-cli's LsLauncherIT mounts one in a private mount namespace)");
        String name = TestIpc.name("inv-mq");
        try (PosixMessageQueue q = PosixMessageQueue.createExclusively(name, PosixMessageQueue.Options.defaults())) {
            q.send(new byte[] {1, 2, 3}, 1);
            IpcObject o = find(Inventory.list(EnumSet.of(ObjectType.MQ)).objects(), ObjectType.MQ, name, 0).orElseThrow();
            assertThat(o.counts()).containsEntry("messages", 1L);
            assertThat(o.size().getAsLong()).isEqualTo(3);
            assertThat(o.processes()).extracting(ProcessRef::pid).contains(ProcessHandle.current().pid());
            q.unlink();
        }
    }

    @Test
    void withoutAnMqueueMountTheListingSaysHowToMountOne() throws Exception {
        Assumptions.assumeTrue(PosixObjects.mqueueMount().isEmpty(), "an mqueue file system is mounted here");
        assertThat(Inventory.list(EnumSet.of(ObjectType.MQ)).notes()).singleElement().asString()
                .contains("no mqueue file system is mounted", "mount -t mqueue none /dev/mqueue");
    }

    @Test
    void referencesAreCheckedBeforeAnythingIsRemoved() {
        assertThat(ObjectRef.parse("mq:/jobs")).isEqualTo(new ObjectRef(ObjectType.MQ, "/jobs", -1));
        assertThat(ObjectRef.parse("sysv-shm:32769")).isEqualTo(new ObjectRef(ObjectType.SYSV_SHM, null, 32769));
        assertThat(ObjectRef.parse("fifo:/tmp/a:b")).isEqualTo(new ObjectRef(ObjectType.FIFO, "/tmp/a:b", -1));
        for (String bad : List.of("jobs", "mq:jobs", "mq:/a/b", "sysv-msg:-1", "sysv-msg:x", "sysv-sem:99999999999",
                "socket:/tmp/s", "lock:/tmp/l", "fifo:", "queue:/jobs")) {
            assertThatThrownBy(() -> ObjectRef.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> Inventory.list(EnumSet.of(ObjectType.FIFO))).isInstanceOf(IllegalArgumentException.class);
    }
}
