package io.jipc.internal.wait;

import io.jipc.IpcKey;
import io.jipc.lock.FileLock;
import io.jipc.lock.LockKind;
import io.jipc.mq.Envelope;
import io.jipc.mq.PosixMessageQueue;
import io.jipc.mq.SysVMessageQueue;
import io.jipc.mq.TypeSelector;
import io.jipc.pipe.Pipe;
import io.jipc.sem.PosixSemaphore;
import io.jipc.sem.SemOp;
import io.jipc.sem.SysVSemaphoreSet;
import io.jipc.shm.Mapping;
import io.jipc.shm.MemFd;
import io.jipc.socket.SocketType;
import io.jipc.socket.UnixSocket;
import io.jipc.sync.SharedMutex;
import io.jipc.testing.ThreadMeters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Runs hot paths in a JVM started with {@code -XX:TieredStopAtLevel=1} ({@link
 * io.jipc.testing.PeerJvm}'s default): C1 has no escape analysis, so every object a call makes is
 * allocated and counted, where C2 may remove it in one compilation and not in another. Prints one
 * line per path: its name and the bytes allocated per round ({@link ThreadMeters#allocatedBytesOf}).
 *
 * <p>Args: a per-run name prefix for the queue and semaphore, and a directory for the lock file.
 */
public final class WithoutEscapeAnalysisPeer {
    private static final int ROUNDS = 20_000;

    public static void main(String[] args) throws Exception {
        String prefix = args[0];
        Path dir = Path.of(args[1]);
        byte[] bytes = new byte[64];

        try (Pipe pipe = Pipe.open()) {
            Pipe.ReadEnd r = pipe.readEnd();
            Pipe.WriteEnd w = pipe.writeEnd();
            report("pipe write+read", () -> {
                w.write(bytes, 0, 64);
                r.read(bytes, 0, 64);
            });
        }
        try (PosixMessageQueue q = PosixMessageQueue.createExclusively(prefix + "-q",
                PosixMessageQueue.Options.defaults().withMaxMessages(4).withMessageSize(64))) {
            q.unlink();
            Envelope envelope = new Envelope();
            report("mq send+receive", () -> {
                q.send(bytes, 1);
                q.receive(bytes, envelope);
            });
        }
        try (PosixSemaphore s = PosixSemaphore.createExclusively(prefix + "-s")) {
            s.unlink();
            report("sem release+acquire", () -> {
                s.release();
                s.acquire();
            });
        }
        for (SocketType type : new SocketType[] {SocketType.STREAM, SocketType.SEQPACKET}) {
            try (UnixSocket.Pair pair = UnixSocket.pair(type)) {
                UnixSocket a = pair.first();
                UnixSocket b = pair.second();
                report("unix " + type.name().toLowerCase(Locale.ROOT) + " send+receive", () -> {
                    a.send(bytes, 0, 64);
                    b.receive(bytes, 0, 64);
                });
            }
        }
        try (SysVMessageQueue q = SysVMessageQueue.createExclusively(IpcKey.PRIVATE)) {
            try {
                Envelope envelope = new Envelope();
                TypeSelector any = TypeSelector.any();
                report("sysv-msg send+receive", () -> {
                    q.send(bytes, 1);
                    q.receive(bytes, envelope, any);
                });
            } finally {
                q.remove();
            }
        }
        try (SysVSemaphoreSet set = SysVSemaphoreSet.createExclusively(IpcKey.PRIVATE, 2,
                SysVSemaphoreSet.Options.defaults().withInitialValues(0, 63))) {
            try {
                SemOp[] send = {SemOp.of(0, +1), SemOp.of(1, -1)};
                SemOp[] receive = {SemOp.of(0, -1), SemOp.of(1, +1)};
                report("sysv-sem op+op", () -> {
                    set.op(send);
                    set.op(receive);
                });
            } finally {
                set.remove();
            }
        }
        try (MemFd memory = MemFd.create(prefix + "-mutex", 4096); Mapping mapping = memory.map();
             SharedMutex mutex = SharedMutex.createExclusively(mapping, 0)) {
            // After the first unlock this thread is the mutex's pinned one: the Java lock and unlock.
            report("mutex lock+unlock", () -> {
                mutex.lock();
                mutex.unlock();
            });
        }
        Path file = Files.createFile(dir.resolve("lock"));
        try {
            for (LockKind kind : LockKind.values()) {
                try (FileLock lock = FileLock.open(file, FileLock.Options.defaults().withKind(kind))) {
                    report(kind.name().toLowerCase(Locale.ROOT) + " lock+unlock", () -> {
                        lock.lock();
                        lock.unlock();
                    });
                }
            }
        } finally {
            Files.delete(file);
        }
    }

    private static void report(String name, ThreadMeters.Body round) {
        double perRound = (double) ThreadMeters.allocatedBytesOf(round, ROUNDS) / ROUNDS;
        System.out.printf(Locale.ROOT, "%s: %.3f%n", name, perRound);
    }
}
