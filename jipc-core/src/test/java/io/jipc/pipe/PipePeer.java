package io.jipc.pipe;

import io.jipc.IpcException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The second JVM of the pipe and FIFO tests.
 *
 * <pre>
 *   echo-inherited          adopt fd 3 (read end) and fd 4 (write end), print "ready ...", echo until EOF
 *   epipe                   write into a pipe whose read end is closed; print the errno name
 *   raise-capacity BYTES    set a pipe's capacity; print "raised" or the exception message
 *   fifo-write PATH DATA    open the FIFO for writing (30 s), write DATA, print "written"
 *   fifo-read PATH          open the FIFO for reading (30 s), print everything read until EOF
 *   no-wake-timer           run under RLIMIT_SIGPENDING 0: blocking pipe calls wait in poll, and wake
 * </pre>
 */
public final class PipePeer {
    private PipePeer() {}

    public static void main(String[] args) throws Exception {
        Duration wait = Duration.ofSeconds(30);
        switch (args[0]) {
            case "echo-inherited" -> {
                try (Pipe.ReadEnd in = Pipe.ReadEnd.adopt(3); Pipe.WriteEnd out = Pipe.WriteEnd.adopt(4)) {
                    System.out.println("ready blocking=" + in.isBlocking() + " nonblock-flag=" + in.fd().isNonBlocking());
                    System.out.flush();
                    byte[] buf = new byte[8192];
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        out.write(buf, 0, n);
                    }
                }
                System.out.println("eof");
            }
            case "epipe" -> {
                try (Pipe p = Pipe.open()) {
                    p.readEnd().close();
                    p.writeEnd().write(new byte[1]);
                    System.out.println("written?");
                } catch (IpcException e) {
                    System.out.println(e.error());
                }
            }
            case "raise-capacity" -> {
                try (Pipe p = Pipe.open()) {
                    p.setCapacity(Integer.parseInt(args[1]));
                    System.out.println("raised");
                } catch (IpcException e) {
                    System.out.println(e.getMessage());
                }
            }
            case "fifo-write" -> {
                try (Pipe.WriteEnd out = Fifo.tryOpenForWriting(Path.of(args[1]), wait).orElseThrow()) {
                    out.write(args[2].getBytes(StandardCharsets.UTF_8));
                }
                System.out.println("written");
            }
            case "fifo-read" -> {
                try (Pipe.ReadEnd in = Fifo.tryOpenForReading(Path.of(args[1]), wait).orElseThrow()) {
                    System.out.print(new String(in.inputStream().readAllBytes(), StandardCharsets.UTF_8));
                }
            }
            case "no-wake-timer" -> PipeKernelWaitTest.noWakeTimer();
            default -> throw new IllegalArgumentException(args[0]);
        }
        System.out.flush();
    }
}
