package io.jipc.cli.tour;

import io.jipc.channel.ChannelWriter;
import io.jipc.shm.Mapping;
import io.jipc.shm.SharedMemory;
import io.jipc.sync.SharedMutex;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The other process of the tour's stops that have no jipc command: started as a JVM of its own
 * ({@link Tour#javaCommand}).
 */
public final class TourChild {
    private TourChild() {}

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "lock-and-wait" -> {
                // Locks the mutex and waits to be killed holding it.
                try (SharedMemory shm = SharedMemory.openExisting(args[1]); Mapping m = shm.map();
                     SharedMutex mutex = SharedMutex.openExisting(m, Long.parseLong(args[2]))) {
                    mutex.lock();
                    Thread.sleep(Tour.CHILD_TIMEOUT.toMillis());
                }
            }
            case "write-channel" -> {
                int n = Integer.parseInt(args[2]);
                try (ChannelWriter out = ChannelWriter.openExisting(args[1]); Arena arena = Arena.ofConfined()) {
                    MemorySegment record = arena.allocate(8);
                    for (long i = 0; i < n; i++) {
                        record.set(ValueLayout.JAVA_LONG, 0, i);
                        out.send(1, record);
                    }
                }
            }
            default -> throw new IllegalArgumentException("no such tour child: " + args[0]);
        }
    }
}
