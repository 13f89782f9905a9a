package io.jipc.shm;

import static io.jipc.shm.ShmPeers.c;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jipc.AlreadyExistsException;
import io.jipc.IpcException;
import io.jipc.IpcKey;
import io.jipc.NotFoundException;
import io.jipc.ObjectClosedException;
import io.jipc.ObjectRemovedException;
import io.jipc.testing.Peer;
import io.jipc.testing.TestIpc;
import java.lang.foreign.ValueLayout;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SysVSharedMemoryTest {
    private static String text(Mapping m, long offset, int length) {
        byte[] b = new byte[length];
        m.read(offset, b);
        return new String(b, UTF_8);
    }

    private static IpcKey key() {
        return IpcKey.of(TestIpc.key());
    }

    @Test
    void createOpenExclusivePrivateAndById() throws Exception {
        IpcKey key = key();
        try (SysVSharedMemory seg = SysVSharedMemory.createExclusively(key, 10_000)) {
            try {
                assertThat(seg.key()).isEqualTo(key);
                assertThat(seg.size()).isEqualTo(10_000);
                assertThatThrownBy(() -> SysVSharedMemory.createExclusively(key, 10)).isInstanceOf(AlreadyExistsException.class)
                        .hasMessage("shmget(key " + key + "): File exists (EEXIST)");
                try (SysVSharedMemory same = SysVSharedMemory.openExisting(key);
                     SysVSharedMemory again = SysVSharedMemory.createOrOpen(key, 5_000);
                     SysVSharedMemory byId = SysVSharedMemory.openId(seg.id())) {
                    assertThat(same.id()).isEqualTo(seg.id()).isEqualTo(again.id()).isEqualTo(byId.id());
                    assertThat(byId.key()).isEqualTo(key);
                }
                assertThat(c("sysv-get", key.toString())).isEqualTo(String.valueOf(seg.id()));
                assertThatThrownBy(() -> SysVSharedMemory.createOrOpen(key, 20_000)).isInstanceOf(IpcException.class)
                        .hasMessage("shmget(key " + key + "): the segment for this key exists with 10000 bytes, fewer than"
                                + " the 20000 asked for (a segment cannot grow) (EINVAL)");
            } finally {
                seg.remove();
            }
            assertThatThrownBy(() -> SysVSharedMemory.openExisting(key)).isInstanceOf(NotFoundException.class)
                    .hasMessage("shmget(key " + key + "): No such file or directory (ENOENT)");
            assertThatThrownBy(seg::info).isInstanceOf(IpcException.class)
                    .hasMessage("shmctl(IPC_STAT)(shmid " + seg.id() + "): no segment has shmid " + seg.id()
                            + " (removed?) (EINVAL)");
            assertThatThrownBy(() -> SysVSharedMemory.openId(seg.id())).isInstanceOf(IpcException.class);
        }
        try (SysVSharedMemory a = SysVSharedMemory.createExclusively(IpcKey.PRIVATE, 100);
             SysVSharedMemory b = SysVSharedMemory.createOrOpen(IpcKey.PRIVATE, 100)) {
            try {
                assertThat(a.id()).isNotEqualTo(b.id());
                assertThat(a.info().perm().key()).isEqualTo(IpcKey.PRIVATE);
                assertThat(SysVSharedMemory.openId(a.id()).key()).isEqualTo(IpcKey.PRIVATE);
            } finally {
                a.remove();
                b.remove();
            }
        }
    }

    @Test
    void badInputIsRefusedBeforeAnyCall() throws Exception {
        assertThatThrownBy(() -> SysVSharedMemory.createExclusively(key(), 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("segment size must be at least 1 byte, got 0");
        assertThatThrownBy(() -> SysVSharedMemory.createOrOpen(key(), -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SysVSharedMemory.openExisting(IpcKey.PRIVATE)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SysVSharedMemory.openId(-1)).isInstanceOf(IllegalArgumentException.class);
        IpcKey key = key();
        assertThatThrownBy(() -> SysVSharedMemory.openExisting(key)).isInstanceOf(NotFoundException.class);
        try (SysVSharedMemory seg = SysVSharedMemory.createExclusively(key, 100)) {
            seg.close();
            assertThatThrownBy(seg::attach).isInstanceOf(ObjectClosedException.class);
            SysVSharedMemory.openId(seg.id()).remove();
        }
    }

    @Test
    void javaAndCSeeTheSameBytes() throws Exception {
        IpcKey key = key();
        try (SysVSharedMemory seg = SysVSharedMemory.createExclusively(key, 4096); Mapping m = seg.attach()) {
            try {
                assertThat(m.size()).isEqualTo(4096);
                m.write(10, "from java".getBytes(UTF_8));
                String id = String.valueOf(seg.id());
                assertThat(c("sysv-read", id, "10", "9")).isEqualTo("from java");
                assertThat(c("sysv-write", id, "100", "from c")).isEqualTo("wrote");
                assertThat(text(m, 100, 6)).isEqualTo("from c");
                assertThat(m.segment().get(ValueLayout.JAVA_BYTE, 105)).isEqualTo((byte) 'c');
            } finally {
                seg.remove();
            }
        }
        IpcKey made = key();
        int id = Integer.parseInt(c("sysv-create", made.toString(), "5000", "made in c"));
        try (SysVSharedMemory seg = SysVSharedMemory.openExisting(made); Mapping m = seg.attach(Access.READ_ONLY)) {
            try {
                assertThat(seg.id()).isEqualTo(id);
                assertThat(m.size()).as("the segment's size, not the pages'").isEqualTo(5000);
                assertThat(text(m, 0, 9)).isEqualTo("made in c");
                assertThatThrownBy(() -> m.write(0, new byte[1])).isInstanceOf(IllegalArgumentException.class)
                        .hasMessage("mapping of shmid " + id + " is read-only: map it READ_WRITE to write");
                assertThatThrownBy(() -> m.segment().set(ValueLayout.JAVA_BYTE, 0, (byte) 1))
                        .isInstanceOf(IllegalArgumentException.class);
                assertThat(text(m, 0, 9)).isEqualTo("made in c");
            } finally {
                seg.remove();
            }
        }
    }

    /**
     * The attach count counts every process's attachments; removing an attached segment marks it
     * (its key freed at once, jipc attaches it no more, though Linux lets C attach it by id), and
     * the last detach destroys it.
     */
    @Test
    void attachCountsAndRemovalWhenTheLastDetaches() throws Exception {
        IpcKey key = key();
        long pid = ProcessHandle.current().pid();
        Instant before = Instant.now().minusSeconds(2);
        try (SysVSharedMemory seg = SysVSharedMemory.createExclusively(key, 4096,
                SysVSharedMemory.Options.defaults().withMode(PosixFilePermissions.fromString("rw-r-----")))) {
            String id = String.valueOf(seg.id());
            SysVSharedMemory.Info fresh = seg.info();
            assertThat(fresh.attachCount()).isZero();
            assertThat(fresh.creatorPid()).isEqualTo(pid);
            assertThat(fresh.lastAttach()).isEmpty();
            assertThat(fresh.lastChange()).isAfter(before);
            assertThat(fresh.markedForRemoval()).isFalse();
            assertThat(fresh.perm().modeBits()).isEqualTo(0640);

            Mapping mine = seg.attach();
            Mapping second = seg.attach(Access.READ_ONLY);
            mine.write(0, "survivor".getBytes(UTF_8));
            assertThat(seg.info().attachCount()).isEqualTo(2);
            try (Peer holder = ShmPeers.start("sysv-hold", id)) {
                holder.awaitOutput("attached", ShmPeers.T);
                SysVSharedMemory.Info three = seg.info();
                assertThat(three.attachCount()).isEqualTo(3);
                assertThat(three.lastPid()).isEqualTo(holder.pid());
                assertThat(three.lastAttach()).isPresent();
                assertThat(c("sysv-stat", id)).isEqualTo("4096 3 " + pid + " " + holder.pid() + " 0640");

                seg.remove();
                SysVSharedMemory.Info marked = seg.info();
                assertThat(marked.markedForRemoval()).isTrue();
                assertThat(marked.attachCount()).isEqualTo(3);
                assertThat(marked.perm().key()).as("its key is free at once").isEqualTo(IpcKey.PRIVATE);
                assertThat(c("sysv-get", key.toString())).isEqualTo("ENOENT");
                assertThatThrownBy(() -> SysVSharedMemory.openExisting(key)).isInstanceOf(NotFoundException.class);
                assertThatThrownBy(seg::attach).isInstanceOf(ObjectRemovedException.class)
                        .hasMessage("shmat(shmid " + id + "): the segment is marked for removal (IPC_RMID): it is destroyed"
                                + " when its last process detaches, and takes no new attachment (EIDRM)");
                assertThat(seg.info().attachCount()).as("the refused attach left nothing").isEqualTo(3);
                assertThat(c("sysv-attach", id)).as("Linux itself lets a C program attach by id").isEqualTo("attached");
                assertThat(c("sysv-stat", id)).as("SHM_DEST in the mode").matches("4096 3 " + pid + " \\d+ 01640");

                mine.write(0, "survives".getBytes(UTF_8));
                assertThat(text(second, 0, 8)).isEqualTo("survives");
                second.close();
                mine.close();
                assertThat(seg.info().attachCount()).isEqualTo(1);
                holder.send("detach");
                holder.awaitSuccess(ShmPeers.T);
                assertThat(holder.stdout()).isEqualTo("attached\nsurvives\ndetached\n");
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline && seg.isOpen()) {
                try {
                    seg.info();
                    Thread.sleep(10);
                } catch (IpcException gone) {
                    break;
                }
            }
            assertThatThrownBy(seg::info).as("destroyed with its last detach").isInstanceOf(IpcException.class)
                    .hasMessageContaining("no segment has shmid " + id + " (removed?)");
        }
    }

    @Test
    void removingAnUnattachedSegmentDestroysItAtOnce() throws Exception {
        try (SysVSharedMemory seg = SysVSharedMemory.createExclusively(key(), 100)) {
            seg.remove();
            assertThatThrownBy(seg::attach).isInstanceOf(IpcException.class)
                    .hasMessage("shmat(shmid " + seg.id() + "): no segment has shmid " + seg.id() + " (removed?) (EINVAL)");
        }
    }

    @Test
    void theModeIsSetByIpcSet() throws Exception {
        try (SysVSharedMemory seg = SysVSharedMemory.createExclusively(key(), 100)) {
            try {
                seg.setMode(PosixFilePermissions.fromString("rw-rw-r--"));
                assertThat(seg.info().perm().modeBits()).isEqualTo(0664);
                assertThat(seg.info().locked()).isFalse();
            } finally {
                seg.remove();
            }
        }
    }
}
