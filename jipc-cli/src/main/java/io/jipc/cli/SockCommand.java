package io.jipc.cli;

import io.jipc.Errno;
import io.jipc.Fd;
import io.jipc.IpcException;
import io.jipc.PassedFiles;
import io.jipc.Transfer;
import io.jipc.socket.PeerCredentials;
import io.jipc.socket.ReceivedMessage;
import io.jipc.socket.SocketType;
import io.jipc.socket.UnixAddress;
import io.jipc.socket.UnixDatagramSocket;
import io.jipc.socket.UnixServerSocket;
import io.jipc.socket.UnixSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.core.JsonGenerator;

/**
 * {@code jipc sock listen|send}: UNIX-domain sockets of every type, on a path or an abstract
 * {@code @name}, with descriptor passing and the peer's credentials.
 */
@Command(name = "sock",
        description = "UNIX-domain sockets (ADDR is a path, or @name in the abstract namespace).",
        synopsisSubcommandLabel = "(listen | send)",
        subcommands = {SockCommand.Listen.class, SockCommand.Send.class})
public final class SockCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a verb is required: listen or send");
    }

    /** The most descriptors one message can carry (SCM_MAX_FD). */
    static final int MAX_FDS = 253;

    static SocketType type(CommandSpec spec, String word) {
        try {
            return SocketType.parse(word);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--type: " + e.getMessage());
        }
    }

    static UnixAddress address(CommandSpec spec, String text) {
        try {
            return UnixAddress.parse(text);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "ADDR: " + e.getMessage());
        }
    }

    @Command(name = "listen",
            description = {
                "Bind ADDR, serve COUNT messages to standard output, then exit.",
                "A stream socket serves COUNT connections, each read to end of stream; seqpacket and dgram",
                "serve COUNT records or datagrams. Payloads go to standard output as raw bytes; descriptors",
                "passed along are closed. A socket file this command created is removed when it exits,",
                "also on SIGINT, SIGTERM and SIGHUP (see --keep)."})
    static final class Listen implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "ADDR", description = "a path, or @name for the abstract namespace")
        String address;

        @Option(names = "--type", paramLabel = "TYPE", defaultValue = "stream",
                description = "stream (default), dgram or seqpacket")
        String type;

        @Option(names = "--count", paramLabel = "N", defaultValue = "1", description = "messages to serve (default 1)")
        int count;

        @Option(names = "--timeout", paramLabel = "D", converter = Converters.DurationConverter.class,
                description = "give up (exit 1) when the next connection or message takes longer than D")
        Duration timeout;

        @Option(names = "--json", description = "one line per message: {\"data\":…,\"peer\":{\"pid\":…,\"uid\":…,\"gid\":…},\"fds\":[{\"target\":…}…]}")
        boolean json;

        @Option(names = "--mode", paramLabel = "M", converter = Converters.ModeConverter.class, defaultValue = "0600",
                description = "mode of the socket file (default 0600)")
        int mode;

        @Option(names = "--replace-stale", description = "replace a socket file left by a server that is gone (never a live one)")
        boolean replaceStale;

        @Option(names = "--keep", description = "leave the socket file when exiting")
        boolean keep;

        private Io io;

        @Override
        public Integer call() throws IOException {
            if (count < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--count must be at least 1, not " + count);
            }
            SocketType t = type(spec, type);
            UnixAddress a = address(spec, address);
            Converters.checkPermissionBits("a socket file", mode);
            io = Io.of(spec);
            io.out().checkWritable(); // before binding: take no message that could not be written
            try {
                return t == SocketType.DGRAM ? datagrams(a) : connections(a, t);
            } catch (IpcException e) {
                if (e.call().equals("bind") && e.errno() == Errno.EADDRINUSE.number() && !replaceStale) {
                    throw Failure.of(e).withAdvice(whatIsAt(a));
                }
                throw e;
            }
        }

        /**
         * Why ADDR is taken, and what to do about it in this command's words: a live server is
         * there, a socket file a server that is gone left (--replace-stale), or something else.
         */
        private String whatIsAt(UnixAddress a) {
            if (!a.isPath()) {
                return "another socket is bound to the abstract name " + address + "; the name is free again once that"
                        + " socket is closed";
            }
            String kind;
            try {
                int m = (Integer) Files.getAttribute(a.path(), "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS);
                kind = switch (m & 0170000) {
                    case 0140000 -> null;
                    case 0040000 -> "a directory";
                    case 0100000 -> "a regular file";
                    case 0120000 -> "a symbolic link";
                    case 0010000 -> "a FIFO";
                    default -> "a device file";
                };
            } catch (IOException | RuntimeException e) {
                return address + " is taken";
            }
            if (kind != null) {
                return address + " is " + kind + ", not a socket: listen binds a new socket file there;"
                        + " choose another path (--replace-stale replaces only a stale socket file)";
            }
            if (live(a)) {
                return "a live server listens on " + address + ": stop it or choose another path"
                        + " (--replace-stale never replaces a live socket)";
            }
            return address + " is a socket file left by a server that is gone: --replace-stale replaces it";
        }

        /** Whether a socket is bound at the path: a datagram connect creates no connection and is refused only by a stale file. */
        private static boolean live(UnixAddress a) {
            try (UnixDatagramSocket probe = UnixDatagramSocket.unbound()) {
                probe.connect(a);
                return true;
            } catch (IpcException e) {
                return e.errno() != Errno.ECONNREFUSED.number() && e.errno() != Errno.ENOENT.number();
            }
        }

        private Optional<Duration> waitLimit() {
            return Optional.ofNullable(timeout);
        }

        private Integer datagrams(UnixAddress a) throws IOException {
            UnixDatagramSocket.Options o = UnixDatagramSocket.Options.defaults().withMode(Converters.permissions(mode))
                    .withPassCredentials(true).withReplaceStale(replaceStale).withUnlinkOnClose(!keep);
            try (UnixDatagramSocket s = UnixDatagramSocket.bind(a, o)) {
                ByteBuffer buf = ByteBuffer.allocateDirect(Math.max(1 << 18, s.receiveBufferSize()));
                for (int served = 0; served < count; served++) {
                    buf.clear();
                    Optional<ReceivedMessage> got = timeout == null
                            ? Optional.of(s.receiveMessage(buf, MAX_FDS))
                            : s.tryReceiveMessage(buf, MAX_FDS, timeout);
                    if (got.isEmpty()) {
                        return ExitCodes.WOULD_BLOCK;
                    }
                    try (ReceivedMessage m = got.get()) {
                        warnIfCut(m);
                        buf.flip();
                        byte[] data = new byte[buf.remaining()];
                        buf.get(data);
                        emit(data, m.credentials().orElse(null), targets(m), "the datagram of " + data.length + " bytes");
                    }
                }
            }
            return ExitCodes.OK;
        }

        private Integer connections(UnixAddress a, SocketType t) throws IOException {
            UnixServerSocket.Options o = UnixServerSocket.Options.defaults().withType(t).withMode(Converters.permissions(mode))
                    .withReplaceStale(replaceStale).withUnlinkOnClose(!keep);
            try (UnixServerSocket server = UnixServerSocket.bind(a, o)) {
                ByteBuffer buf = ByteBuffer.allocateDirect(t == SocketType.STREAM ? 1 << 16 : Math.max(1 << 18, server.receiveBufferSize()));
                int served = 0;
                while (served < count) {
                    Optional<UnixSocket> accepted = timeout == null ? Optional.of(server.accept()) : server.tryAccept(timeout);
                    if (accepted.isEmpty()) {
                        return ExitCodes.WOULD_BLOCK;
                    }
                    try (UnixSocket c = accepted.get()) {
                        PeerCredentials peer = c.peerCredentials();
                        if (t == SocketType.STREAM) {
                            if (!readStream(c, peer, buf)) {
                                return ExitCodes.WOULD_BLOCK;
                            }
                            served++;
                            continue;
                        }
                        while (served < count) {
                            buf.clear();
                            Optional<ReceivedMessage> got = receive(c, buf);
                            if (got.isEmpty()) {
                                return ExitCodes.WOULD_BLOCK;
                            }
                            try (ReceivedMessage m = got.get()) {
                                if (m.endOfStream()) {
                                    break;
                                }
                                warnIfCut(m);
                                buf.flip();
                                byte[] data = new byte[buf.remaining()];
                                buf.get(data);
                                emit(data, peer, targets(m), "the record of " + data.length + " bytes");
                                served++;
                            }
                        }
                    }
                }
            }
            return ExitCodes.OK;
        }

        private Optional<ReceivedMessage> receive(UnixSocket c, ByteBuffer buf) throws IpcException {
            return timeout == null ? Optional.of(c.receiveMessage(buf, MAX_FDS)) : c.tryReceiveMessage(buf, MAX_FDS, timeout);
        }

        /** A stream connection to its end: plain output copies as it comes; --json collects one line. */
        private boolean readStream(UnixSocket c, PeerCredentials peer, ByteBuffer buf) throws IOException {
            ByteArrayOutputStream all = json ? new ByteArrayOutputStream() : null;
            List<String> targets = new ArrayList<>();
            byte[] chunk = new byte[buf.capacity()];
            while (true) {
                buf.clear();
                Optional<ReceivedMessage> got = receive(c, buf);
                if (got.isEmpty()) {
                    return false;
                }
                try (ReceivedMessage m = got.get()) {
                    targets.addAll(targets(m));
                    if (m.controlTruncated()) {
                        warn("more descriptors than " + MAX_FDS + " came on " + address
                                + "; the kernel closed the rest (recvmsg said MSG_CTRUNC)");
                    }
                    if (m.endOfStream()) {
                        break;
                    }
                    buf.flip();
                    int n = buf.remaining();
                    buf.get(chunk, 0, n);
                    if (json) {
                        all.write(chunk, 0, n);
                    } else {
                        io.out().emit(chunk, 0, n, n + " bytes received on " + address);
                    }
                }
            }
            if (json) {
                emit(all.toByteArray(), peer, targets, "the connection's " + all.size() + " bytes");
            }
            return true;
        }

        private void warnIfCut(ReceivedMessage m) {
            if (m.dataTruncated()) {
                warn("a message of " + m.messageLength() + " bytes on " + address + " was cut to " + m.bytes()
                        + " (recvmsg said MSG_TRUNC)");
            }
            if (m.controlTruncated()) {
                warn("more descriptors than " + MAX_FDS + " came on " + address
                        + "; the kernel closed the rest (recvmsg said MSG_CTRUNC)");
            }
        }

        /** Something the user should know that is no error (the command goes on): not cli.md's error line. */
        private void warn(String what) {
            io.err().println("jipc: warning: " + what);
        }

        /** What each received descriptor refers to (readlink of /proc/self/fd/N); the descriptors are then closed. */
        private static List<String> targets(ReceivedMessage m) {
            List<String> out = new ArrayList<>();
            for (Fd fd : m.takeFds()) {
                try (fd) {
                    int n = fd.acquire("readlink");
                    try {
                        out.add(Files.readSymbolicLink(Path.of("/proc/self/fd/" + n)).toString());
                    } finally {
                        fd.release();
                    }
                } catch (IOException e) {
                    out.add("?");
                }
            }
            return out;
        }

        private void emit(byte[] data, PeerCredentials peer, List<String> targets, String what) throws IOException {
            String taken = what + " received on " + address;
            if (!json) {
                io.out().emit(data, taken);
                return;
            }
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            JsonLines lines = new JsonLines(line);
            JsonGenerator g = lines.begin();
            JsonLines.data(g, data);
            if (peer != null) {
                g.writeObjectPropertyStart("peer");
                g.writeNumberProperty("pid", peer.pid());
                g.writeNumberProperty("uid", Integer.toUnsignedLong(peer.uid()));
                g.writeNumberProperty("gid", Integer.toUnsignedLong(peer.gid()));
                g.writeEndObject();
            }
            g.writeArrayPropertyStart("fds");
            for (String t : targets) {
                g.writeStartObject();
                g.writeStringProperty("target", t);
                g.writeEndObject();
            }
            g.writeEndArray();
            lines.end();
            io.out().emit(line.toByteArray(), taken);
        }
    }

    @Command(name = "send",
            description = {
                "Send DATA (or standard input to its end) to ADDR.",
                "Stream: over one connection, standard input passed on as it comes. Seqpacket: one record",
                "over one connection. Dgram: one datagram. Each --fd PATH is opened read-only and passed",
                "along (SCM_RIGHTS)."})
    static final class Send implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "ADDR", description = "a path, or @name for the abstract namespace")
        String address;

        @Parameters(index = "1", paramLabel = "DATA", arity = "0..1", description = "the bytes to send; absent or -: standard input")
        String data;

        @Option(names = "--type", paramLabel = "TYPE", defaultValue = "stream",
                description = "stream (default), dgram or seqpacket")
        String type;

        @Option(names = "--fd", paramLabel = "PATH", description = "open PATH read-only and pass it with the data (repeatable)")
        List<Path> fdPaths = new ArrayList<>();

        @Option(names = "--timeout", paramLabel = "D", converter = Converters.DurationConverter.class,
                description = "give up (exit 1) when the peer's queue stays full, or its backlog, for longer than D")
        Duration timeout;

        @Override
        public Integer call() throws IOException {
            SocketType t = type(spec, type);
            UnixAddress a = address(spec, address);
            if (fdPaths.size() > MAX_FDS) {
                throw new CommandLine.ParameterException(spec.commandLine(), "at most " + MAX_FDS + " --fd per message (SCM_MAX_FD)");
            }
            io = Io.of(spec);
            fromStdin = data == null || data.equals("-");
            limit = timeout == null ? Duration.ofSeconds(Long.MAX_VALUE) : timeout;
            List<Fd> fds = new ArrayList<>();
            try {
                for (Path p : fdPaths) {
                    fds.add(PassedFiles.openReadOnly(p));
                }
                return t == SocketType.DGRAM ? datagram(a, fds) : connected(a, t, fds);
            } finally {
                fds.forEach(Fd::close);
            }
        }

        private Io io;
        private boolean fromStdin;
        private Duration limit;

        /** One datagram: standard input is read only up to the socket's send buffer, the most a datagram can be. */
        private int datagram(UnixAddress a, List<Fd> fds) throws IOException {
            try (UnixDatagramSocket s = UnixDatagramSocket.unbound()) {
                byte[] bytes = message(s.sendBufferSize());
                return s.trySendFdsTo(ByteBuffer.wrap(bytes), fds, a, limit) ? ExitCodes.OK : ExitCodes.WOULD_BLOCK;
            }
        }

        /**
         * Stream: DATA, or standard input passed on as it comes (never held whole); the first piece
         * carries the descriptors. Seqpacket: one record, read up to the socket's send buffer.
         */
        private int connected(UnixAddress a, SocketType t, List<Fd> fds) throws IOException {
            byte[] first = null;
            if (t == SocketType.STREAM) {
                first = fromStdin ? readSome(new byte[1 << 16]) : io.data(data);
                if (first.length == 0 && !fds.isEmpty()) {
                    throw new CommandLine.ParameterException(spec.commandLine(),
                            "a stream socket passes descriptors with at least one data byte; DATA is empty");
                }
            }
            Optional<UnixSocket> connected = UnixSocket.tryConnect(a, t, limit);
            if (connected.isEmpty()) {
                return ExitCodes.WOULD_BLOCK;
            }
            try (UnixSocket s = connected.get()) {
                if (t != SocketType.STREAM) {
                    first = message(s.sendBufferSize());
                }
                ByteBuffer buf = ByteBuffer.wrap(first);
                if (s.trySendFds(buf, fds, limit) == Transfer.NOTHING || !sendRest(s, buf)) {
                    return ExitCodes.WOULD_BLOCK;
                }
                if (t == SocketType.STREAM && fromStdin) {
                    byte[] chunk = new byte[1 << 16];
                    byte[] piece;
                    while ((piece = readSome(chunk)).length > 0) {
                        if (!sendRest(s, ByteBuffer.wrap(piece))) {
                            return ExitCodes.WOULD_BLOCK;
                        }
                    }
                }
                if (t == SocketType.STREAM) {
                    s.shutdownOutput();
                }
            }
            return ExitCodes.OK;
        }

        private boolean sendRest(UnixSocket s, ByteBuffer buf) throws IpcException {
            while (buf.hasRemaining()) {
                if (s.trySend(buf, limit) == Transfer.NOTHING) {
                    return false;
                }
            }
            return true;
        }

        /** What standard input has now (up to a buffer's worth), empty at its end. */
        private byte[] readSome(byte[] buf) throws IOException {
            int n = io.in().read(buf, 0, buf.length);
            return n <= 0 ? new byte[0] : java.util.Arrays.copyOf(buf, n);
        }

        /**
         * A whole datagram or record: DATA, or standard input up to {@code sendBuffer} bytes (the
         * kernel refuses a message larger than the socket's send buffer, EMSGSIZE).
         */
        private byte[] message(int sendBuffer) throws Failure {
            byte[] bytes = io.data(data, sendBuffer);
            if (fromStdin && bytes.length > sendBuffer) {
                throw Failure.system("sendmsg", address, Errno.EMSGSIZE, "standard input holds more than the"
                        + " socket's send buffer, " + sendBuffer + " bytes, the most one message can be; nothing was sent");
            }
            return bytes;
        }
    }
}
