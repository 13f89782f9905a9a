package io.jipc.testing;

import io.jipc.IpcException;
import io.jipc.NotFoundException;
import io.jipc.mq.PosixMessageQueue;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds this run's POSIX queues without an mqueue mount: tries {@code mq_open} on every name
 * {@link TestIpc#name} handed out, and unlinks what it finds. Register it (once) from every test
 * class that creates queues: {@code MqueueLeakProbe.register()}.
 */
public final class MqueueLeakProbe implements LeakGuard.Probe {
    public static void register() {
        LeakGuard.register(new MqueueLeakProbe());
    }

    @Override
    public List<String> removeLeftovers() {
        List<String> found = new ArrayList<>();
        for (String name : TestIpc.names()) {
            try {
                PosixMessageQueue.checkName(name);
            } catch (IllegalArgumentException notAQueueName) {
                continue;
            }
            try (PosixMessageQueue q = PosixMessageQueue.openExisting(name, PosixMessageQueue.Options.defaults().withAccess(PosixMessageQueue.Access.READ_ONLY))) {
                found.add("POSIX queue " + name);
                q.unlink();
            } catch (NotFoundException gone) {
                // not a queue, or already unlinked: fine
            } catch (IpcException e) {
                found.add("POSIX queue " + name + ": " + e.getMessage());
            }
        }
        return found;
    }
}
