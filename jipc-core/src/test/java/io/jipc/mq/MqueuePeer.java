package io.jipc.mq;

import io.jipc.IpcException;
import java.nio.charset.StandardCharsets;

/**
 * A second JVM for the POSIX queue tests.
 * <ul>
 *   <li>{@code receive NAME COUNT}: prints ready, then receives COUNT messages (blocking), one
 *       {@code PRIO TEXT} line each, through the allocation-free byte[] form;
 *   <li>{@code create NAME MAXMSG MSGSIZE} (repeatable): tries to create each queue and prints
 *       the exception's message, or {@code created} (and unlinks it again);
 *   <li>{@code sysv-send-id MSQID TYPE TEXT}: sends one message to a System V queue reached by
 *       id, then tries to receive from it; prints {@code sent} and the receive's exception
 *       message (run as another user: sending needs write permission only).
 * </ul>
 */
public final class MqueuePeer {
    private MqueuePeer() {}

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "receive" -> {
                try (PosixMessageQueue q = PosixMessageQueue.openExisting(args[1], PosixMessageQueue.Options.defaults().withAccess(PosixMessageQueue.Access.READ_ONLY))) {
                    System.out.println("ready");
                    System.out.flush();
                    byte[] buf = new byte[q.messageSize()];
                    Envelope got = new Envelope();
                    for (int i = 0; i < Integer.parseInt(args[2]); i++) {
                        int n = q.receive(buf, got);
                        System.out.println(got.priority() + " " + new String(buf, 0, n, StandardCharsets.UTF_8));
                        System.out.flush();
                    }
                }
            }
            case "create" -> {
                // create NAME MAXMSG MSGSIZE [create NAME MAXMSG MSGSIZE ...]
                for (int i = 0; i + 3 < args.length && args[i].equals("create"); i += 4) {
                    try (PosixMessageQueue q = PosixMessageQueue.createExclusively(args[i + 1], PosixMessageQueue.Options
                            .defaults().withMaxMessages(Integer.parseInt(args[i + 2]))
                            .withMessageSize(Integer.parseInt(args[i + 3])))) {
                        q.unlink();
                        System.out.println("created");
                    } catch (IpcException e) {
                        System.out.println(e.getMessage());
                    }
                }
            }
            case "sysv-send-id" -> {
                try (SysVMessageQueue q = SysVMessageQueue.openId(Integer.parseInt(args[1]))) {
                    q.send(args[3].getBytes(StandardCharsets.UTF_8), Long.parseLong(args[2]));
                    System.out.println("sent");
                    try {
                        q.tryReceive(TypeSelector.any());
                        System.out.println("received");
                    } catch (IpcException e) {
                        System.out.println(e.getMessage());
                    }
                } catch (IpcException e) {
                    System.out.println(e.getMessage());
                }
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
    }
}
