package io.jipc.reliability;

import io.jipc.IpcKey;
import io.jipc.channel.Channel;
import io.jipc.channel.ChannelReader;
import io.jipc.channel.ChannelWriter;
import io.jipc.lock.FileLock;
import io.jipc.lock.LockKind;
import io.jipc.mq.Envelope;
import io.jipc.mq.PosixMessageQueue;
import io.jipc.mq.SysVMessageQueue;
import io.jipc.mq.TypeSelector;
import io.jipc.pipe.Pipe;
import io.jipc.poll.Poller;
import io.jipc.poll.Readiness;
import io.jipc.sem.PermitPool;
import io.jipc.sem.PosixSemaphore;
import io.jipc.sem.SemOp;
import io.jipc.sem.SysVSemaphoreSet;
import io.jipc.shm.Mapping;
import io.jipc.shm.MemFd;
import io.jipc.shm.SharedMemory;
import io.jipc.shm.SysVSharedMemory;
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
import io.jipc.testing.TestIpc;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Concurrency, close racing with use, for every object kind: see {@link UseCloseRace}. Four
 * threads per object (one for the single-threaded channel ends), blocking calls among the
 * non-blocking ones so that the close finds some asleep in the kernel and some entering a call.
 */
class CloseRacingUseTest {
    private static final Duration SHORT = Duration.ofMillis(1);
    private static final int THREADS = 4;

    @TempDir
    Path dir;

    @AfterAll
    static void report() {
        UseCloseRace.report();
    }

    private static UseCloseRace.Subject subject(List<UseCloseRace.Op> ops, UseCloseRace.Op close,
            UseCloseRace.Op cleanup) {
        return new UseCloseRace.Subject() {
            @Override
            public List<UseCloseRace.Op> ops() {
                return ops;
            }

            @Override
            public void closeObject() throws Exception {
                close.run();
            }

            @Override
            public void close() throws Exception {
                cleanup.run();
            }
        };
    }

    @Test
    void pipeEnds() throws Exception {
        UseCloseRace.run("pipe read end", THREADS, () -> {
            Pipe p = Pipe.open();
            return subject(List.of(
                    () -> p.readEnd().read(new byte[64]),
                    () -> p.readEnd().tryRead(new byte[64], SHORT),
                    () -> p.readEnd().tryRead(new byte[64]),
                    () -> p.readEnd().capacity()), p.readEnd()::close, p::close);
        });
        UseCloseRace.run("pipe write end", THREADS, () -> {
            Pipe p = Pipe.open();
            byte[] b = new byte[4096];
            return subject(List.of(
                    () -> p.writeEnd().write(b),
                    () -> p.writeEnd().tryWrite(b),
                    () -> p.writeEnd().tryWrite(b, 0, 64, SHORT),
                    () -> p.writeEnd().capacity()), p.writeEnd()::close, p::close);
        });
    }

    /** One end of a pair is used and closed; the other stays open (and never reads: sends fill up and block). */
    @Test
    void socketPairs() throws Exception {
        for (SocketType type : List.of(SocketType.STREAM, SocketType.SEQPACKET)) {
            UseCloseRace.run(type.name().toLowerCase(java.util.Locale.ROOT) + " socket", THREADS, () -> {
                UnixSocket.Pair p = UnixSocket.pair(type);
                UnixSocket s = p.first();
                byte[] b = new byte[1024];
                return subject(List.of(
                        () -> s.trySend(b),
                        () -> s.receive(new byte[64]),
                        () -> s.send(b),
                        () -> s.tryReceive(new byte[64], SHORT),
                        s::peerCredentials), s::close, p::close);
            });
        }
        UseCloseRace.run("datagram socket", THREADS, () -> {
            UnixDatagramSocket.Pair p = UnixDatagramSocket.pair();
            UnixDatagramSocket s = p.first();
            byte[] b = new byte[1024];
            return subject(List.of(
                    () -> s.trySend(b),
                    () -> s.receive(new byte[64]),
                    () -> s.send(b),
                    () -> s.tryReceive(new byte[64], SHORT)), s::close, p::close);
        });
    }

    @Test
    void serverSocket() throws Exception {
        int[] n = {0};
        UseCloseRace.run("server socket", THREADS, () -> {
            Path path = dir.resolve("srv" + n[0]++);
            UnixServerSocket s = UnixServerSocket.bind(UnixAddress.of(path),
                    UnixServerSocket.Options.defaults().withUnlinkOnClose(true));
            return subject(List.of(
                    () -> s.accept().close(),
                    () -> s.tryAccept().ifPresent(UnixSocket::close),
                    () -> s.tryAccept(SHORT).ifPresent(UnixSocket::close)), s::close, () -> Files.deleteIfExists(path));
        });
    }

    @Test
    void posixMessageQueue() throws Exception {
        UseCloseRace.run("POSIX message queue", THREADS, () -> {
            PosixMessageQueue q = PosixMessageQueue.createExclusively(TestIpc.name("race-mq"),
                    PosixMessageQueue.Options.defaults().withMaxMessages(4).withMessageSize(64));
            byte[] b = new byte[64];
            return subject(List.of(
                    () -> q.trySend(b, 0),
                    () -> q.receive(new byte[64], new Envelope()),
                    () -> q.send(b, 1),
                    () -> q.tryReceive(new byte[64], new Envelope(), SHORT),
                    q::info), q::close, q::unlink);
        });
    }

    @Test
    void systemVMessageQueue() throws Exception {
        UseCloseRace.run("System V message queue", THREADS, () -> {
            SysVMessageQueue q = SysVMessageQueue.createExclusively(IpcKey.of(TestIpc.key()));
            int id = q.id();
            byte[] b = new byte[64];
            return subject(List.of(
                    () -> q.trySend(b, 1),
                    () -> q.receive(new byte[64], new Envelope(), TypeSelector.any()),
                    () -> q.send(b, 2),
                    () -> q.tryReceive(new byte[64], new Envelope(), TypeSelector.any(), SHORT),
                    q::info), q::close, () -> {
                try (SysVMessageQueue again = SysVMessageQueue.openId(id)) {
                    again.remove();
                }
            });
        });
    }

    @Test
    void semaphores() throws Exception {
        UseCloseRace.run("POSIX semaphore", THREADS, () -> {
            PosixSemaphore s = PosixSemaphore.createExclusively(TestIpc.name("race-sem"));
            return subject(List.of(s::release, s::acquire, () -> s.tryAcquire(SHORT), s::value), s::close, s::unlink);
        });
        UseCloseRace.run("System V semaphore set", THREADS, () -> {
            SysVSemaphoreSet s = SysVSemaphoreSet.createExclusively(IpcKey.of(TestIpc.key()), 1);
            int id = s.id();
            return subject(List.of(() -> s.op(SemOp.of(0, 1)), () -> s.op(SemOp.of(0, -1)), s::values,
                    () -> s.op(SemOp.of(0, -1).withNoWait())), s::close, () -> {
                try (SysVSemaphoreSet again = SysVSemaphoreSet.openId(id)) {
                    again.remove();
                }
            });
        });
        UseCloseRace.run("PermitPool", THREADS, () -> {
            PermitPool p = PermitPool.createExclusively(IpcKey.of(TestIpc.key()), 2);
            int id = p.id();
            return subject(List.of(() -> {
                p.acquire();
                p.release();
            }, () -> {
                if (p.tryAcquire(SHORT)) {
                    p.release();
                }
            }, p::available), p::close, () -> {
                try (PermitPool again = PermitPool.openId(id)) {
                    again.remove();
                }
            });
        });
    }

    @Test
    void fileLocks() throws Exception {
        int[] n = {0};
        for (LockKind kind : LockKind.values()) {
            UseCloseRace.run(kind + " file lock", THREADS, () -> {
                Path file = dir.resolve("lock" + n[0]++);
                FileLock l = FileLock.open(file, FileLock.Options.defaults().withKind(kind).withCreate(true));
                // One lock of the process, shared by the threads: they take it again, never unlock
                // what another thread took (that is refused as "not held", not a race).
                return subject(List.of(l::tryLock, () -> l.tryLock(SHORT), l::lock, () -> l.fd().isNonBlocking()),
                        l::close, () -> {});
            });
        }
    }

    @Test
    void sharedMemoryAndMappings() throws Exception {
        UseCloseRace.run("POSIX shared memory", THREADS, () -> {
            SharedMemory shm = SharedMemory.createExclusively(TestIpc.name("race-shm"), 8192);
            return subject(List.of(() -> shm.map().close(), shm::info, () -> shm.map().close()), shm::close, shm::unlink);
        });
        UseCloseRace.run("memfd", THREADS, () -> {
            MemFd m = MemFd.create("race", 8192);
            return subject(List.of(() -> m.map().close(), m::info, m::size), m::close, () -> {});
        });
        UseCloseRace.run("System V shared memory", THREADS, () -> {
            SysVSharedMemory shm = SysVSharedMemory.createExclusively(IpcKey.of(TestIpc.key()), 8192);
            int id = shm.id();
            return subject(List.of(() -> shm.attach().close(), shm::info), shm::close, () -> {
                try (SysVSharedMemory again = SysVSharedMemory.openId(id)) {
                    again.remove();
                }
            });
        });
        // A mapping answers IllegalStateException once closed, however it is touched.
        UseCloseRace.run("mapping", THREADS, IllegalStateException.class, () -> {
            MemFd m = MemFd.create("race-map", 65536);
            Mapping map = m.map();
            Pipe sink = Pipe.open();
            sink.writeEnd().setBlocking(false);
            byte[] b = new byte[4096];
            return subject(List.of(
                    () -> map.read(4096, b),
                    () -> map.segment().set(ValueLayout.JAVA_LONG, 8, 42),
                    () -> map.write(0, b),
                    () -> map.segment().asByteBuffer().getLong(64),
                    () -> {
                        sink.writeEnd().tryWrite(map.segment().asSlice(0, 512));
                        sink.readEnd().tryRead(new byte[512]);
                    }), map::close, () -> {
                sink.close();
                m.close();
            });
        });
    }

    @Test
    void processSharedSynchronisation() throws Exception {
        UseCloseRace.run("SharedMutex", THREADS, () -> {
            MemFd m = MemFd.create("race-mutex", 4096);
            Mapping map = m.map();
            SharedMutex mutex = SharedMutex.createExclusively(map, 0);
            return subject(List.of(() -> {
                mutex.lock();
                mutex.unlock();
            }, () -> {
                if (mutex.tryLock(SHORT)) {
                    mutex.unlock();
                }
            }, () -> {
                if (mutex.tryLock()) {
                    mutex.unlock();
                }
            }), mutex::close, () -> {
                map.close();
                m.close();
            });
        });
        UseCloseRace.run("SharedRwLock", THREADS, () -> {
            MemFd m = MemFd.create("race-rw", 4096);
            Mapping map = m.map();
            SharedRwLock rw = SharedRwLock.createExclusively(map, 0);
            return subject(List.of(() -> {
                rw.writeLock();
                rw.unlock();
            }, () -> {
                rw.readLock();
                rw.unlock();
            }, () -> {
                if (rw.tryWriteLock(SHORT)) {
                    rw.unlock();
                }
            }), rw::close, () -> {
                map.close();
                m.close();
            });
        });
        UseCloseRace.run("SharedSemaphore", THREADS, () -> {
            MemFd m = MemFd.create("race-ssem", 4096);
            Mapping map = m.map();
            SharedSemaphore s = SharedSemaphore.createExclusively(map, 0, 0);
            return subject(List.of(s::release, s::acquire, () -> s.tryAcquire(SHORT), s::value), s::close, () -> {
                map.close();
                m.close();
            });
        });
        UseCloseRace.run("SharedCondition", THREADS, () -> {
            MemFd m = MemFd.create("race-cond", 4096);
            Mapping map = m.map();
            SharedMutex mutex = SharedMutex.createExclusively(map, 0);
            SharedCondition c = SharedCondition.createExclusively(map, 256);
            return subject(List.of(() -> {
                mutex.lock();
                try {
                    c.tryAwait(mutex, SHORT);
                } finally {
                    mutex.unlock();
                }
            }, c::signal, c::broadcast), c::close, () -> {
                mutex.close();
                map.close();
                m.close();
            });
        });
        UseCloseRace.run("SharedBarrier", THREADS, () -> {
            MemFd m = MemFd.create("race-barrier", 4096);
            Mapping map = m.map();
            SharedBarrier b = SharedBarrier.createExclusively(map, 0, 2);
            return subject(List.of(b::await, () -> b.tryAwait(SHORT), b::waiting), b::close, () -> {
                map.close();
                m.close();
            });
        });
    }

    @Test
    void channelEndsAndPoller() throws Exception {
        UseCloseRace.run("channel reader", 1, () -> {
            String name = TestIpc.name("race-channel");
            ChannelReader r = ChannelReader.createExclusively(name, Channel.Options.defaults().withCapacity(4096));
            ChannelWriter w = ChannelWriter.openExisting(name);
            return subject(List.of(() -> r.drain((type, buffer, offset, length) -> {}, 8),
                    () -> r.tryDrain((type, buffer, offset, length) -> {}, 8, SHORT), r::pending), r::close, () -> {
                w.close();
                Channel.unlink(name);
            });
        });
        UseCloseRace.run("channel writer", 1, () -> {
            String name = TestIpc.name("race-channel");
            ChannelReader r = ChannelReader.createExclusively(name, Channel.Options.defaults().withCapacity(4096));
            ChannelWriter w = ChannelWriter.openExisting(name);
            return subject(List.of(() -> {
                w.claim(1, 100);
                w.commit();
            }), w::close, () -> {
                r.close();
                Channel.unlink(name);
            });
        });
        // One thread polls at a time (the poller refuses a second one): the close comes from another.
        UseCloseRace.run("poller", 1, () -> {
            Poller p = Poller.create();
            Pipe pipe = Pipe.open();
            p.register(pipe.readEnd(), Set.of(Readiness.READ));
            return subject(List.of(p::poll, () -> p.tryPoll(SHORT), p::tryPoll), p::close, pipe::close);
        });
    }
}
