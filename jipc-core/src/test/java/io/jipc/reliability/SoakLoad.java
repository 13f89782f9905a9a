package io.jipc.reliability;

import io.jipc.IpcKey;
import io.jipc.channel.Channel;
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
import io.jipc.signal.Signals;
import io.jipc.socket.SocketType;
import io.jipc.socket.UnixAddress;
import io.jipc.socket.UnixDatagramSocket;
import io.jipc.socket.UnixServerSocket;
import io.jipc.socket.UnixSocket;
import io.jipc.sync.SharedMutex;
import io.jipc.sync.SlotKind;
import io.jipc.sync.Slots;
import io.jipc.testing.Peer;
import io.jipc.testing.PeerJvm;
import io.jipc.testing.TestIpc;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The soak suite's two-process load: for each mechanism, this JVM and a peer JVM ({@link
 * SoakLoadPeer}) exchange 8-byte requests and answers (or contend for one lock) for a bounded
 * time, and both processes' {@link Footprint}s are taken once the load has warmed up (a fifth of
 * the time in) and again at its end, still under load. One line per mechanism:
 *
 * <pre>load mech=pipe seconds=120 exchanges=N | self: GROWTH | peer: GROWTH | self_first: … | self_last: … | peer_first: … | peer_last: …</pre>
 *
 * <p>Arguments: {@code SECONDS_PER_MECHANISM [MECHANISM…]}.
 */
public final class SoakLoad {
    private SoakLoad() {}

    static final List<String> MECHANISMS = List.of("pipe", "fifo", "stream", "seqpacket", "dgram", "posix-mq", "sysv-mq",
            "posix-sem", "sysv-sem", "mutex", "channel", "signal", "file-lock");

    /** One exchange of this JVM's side; returns false if the answer was wrong. */
    interface Exchange {
        boolean run(long i) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        long seconds = Long.parseLong(args[0]);
        List<String> only = args.length > 1 ? List.of(args).subList(1, args.length) : MECHANISMS;
        System.out.println("prefix " + TestIpc.PREFIX);
        System.out.println("nmt " + (Footprint.nmtSummary() != null));
        Path dir = Files.createTempDirectory("jipc-load");
        List<String> failures = new ArrayList<>();
        try (Peer peer = PeerJvm.start(List.of("-Xmx64m"), SoakLoadPeer.class)) {
            for (String mech : only) {
                try {
                    run(mech, seconds, peer, dir);
                } catch (Exception | AssertionError e) {
                    failures.add(mech);
                    System.out.println("load mech=" + mech + " failed: " + e);
                    e.printStackTrace();
                    break; // the peer's state is unknown now
                }
            }
            peer.send("exit");
            peer.awaitExit(Duration.ofSeconds(30));
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
        System.out.println(failures.isEmpty() ? "load done" : "load failed " + failures);
    }

    static void run(String mech, long seconds, Peer peer, Path dir) throws Exception {
        byte[] req = new byte[SoakLoadPeer.SIZE];
        byte[] resp = new byte[SoakLoadPeer.SIZE];
        ByteBuffer reqBuf = ByteBuffer.wrap(req);
        List<AutoCloseable> open = new ArrayList<>();
        List<Runnable> cleanup = new ArrayList<>();
        Exchange exchange;
        Runnable wake; // after "stop": the one request that lets the peer see it
        // Once the peer is in: what an end opens on first need and keeps, opened before the load,
        // so that the load measures growth and not a first use that may fall after its first look.
        Runnable settle = () -> { };
        String command;
        try {
            switch (mech) {
                case "pipe" -> {
                    UnixAddress address = UnixAddress.parse("@" + TestIpc.PREFIX + "load-pipe");
                    Pipe toPeer = Pipe.open();
                    Pipe fromPeer = Pipe.open();
                    open.add(toPeer);
                    open.add(fromPeer);
                    try (UnixServerSocket server = UnixServerSocket.bind(address)) {
                        peer.send("pipe " + address);
                        try (UnixSocket s = server.accept()) {
                            s.sendFds(ByteBuffer.wrap(new byte[1]), List.of(toPeer.readEnd(), fromPeer.writeEnd()));
                        }
                    }
                    toPeer.readEnd().close();
                    fromPeer.writeEnd().close();
                    command = null;
                    exchange = i -> {
                        reqBuf.putLong(0, i);
                        toPeer.writeEnd().write(req);
                        return SoakLoadPeer.readFully(fromPeer.readEnd(), resp) && ByteBuffer.wrap(resp).getLong(0) == i;
                    };
                    wake = unchecked(() -> toPeer.writeEnd().write(req));
                }
                case "fifo" -> {
                    Fifo a = Fifo.createExclusively(dir.resolve("to-peer"));
                    Fifo b = Fifo.createExclusively(dir.resolve("from-peer"));
                    cleanup.add(unchecked(a::unlink));
                    cleanup.add(unchecked(b::unlink));
                    peer.send("fifo " + a.path() + " " + b.path());
                    Pipe.WriteEnd w = a.openForWriting();
                    open.add(w);
                    Pipe.ReadEnd r = b.openForReading();
                    open.add(r);
                    command = null;
                    exchange = i -> {
                        reqBuf.putLong(0, i);
                        w.write(req);
                        return SoakLoadPeer.readFully(r, resp) && ByteBuffer.wrap(resp).getLong(0) == i;
                    };
                    wake = unchecked(() -> w.write(req));
                }
                case "stream", "seqpacket" -> {
                    SocketType type = mech.equals("stream") ? SocketType.STREAM : SocketType.SEQPACKET;
                    UnixAddress address = UnixAddress.parse("@" + TestIpc.PREFIX + "load-" + mech);
                    UnixSocket s;
                    try (UnixServerSocket server = UnixServerSocket.bind(address, UnixServerSocket.Options.defaults().withType(type))) {
                        peer.send(mech + " " + address);
                        s = server.accept();
                    }
                    open.add(s);
                    command = null;
                    exchange = i -> {
                        reqBuf.putLong(0, i);
                        s.send(req);
                        int got = 0;
                        while (got < resp.length) {
                            int k = s.receive(resp, got, resp.length - got);
                            if (k < 0) {
                                return false;
                            }
                            got += k;
                        }
                        return ByteBuffer.wrap(resp).getLong(0) == i;
                    };
                    wake = unchecked(() -> s.send(req));
                }
                case "dgram" -> {
                    UnixAddress mine = UnixAddress.parse("@" + TestIpc.PREFIX + "load-dgram-a");
                    UnixAddress theirs = UnixAddress.parse("@" + TestIpc.PREFIX + "load-dgram-b");
                    UnixDatagramSocket s = UnixDatagramSocket.bind(mine);
                    open.add(s);
                    command = "dgram " + mine + " " + theirs;
                    exchange = i -> {
                        reqBuf.putLong(0, i);
                        s.sendTo(req, theirs);
                        return s.receive(resp) == resp.length && ByteBuffer.wrap(resp).getLong(0) == i;
                    };
                    wake = unchecked(() -> s.sendTo(req, theirs));
                }
                case "posix-mq" -> {
                    String a = TestIpc.name("load-mq-req");
                    String b = TestIpc.name("load-mq-resp");
                    PosixMessageQueue.Options o = PosixMessageQueue.Options.defaults().withMaxMessages(4).withMessageSize(SoakLoadPeer.SIZE);
                    PosixMessageQueue q1 = PosixMessageQueue.createExclusively(a, o);
                    open.add(q1);
                    cleanup.add(unchecked(q1::unlink));
                    PosixMessageQueue q2 = PosixMessageQueue.createExclusively(b, o);
                    open.add(q2);
                    cleanup.add(unchecked(q2::unlink));
                    Envelope e = new Envelope();
                    command = "posix-mq " + a + " " + b;
                    exchange = i -> {
                        reqBuf.putLong(0, i);
                        q1.send(req, 1);
                        return q2.receive(resp, e) == resp.length && ByteBuffer.wrap(resp).getLong(0) == i;
                    };
                    wake = unchecked(() -> q1.send(req, 1));
                }
                case "sysv-mq" -> {
                    SysVMessageQueue q = SysVMessageQueue.createExclusively(IpcKey.of(TestIpc.key()));
                    open.add(q);
                    cleanup.add(unchecked(q::remove));
                    Envelope e = new Envelope();
                    TypeSelector answers = TypeSelector.exactly(2);
                    command = "sysv-mq " + q.id();
                    exchange = i -> {
                        reqBuf.putLong(0, i);
                        q.send(req, 1);
                        return q.receive(resp, e, answers) == resp.length && ByteBuffer.wrap(resp).getLong(0) == i;
                    };
                    wake = unchecked(() -> q.send(req, 1));
                }
                case "posix-sem" -> {
                    String a = TestIpc.name("load-ping");
                    String b = TestIpc.name("load-pong");
                    PosixSemaphore ping = PosixSemaphore.createExclusively(a);
                    open.add(ping);
                    cleanup.add(unchecked(ping::unlink));
                    PosixSemaphore pong = PosixSemaphore.createExclusively(b);
                    open.add(pong);
                    cleanup.add(unchecked(pong::unlink));
                    command = "posix-sem " + a + " " + b;
                    exchange = i -> {
                        ping.release();
                        pong.acquire();
                        return true;
                    };
                    wake = unchecked(ping::release);
                }
                case "sysv-sem" -> {
                    SysVSemaphoreSet set = SysVSemaphoreSet.createExclusively(IpcKey.of(TestIpc.key()), 2);
                    open.add(set);
                    cleanup.add(unchecked(set::remove));
                    SemOp givePing = SemOp.of(0, 1);
                    SemOp takePong = SemOp.of(1, -1);
                    command = "sysv-sem " + set.id();
                    exchange = i -> set.op(givePing) && set.op(takePong);
                    wake = unchecked(() -> set.op(givePing));
                }
                case "mutex" -> {
                    String name = TestIpc.name("load-mutex");
                    Slots slots = Slots.from(0);
                    slots.reserve(SlotKind.MUTEX);
                    long counter = slots.bytes(8, 8);
                    SharedMemory shm = SharedMemory.createExclusively(name, slots.size());
                    open.add(shm);
                    cleanup.add(unchecked(shm::unlink));
                    Mapping m = shm.map();
                    SharedMutex mutex = SharedMutex.createExclusively(m, 0);
                    open.add(m);
                    open.add(mutex);
                    command = "mutex " + name + " " + counter;
                    exchange = i -> {
                        mutex.lock();
                        try {
                            m.segment().set(ValueLayout.JAVA_LONG, counter, m.segment().get(ValueLayout.JAVA_LONG, counter) + 1);
                        } finally {
                            mutex.unlock();
                        }
                        return true;
                    };
                    wake = () -> { };
                }
                case "channel" -> {
                    String a = TestIpc.name("load-ch-req");
                    String b = TestIpc.name("load-ch-resp");
                    Channel.Options o = Channel.Options.defaults().withCapacity(64 * 1024);
                    ChannelWriter w = ChannelWriter.createExclusively(a, o);
                    open.add(w);
                    cleanup.add(unchecked(() -> Channel.unlink(a)));
                    ChannelReader r = ChannelReader.createExclusively(b, o);
                    open.add(r);
                    cleanup.add(unchecked(() -> Channel.unlink(b)));
                    long[] got = {-1};
                    io.jipc.channel.RecordHandler handler = (type, ring, at, length) -> got[0] = ring.get(ValueLayout.JAVA_LONG_UNALIGNED, at);
                    command = "channel " + a + " " + b;
                    exchange = i -> {
                        reqBuf.putLong(0, i);
                        w.send(1, req);
                        r.drain(handler, 1);
                        return got[0] == i;
                    };
                    wake = unchecked(() -> w.send(1, req));
                    // Each end keeps a pidfd of the other side's process, opened the first time it
                    // asks whether that process runs (a park that ends with nothing to read).
                    settle = unchecked(() -> {
                        w.peer();
                        r.peer();
                    });
                }
                case "signal" -> {
                    SignalCatcher c = SignalCatcher.open(Signal.SIGUSR1);
                    open.add(c);
                    command = "signal";
                    long pid = peer.pid();
                    exchange = i -> {
                        Signals.send(pid, Signal.SIGUSR1);
                        return c.receive().pid() == pid;
                    };
                    wake = unchecked(() -> Signals.send(pid, Signal.SIGUSR1));
                }
                case "file-lock" -> {
                    Path file = dir.resolve("lock");
                    FileLock l = FileLock.open(file, FileLock.Options.defaults().withCreate(true));
                    open.add(l);
                    command = "file-lock " + file;
                    exchange = i -> {
                        l.lock();
                        l.unlock();
                        return true;
                    };
                    wake = () -> { };
                }
                default -> throw new IllegalArgumentException("no load for " + mech);
            }
            if (command != null) {
                peer.send(command);
            }
            peer.awaitOutput("ready " + mech, Duration.ofSeconds(30));
            settle.run();
            long start = System.nanoTime();
            long total = Duration.ofSeconds(seconds).toNanos();
            Footprint selfFirst = null;
            Footprint peerFirst = null;
            long i = 0;
            while (true) {
                if (!exchange.run(i)) {
                    throw new AssertionError(mech + ": exchange " + i + " got a wrong answer");
                }
                i++;
                if ((i & 127) == 0) {
                    long t = System.nanoTime() - start;
                    if (selfFirst == null && t >= total / 5) {
                        selfFirst = Footprint.self();
                        peerFirst = Footprint.of(peer.pid());
                    }
                    if (t >= total) {
                        break;
                    }
                }
            }
            Footprint selfLast = Footprint.self();
            Footprint peerLast = Footprint.of(peer.pid());
            peer.send("stop");
            wake.run();
            peer.awaitOutput("done " + mech + " ", Duration.ofSeconds(30));
            System.out.println("load mech=" + mech + " seconds=" + seconds + " exchanges=" + i
                    + " | self: " + selfFirst.growthTo(selfLast).line() + " | peer: " + peerFirst.growthTo(peerLast).line()
                    + " | self_first: " + selfFirst.line() + " | self_last: " + selfLast.line()
                    + " | peer_first: " + peerFirst.line() + " | peer_last: " + peerLast.line());
        } finally {
            for (Runnable r : cleanup) { // names and ids first: a System V object is removed through its open handle
                r.run();
            }
            for (int k = open.size() - 1; k >= 0; k--) {
                open.get(k).close();
            }
        }
    }

    interface Action {
        void run() throws Exception;
    }

    static Runnable unchecked(Action a) {
        return () -> {
            try {
                a.run();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
    }
}
