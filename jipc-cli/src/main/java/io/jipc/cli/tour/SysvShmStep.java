package io.jipc.cli.tour;

import io.jipc.inspect.ObjectRef;
import io.jipc.inspect.ObjectType;
import io.jipc.shm.Mapping;
import io.jipc.shm.SysVSharedMemory;
import java.nio.charset.StandardCharsets;

/** A System V segment: another process writes into memory this process has attached. */
final class SysvShmStep implements TourStep {
    @Override
    public String mechanism() {
        return "sysv-shm";
    }

    @Override
    public String title() {
        return "System V shared memory (shmget, shmat): a segment attached by two processes";
    }

    @Override
    public void run(Tour.Context tour) throws Exception {
        try (SysVSharedMemory seg = SysVSharedMemory.createExclusively(tour.key(2), 4096)) {
            tour.removeAtEnd(new ObjectRef(ObjectType.SYSV_SHM, null, seg.id()));
            try (Mapping m = seg.attach()) {
                tour.say("created shmid " + seg.id() + " (key " + seg.key() + ") and attached it");
                String id = Integer.toString(seg.id());
                Tour.Child writer = tour.jipc("sysv-shm", "write", "--id", id, "written by the child");
                writer.output();
                byte[] b = new byte[20];
                m.read(0, b);
                tour.say("`jipc sysv-shm write --id " + id + " 'written by the child'` (pid " + writer.pid()
                        + ") attached it too; this process's attachment now reads \""
                        + new String(b, StandardCharsets.UTF_8) + "\"");
                tour.say("attached " + seg.info().attachCount() + " time now; removing the segment");
            }
        }
    }
}
