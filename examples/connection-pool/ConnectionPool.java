import io.jipc.sem.PosixSemaphore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Comparator;

/**
 * A pool of {@value #CONNECTIONS} connections (to a database, a licence server...) shared by
 * {@value #WORKERS} processes, guarded by a POSIX named semaphore whose value is the number of free
 * connections: a worker takes one with sem_wait (waiting while none is free) and gives it back
 * with sem_post. Each worker reports when it got and released its connection (CLOCK_MONOTONIC,
 * the same clock in every process), and the pool owner checks that never more than {@value
 * #CONNECTIONS} were in use at once.
 *
 * <p>Run: {@code examples/connection-pool/run} (it starts the workers and removes the semaphore).
 */
public final class ConnectionPool {
    private ConnectionPool() {}

    static final int CONNECTIONS = 2;
    static final int WORKERS = 5;

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("worker")) {
            worker(args[1]);
            return;
        }
        String name = "/jipc-pool-" + ProcessHandle.current().pid();
        try (PosixSemaphore pool = PosixSemaphore.createExclusively(name,
                PosixSemaphore.Options.defaults().withInitialValue(CONNECTIONS))) {
            try {
                System.out.println(String.format("pool %s: %d connections for %d workers", name, CONNECTIONS, WORKERS));
                List<Process> workers = new ArrayList<>();
                for (int i = 0; i < WORKERS; i++) {
                    workers.add(new ProcessBuilder(javaCommand("worker", name)).redirectErrorStream(true).start());
                }
                List<String[]> events = new ArrayList<>();          // {pid, got|released, nanoTime}
                for (Process w : workers) {
                    try (BufferedReader out = new BufferedReader(new InputStreamReader(w.getInputStream(),
                            StandardCharsets.UTF_8))) {
                        out.lines().forEach(line -> events.add(line.split(" ")));
                    }
                    if (w.waitFor() != 0) {
                        throw new IllegalStateException("worker " + w.pid() + " failed: " + events);
                    }
                }
                // In time order (a release is stamped before its sem_post, a take after its sem_wait).
                events.sort(Comparator.comparingLong((String[] e) -> Long.parseLong(e[2])));
                long start = Long.parseLong(events.get(0)[2]);
                int inUse = 0;
                int peak = 0;
                for (String[] e : events) {
                    inUse += e[1].equals("got") ? 1 : -1;
                    peak = Math.max(peak, inUse);
                    System.out.println(String.format("+%4d ms  worker %s %-8s a connection  (in use: %d)",
                            (Long.parseLong(e[2]) - start) / 1_000_000, e[0], e[1], inUse));
                }
                System.out.println(String.format("at most %d connections were in use at once (pool of %d); %d free now", peak,
                        CONNECTIONS, pool.value()));
            } finally {
                pool.unlink();
            }
        }
    }

    /** Takes a connection, uses it for a while, gives it back. */
    static void worker(String name) throws Exception {
        try (PosixSemaphore pool = PosixSemaphore.openExisting(name)) {
            pool.acquire();                                    // sem_wait: blocks while all are taken
            long got = System.nanoTime();
            try {
                Thread.sleep(Duration.ofMillis(300));          // "using the connection"
            } finally {
                long released = System.nanoTime();
                pool.release();                                // sem_post
                System.out.println(String.format("%d got %d%n%d released %d", ProcessHandle.current().pid(), got,
                        ProcessHandle.current().pid(), released));
            }
        }
    }

    static List<String> javaCommand(String... args) {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=io.jipc", "--module-path", System.getProperty("jdk.module.path"),
                "--add-modules", "io.jipc", "-cp", System.getProperty("java.class.path"), "-XX:TieredStopAtLevel=1",
                ConnectionPool.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }
}
