package io.jipc.cli;

import io.jipc.IpcException;
import io.jipc.IpcKey;
import io.jipc.NotFoundException;
import io.jipc.Perms;
import io.jipc.mq.PosixMessage;
import io.jipc.mq.PosixMessageQueue;
import io.jipc.mq.SysVMessageQueue;
import io.jipc.mq.TypeSelector;
import io.jipc.mq.SysVMessage;
import io.jipc.pipe.Fifo;
import io.jipc.pipe.Pipe;
import io.jipc.sem.PosixSemaphore;
import io.jipc.sem.SysVSemaphoreSet;
import io.jipc.shm.Access;
import io.jipc.shm.Mapping;
import io.jipc.shm.SharedMemory;
import io.jipc.shm.SysVSharedMemory;
import io.jipc.socket.SocketType;
import io.jipc.socket.UnixAddress;
import io.jipc.socket.UnixDatagramSocket;
import io.jipc.socket.UnixSocket;
import io.jipc.testing.TestIpc;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The objects one run of a command meets, made fresh by the test (never by jipc) for each run and
 * removed after it: an existing POSIX queue, System V queue, POSIX semaphore (value 0), System V
 * semaphore set (two semaphores, 1 and 0), POSIX shared-memory object, System V segment, FIFO and
 * datagram server, and names that nothing has yet. Every name carries this run's test prefix
 * ({@link TestIpc}); with a tag
 * such as {@code "-é"} every name and path also has a non-ASCII part. All the library calls of the
 * edge-case suite are here.
 */
final class World implements AutoCloseable {
    /** The payload: UTF-8 text, a byte that is not UTF-8 (0xE9, Latin-1 é), and a newline. */
    static final int SHM_SIZE = 64;

    static final byte[] DATA = concat("edge h\u00e9llo ".getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0xe9, '\n'});

    final Path dir;
    final String mq;
    final String newMq;
    final int key;
    final int msqid;
    final int newKey;
    final String sem;
    final String newSem;
    final int semKey;
    final int semid;
    final int newSemKey;
    /** A POSIX shared-memory object of {@link #SHM_SIZE} zero bytes, and a name nothing has. */
    final String shm;
    final String newShm;
    /** A System V segment of {@link #SHM_SIZE} zero bytes (its key and id), and a key nothing has. */
    final int shmKey;
    final int shmid;
    final int newShmKey;
    final Path fifo;
    final Path newFifo;
    final Path sock;
    final Path server;
    /** A file that exists, with the objects' mode, for {@code jipc lock} and {@code jipc locks}. */
    final Path lockFile;
    final Path newLockFile;
    private final UnixDatagramSocket serverSocket;
    private final List<AutoCloseable> counterparts = new ArrayList<>();

    /**
     * @param tag  added to every name and path ("" or a non-ASCII part)
     * @param mode the mode of the objects that exist (0600 for the owner alone; 0622 for strangers who may only write)
     */
    World(String tag, int mode) throws IOException {
        dir = Files.createTempDirectory(TestIpc.PREFIX + "edge");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx")); // others create here too
        mq = TestIpc.name("edge") + tag;
        newMq = TestIpc.name("edge-new") + tag;
        PosixMessageQueue.createExclusively(mq, PosixMessageQueue.Options.defaults().withMaxMessages(4)
                .withMessageSize(64).withMode(Perms.fromMode(mode))).close();
        key = TestIpc.key();
        newKey = TestIpc.key();
        try (SysVMessageQueue q = SysVMessageQueue.createExclusively(IpcKey.of(key),
                SysVMessageQueue.Options.defaults().withMode(Perms.fromMode(mode)))) {
            msqid = q.id();
        }
        sem = TestIpc.name("edge-sem") + tag;
        newSem = TestIpc.name("edge-new-sem") + tag;
        PosixSemaphore.createExclusively(sem, PosixSemaphore.Options.defaults().withMode(Perms.fromMode(mode))).close();
        semKey = TestIpc.key();
        newSemKey = TestIpc.key();
        try (SysVSemaphoreSet set = SysVSemaphoreSet.createExclusively(IpcKey.of(semKey), 2,
                SysVSemaphoreSet.Options.defaults().withInitialValues(1, 0).withMode(Perms.fromMode(mode)))) {
            semid = set.id();
        }
        shm = TestIpc.name("edge-shm") + tag;
        newShm = TestIpc.name("edge-shm-new") + tag;
        SharedMemory.createExclusively(shm, SHM_SIZE, SharedMemory.Options.defaults().withMode(Perms.fromMode(mode))).close();
        shmKey = TestIpc.key();
        newShmKey = TestIpc.key();
        try (SysVSharedMemory seg = SysVSharedMemory.createExclusively(IpcKey.of(shmKey), SHM_SIZE,
                SysVSharedMemory.Options.defaults().withMode(Perms.fromMode(mode)))) {
            shmid = seg.id();
        }
        fifo = dir.resolve("fifo" + tag);
        Fifo.createExclusively(fifo, Fifo.Options.defaults().withMode(Perms.fromMode(mode & 0666)));
        newFifo = dir.resolve("new-fifo" + tag);
        sock = dir.resolve("sock" + tag);
        server = dir.resolve("server" + tag);
        lockFile = Files.createFile(dir.resolve("lock" + tag), PosixFilePermissions.asFileAttribute(Perms.fromMode(mode & 0666)));
        Files.setPosixFilePermissions(lockFile, Perms.fromMode(mode & 0666)); // whatever the umask
        newLockFile = dir.resolve("new-lock" + tag);
        serverSocket = UnixDatagramSocket.bind(UnixAddress.of(server),
                UnixDatagramSocket.Options.defaults().withMode(Perms.fromMode(mode)));
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] all = new byte[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    // ---------------------------------------------------------------- POSIX queue

    void putMq(byte[] data, int priority) throws IpcException {
        try (PosixMessageQueue q = PosixMessageQueue.openExisting(mq, PosixMessageQueue.Options.defaults()
                .withAccess(PosixMessageQueue.Access.WRITE_ONLY))) {
            q.send(data, priority);
        }
    }

    /** Takes every message of the queue. */
    List<PosixMessage> drainMq() throws IpcException {
        List<PosixMessage> all = new ArrayList<>();
        try (PosixMessageQueue q = PosixMessageQueue.openExisting(mq, PosixMessageQueue.Options.defaults()
                .withAccess(PosixMessageQueue.Access.READ_ONLY))) {
            Optional<PosixMessage> m;
            while ((m = q.tryReceive()).isPresent()) {
                all.add(m.get());
            }
        }
        return all;
    }

    static boolean mqExists(String name) throws IpcException {
        try (PosixMessageQueue q = PosixMessageQueue.openExisting(name, PosixMessageQueue.Options.defaults()
                .withAccess(PosixMessageQueue.Access.READ_ONLY))) {
            return q != null;
        } catch (NotFoundException e) {
            return false;
        }
    }

    /** A queue's mode, by stat of its descriptor through /proc (no mqueue mount needed). */
    static int mqMode(String name) throws IOException {
        try (PosixMessageQueue q = PosixMessageQueue.openExisting(name, PosixMessageQueue.Options.defaults()
                .withAccess(PosixMessageQueue.Access.READ_ONLY))) {
            int n = q.fd().acquire("stat");
            try {
                return (Integer) Files.getAttribute(Path.of("/proc/self/fd/" + n), "unix:mode") & 07777;
            } finally {
                q.fd().release();
            }
        }
    }

    // ---------------------------------------------------------------- System V queue

    void putSysv(byte[] data, long type) throws IpcException {
        try (SysVMessageQueue q = SysVMessageQueue.openId(msqid)) {
            q.send(data, type);
        }
    }

    List<SysVMessage> drainSysv() throws IpcException {
        List<SysVMessage> all = new ArrayList<>();
        try (SysVMessageQueue q = SysVMessageQueue.openId(msqid)) {
            Optional<SysVMessage> m;
            while ((m = q.tryReceive(TypeSelector.any())).isPresent()) {
                all.add(m.get());
            }
        }
        return all;
    }

    /** Makes the System V queue hold at most {@code bytes} bytes (root may lower it). */
    void limitSysv(long bytes) throws IpcException {
        try (SysVMessageQueue q = SysVMessageQueue.openId(msqid)) {
            q.setMaxBytes(bytes);
        }
    }

    static boolean sysvExists(int id) {
        try (SysVMessageQueue q = SysVMessageQueue.openId(id)) {
            return q.isOpen();
        } catch (IpcException e) {
            return false;
        }
    }

    /** The msqid for a key, or -1 if no queue has it. */
    static int sysvId(int key) throws IpcException {
        try (SysVMessageQueue q = SysVMessageQueue.openExisting(IpcKey.of(key))) {
            return q.id();
        } catch (NotFoundException e) {
            return -1;
        }
    }

    static int sysvMode(int id) throws IpcException {
        try (SysVMessageQueue q = SysVMessageQueue.openId(id)) {
            return q.info().perm().modeBits();
        }
    }

    // ---------------------------------------------------------------- semaphores

    int semValue() throws IpcException {
        try (PosixSemaphore s = PosixSemaphore.openExisting(sem)) {
            return s.value();
        }
    }

    void postSem(int n) throws IpcException {
        try (PosixSemaphore s = PosixSemaphore.openExisting(sem)) {
            s.release(n);
        }
    }

    static boolean semExists(String name) throws IpcException {
        try (PosixSemaphore s = PosixSemaphore.openExisting(name)) {
            return s.isOpen();
        } catch (NotFoundException e) {
            return false;
        }
    }

    // ---------------------------------------------------------------- shared memory

    /** The POSIX object's bytes. */
    byte[] shmBytes() throws IpcException {
        try (SharedMemory m = SharedMemory.openExisting(shm, SharedMemory.Options.defaults().withAccess(Access.READ_ONLY));
             Mapping map = m.map()) {
            byte[] b = new byte[SHM_SIZE];
            map.read(0, b);
            return b;
        }
    }

    void putShm(byte[] data) throws IpcException {
        try (SharedMemory m = SharedMemory.openExisting(shm); Mapping map = m.map()) {
            map.write(0, data);
        }
    }

    static boolean shmExists(String name) throws IpcException {
        try (SharedMemory m = SharedMemory.openExisting(name, SharedMemory.Options.defaults().withAccess(Access.READ_ONLY))) {
            return m.fd().isOpen();
        } catch (NotFoundException e) {
            return false;
        }
    }

    /** A POSIX semaphore's mode: its file's, /dev/shm/sem.NAME. */
    static int semMode(String name) throws IOException {
        return fileMode(Path.of("/dev/shm/sem." + name.substring(1)));
    }

    int[] semValues() throws IpcException {
        try (SysVSemaphoreSet s = SysVSemaphoreSet.openId(semid)) {
            return s.values();
        }
    }

    static boolean semSetExists(int id) {
        try (SysVSemaphoreSet s = SysVSemaphoreSet.openId(id)) {
            return s.isOpen();
        } catch (IpcException e) {
            return false;
        }
    }

    /** The semid for a key, or -1 if no set has it. */
    static int semSetId(int key) throws IpcException {
        try (SysVSemaphoreSet s = SysVSemaphoreSet.openExisting(IpcKey.of(key))) {
            return s.id();
        } catch (NotFoundException e) {
            return -1;
        }
    }

    static int shmMode(String name) throws IpcException {
        try (SharedMemory m = SharedMemory.openExisting(name, SharedMemory.Options.defaults().withAccess(Access.READ_ONLY))) {
            return Perms.toMode(m.info().mode());
        }
    }

    /** The System V segment's bytes. */
    byte[] sysvShmBytes() throws IpcException {
        try (SysVSharedMemory seg = SysVSharedMemory.openId(shmid); Mapping map = seg.attach(Access.READ_ONLY)) {
            byte[] b = new byte[SHM_SIZE];
            map.read(0, b);
            return b;
        }
    }

    void putSysvShm(byte[] data) throws IpcException {
        try (SysVSharedMemory seg = SysVSharedMemory.openId(shmid); Mapping map = seg.attach()) {
            map.write(0, data);
        }
    }

    /** The shmid for a key, or -1 if no segment has it. */
    static int sysvShmId(int key) throws IpcException {
        try (SysVSharedMemory seg = SysVSharedMemory.openExisting(IpcKey.of(key))) {
            return seg.id();
        } catch (NotFoundException e) {
            return -1;
        }
    }

    static int semSetMode(int id) throws IpcException {
        try (SysVSemaphoreSet s = SysVSemaphoreSet.openId(id)) {
            return s.info().perm().modeBits();
        }
    }

    static boolean sysvShmExists(int id) {
        try (SysVSharedMemory seg = SysVSharedMemory.openId(id)) {
            return seg.isOpen();
        } catch (IpcException e) {
            return false;
        }
    }

    static int sysvShmMode(int id) throws IpcException {
        try (SysVSharedMemory seg = SysVSharedMemory.openId(id)) {
            return seg.info().perm().modeBits();
        }
    }

    /** The bytes {@code from} the start of {@code all}, {@code n} of them. */
    static byte[] slice(byte[] all, int from, int n) {
        return java.util.Arrays.copyOfRange(all, from, from + n);
    }

    // ---------------------------------------------------------------- files, sockets

    static int fileMode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    /** The next datagram the server has received, or null if none came. */
    byte[] serverReceived() throws IpcException {
        ByteBuffer buf = ByteBuffer.allocate(1 << 16);
        int n = serverSocket.tryReceive(buf, Duration.ofMillis(200));
        return n == io.jipc.Transfer.NOTHING ? null : java.util.Arrays.copyOf(buf.array(), n);
    }

    // ---------------------------------------------------------------- the other end, on a thread of the test

    /** Something on the other side of the command, run on a thread of the test JVM. */
    final class Counterpart implements AutoCloseable {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final AtomicBoolean acted = new AtomicBoolean();
        volatile Throwable failed;
        /** A process the counterpart stands for (a C program it started), 0 if none. */
        volatile long pid;
        private final Thread thread;

        Counterpart(String name, Body body) {
            thread = Thread.ofPlatform().daemon().name("edge-" + name).start(() -> {
                try {
                    body.run(this);
                } catch (io.jipc.IpcInterruptedException | InterruptedException stopped) {
                    // closed by the test
                } catch (Throwable t) {
                    failed = t;
                }
            });
            counterparts.add(this);
        }

        synchronized byte[] received() {
            return bytes.toByteArray();
        }

        /** Waits for the counterpart to finish its part. */
        void await(Duration timeout) throws InterruptedException {
            thread.join(timeout.toMillis());
            if (thread.isAlive()) {
                throw new AssertionError(thread.getName() + " did not finish within " + timeout);
            }
            if (failed != null) {
                throw new AssertionError(thread.getName() + " failed", failed);
            }
        }

        @Override
        public void close() throws InterruptedException {
            thread.interrupt();
            thread.join(10_000);
        }
    }

    interface Body {
        void run(Counterpart self) throws Exception;
    }

    /**
     * A C program that blocks {@code signal}, then takes one with sigwaitinfo: {@link
     * Counterpart#pid} is its pid once it is ready; {@link Counterpart#received()} its line
     * ("SIGNO CODE PID UID VALUE") once it got one.
     */
    Counterpart signalReceiver(int signal) throws InterruptedException {
        Counterpart c = new Counterpart("signal-receiver", self -> {
            try (io.jipc.testing.Peer peer = io.jipc.testing.CPeer.start("signal_peer", "wait", "1", Integer.toString(signal))) {
                peer.awaitOutput("ready", Duration.ofSeconds(60));
                self.pid = peer.pid();
                while (peer.process().isAlive()) {
                    Thread.sleep(10);
                }
                peer.awaitExit(Duration.ofSeconds(10));
                self.acted.set(true);
                synchronized (self) {
                    self.bytes.writeBytes(peer.stdout().lines().skip(1).findFirst().orElse("").getBytes(StandardCharsets.UTF_8));
                }
            }
        });
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (c.pid == 0 && c.failed == null && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        return c;
    }

    /**
     * Sends {@code signal} once to the {@code jipc signal wait} that runs now, as soon as it has
     * caught the signal (its handler shows in /proc/PID/status's SigCgt): acted once sent.
     */
    Counterpart signalSender(io.jipc.signal.Signal signal) {
        return new Counterpart("signal-sender", self -> {
            long bit = 1L << (signal.number() - 1);
            while (true) {
                // Only this test's own processes: another run's `jipc signal wait` is not ours to signal.
                for (Path proc : ProcessHandle.current().descendants().map(h -> Path.of("/proc", Long.toString(h.pid()))).toList()) {
                        try {
                            String cmdline = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8);
                            if (!cmdline.contains("io.jipc.cli.JipcCommand\0signal\0wait\0")) {
                                continue;
                            }
                            for (String line : Files.readAllLines(proc.resolve("status"), StandardCharsets.ISO_8859_1)) {
                                if (line.startsWith("SigCgt:") && (Long.parseUnsignedLong(line.substring(7).strip(), 16) & bit) != 0) {
                                    io.jipc.signal.Signals.send(Long.parseLong(proc.getFileName().toString()), signal);
                                    self.acted.set(true);
                                    return;
                                }
                            }
                        } catch (IOException gone) {
                            // the process ended
                        }
                }
                Thread.sleep(10);
            }
        });
    }

    /** Opens the FIFO for reading (waiting for a writer up to 60 s) and reads it to its end. */
    Counterpart fifoReader() {
        return new Counterpart("fifo-reader", self -> {
            Optional<Pipe.ReadEnd> r = Fifo.tryOpenForReading(fifo, Duration.ofSeconds(60));
            if (r.isEmpty()) {
                return;
            }
            try (Pipe.ReadEnd in = r.get()) {
                self.acted.set(true);
                byte[] buf = new byte[4096];
                int n;
                while ((n = in.read(buf)) > 0) {
                    synchronized (self) {
                        self.bytes.write(buf, 0, n);
                    }
                }
            }
        });
    }

    /** Opens the FIFO for writing (waiting for a reader up to 60 s), writes {@code data} and closes. */
    Counterpart fifoWriter(byte[] data) {
        return new Counterpart("fifo-writer", self -> {
            Optional<Pipe.WriteEnd> w = Fifo.tryOpenForWriting(fifo, Duration.ofSeconds(60));
            if (w.isEmpty()) {
                return;
            }
            try (Pipe.WriteEnd out = w.get()) {
                self.acted.set(true);
                out.write(data);
            }
        });
    }

    /** Holds an exclusive flock lock on {@link #lockFile} (as flock(1) would) until closed; returns once it has it. */
    Counterpart lockHolder() throws InterruptedException {
        Counterpart holder = new Counterpart("lock-holder", self -> {
            try (io.jipc.lock.FileLock lock = io.jipc.lock.FileLock.lock(lockFile,
                    io.jipc.lock.FileLock.Options.defaults().withKind(io.jipc.lock.LockKind.FLOCK))) {
                self.acted.set(true);
                Thread.sleep(Long.MAX_VALUE);
            }
        });
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!holder.acted.get() && holder.failed == null && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        return holder;
    }

    /** Waits (up to 60 s) for a socket at {@link #sock}, connects (stream), sends {@code data} and closes. */
    Counterpart sockClient(byte[] data) {
        return new Counterpart("sock-client", self -> {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!Files.exists(sock, LinkOption.NOFOLLOW_LINKS)) {
                if (System.nanoTime() > deadline) {
                    return;
                }
                Thread.sleep(20);
            }
            // The file exists from bind on; connections are taken from listen on (ECONNREFUSED until then).
            while (true) {
                UnixSocket s;
                try {
                    s = UnixSocket.connect(UnixAddress.of(sock), SocketType.STREAM);
                } catch (IpcException e) {
                    if (e.errno() != io.jipc.Errno.ECONNREFUSED.number() || System.nanoTime() > deadline) {
                        throw e;
                    }
                    Thread.sleep(20);
                    continue;
                }
                try (s) {
                    self.acted.set(true);
                    s.send(data);
                    s.shutdownOutput();
                }
                return;
            }
        });
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable c : counterparts) {
            c.close();
        }
        serverSocket.close();
        for (String name : List.of(mq, newMq)) {
            try {
                PosixMessageQueue.unlink(name);
            } catch (NotFoundException gone) {
                // unlinked by the command
            }
        }
        for (String name : List.of(sem, newSem)) {
            try {
                PosixSemaphore.unlink(name);
            } catch (NotFoundException gone) {
                // unlinked by the command
            }
        }
        for (String name : List.of(shm, newShm)) {
            try {
                SharedMemory.unlink(name);
            } catch (NotFoundException gone) {
                // unlinked by the command
            }
        }
        for (int k : List.of(semKey, newSemKey)) {
            int id = semSetId(k);
            if (id >= 0) {
                try (SysVSemaphoreSet s = SysVSemaphoreSet.openId(id)) {
                    s.remove();
                }
            }
        }
        for (int k : List.of(shmKey, newShmKey)) {
            int id = sysvShmId(k);
            if (id >= 0) {
                try (SysVSharedMemory seg = SysVSharedMemory.openId(id)) {
                    seg.remove();
                }
            }
        }
        if (sysvShmExists(shmid)) { // removed by key above unless a command marked it (then its key reads 0)
            try (SysVSharedMemory seg = SysVSharedMemory.openId(shmid)) {
                seg.remove();
            } catch (IpcException gone) {
                // removed meanwhile
            }
        }
        for (int k : List.of(key, newKey)) {
            int id = sysvId(k);
            if (id >= 0) {
                try (SysVMessageQueue q = SysVMessageQueue.openId(id)) {
                    q.remove();
                }
            }
        }
        Shell.deleteTree(dir);
    }
}
