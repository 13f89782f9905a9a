package io.jipc.cli;

import io.jipc.Errno;
import io.jipc.IpcException;
import io.jipc.mq.PosixMessage;
import io.jipc.mq.PosixMessageQueue;
import io.jipc.mq.PosixMessageQueue.Access;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.core.JsonGenerator;

/** {@code jipc mq create|send|receive|info|unlink}: POSIX message queues, by name. */
@Command(name = "mq", mixinStandardHelpOptions = true,
        description = "POSIX message queues: NAME is /name (one slash, then no slash).",
        synopsisSubcommandLabel = "VERB",
        subcommands = {MqCommand.Create.class, MqCommand.Send.class, MqCommand.Receive.class, MqCommand.Info.class,
                MqCommand.Unlink.class})
final class MqCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                "a verb is required: create, send, receive, info or unlink");
    }

    /** {@code --timeout D | --nonblock}, shared by send and receive (a picocli mixin). */
    static final class Wait {
        @Option(names = "--timeout", paramLabel = "D", converter = Converters.DurationConverter.class,
                description = "Give up after D (250ms, 5s, PT5S): exit 1.")
        Duration timeout;

        @Option(names = "--nonblock", description = "Do not wait: exit 1 if the queue is full (send) or empty (receive).")
        boolean nonblock;

        void check() {
            if (timeout != null && nonblock) {
                throw new IllegalArgumentException("--timeout and --nonblock cannot be combined");
            }
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a queue with exactly the mode given (or leave an existing one as it is).")
    static final class Create implements Callable<Integer> {
        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--max-messages", paramLabel = "N", description = "Capacity (default: msg_default).")
        Integer maxMessages;

        @Option(names = "--message-size", paramLabel = "BYTES", description = "Largest message (default: msgsize_default).")
        Integer messageSize;

        @Option(names = "--mode", paramLabel = "M", converter = Converters.ModeConverter.class, defaultValue = "0600",
                description = "Permissions, octal (default 0600); set exactly, whatever the umask.")
        int mode;

        @Option(names = "--exclusive", description = "Fail if the queue exists (O_EXCL).")
        boolean exclusive;

        @Override
        public Integer call() throws IOException {
            PosixMessageQueue.checkName(name);
            Converters.checkPermissionBits("a queue", mode);
            PosixMessageQueue.Options o = PosixMessageQueue.Options.defaults()
                    .withMode(Converters.permissions(mode)).withAccess(Access.READ_ONLY);
            if (maxMessages != null) {
                o = o.withMaxMessages(positive("--max-messages", maxMessages));
            }
            if (messageSize != null) {
                o = o.withMessageSize(positive("--message-size", messageSize));
            }
            PosixMessageQueue q;
            try {
                q = exclusive ? PosixMessageQueue.createExclusively(name, o) : PosixMessageQueue.createOrOpen(name, o);
            } catch (IpcException e) {
                // The library names the mq_attr fields; this command's flags set them.
                throw Failure.of(e).mapAdvice(a -> a.replace("max_messages ", "--max-messages ")
                        .replace("message_size ", "--message-size "));
            }
            q.close();
            return ExitCodes.OK;
        }
    }

    static int positive(String option, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(option + " must be at least 1, got " + value);
        }
        return value;
    }

    @Command(name = "send", mixinStandardHelpOptions = true,
            description = "Send DATA (or standard input) as one message; waits while the queue is full.")
    static final class Send implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Parameters(index = "1", arity = "0..1", paramLabel = "DATA",
                description = "The message, bytes as given; absent or -: standard input.")
        String data;

        @Option(names = "--priority", paramLabel = "P", defaultValue = "0", description = "0 to 32767 (default 0).")
        int priority;

        @Mixin
        Wait wait;

        @Override
        public Integer call() throws IOException {
            PosixMessageQueue.checkName(name);
            if (priority < 0 || priority > 32767) {
                throw new IllegalArgumentException("--priority must be 0..32767, got " + priority);
            }
            Wait w = wait;
            w.check();
            try (PosixMessageQueue q = PosixMessageQueue.openExisting(name,
                    PosixMessageQueue.Options.defaults().withAccess(Access.WRITE_ONLY))) {
                // Standard input is read only as far as the queue's message size allows, and only once
                // the queue is known to exist.
                byte[] message = Io.of(spec).data(data, q.messageSize());
                if (message.length > q.messageSize() && (data == null || data.equals("-"))) {
                    throw Failure.system("mq_send", name, Errno.EMSGSIZE, "standard input holds more than the"
                            + " queue's message size, " + q.messageSize() + " bytes; nothing was sent");
                }
                boolean sent;
                if (w.nonblock) {
                    sent = q.trySend(message, priority);
                } else if (w.timeout != null) {
                    sent = q.trySend(message, priority, w.timeout);
                } else {
                    q.send(message, priority);
                    sent = true;
                }
                return sent ? ExitCodes.OK : ExitCodes.WOULD_BLOCK;
            }
        }
    }

    @Command(name = "receive", mixinStandardHelpOptions = true,
            description = "Receive the oldest message of the highest priority; its bytes go to standard output.")
    static final class Receive implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "NAME")
        String name;

        @Mixin
        Wait wait;

        @Option(names = "--json", description = "Print {\"priority\":P,\"data\":...} instead of the raw bytes.")
        boolean json;

        @Override
        public Integer call() throws IOException {
            PosixMessageQueue.checkName(name);
            Wait w = wait;
            w.check();
            Stdout out = Io.of(spec).out();
            out.checkWritable(); // take no message that could not be written
            Optional<PosixMessage> got;
            try (PosixMessageQueue q = PosixMessageQueue.openExisting(name,
                    PosixMessageQueue.Options.defaults().withAccess(Access.READ_ONLY))) {
                if (w.nonblock) {
                    got = q.tryReceive();
                } else if (w.timeout != null) {
                    got = q.tryReceive(w.timeout);
                } else {
                    got = Optional.of(q.receive());
                }
            }
            if (got.isEmpty()) {
                return ExitCodes.WOULD_BLOCK;
            }
            PosixMessage m = got.get();
            byte[] bytes = m.data();
            if (json) {
                java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
                JsonLines lines = new JsonLines(line);
                JsonGenerator g = lines.begin();
                g.writeNumberProperty("priority", m.priority());
                JsonLines.data(g, m.data());
                lines.end();
                bytes = line.toByteArray();
            }
            out.emit(bytes, "the message received from " + name + " (" + m.data().length + " bytes, priority "
                    + m.priority() + ")");
            return ExitCodes.OK;
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true, description = "Show a queue's attributes (mq_getattr).")
    static final class Info implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--json", description = "One JSON object: name, max_messages, message_size, current_messages.")
        boolean json;

        @Override
        public Integer call() throws IOException {
            PosixMessageQueue.checkName(name);
            PosixMessageQueue.Info a;
            try (PosixMessageQueue q = PosixMessageQueue.openExisting(name, PosixMessageQueue.Options.defaults().withAccess(Access.READ_ONLY))) {
                a = q.info();
            }
            Io io = Io.of(spec);
            if (json) {
                JsonLines lines = new JsonLines(io.out());
                JsonGenerator g = lines.begin();
                g.writeStringProperty("name", name);
                g.writeNumberProperty("max_messages", a.maxMessages());
                g.writeNumberProperty("message_size", a.messageSize());
                g.writeNumberProperty("current_messages", a.currentMessages());
                lines.end();
            } else {
                io.println("name " + name);
                io.println("max_messages " + a.maxMessages());
                io.println("message_size " + a.messageSize());
                io.println("current_messages " + a.currentMessages());
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "unlink", mixinStandardHelpOptions = true,
            description = "Remove the queue's name (mq_unlink); it goes once the last process closes it.")
    static final class Unlink implements Callable<Integer> {
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() throws IpcException {
            PosixMessageQueue.unlink(name);
            return ExitCodes.OK;
        }
    }
}
