package io.jipc.reliability;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.jipc.Fd;
import io.jipc.IpcKey;
import io.jipc.PassedFiles;
import io.jipc.channel.Channel;
import io.jipc.channel.ChannelReader;
import io.jipc.channel.ChannelWriter;
import io.jipc.lock.FileLock;
import io.jipc.lock.LockKind;
import io.jipc.mq.Envelope;
import io.jipc.mq.PosixMessageQueue;
import io.jipc.mq.SysVMessageQueue;
import io.jipc.mq.TypeSelector;
import io.jipc.pipe.Fifo;
import io.jipc.pipe.Pipe;
import io.jipc.poll.Poller;
import io.jipc.poll.Readiness;
import io.jipc.process.ChildProcess;
import io.jipc.process.Redirect;
import io.jipc.sem.PermitPool;
import io.jipc.sem.PosixSemaphore;
import io.jipc.sem.SemOp;
import io.jipc.sem.SysVSemaphoreSet;
import io.jipc.shm.MemFd;
import io.jipc.shm.Mapping;
import io.jipc.shm.SharedMemory;
import io.jipc.shm.SysVSharedMemory;
import io.jipc.signal.Signal;
import io.jipc.signal.SignalCatcher;
import io.jipc.signal.Signals;
import io.jipc.socket.ReceivedMessage;
import io.jipc.socket.SocketType;
import io.jipc.socket.UnixAddress;
import io.jipc.socket.UnixDatagramSocket;
import io.jipc.socket.UnixServerSocket;
import io.jipc.socket.UnixSocket;
import io.jipc.sync.SharedBarrier;
import io.jipc.sync.SharedCondition;
import io.jipc.sync.SharedMutex;
import io.jipc.sync.SharedRwLock;
import io.jipc.sync.SharedSemaphore;
import io.jipc.sync.SlotKind;
import io.jipc.sync.Slots;
import io.jipc.testing.TestIpc;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The soak suite's cycles: every object kind opened, used once and closed, over and over, in a JVM
 * of its own (started with Native Memory Tracking), which measures its own {@link Footprint}
 * before and after and prints one line per kind:
 *
 * <pre>soak kind=pipe cycles=100000 ms=4210 growth: fds=0 maps=0 … | before: … | after: …</pre>
 *
 * <p>Arguments: {@code CYCLES MAX_SECONDS_PER_KIND [KIND…]}. A kind stops early at its time bound
 * and says how many cycles it ran. Each kind first runs a warm-up (a tenth of the cycles, at most
 * 2,000) so that class loading, the JIT and the JDK's caches have settled before the first
 * measurement; what grows after that grows with the cycles.
 */
public final class SoakCycles {
    private SoakCycles() {}

    /** One cycle of a kind: open, use, close. */
    interface Cycle {
        void run(int i) throws Exception;
    }

    static final byte[] ONE = {42};

    static Map<String, Cycle> kinds(Path dir) throws Exception {
        Map<String, Cycle> k = new LinkedHashMap<>();
        byte[] buf = new byte[64];
        ByteBuffer bb = ByteBuffer.allocate(64);

        k.put("pipe", i -> {
            try (Pipe p = Pipe.open()) {
                p.writeEnd().write(ONE);
                check(p.readEnd().read(buf) == 1);
            }
        });
        Path fifoPath = dir.resolve("fifo");
        // Each end's open waits for the other (as in C): the reader opens on a helper thread.
        java.util.concurrent.ExecutorService opener = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "soak-fifo-opener");
            t.setDaemon(true);
            return t;
        });
        k.put("fifo", i -> {
            Fifo f = Fifo.createExclusively(fifoPath);
            java.util.concurrent.Future<Pipe.ReadEnd> reader = opener.submit((java.util.concurrent.Callable<Pipe.ReadEnd>) f::openForReading);
            try (Pipe.WriteEnd w = f.openForWriting(); Pipe.ReadEnd r = reader.get()) {
                w.write(ONE);
                check(r.read(buf) == 1);
            } finally {
                f.unlink();
            }
        });
        for (SocketType type : SocketType.values()) {
            if (type == SocketType.DGRAM) {
                k.put("socketpair-dgram", i -> {
                    try (UnixDatagramSocket.Pair p = UnixDatagramSocket.pair()) {
                        p.first().send(ONE);
                        check(p.second().receive(buf) == 1);
                    }
                });
            } else {
                String t = type.name().toLowerCase();
                k.put("socketpair-" + t, i -> {
                    try (UnixSocket.Pair p = UnixSocket.pair(type)) {
                        p.first().send(ONE);
                        check(p.second().receive(buf) == 1);
                    }
                });
                Path sockPath = dir.resolve("server-" + t);
                k.put("server-" + t, i -> {
                    UnixAddress address = UnixAddress.of(sockPath);
                    try (UnixServerSocket server = UnixServerSocket.bind(address,
                            UnixServerSocket.Options.defaults().withType(type).withUnlinkOnClose(true));
                            UnixSocket client = UnixSocket.connect(address, type);
                            UnixSocket served = server.accept()) {
                        client.send(ONE);
                        check(served.receive(buf) == 1);
                    }
                });
            }
        }
        Path dgramPath = dir.resolve("dgram");
        k.put("datagram-bound", i -> {
            UnixAddress address = UnixAddress.of(dgramPath);
            try (UnixDatagramSocket server = UnixDatagramSocket.bind(address,
                    UnixDatagramSocket.Options.defaults().withUnlinkOnClose(true));
                    UnixDatagramSocket client = UnixDatagramSocket.unbound()) {
                client.sendTo(ONE, address);
                check(server.receive(buf) == 1);
            }
        });
        k.put("fd-passing", i -> {
            try (UnixSocket.Pair p = UnixSocket.pair(SocketType.STREAM); Pipe passed = Pipe.open()) {
                p.first().sendFds(ByteBuffer.wrap(ONE), List.of(passed.readEnd(), passed.writeEnd()));
                bb.clear();
                try (ReceivedMessage m = p.second().receiveMessage(bb, 2)) {
                    check(m.fdCount() == 2);
                }
            }
        });
        k.put("poller", i -> {
            try (Poller poller = Poller.create(); Pipe p = Pipe.open()) {
                poller.register(p.readEnd(), EnumSet.of(Readiness.READ));
                p.writeEnd().write(ONE);
                check(poller.poll() == 1);
            }
        });
        k.put("child-process", i -> {
            try (Pipe p = Pipe.open();
                    ChildProcess c = ChildProcess.builder("/bin/true").stdout(Redirect.handOver(p.writeEnd())).start()) {
                check(c.waitFor().success());
                check(p.readEnd().read(buf) == -1);
            }
        });
        String mqName = TestIpc.name("soak-mq");
        k.put("posix-mq", i -> {
            try (PosixMessageQueue q = PosixMessageQueue.createExclusively(mqName,
                    PosixMessageQueue.Options.defaults().withMaxMessages(1).withMessageSize(64))) {
                try {
                    q.send(ONE, 1);
                    check(q.receive(buf, new Envelope()) == 1);
                } finally {
                    q.unlink();
                }
            }
        });
        Envelope envelope = new Envelope();
        k.put("sysv-mq", i -> {
            try (SysVMessageQueue q = SysVMessageQueue.createExclusively(IpcKey.PRIVATE)) {
                try {
                    q.send(ONE, 1);
                    check(q.receive(buf, envelope, TypeSelector.any()) == 1);
                } finally {
                    q.remove();
                }
            }
        });
        Path lockFile = dir.resolve("lock");
        Files.createFile(lockFile);
        for (LockKind kind : LockKind.values()) {
            k.put("file-lock-" + kind.name().toLowerCase(), i -> {
                try (FileLock l = FileLock.open(lockFile, FileLock.Options.defaults().withKind(kind))) {
                    l.lock();
                    l.unlock();
                    check(l.tryLock());
                }
            });
        }
        String semName = TestIpc.name("soak-sem");
        k.put("posix-sem", i -> {
            try (PosixSemaphore s = PosixSemaphore.createExclusively(semName)) {
                try {
                    s.release();
                    s.acquire();
                } finally {
                    s.unlink();
                }
            }
        });
        k.put("sysv-sem-set", i -> {
            try (SysVSemaphoreSet s = SysVSemaphoreSet.createExclusively(IpcKey.PRIVATE, 2)) {
                try {
                    s.op(SemOp.of(0, 1), SemOp.of(1, 1));
                    s.op(SemOp.of(0, -1).withUndo());
                } finally {
                    s.remove();
                }
            }
        });
        k.put("permit-pool", i -> {
            try (PermitPool pool = PermitPool.createExclusively(IpcKey.PRIVATE, 2)) {
                try {
                    pool.acquire();
                    pool.release();
                } finally {
                    pool.remove();
                }
            }
        });
        String shmName = TestIpc.name("soak-shm");
        k.put("shared-memory", i -> {
            try (SharedMemory shm = SharedMemory.createExclusively(shmName, 4096)) {
                try (Mapping m = shm.map()) {
                    m.write(0, ONE);
                } finally {
                    shm.unlink();
                }
            }
        });
        k.put("memfd", i -> {
            try (MemFd fd = MemFd.create("soak", 4096); Mapping m = fd.map()) {
                m.write(0, ONE);
            }
        });
        k.put("sysv-shm", i -> {
            try (SysVSharedMemory shm = SysVSharedMemory.createExclusively(IpcKey.PRIVATE, 4096)) {
                try (Mapping m = shm.attach()) {
                    m.write(0, ONE);
                } finally {
                    shm.remove();
                }
            }
        });
        MemFd mapped = MemFd.create("soak-mapping", 1 << 20);
        k.put("mapping", i -> {
            try (Mapping m = mapped.map(io.jipc.shm.Access.READ_WRITE, (i % 16) * 4096L, 4096 * 4)) {
                m.segment().set(ValueLayout.JAVA_INT, 0, i);
            }
        });
        Slots layout = Slots.from(0);
        long mutexAt = layout.reserve(SlotKind.MUTEX);
        long condAt = layout.reserve(SlotKind.CONDITION);
        long rwAt = layout.reserve(SlotKind.RW_LOCK);
        long semAt = layout.reserve(SlotKind.SEMAPHORE);
        long barrierAt = layout.reserve(SlotKind.BARRIER);
        long syncSize = layout.size();
        k.put("shared-mutex", i -> {
            try (MemFd fd = MemFd.create("soak-sync", syncSize); Mapping m = fd.map();
                    SharedMutex mutex = SharedMutex.createExclusively(m, mutexAt)) {
                mutex.lock();
                mutex.unlock();
            }
        });
        k.put("shared-condition", i -> {
            try (MemFd fd = MemFd.create("soak-sync", syncSize); Mapping m = fd.map();
                    SharedMutex mutex = SharedMutex.createExclusively(m, mutexAt);
                    SharedCondition cond = SharedCondition.createExclusively(m, condAt)) {
                mutex.lock();
                try {
                    cond.signal();
                    check(!cond.tryAwait(mutex, Duration.ZERO));
                } finally {
                    mutex.unlock();
                }
            }
        });
        k.put("shared-rwlock", i -> {
            try (MemFd fd = MemFd.create("soak-sync", syncSize); Mapping m = fd.map();
                    SharedRwLock rw = SharedRwLock.createExclusively(m, rwAt)) {
                rw.readLock();
                rw.unlock();
                rw.writeLock();
                rw.unlock();
            }
        });
        k.put("shared-semaphore", i -> {
            try (MemFd fd = MemFd.create("soak-sync", syncSize); Mapping m = fd.map();
                    SharedSemaphore s = SharedSemaphore.createExclusively(m, semAt, 0)) {
                s.release();
                s.acquire();
            }
        });
        k.put("shared-barrier", i -> {
            try (MemFd fd = MemFd.create("soak-sync", syncSize); Mapping m = fd.map();
                    SharedBarrier b = SharedBarrier.createExclusively(m, barrierAt, 1)) {
                b.await();
            }
        });
        Channel.Options small = Channel.Options.defaults().withCapacity(Channel.MIN_CAPACITY);
        k.put("channel-ends", i -> {
            try (MemFd fd = MemFd.create("soak-channel", Channel.objectSize(Channel.MIN_CAPACITY));
                    ChannelWriter w = ChannelWriter.format(fd, small); ChannelReader r = ChannelReader.open(fd, small)) {
                w.send(1, ONE);
                check(r.drain((type, ring, at, length) -> { }, 1) == 1);
            }
        });
        long self = ProcessHandle.current().pid();
        k.put("signal-catcher", i -> {
            try (SignalCatcher c = SignalCatcher.open(Signal.SIGUSR1)) {
                Signals.send(self, Signal.SIGUSR1);
                check(c.receive().signal() == Signal.SIGUSR1);
            }
        });
        return k;
    }

    static void check(boolean ok) {
        if (!ok) {
            throw new AssertionError("a soak cycle did not do what it should");
        }
    }

    public static void main(String[] args) throws Exception {
        int cycles = Integer.parseInt(args[0]);
        long maxNanos = Duration.ofSeconds(Long.parseLong(args[1])).toNanos();
        List<String> only = List.of(args).subList(2, args.length);
        Path dir = Files.createTempDirectory("jipc-soak");
        System.out.println("prefix " + TestIpc.PREFIX);
        // The first jcmd makes the JVM open its attach listener for good: before any measurement.
        System.out.println("nmt " + (Footprint.nmtSummary() != null));
        List<String> failures = new ArrayList<>();
        try {
            Map<String, Cycle> all = kinds(dir);
            System.out.println("kinds " + (only.isEmpty() ? all.size() : only.size()));
            for (Map.Entry<String, Cycle> e : all.entrySet()) {
                if (!only.isEmpty() && !only.contains(e.getKey())) {
                    continue;
                }
                Cycle c = e.getValue();
                try {
                    int warm = Math.max(1, Math.min(cycles / 10, 2_000));
                    for (int i = 0; i < warm; i++) {
                        c.run(i);
                    }
                    Footprint before = Footprint.self();
                    long start = System.nanoTime();
                    int done = 0;
                    while (done < cycles && ((done & 255) != 0 || System.nanoTime() - start < maxNanos)) {
                        c.run(done++);
                    }
                    long ms = (System.nanoTime() - start) / 1_000_000;
                    Footprint after = Footprint.self();
                    System.out.println("soak kind=" + e.getKey() + " cycles=" + done + " ms=" + ms + " growth: "
                            + before.growthTo(after).line() + " | before: " + before.line() + " | after: " + after.line());
                } catch (Exception | AssertionError failure) {
                    failures.add(e.getKey());
                    System.out.println("soak kind=" + e.getKey() + " failed: " + failure);
                    failure.printStackTrace();
                }
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
        System.out.println(failures.isEmpty() ? "soak done" : "soak failed " + failures);
    }
}
