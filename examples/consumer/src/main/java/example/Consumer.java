package example;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.jipc.mq.PosixMessage;
import io.jipc.mq.PosixMessageQueue;
import io.jipc.pipe.Pipe;

/** A program of someone else's that uses jipc: a pipe and a POSIX message queue, one round trip each. */
public final class Consumer {
    private Consumer() {}

    public static void main(String[] args) throws Exception {
        System.out.println("jipc from " + (Pipe.class.getModule().isNamed() ? "the module path (module "
                + Pipe.class.getModule().getName() + ")" : "the class path"));
        try (Pipe pipe = Pipe.open()) {
            pipe.writeEnd().write("through a pipe".getBytes(UTF_8));
            byte[] buf = new byte[64];
            int n = pipe.readEnd().read(buf);
            System.out.println("pipe: " + new String(buf, 0, n, UTF_8));
        }
        String name = "/jipc-consumer-" + ProcessHandle.current().pid();
        try (PosixMessageQueue q = PosixMessageQueue.createExclusively(name)) {
            try {
                q.send("through a queue".getBytes(UTF_8), 3);
                PosixMessage m = q.receive();
                System.out.println("mq: " + m.text() + " (priority " + m.priority() + ")");
            } finally {
                q.unlink();
            }
        }
    }
}
