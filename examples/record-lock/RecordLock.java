import io.jipc.lock.FileLock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Read-modify-write of one record in a shared file by several processes, each under an exclusive
 * lock on that record's 8 bytes (an OFD lock: fcntl F_OFD_SETLKW, which C programs' fcntl locks
 * see). The file holds {@value #RECORDS} counters; every process adds 1 to record 2, {@value
 * #UPDATES} times. Without the lock, two processes reading the same old value would lose an update;
 * with it the total is exact. Records other than 2 stay free for others to lock meanwhile.
 *
 * <p>Run: {@code examples/record-lock/run} (it starts {@value #PROCESSES} copies of itself).
 */
public final class RecordLock {
    private RecordLock() {}

    static final int RECORDS = 4;
    static final int RECORD = 2;
    static final int RECORD_SIZE = Long.BYTES;
    static final int PROCESSES = 4;
    static final int UPDATES = 200;

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("updater")) {
            updater(Path.of(args[1]));
            return;
        }
        Path file = Files.createTempFile("jipc-records", ".db");
        try {
            Files.write(file, new byte[RECORDS * RECORD_SIZE]);
            List<Process> updaters = new ArrayList<>();
            for (int i = 0; i < PROCESSES; i++) {
                updaters.add(new ProcessBuilder(javaCommand("updater", file.toString())).inheritIO().start());
            }
            for (Process p : updaters) {
                if (p.waitFor() != 0) {
                    throw new IllegalStateException("updater " + p.pid() + " failed");
                }
            }
            long total = read(file, RECORD);
            System.out.println(String.format("record %d = %d (%d processes x %d updates%s)", RECORD, total, PROCESSES, UPDATES,
                    total == (long) PROCESSES * UPDATES ? ", none lost" : ", SOME LOST"));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Adds 1 to the record, {@value #UPDATES} times, each time under the record's lock. */
    static void updater(Path file) throws Exception {
        FileLock.Options onRecord = FileLock.Options.defaults().withRange(RECORD * RECORD_SIZE, RECORD_SIZE);
        try (FileLock lock = FileLock.open(file, onRecord);
             FileChannel data = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer value = ByteBuffer.allocate(RECORD_SIZE);
            for (int i = 0; i < UPDATES; i++) {
                lock.lock();                                   // waits while another process holds it
                try {
                    value.clear();
                    data.read(value, RECORD * RECORD_SIZE);
                    long v = value.getLong(0);
                    Thread.onSpinWait();                       // the window in which an unlocked update is lost
                    value.clear();
                    value.putLong(0, v + 1);
                    data.write(value, RECORD * RECORD_SIZE);
                } finally {
                    lock.unlock();
                }
            }
        }
        System.out.println(String.format("updater %d: %d updates done", ProcessHandle.current().pid(), UPDATES));
    }

    static long read(Path file, int record) throws IOException {
        try (FileChannel ch = FileChannel.open(file)) {
            ByteBuffer b = ByteBuffer.allocate(RECORD_SIZE);
            ch.read(b, (long) record * RECORD_SIZE);
            return b.getLong(0);
        }
    }

    /** The same java, module path and class path as this process, running {@code args}. */
    static List<String> javaCommand(String... args) {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=io.jipc", "--module-path", System.getProperty("jdk.module.path"),
                "--add-modules", "io.jipc", "-cp", System.getProperty("java.class.path"), "-XX:TieredStopAtLevel=1",
                RecordLock.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }
}
