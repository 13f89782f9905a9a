import static java.nio.charset.StandardCharsets.UTF_8;

import io.jipc.Fd;
import io.jipc.PassedFiles;
import io.jipc.socket.PeerCredentials;
import io.jipc.socket.ReceivedMessage;
import io.jipc.socket.SocketType;
import io.jipc.socket.UnixAddress;
import io.jipc.socket.UnixServerSocket;
import io.jipc.socket.UnixSocket;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A server hands its client an open file, not a path: it opens {@code DIR/logs/today.log},
 * accepts a client on the socket {@code DIR/server.sock}, checks who it is (SO_PEERCRED) and
 * sends it the open descriptor with SCM_RIGHTS. The client is never told the path: it reads the
 * file the server chose through the descriptor it received. This is how privilege-separated
 * daemons give out files and how systemd hands services their sockets.
 *
 * <p>Run: {@code examples/fd-passing/run} (it starts {@code FdPassing server DIR} and {@code
 * FdPassing client DIR}).
 */
public final class FdPassing {
    private FdPassing() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[1]);
        Path socket = dir.resolve("server.sock");
        if (args[0].equals("server")) {
            server(dir, socket);
        } else {
            client(socket);
        }
    }

    static void server(Path dir, Path socket) throws Exception {
        Path logs = Files.createDirectory(dir.resolve("logs"));
        Path log = Files.writeString(logs.resolve("today.log"), "12:00 backup done\n12:05 disk 81% full\n");
        try (UnixServerSocket server = UnixServerSocket.bind(UnixAddress.of(socket));
             Fd file = PassedFiles.openReadOnly(log)) {              // this process opens it
            System.out.println(String.format("server %d: listening at %s, holding %s open", ProcessHandle.current().pid(), socket, log));
            try (UnixSocket client = server.accept()) {
                PeerCredentials who = client.peerCredentials();
                System.out.println(String.format("server: client pid %d uid %d connected; passing it the open file", who.pid(), who.uid()));
                client.sendFds(ByteBuffer.wrap("today.log".getBytes(UTF_8)), List.of(file));
            }
            server.unlink();
        }
    }

    static void client(Path socket) throws Exception {
        while (!Files.exists(socket)) {                               // the server makes it
            Thread.sleep(10);
        }
        try (UnixSocket s = UnixSocket.connect(UnixAddress.of(socket), SocketType.STREAM)) {
            ByteBuffer name = ByteBuffer.allocate(64);
            try (ReceivedMessage m = s.receiveMessage(name, 1)) {
                Fd fd = m.fds().get(0);
                String what = new String(name.array(), 0, m.bytes(), UTF_8);
                System.out.println(String.format("client %d: received \"%s\" and an open file, %s", ProcessHandle.current().pid(),
                        what, fd));
                // The JDK cannot wrap a descriptor number: PassedFiles reopens the very file it refers to.
                try (FileChannel ch = PassedFiles.openChannel(fd)) {
                    new String(Channels.newInputStream(ch).readAllBytes(), UTF_8).lines()
                            .forEach(l -> System.out.println("client: | " + l));
                }
            }
        }
    }
}
