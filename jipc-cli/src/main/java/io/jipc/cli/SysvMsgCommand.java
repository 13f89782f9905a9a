package io.jipc.cli;

import io.jipc.Errno;
import io.jipc.IpcException;
import io.jipc.IpcKey;
import io.jipc.Transfer;
import io.jipc.mq.Envelope;
import io.jipc.mq.SysVMessageQueue;
import io.jipc.mq.TypeSelector;
import io.jipc.mq.SysVMessage;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.core.JsonGenerator;

/** {@code jipc sysv-msg create|send|receive|info|remove}: System V message queues, by id, key or ftok path. */
@Command(name = "sysv-msg", mixinStandardHelpOptions = true,
        description = "System V message queues: typed messages, receivers select by type.",
        synopsisSubcommandLabel = "VERB",
        subcommands = {SysvMsgCommand.Create.class, SysvMsgCommand.Send.class, SysvMsgCommand.Receive.class,
                SysvMsgCommand.Info.class, SysvMsgCommand.Remove.class})
final class SysvMsgCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                "a verb is required: create, send, receive, info or remove");
    }

    /** Which queue: {@code --id ID | --key K | --path P [--project-id N]}. */
    static final class Target extends SysVTarget<SysVMessageQueue> {
        @Override
        String noun() {
            return "queue";
        }

        @Override
        SysVMessageQueue openId(int id) throws IpcException {
            return SysVMessageQueue.openId(id);
        }

        @Override
        SysVMessageQueue openExisting(IpcKey key) throws IpcException {
            return SysVMessageQueue.openExisting(key);
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a queue with exactly the mode given (or find the existing one) and print its msqid.")
    static final class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        Target target;

        @Option(names = "--mode", paramLabel = "M", converter = Converters.ModeConverter.class, defaultValue = "0600",
                description = "Permissions, octal (default 0600); msgget takes them exactly (no umask).")
        int mode;

        @Option(names = "--exclusive", description = "Fail if a queue with this key exists (IPC_EXCL).")
        boolean exclusive;

        @Override
        public Integer call() throws IOException {
            target.check(false);
            Converters.checkPermissionBits("a queue", mode);
            Stdout out = Io.of(spec).out();
            out.checkWritable(); // the msqid is the whole point: create nothing that cannot be told
            IpcKey key = target.key();
            // Knowing whether this call created the queue lets a failed print remove what it made.
            SysVMessageQueue made = null;
            boolean created = false;
            while (made == null) {
                if (!exclusive && !key.isPrivate()) {
                    try {
                        made = SysVMessageQueue.openExisting(key);
                        break;
                    } catch (io.jipc.NotFoundException none) {
                        // create it
                    }
                }
                try {
                    made = SysVMessageQueue.createExclusively(key,
                            SysVMessageQueue.Options.defaults().withMode(Converters.permissions(mode)));
                    created = true;
                } catch (io.jipc.AlreadyExistsException e) {
                    if (exclusive) {
                        throw e;
                    }
                }
            }
            try (SysVMessageQueue q = made) {
                try {
                    Io.of(spec).printNumber(q.id());
                    out.flush();
                } catch (Failure f) {
                    if (!created) {
                        throw f;
                    }
                    q.remove();
                    throw f.addAdvice("the queue it created (msqid " + q.id() + ") was removed again");
                }
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "send", mixinStandardHelpOptions = true,
            description = "Send DATA (or standard input) as one message of type T; waits while the queue is full.")
    static final class Send implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        Target target;

        @Option(names = "--type", paramLabel = "T", required = true, description = "The message type, 1 or more.")
        long type;

        @Parameters(arity = "0..1", paramLabel = "DATA", description = "The message, bytes as given; absent or -: standard input.")
        String data;

        @Mixin
        MqCommand.Wait wait;

        @Override
        public Integer call() throws IOException {
            if (type < 1) {
                throw new IllegalArgumentException("--type must be 1 or more, got " + type);
            }
            wait.check();
            try (SysVMessageQueue q = target.open()) {
                // Standard input is read only as far as msgmax allows, and only once the queue is found.
                long msgmax = SysVMessageQueue.maxMessageSize();
                byte[] message = Io.of(spec).data(data, msgmax);
                if (message.length > msgmax && (data == null || data.equals("-"))) {
                    throw Failure.system("msgsnd", "msqid " + q.id(), Errno.EINVAL, "standard input holds more"
                            + " than msgmax = " + msgmax + " bytes (/proc/sys/kernel/msgmax); nothing was sent");
                }
                boolean sent;
                if (wait.nonblock) {
                    sent = q.trySend(message, type);
                } else if (wait.timeout != null) {
                    sent = q.trySend(message, type, wait.timeout);
                } else {
                    q.send(message, type);
                    sent = true;
                }
                return sent ? ExitCodes.OK : ExitCodes.WOULD_BLOCK;
            }
        }
    }

    @Command(name = "receive", mixinStandardHelpOptions = true,
            description = {"Receive one message; its bytes go to standard output.",
                "T = 0: the first message; T > 0: the first of type T (with --except: the first not of type T);",
                "T < 0: the first of the lowest type <= |T|."})
    static final class Receive implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        Target target;

        @Option(names = "--type", paramLabel = "T", defaultValue = "0", description = "The selector (default 0: any).")
        long type;

        @Option(names = "--except", description = "The first message whose type is not T (MSG_EXCEPT; T > 0).")
        boolean except;

        @Option(names = "--max-size", paramLabel = "BYTES",
                description = {"Receive at most BYTES (default and most: msgmax, the longest message the system takes);",
                    "a longer message fails with E2BIG and stays queued, unless --truncate."})
        Integer maxSize;

        @Option(names = "--truncate", description = "Cut a message longer than --max-size instead (MSG_NOERROR).")
        boolean truncate;

        @Mixin
        MqCommand.Wait wait;

        @Option(names = "--json", description = "Print {\"type\":T,\"data\":...} instead of the raw bytes.")
        boolean json;

        @Override
        public Integer call() throws IOException {
            wait.check();
            TypeSelector selector = TypeSelector.of(type, except);
            if (truncate) {
                selector = selector.truncating();
            }
            if (maxSize != null && maxSize < 0) {
                throw new IllegalArgumentException("--max-size must be 0 or more, got " + maxSize);
            }
            // No message can be longer than msgmax: a larger --max-size allocates only that much.
            Integer size = maxSize == null ? null : (int) Math.min(maxSize, SysVMessageQueue.maxMessageSize());
            Stdout out = Io.of(spec).out();
            out.checkWritable(); // take no message that could not be written
            Optional<SysVMessage> got;
            String label;
            try (SysVMessageQueue q = target.open()) {
                label = "msqid " + q.id();
                got = size == null ? receive(q, selector) : receiveAtMost(q, selector, size);
            } catch (IpcException e) {
                if (e.errno() == Errno.E2BIG.number()) {
                    throw Failure.of(e).withAdvice("the message is longer than " + (size == null ? "msgmax" : size
                            + " bytes") + " and stays queued: raise --max-size, or add --truncate to cut it");
                }
                throw e;
            }
            if (got.isEmpty()) {
                return ExitCodes.WOULD_BLOCK;
            }
            SysVMessage m = got.get();
            byte[] bytes = m.data();
            if (json) {
                java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
                JsonLines lines = new JsonLines(line);
                JsonGenerator g = lines.begin();
                g.writeNumberProperty("type", m.type());
                JsonLines.data(g, m.data());
                lines.end();
                bytes = line.toByteArray();
            }
            out.emit(bytes, "the message received from " + label + " (" + m.data().length + " bytes, type "
                    + m.type() + ")");
            return ExitCodes.OK;
        }

        private Optional<SysVMessage> receive(SysVMessageQueue q, TypeSelector selector) throws IOException {
            if (wait.nonblock) {
                return q.tryReceive(selector);
            } else if (wait.timeout != null) {
                return q.tryReceive(selector, wait.timeout);
            }
            return Optional.of(q.receive(selector));
        }

        private Optional<SysVMessage> receiveAtMost(SysVMessageQueue q, TypeSelector selector, int size)
                throws IOException {
            byte[] buffer = new byte[size];
            Envelope got = new Envelope();
            boolean received;
            if (wait.nonblock) {
                received = q.tryReceive(buffer, got, selector) != Transfer.NOTHING;
            } else if (wait.timeout != null) {
                received = q.tryReceive(buffer, got, selector, wait.timeout) != Transfer.NOTHING;
            } else {
                q.receive(buffer, got, selector);
                received = true;
            }
            return received ? Optional.of(new SysVMessage(got.type(), Arrays.copyOf(buffer, got.size())))
                    : Optional.empty();
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true, description = "Show a queue's state (msgctl IPC_STAT).")
    static final class Info implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        Target target;

        @Option(names = "--json", description = "One JSON object: id, key, messages, bytes, max_bytes, last_send_pid,"
                + " last_receive_pid, mode.")
        boolean json;

        @Override
        public Integer call() throws IOException {
            SysVMessageQueue.Info s;
            int id;
            try (SysVMessageQueue q = target.open()) {
                s = q.info();
                id = q.id();
            }
            Io io = Io.of(spec);
            String key = Converters.formatKey(s.perm().key().value());
            String mode = Converters.formatMode(s.perm().modeBits());
            if (json) {
                JsonLines lines = new JsonLines(io.out());
                JsonGenerator g = lines.begin();
                g.writeNumberProperty("id", id);
                g.writeStringProperty("key", key);
                g.writeNumberProperty("messages", s.messages());
                g.writeNumberProperty("bytes", s.bytes());
                g.writeNumberProperty("max_bytes", s.maxBytes());
                g.writeNumberProperty("last_send_pid", s.lastSendPid());
                g.writeNumberProperty("last_receive_pid", s.lastReceivePid());
                g.writeStringProperty("mode", mode);
                lines.end();
            } else {
                io.println("id " + id);
                io.println("key " + key);
                io.println("messages " + s.messages());
                io.println("bytes " + s.bytes());
                io.println("max_bytes " + s.maxBytes());
                io.println("last_send_pid " + s.lastSendPid());
                io.println("last_receive_pid " + s.lastReceivePid());
                io.println("mode " + mode);
                io.println("owner_uid " + s.perm().ownerUid());
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = "Remove the queue at once (msgctl IPC_RMID): its messages are lost, waiters get EIDRM.")
    static final class Remove implements Callable<Integer> {
        @Mixin
        Target target;

        @Override
        public Integer call() throws IpcException {
            try (SysVMessageQueue q = target.open()) {
                q.remove();
            }
            return ExitCodes.OK;
        }
    }
}
