package io.jipc.cli.tour;

import io.jipc.inspect.ObjectRef;
import io.jipc.inspect.ObjectType;
import io.jipc.mq.PosixMessageQueue;
import java.nio.charset.StandardCharsets;

/** A POSIX queue: three messages with priorities; another process receives the most urgent first. */
final class MqStep implements TourStep {
    @Override
    public String mechanism() {
        return "mq";
    }

    @Override
    public String title() {
        return "POSIX message queues (mq_open, mq_send, mq_receive): messages with priorities";
    }

    @Override
    public void run(Tour.Context tour) throws Exception {
        String name = tour.name("mq");
        try (PosixMessageQueue q = PosixMessageQueue.createExclusively(name, PosixMessageQueue.Options.defaults()
                .withMaxMessages(4).withMessageSize(64))) {
            tour.removeAtEnd(new ObjectRef(ObjectType.MQ, name, -1));
            q.send("routine report".getBytes(StandardCharsets.UTF_8), 1);
            q.send("disk almost full".getBytes(StandardCharsets.UTF_8), 9);
            q.send("weekly digest".getBytes(StandardCharsets.UTF_8), 5);
            tour.say("created " + name + " and sent priority 1, 9, 5, in that order");
            Tour.Child receiver = tour.jipc("mq", "receive", name, "--json");
            tour.say("`jipc mq receive " + name + " --json` (pid " + receiver.pid() + ") got "
                    + receiver.output().strip() + ": the most urgent first");
            tour.say(q.info().currentMessages() + " messages left; removing the queue");
        }
    }
}
