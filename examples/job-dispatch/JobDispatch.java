import static java.nio.charset.StandardCharsets.UTF_8;

import io.jipc.IpcKey;
import io.jipc.mq.Envelope;
import io.jipc.mq.PosixMessage;
import io.jipc.mq.PosixMessageQueue;
import io.jipc.mq.SysVMessageQueue;
import io.jipc.mq.TypeSelector;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Typed job dispatch with priority, between three processes:
 *
 * <pre>
 *   submitters ──► POSIX queue /jipc-jobs-PID ──► dispatcher ──► System V queue ──► worker "resize" (type 1)
 *                  (priorities: urgent first)     (routes by job      (typed)    └─► worker "email"  (type 2)
 *                                                  kind to a type)
 * </pre>
 *
 * The dispatcher's inbox is a POSIX queue, so urgent jobs (priority 9) overtake normal ones
 * (priority 1) whatever order they were submitted in. It forwards each job to a System V queue
 * with the message type of the job's kind; each worker receives only its own type
 * ({@code msgrcv} with a positive type). When the inbox is empty the dispatcher sends each worker
 * a stop message, waits for them, and removes both queues — also on Ctrl-C or an error.
 *
 * <p>Run: {@code examples/job-dispatch/run} (see the README next to this file).
 */
public final class JobDispatch {
    private JobDispatch() {}

    /** Job kinds and the System V message type that routes them. */
    enum Kind {
        RESIZE(1), EMAIL(2);

        final long type;

        Kind(long type) {
            this.type = type;
        }

        static Kind of(String job) {
            return valueOf(job.substring(0, job.indexOf(' ')).toUpperCase());
        }
    }

    /**
     * One line, in one write: three processes share this standard output, and printf writes its
     * pieces one by one, so two workers' lines could interleave mid-line.
     */
    private static void say(String format, Object... args) {
        System.out.print(String.format(format, args));
        System.out.flush();
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 3 && args[0].equals("worker")) {
            worker(Kind.valueOf(args[1]), Integer.parseInt(args[2]));
        } else if (args.length == 0) {
            dispatcher();
        } else {
            System.err.println("usage: JobDispatch | JobDispatch worker RESIZE|EMAIL MSQID");
            System.exit(2);
        }
    }

    // ---------------------------------------------------------------- the dispatcher

    static void dispatcher() throws Exception {
        String inboxName = "/jipc-jobs-" + ProcessHandle.current().pid();
        PosixMessageQueue inbox = PosixMessageQueue.createExclusively(inboxName,
                PosixMessageQueue.Options.defaults().withMaxMessages(10).withMessageSize(128));
        // A private queue: only processes we hand its id to can use it, and no key can collide.
        SysVMessageQueue jobs = SysVMessageQueue.createExclusively(IpcKey.PRIVATE,
                SysVMessageQueue.Options.defaults().withMode(PosixFilePermissions.fromString("rw-------")));
        List<Process> workers = new ArrayList<>();
        Thread cleanup = new Thread(() -> removeAll(inbox, jobs, workers), "cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup); // Ctrl-C: still remove the queues
        try {
            say("dispatcher %d: inbox %s, jobs msqid %d%n", ProcessHandle.current().pid(), inboxName,
                    jobs.id());

            // Submissions, in this order; the urgent ones will be dispatched first.
            submit(inbox, 1, "resize photo-1.jpg");
            submit(inbox, 1, "email alice: your photos are ready");
            submit(inbox, 1, "resize photo-2.jpg");
            submit(inbox, 9, "email bob: URGENT password reset");
            submit(inbox, 1, "resize photo-3.jpg");
            submit(inbox, 9, "resize banner.png for the front page (URGENT)");
            submit(inbox, 5, "email carol: weekly digest");

            for (Kind kind : Kind.values()) {
                workers.add(startWorker(kind, jobs.id()));
            }

            // Highest priority first, FIFO within one priority; route by kind to a message type.
            Optional<PosixMessage> next;
            while ((next = inbox.tryReceive()).isPresent()) {
                String job = next.get().text();
                Kind kind = Kind.of(job);
                say("dispatcher: priority %d -> %s worker (type %d): %s%n", next.get().priority(),
                        kind.name().toLowerCase(), kind.type, job);
                jobs.send(job.getBytes(UTF_8), kind.type);
            }
            for (Kind kind : Kind.values()) {
                jobs.send("stop".getBytes(UTF_8), kind.type);
            }
            for (Process w : workers) {
                if (!w.waitFor(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("worker " + w.pid() + " did not finish");
                }
            }
            say("dispatcher: all jobs done; queues removed%n");
        } finally {
            removeAll(inbox, jobs, workers);
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run: nothing left to do
            }
        }
    }

    static void submit(PosixMessageQueue inbox, int priority, String job) throws Exception {
        inbox.send(job.getBytes(UTF_8), priority);
        say("submit: priority %d: %s%n", priority, job);
    }

    /** The same java, module path and class path as this process, running the worker role. */
    static Process startWorker(Kind kind, int msqid) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=io.jipc", "--module-path", System.getProperty("jdk.module.path"),
                "--add-modules", "io.jipc", "-cp", System.getProperty("java.class.path"), "-XX:TieredStopAtLevel=1",
                JobDispatch.class.getName(), "worker", kind.name(), String.valueOf(msqid)));
        return new ProcessBuilder(cmd).inheritIO().start();
    }

    /** Idempotent: from the finally block, and from the shutdown hook on Ctrl-C. */
    static synchronized void removeAll(PosixMessageQueue inbox, SysVMessageQueue jobs, List<Process> workers) {
        for (Process w : workers) {
            w.destroy();
        }
        try {
            inbox.unlink();
        } catch (Exception alreadyGone) {
            // unlinked before
        }
        inbox.close();
        try {
            jobs.remove();
        } catch (Exception alreadyGone) {
            // removed before
        }
        jobs.close();
    }

    // ---------------------------------------------------------------- a worker

    /** Takes only the jobs of its own type, in the order the dispatcher sent them, until "stop". */
    static void worker(Kind kind, int msqid) throws Exception {
        String me = kind.name().toLowerCase() + " worker " + ProcessHandle.current().pid();
        TypeSelector mine = TypeSelector.exactly(kind.type);
        byte[] buffer = new byte[128];
        Envelope got = new Envelope(); // reused: the receive loop allocates nothing
        try (SysVMessageQueue jobs = SysVMessageQueue.openId(msqid)) {
            while (true) {
                int n = jobs.receive(buffer, got, mine);
                String job = new String(buffer, 0, n, UTF_8);
                if (job.equals("stop")) {
                    say("%s: stopping%n", me);
                    return;
                }
                say("%s: doing %s%n", me, job);
                Thread.sleep(Duration.ofMillis(50));
            }
        }
    }
}
