package io.jipc.inspect;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * UNIX-domain sockets that have an address (a path, or {@code @name} in the abstract namespace),
 * from {@code /proc/net/unix}: listening sockets, bound datagram sockets, and the connections a
 * server accepted (which show the server's address), each with the processes holding it.
 * Unnamed sockets (socketpair, clients) are not listed.
 */
final class UnixSockets {
    private UnixSockets() {}

    /** {@code __SO_ACCEPTCON} in the Flags column: the socket listens. */
    private static final long LISTENING = 0x10000;

    static List<IpcObject> list(ProcessTable procs) {
        List<IpcObject> found = new ArrayList<>();
        String[] lines = ProcessTable.read(Path.of("/proc/net/unix")).split("\n");
        for (int i = 1; i < lines.length; i++) {
            // Num RefCount Protocol Flags Type St Inode [Path]
            String[] f = lines[i].trim().split("\\s+", 8);
            if (f.length < 8 || f[7].isEmpty()) {
                continue;
            }
            long flags = Long.parseLong(f[3], 16);
            int type = Integer.parseInt(f[4], 16);
            int st = Integer.parseInt(f[5], 16);
            long inode = Long.parseLong(f[6]);
            Map<String, String> labels = new LinkedHashMap<>();
            labels.put("socket_type", switch (type) {
                case 1 -> "stream";
                case 2 -> "dgram";
                case 5 -> "seqpacket";
                default -> "type " + type;
            });
            labels.put("state", (flags & LISTENING) != 0 ? "listening" : switch (st) {
                case 1 -> "unconnected";
                case 2 -> "connecting";
                case 3 -> "connected";
                case 4 -> "disconnecting";
                default -> "state " + st;
            });
            List<ProcessRef> holders = procs.opening("socket:[" + inode + "]").stream()
                    .map(pid -> procs.ref("holder", pid)).toList();
            found.add(new IpcObject(ObjectType.SOCKET, Optional.of(f[7]), OptionalLong.of(inode), Optional.empty(),
                    OptionalInt.empty(), OptionalInt.empty(), OptionalLong.empty(), Map.of(), labels, holders, false));
        }
        return found;
    }
}
