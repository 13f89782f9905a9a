package io.jipc.cli.tour;

import io.jipc.inspect.ObjectRef;
import io.jipc.inspect.ObjectType;
import io.jipc.shm.Mapping;
import io.jipc.shm.SharedMemory;
import java.nio.charset.StandardCharsets;

/** POSIX shared memory: bytes written here are read by another process, no copy in between. */
final class ShmStep implements TourStep {
    @Override
    public String mechanism() {
        return "shm";
    }

    @Override
    public String title() {
        return "POSIX shared memory (shm_open, mmap): the same pages in two processes";
    }

    @Override
    public void run(Tour.Context tour) throws Exception {
        String name = tour.name("shm");
        try (SharedMemory shm = SharedMemory.createExclusively(name, 4096); Mapping m = shm.map()) {
            tour.removeAtEnd(new ObjectRef(ObjectType.SHM, name, -1));
            byte[] text = ("frame 1 from pid " + tour.pid()).getBytes(StandardCharsets.UTF_8);
            m.write(0, text);
            tour.say("created " + name + " (4096 bytes), mapped it and wrote \"" + new String(text, StandardCharsets.UTF_8)
                    + "\"");
            Tour.Child reader = tour.jipc("shm", "read", name, "--length", Integer.toString(text.length));
            tour.say("`jipc shm read " + name + "` (pid " + reader.pid() + ") read \"" + reader.output() + "\"");
        }
    }
}
