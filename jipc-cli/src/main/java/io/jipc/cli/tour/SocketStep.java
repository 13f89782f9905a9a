package io.jipc.cli.tour;

import io.jipc.Fd;
import io.jipc.socket.PeerCredentials;
import io.jipc.socket.ReceivedMessage;
import io.jipc.socket.UnixAddress;
import io.jipc.socket.UnixServerSocket;
import io.jipc.socket.UnixSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** A UNIX-domain socket: the peer's credentials, and an open file passed from one process to another. */
final class SocketStep implements TourStep {
    @Override
    public String mechanism() {
        return "socket";
    }

    @Override
    public String title() {
        return "UNIX-domain sockets (socket, SO_PEERCRED, sendmsg with SCM_RIGHTS): messages and open files";
    }

    @Override
    public void run(Tour.Context tour) throws Exception {
        String address = "@" + tour.name("socket").substring(1);
        Path file = Files.writeString(tour.dir().resolve("secret.txt"), "a file only the child opened\n");
        try (UnixServerSocket server = UnixServerSocket.bind(UnixAddress.parse(address))) {
            tour.say("listening at " + address + " (the abstract namespace: no file to remove)");
            Tour.Child client = tour.jipc("sock", "send", address, "here is a file", "--fd", file.toString());
            tour.say("started `jipc sock send " + address + " 'here is a file' --fd " + file + "` (pid " + client.pid()
                    + ")");
            try (UnixSocket s = server.accept()) {
                PeerCredentials peer = s.peerCredentials();
                ByteBuffer buf = ByteBuffer.allocate(256);
                try (ReceivedMessage m = s.receiveMessage(buf, 4)) {
                    client.output();
                    Files.delete(file);
                    String text = new String(buf.array(), 0, m.bytes(), StandardCharsets.UTF_8);
                    tour.say("accepted pid " + peer.pid() + " (uid " + peer.uid() + ", SO_PEERCRED); it sent \"" + text
                            + "\" and " + m.fdCount() + " open file");
                    Fd fd = m.fds().get(0);
                    int n = fd.acquire("read");
                    String content;
                    try {
                        content = Files.readString(Path.of("/proc/self/fd/" + n)).strip();
                    } finally {
                        fd.release();
                    }
                    tour.say("the child has exited and the file is deleted, yet through the descriptor it passed"
                            + " this process reads \"" + content + "\"");
                }
            }
        }
    }
}
