import io.jipc.IpcException;
import io.jipc.poll.Poller;
import io.jipc.poll.Readiness;
import io.jipc.poll.Registration;
import io.jipc.signal.Signal;
import io.jipc.signal.SignalCatcher;
import io.jipc.signal.SignalInfo;
import io.jipc.socket.UnixAddress;
import io.jipc.socket.UnixServerSocket;
import io.jipc.socket.UnixSocket;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * The classic Unix daemon, in Java: it serves clients on a UNIX socket, and
 * <ul>
 *   <li>re-reads its configuration on <b>SIGHUP</b> (a configuration it cannot read is reported
 *       and the old one kept);</li>
 *   <li>on <b>SIGTERM</b> (or SIGINT, Ctrl-C) stops taking clients, finishes the job in hand,
 *       removes its socket and exits 0;</li>
 *   <li>never dies of <b>SIGPIPE</b>: a client that leaves before its answer is an EPIPE error
 *       on that client's connection, and a SIGPIPE sent from outside is logged and ignored.</li>
 * </ul>
 * The signals are not handled in signal context, nor by flags a handler sets: a {@link
 * SignalCatcher} catches them and is one more descriptor in the daemon's event loop (as a C
 * daemon puts a signalfd in its epoll set), so a signal is dealt with between two jobs, by the
 * thread that does the jobs, with who sent it.
 *
 * <pre>
 *   SignalDaemon CONFIG SOCKET           run the daemon (CONFIG: greeting=..., work=MILLISECONDS)
 *   SignalDaemon client SOCKET NAME      ask it: prints the answer
 * </pre>
 *
 * Run it: {@code examples/signal-daemon/run} (see the README next to this file).
 */
public final class SignalDaemon {
    private SignalDaemon() {}

    /** What the configuration file says: the answer's greeting, and how long a job takes. */
    record Config(String greeting, Duration work) {
        static Config read(Path file) throws IOException {
            Properties p = new Properties();
            try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(in);
            }
            String greeting = p.getProperty("greeting", "hello").strip();
            long ms;
            try {
                ms = Long.parseLong(p.getProperty("work", "200").strip());
            } catch (NumberFormatException e) {
                throw new IOException(file + ": work must be a number of milliseconds, not " + p.getProperty("work"));
            }
            if (ms < 0) {
                throw new IOException(file + ": work must not be negative");
            }
            return new Config(greeting, Duration.ofMillis(ms));
        }

        @Override
        public String toString() {
            return "greeting=" + greeting + ", work=" + work.toMillis() + "ms";
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 3 && args[0].equals("client")) {
            client(Path.of(args[1]), args[2]);
        } else if (args.length == 2) {
            daemon(Path.of(args[0]), Path.of(args[1]));
        } else {
            System.err.println("usage: SignalDaemon CONFIG SOCKET | SignalDaemon client SOCKET NAME");
            System.exit(2);
        }
    }

    static void daemon(Path configFile, Path socket) throws Exception {
        Config config = Config.read(configFile);
        int jobs = 0;
        try (SignalCatcher signals = SignalCatcher.open(Signal.SIGHUP, Signal.SIGTERM, Signal.SIGINT, Signal.SIGPIPE);
                UnixServerSocket server = UnixServerSocket.bind(UnixAddress.of(socket),
                        UnixServerSocket.Options.defaults().withUnlinkOnClose(true));
                Poller loop = Poller.create()) {
            loop.register(signals, Set.of(Readiness.READ), "signals");
            loop.register(server, Set.of(Readiness.READ), "clients");
            log("pid " + ProcessHandle.current().pid() + ", serving " + socket + " with " + config);
            boolean stopping = false;
            while (!stopping) {
                loop.poll();
                for (Registration r : loop.ready()) {
                    if (r.attachment().equals("signals")) {
                        // Every signal that came meanwhile (standard ones merged, as the kernel does).
                        Optional<SignalInfo> s;
                        while (!stopping && (s = signals.tryReceive()).isPresent()) {
                            SignalInfo info = s.get();
                            switch (info.signal()) {
                                case SIGHUP -> config = reload(configFile, config, info);
                                case SIGPIPE -> log("SIGPIPE from pid " + info.pid() + ": ignored");
                                default -> {
                                    log(info.signal() + " from pid " + info.pid() + ": finishing, then stopping");
                                    stopping = true;
                                }
                            }
                        }
                    } else if (!stopping) {
                        Optional<UnixSocket> client = server.tryAccept();
                        if (client.isPresent()) {
                            try (UnixSocket c = client.get()) {
                                serve(c, config, ++jobs);
                            }
                        }
                    }
                }
            }
            log("stopped cleanly after " + jobs + " jobs; " + socket + " removed");
        }
    }

    private static Config reload(Path file, Config old, SignalInfo why) {
        try {
            Config now = Config.read(file);
            log("SIGHUP from pid " + why.pid() + ": reloaded " + file + ": " + now);
            return now;
        } catch (IOException e) {
            log("SIGHUP from pid " + why.pid() + ": cannot reload (" + e.getMessage() + "), keeping " + old);
            return old;
        }
    }

    /** One job: the client's name (until it shuts its side down), the work, the answer. */
    private static void serve(UnixSocket client, Config config, int job) {
        try {
            byte[] buf = new byte[256];
            int n = 0;
            while (n < buf.length) {
                int r = client.tryReceive(buf, n, buf.length - n, Duration.ofSeconds(5));
                if (r < 0) {
                    break; // end of stream (-1), or nothing for 5 s (-2)
                }
                n += r;
            }
            String name = new String(buf, 0, n, StandardCharsets.UTF_8).strip();
            log("job " + job + ": " + name + " (" + config.work().toMillis() + " ms of work)");
            Thread.sleep(config.work()); // the work: a SIGTERM now waits in the catcher until it is done
            client.send((config.greeting() + ", " + name + "\n").getBytes(StandardCharsets.UTF_8));
            log("job " + job + ": answered");
        } catch (IpcException e) {
            // EPIPE (or ECONNRESET): the client left first. Its error, not the daemon's death.
            log("job " + job + ": client gone before its answer: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void client(Path socket, String name) throws IOException {
        try (UnixSocket s = UnixSocket.connect(UnixAddress.of(socket))) {
            s.send(name.getBytes(StandardCharsets.UTF_8));
            s.shutdownOutput();
            byte[] buf = new byte[256];
            int n = 0;
            int r;
            while (n < buf.length && (r = s.receive(buf, n, buf.length - n)) > 0) {
                n += r;
            }
            System.out.print(new String(buf, 0, n, StandardCharsets.UTF_8));
        }
    }

    private static void log(String line) {
        System.out.println("daemon: " + line);
        System.out.flush();
    }
}
