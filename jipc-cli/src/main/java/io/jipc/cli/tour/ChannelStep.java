package io.jipc.cli.tour;

import io.jipc.Transfer;
import io.jipc.channel.Channel;
import io.jipc.channel.ChannelReader;
import io.jipc.inspect.ObjectRef;
import io.jipc.inspect.ObjectType;
import java.lang.foreign.ValueLayout;
import java.time.Duration;

/** jipc's shared-memory channel: another process streams records into a ring this one reads in place. */
final class ChannelStep implements TourStep {
    static final int RECORDS = 100_000;

    @Override
    public String mechanism() {
        return "channel";
    }

    @Override
    public String title() {
        return "jipc's channel (a record ring in shared memory, futex wake-ups): no system call while both sides are busy";
    }

    @Override
    public void run(Tour.Context tour) throws Exception {
        String name = tour.name("channel");
        try (ChannelReader in = ChannelReader.createExclusively(name, Channel.Options.defaults())) {
            tour.removeAtEnd(new ObjectRef(ObjectType.SHM, name, -1));
            tour.say("created the channel " + name + " (its layout: docs/channel-layout.md, which C can follow too)");
            Tour.Child writer = tour.start(Tour.javaCommand(TourChild.class, "write-channel", name,
                    Integer.toString(RECORDS)));
            tour.say("started a JVM (pid " + writer.pid() + ") that writes " + RECORDS + " 8-byte records into it");
            long[] sum = {0};
            long[] count = {0};
            long first = 0;
            while (true) {
                int r = in.tryDrain((type, ring, at, length) -> {
                    sum[0] += ring.get(ValueLayout.JAVA_LONG_UNALIGNED, at);
                    count[0]++;
                }, 4096, Tour.CHILD_TIMEOUT);
                if (first == 0 && count[0] > 0) {
                    first = System.nanoTime();
                }
                if (r == Transfer.EOF || r == Transfer.NOTHING) {
                    break;
                }
            }
            long took = System.nanoTime() - first;
            long expected = (long) RECORDS * (RECORDS - 1) / 2;
            if (count[0] != RECORDS || sum[0] != expected) {
                throw new java.io.IOException("read " + count[0] + " records summing to " + sum[0] + ", expected " + RECORDS
                        + " summing to " + expected);
            }
            tour.say("read all " + count[0] + " records in place, in order, in " + Tour.millis(took) + " from the first ("
                    + String.format(java.util.Locale.ROOT, "%.1f", count[0] / (took / 1e9) / 1e6) + " M records/s, a"
                    + " JVM that has barely warmed up), then the writer's close as the end");
            writer.output();
        }
    }
}
