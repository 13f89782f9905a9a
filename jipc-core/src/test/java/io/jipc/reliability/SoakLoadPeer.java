package io.jipc.reliability;

import io.jipc.Fd;
import io.jipc.channel.ChannelReader;
import io.jipc.channel.ChannelWriter;
import io.jipc.lock.FileLock;
import io.jipc.mq.Envelope;
import io.jipc.mq.PosixMessageQueue;
import io.jipc.mq.SysVMessageQueue;
import io.jipc.mq.TypeSelector;
import io.jipc.pipe.Fifo;
import io.jipc.pipe.Pipe;
import io.jipc.sem.PosixSemaphore;
import io.jipc.sem.SemOp;
import io.jipc.sem.SysVSemaphoreSet;
import io.jipc.shm.Mapping;
import io.jipc.shm.SharedMemory;
import io.jipc.signal.Signal;
import io.jipc.signal.SignalCatcher;
import io.jipc.signal.SignalInfo;
import io.jipc.signal.Signals;
import io.jipc.socket.ReceivedMessage;
import io.jipc.socket.SocketType;
import io.jipc.socket.UnixAddress;
import io.jipc.socket.UnixDatagramSocket;
import io.jipc.socket.UnixSocket;
import io.jipc.sync.SharedMutex;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The other process of the soak suite's two-process load ({@link SoakLoad}): one mechanism at a
 * time, named by a line on standard input with the objects to open; it answers every request
 * (or contends for the lock) until a line arrives on standard input, then prints {@code done
 * MECHANISM N} and waits for the next. {@code exit} ends it.
 */
public final class SoakLoadPeer {
    private SoakLoadPeer() {}

    static final int SIZE = 8;

    static boolean stopAsked() throws IOException {
        return System.in.available() > 0;
    }

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null && !line.equals("exit")) {
            String[] a = line.split(" ");
            long n = serve(a);
            String stop = in.readLine();
            System.out.println("done " + a[0] + " " + n + " (" + stop + ")");
            System.out.flush();
        }
    }

    static void ready(String mechanism) {
        System.out.println("ready " + mechanism);
        System.out.flush();
    }

    static long serve(String[] a) throws Exception {
        byte[] buf = new byte[SIZE];
        long n = 0;
        switch (a[0]) {
            case "pipe" -> {
                try (UnixSocket s = UnixSocket.connect(UnixAddress.parse(a[1]));
                        ReceivedMessage m = s.receiveMessage(ByteBuffer.allocate(1), 2)) {
                    java.util.List<Fd> fds = m.takeFds();
                    try (Pipe.ReadEnd r = Pipe.ReadEnd.adopt(fds.get(0)); Pipe.WriteEnd w = Pipe.WriteEnd.adopt(fds.get(1))) {
                        ready(a[0]);
                        while (readFully(r, buf) && !stopAsked()) {
                            w.write(buf);
                            n++;
                        }
                    }
                }
            }
            case "fifo" -> {
                try (Pipe.ReadEnd r = Fifo.openForReading(Path.of(a[1])); Pipe.WriteEnd w = Fifo.openForWriting(Path.of(a[2]))) {
                    ready(a[0]);
                    while (readFully(r, buf) && !stopAsked()) {
                        w.write(buf);
                        n++;
                    }
                }
            }
            case "stream", "seqpacket" -> {
                SocketType type = a[0].equals("stream") ? SocketType.STREAM : SocketType.SEQPACKET;
                try (UnixSocket s = UnixSocket.connect(UnixAddress.parse(a[1]), type)) {
                    ready(a[0]);
                    while (s.receive(buf) == SIZE && !stopAsked()) {
                        s.send(buf);
                        n++;
                    }
                }
            }
            case "dgram" -> {
                UnixAddress parent = UnixAddress.parse(a[1]);
                try (UnixDatagramSocket s = UnixDatagramSocket.bind(UnixAddress.parse(a[2]))) {
                    ready(a[0]);
                    while (s.receive(buf) == SIZE && !stopAsked()) {
                        s.sendTo(buf, parent);
                        n++;
                    }
                }
            }
            case "posix-mq" -> {
                Envelope e = new Envelope();
                try (PosixMessageQueue req = PosixMessageQueue.openExisting(a[1]);
                        PosixMessageQueue resp = PosixMessageQueue.openExisting(a[2])) {
                    ready(a[0]);
                    while (req.receive(buf, e) == SIZE && !stopAsked()) {
                        resp.send(buf, 1);
                        n++;
                    }
                }
            }
            case "sysv-mq" -> {
                Envelope e = new Envelope();
                TypeSelector requests = TypeSelector.exactly(1);
                try (SysVMessageQueue q = SysVMessageQueue.openId(Integer.parseInt(a[1]))) {
                    ready(a[0]);
                    while (q.receive(buf, e, requests) == SIZE && !stopAsked()) {
                        q.send(buf, 2);
                        n++;
                    }
                }
            }
            case "posix-sem" -> {
                try (PosixSemaphore ping = PosixSemaphore.openExisting(a[1]); PosixSemaphore pong = PosixSemaphore.openExisting(a[2])) {
                    ready(a[0]);
                    while (true) {
                        ping.acquire();
                        if (stopAsked()) {
                            break;
                        }
                        pong.release();
                        n++;
                    }
                }
            }
            case "sysv-sem" -> {
                SemOp takePing = SemOp.of(0, -1);
                SemOp givePong = SemOp.of(1, 1);
                try (SysVSemaphoreSet set = SysVSemaphoreSet.openId(Integer.parseInt(a[1]))) {
                    ready(a[0]);
                    while (true) {
                        set.op(takePing);
                        if (stopAsked()) {
                            break;
                        }
                        set.op(givePong);
                        n++;
                    }
                }
            }
            case "mutex" -> {
                try (SharedMemory shm = SharedMemory.openExisting(a[1]); Mapping m = shm.map();
                        SharedMutex mutex = SharedMutex.openExisting(m, 0)) {
                    long counter = Long.parseLong(a[2]);
                    ready(a[0]);
                    while (!stopAsked()) {
                        mutex.lock();
                        try {
                            m.segment().set(ValueLayout.JAVA_LONG, counter, m.segment().get(ValueLayout.JAVA_LONG, counter) + 1);
                        } finally {
                            mutex.unlock();
                        }
                        n++;
                    }
                }
            }
            case "channel" -> {
                try (ChannelReader req = ChannelReader.openExisting(a[1]); ChannelWriter resp = ChannelWriter.openExisting(a[2])) {
                    // The pidfd each end keeps of the other side's process, opened now rather than
                    // at its first park during the measured load (SoakLoad settles its ends too).
                    req.peer();
                    resp.peer();
                    ready(a[0]);
                    long[] got = {0};
                    ByteBuffer out = ByteBuffer.allocate(SIZE);
                    while (true) {
                        req.drain((type, ring, at, length) -> {
                            got[0] = ring.get(ValueLayout.JAVA_LONG_UNALIGNED, at);
                        }, 1);
                        if (stopAsked()) {
                            break;
                        }
                        resp.send(1, out.clear().putLong(0, got[0]));
                        n++;
                    }
                }
            }
            case "signal" -> {
                try (SignalCatcher c = SignalCatcher.open(Signal.SIGUSR1)) {
                    ready(a[0]);
                    while (true) {
                        SignalInfo s = c.receive();
                        if (stopAsked()) {
                            break;
                        }
                        Signals.send(s.pid(), Signal.SIGUSR1);
                        n++;
                    }
                }
            }
            case "file-lock" -> {
                try (FileLock l = FileLock.open(Path.of(a[1]), FileLock.Options.defaults())) {
                    ready(a[0]);
                    while (!stopAsked()) {
                        l.lock();
                        l.unlock();
                        n++;
                    }
                }
            }
            default -> throw new IllegalArgumentException("no load for " + a[0]);
        }
        return n;
    }

    static boolean readFully(Pipe.ReadEnd r, byte[] buf) throws IOException {
        int got = 0;
        while (got < buf.length) {
            int k = r.read(buf, got, buf.length - got);
            if (k < 0) {
                return false;
            }
            got += k;
        }
        return true;
    }
}
