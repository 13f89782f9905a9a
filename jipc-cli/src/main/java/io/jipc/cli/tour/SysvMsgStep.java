package io.jipc.cli.tour;

import io.jipc.inspect.ObjectRef;
import io.jipc.inspect.ObjectType;
import io.jipc.mq.SysVMessageQueue;
import java.nio.charset.StandardCharsets;

/** A System V queue: messages with types, and a receiver that takes only its own type. */
final class SysvMsgStep implements TourStep {
    @Override
    public String mechanism() {
        return "sysv-msg";
    }

    @Override
    public String title() {
        return "System V message queues (msgget, msgsnd, msgrcv): typed messages";
    }

    @Override
    public void run(Tour.Context tour) throws Exception {
        try (SysVMessageQueue q = SysVMessageQueue.createExclusively(tour.key(0))) {
            tour.removeAtEnd(new ObjectRef(ObjectType.SYSV_MSG, null, q.id()));
            q.send("log: started".getBytes(StandardCharsets.UTF_8), 1);
            q.send("order 42: 3 books".getBytes(StandardCharsets.UTF_8), 2);
            tour.say("created msqid " + q.id() + " (key " + q.key() + ") and sent a type 1 then a type 2 message");
            Tour.Child receiver = tour.jipc("sysv-msg", "receive", "--id", Integer.toString(q.id()), "--type", "2",
                    "--json");
            tour.say("`jipc sysv-msg receive --id " + q.id() + " --type 2` (pid " + receiver.pid() + ") got "
                    + receiver.output().strip() + ", passing over the type 1 message");
            tour.say(q.info().messages() + " message left; removing the queue");
        }
    }
}
