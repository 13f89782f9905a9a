import io.jipc.shm.Mapping;
import io.jipc.shm.SharedMemory;
import io.jipc.sync.OwnerDiedException;
import io.jipc.sync.SharedCondition;
import io.jipc.sync.SharedMutex;
import io.jipc.sync.SlotKind;
import io.jipc.sync.Slots;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A shared video frame buffer between processes, guarded by a robust mutex and a condition
 * variable in the same segment:
 *
 * <pre>
 *   producer ──► /jipc-frames-PID: [mutex][condition "new frame"][header: seq, writing, stop][frame 64 KiB] ──► consumer
 * </pre>
 *
 * The producer writes each frame with the mutex held (slowly, in 4 KiB pieces, as a camera
 * would), marks it in the header while it writes, then broadcasts "new frame". The consumer
 * waits for a newer frame in the documented while loop and copies it out with the mutex held, so
 * it only ever sees whole frames (each frame's bytes all equal its sequence number: it checks).
 *
 * <p>The supervisor (this program without arguments) starts both, then kills each with SIGKILL
 * while it holds the mutex: the producer halfway through a frame, the consumer halfway through
 * a read. The robust mutex tells the survivor ({@link OwnerDiedException}); it looks at the
 * header, discards a torn frame, marks the mutex consistent, and carries on, and the supervisor
 * starts a replacement. At the end it stops both and removes the segment (also on Ctrl-C).
 *
 * <p>Run: {@code examples/frame-buffer/run} (see the README next to this file).
 */
public final class FrameBuffer {
    private FrameBuffer() {}

    static final int FRAME_SIZE = 64 * 1024;
    static final int PIECE = 4096;
    static final Slots LAYOUT = Slots.from(0);
    static final long LOCK = LAYOUT.reserve(SlotKind.MUTEX);
    static final long NEW_FRAME = LAYOUT.reserve(SlotKind.CONDITION);
    static final long HEADER = LAYOUT.bytes(24, 8);
    static final long SEQ = HEADER;            // the last whole frame's number
    static final long WRITING = HEADER + 8;    // the frame being written, 0 when none
    static final long STOP = HEADER + 16;      // 1: everyone stops
    static final long FRAME = LAYOUT.bytes(FRAME_SIZE, 64);
    static final long SIZE = LAYOUT.size();

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("producer")) {
            producer(args[1]);
        } else if (args.length == 2 && args[0].equals("consumer")) {
            consumer(args[1]);
        } else if (args.length == 0) {
            supervisor();
        } else {
            System.err.println("usage: FrameBuffer | FrameBuffer producer|consumer NAME");
            System.exit(2);
        }
    }

    // ---------------------------------------------------------------- the supervisor

    static void supervisor() throws Exception {
        String name = "/jipc-frames-" + ProcessHandle.current().pid();
        List<Process> children = new ArrayList<>();
        LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        try (SharedMemory shm = SharedMemory.createExclusively(name, SIZE)) {
            Thread cleanup = new Thread(() -> removeAll(name, children), "cleanup");
            Runtime.getRuntime().addShutdownHook(cleanup); // Ctrl-C: still remove the segment
            try (Mapping m = shm.map();
                 SharedMutex lock = SharedMutex.createExclusively(m, LOCK);
                 SharedCondition newFrame = SharedCondition.createExclusively(m, NEW_FRAME)) {
                System.out.printf("supervisor %d: segment %s, %d bytes (mutex at %d, condition at %d, frame at %d)%n",
                        ProcessHandle.current().pid(), name, SIZE, LOCK, NEW_FRAME, FRAME);
                Process consumer = start("consumer", name, children, lines);
                Process producer = start("producer", name, children, lines);
                // The consumer's first whole frame: whichever it is (it starts with the frame after the one
                // it finds, and on a busy machine the producer may be several frames ahead by then).
                await(lines, l -> l.startsWith("consumer") && l.contains("whole"));

                String writing = await(lines, l -> l.startsWith("producer") && l.contains(": writing frame"));
                producer.destroyForcibly().waitFor();
                System.out.printf("supervisor: killed producer %d (SIGKILL) while %s%n", producer.pid(),
                        writing.substring(writing.indexOf("writing")));
                await(lines, l -> l.contains("torn frame") || l.contains("died holding"));
                producer = start("producer", name, children, lines);
                await(lines, l -> l.startsWith("consumer") && l.contains("whole"));

                String reading = await(lines, l -> l.startsWith("consumer") && l.contains(": reading frame"));
                consumer.destroyForcibly().waitFor();
                System.out.printf("supervisor: killed consumer %d (SIGKILL) while %s%n", consumer.pid(),
                        reading.substring(reading.indexOf("reading")));
                await(lines, l -> l.startsWith("producer") && l.contains("died holding"));
                Process newConsumer = start("consumer", name, children, lines);
                String fresh = "consumer " + newConsumer.pid();
                await(lines, l -> l.startsWith(fresh) && l.contains("whole"));
                await(lines, l -> l.startsWith(fresh) && l.contains("whole"));

                lock.lock();
                try {
                    m.segment().set(ValueLayout.JAVA_LONG, STOP, 1);
                    newFrame.broadcast();
                } finally {
                    lock.unlock();
                }
                for (Process p : List.of(producer, newConsumer)) {
                    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                        throw new IllegalStateException("process " + p.pid() + " did not stop cleanly");
                    }
                }
            } finally {
                removeAll(name, children);
                try {
                    Runtime.getRuntime().removeShutdownHook(cleanup);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running or has run
                }
            }
        }
        System.out.println("supervisor: both survived a SIGKILL of the other; segment removed");
    }

    /** The same java, module path and class path as this process; its lines go to ours and to {@code lines}. */
    static Process start(String role, String name, List<Process> children, LinkedBlockingQueue<String> lines)
            throws Exception {
        List<String> cmd = List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=io.jipc", "--module-path", System.getProperty("jdk.module.path"),
                "--add-modules", "io.jipc", "-cp", System.getProperty("java.class.path"), "-XX:TieredStopAtLevel=1",
                FrameBuffer.class.getName(), role, name);
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        children.add(p);
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    System.out.println(line);
                    lines.add(line);
                }
            } catch (Exception gone) {
                // the process was killed
            }
        });
        return p;
    }

    /** The first line that is {@code wanted}; gives up after 60 s, even if other lines keep coming. */
    static String await(LinkedBlockingQueue<String> lines, Predicate<String> wanted) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new IllegalStateException("what the supervisor waits for did not happen within 60 s");
            }
            if (wanted.test(line)) {
                return line;
            }
        }
    }

    /** Idempotent: from the finally block, and from the shutdown hook on Ctrl-C. */
    static synchronized void removeAll(String name, List<Process> children) {
        for (Process p : children) {
            p.destroyForcibly();
        }
        try {
            SharedMemory.unlink(name);
        } catch (Exception alreadyGone) {
            // unlinked before
        }
    }

    // ---------------------------------------------------------------- the two sides

    /** Locks; if the last owner died holding the lock, repairs what it may have left and says so. */
    static void lock(SharedMutex lock, MemorySegment mem, String me) throws Exception {
        try {
            lock.lock();
        } catch (OwnerDiedException e) {
            recover(lock, mem, me);
        }
    }

    static void recover(SharedMutex lock, MemorySegment mem, String me) {
        long torn = mem.get(ValueLayout.JAVA_LONG, WRITING);
        if (torn != 0) {
            // The producer died mid-frame: the frame area is half old, half new. Frame SEQ is
            // gone; nobody may read the area until a whole frame is written over it.
            mem.set(ValueLayout.JAVA_LONG, WRITING, 0);
            System.out.printf("%s: the producer died holding the lock while writing frame %d: torn frame discarded%n",
                    me, torn);
        } else {
            System.out.printf("%s: the consumer died holding the lock (reading frame %d): nothing to repair%n", me,
                    mem.get(ValueLayout.JAVA_LONG, SEQ));
        }
        lock.makeConsistent();
    }

    static void producer(String name) throws Exception {
        String me = "producer " + ProcessHandle.current().pid();
        byte[] piece = new byte[PIECE];
        try (SharedMemory shm = SharedMemory.openExisting(name);
             Mapping m = shm.map();
             SharedMutex lock = SharedMutex.openExisting(m, LOCK);
             SharedCondition newFrame = SharedCondition.openExisting(m, NEW_FRAME)) {
            MemorySegment mem = m.segment();
            while (true) {
                lock(lock, mem, me);
                try {
                    if (mem.get(ValueLayout.JAVA_LONG, STOP) != 0) {
                        System.out.printf("%s: stopping%n", me);
                        return;
                    }
                    long seq = mem.get(ValueLayout.JAVA_LONG, SEQ) + 1;
                    mem.set(ValueLayout.JAVA_LONG, WRITING, seq);
                    System.out.printf("%s: writing frame %d%n", me, seq);
                    java.util.Arrays.fill(piece, (byte) seq);
                    for (int at = 0; at < FRAME_SIZE; at += PIECE) {
                        m.write(FRAME + at, piece);
                        Thread.sleep(5); // a slow source: the lock is held for a while
                    }
                    mem.set(ValueLayout.JAVA_LONG, SEQ, seq);
                    mem.set(ValueLayout.JAVA_LONG, WRITING, 0);
                    newFrame.broadcast();
                } finally {
                    lock.unlock();
                }
                Thread.sleep(30);
            }
        }
    }

    static void consumer(String name) throws Exception {
        String me = "consumer " + ProcessHandle.current().pid();
        byte[] frame = new byte[FRAME_SIZE];
        try (SharedMemory shm = SharedMemory.openExisting(name);
             Mapping m = shm.map();
             SharedMutex lock = SharedMutex.openExisting(m, LOCK);
             SharedCondition newFrame = SharedCondition.openExisting(m, NEW_FRAME)) {
            MemorySegment mem = m.segment();
            long last = -1;
            while (true) {
                lock(lock, mem, me);
                try {
                    if (last < 0) {
                        last = mem.get(ValueLayout.JAVA_LONG, SEQ); // start with the next frame
                    }
                    while (mem.get(ValueLayout.JAVA_LONG, SEQ) <= last && mem.get(ValueLayout.JAVA_LONG, STOP) == 0) {
                        try {
                            if (!newFrame.tryAwait(lock, Duration.ofSeconds(2))) {
                                System.out.printf("%s: no new frame for 2 s: waiting for a producer%n", me);
                            }
                        } catch (OwnerDiedException e) {
                            recover(lock, mem, me); // the wait locks again: the owner may have died
                        }
                    }
                    if (mem.get(ValueLayout.JAVA_LONG, STOP) != 0) {
                        System.out.printf("%s: stopping%n", me);
                        return;
                    }
                    long seq = mem.get(ValueLayout.JAVA_LONG, SEQ);
                    System.out.printf("%s: reading frame %d%n", me, seq);
                    Thread.sleep(60); // a slow reader: the lock is held for a while
                    m.read(FRAME, frame);
                    for (byte b : frame) {
                        if (b != (byte) seq) {
                            throw new IllegalStateException("frame " + seq + " is not whole");
                        }
                    }
                    System.out.printf("%s: frame %d whole (%d bytes, all %d)%n", me, seq, FRAME_SIZE, (byte) seq);
                    last = seq;
                } finally {
                    lock.unlock();
                }
            }
        }
    }
}
