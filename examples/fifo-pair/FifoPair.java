import static java.nio.charset.StandardCharsets.UTF_8;

import io.jipc.pipe.Fifo;
import io.jipc.pipe.Pipe;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Two processes that share no descriptor meet at a path: the reader creates a FIFO (mkfifo) and
 * reads lines until every writer has closed it; the writer, started on its own, opens it and
 * writes. Open for reading waits for a writer and open for writing for a reader, so neither needs
 * to start first.
 *
 * <p>Run: {@code examples/fifo-pair/run} (it starts {@code FifoPair reader PATH} and {@code
 * FifoPair writer PATH}).
 */
public final class FifoPair {
    private FifoPair() {}

    public static void main(String[] args) throws Exception {
        Path path = Path.of(args[1]);
        String me = args[0] + " " + ProcessHandle.current().pid();
        if (args[0].equals("reader")) {
            Fifo fifo = Fifo.createExclusively(path);
            try (Pipe.ReadEnd in = fifo.openForReading();     // waits for a writer
                 BufferedReader lines = new BufferedReader(new InputStreamReader(in.inputStream(), UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {      // null once every writer closed
                    System.out.println(String.format("%s: got \"%s\"", me, line));
                }
            } finally {
                fifo.unlink();
            }
            System.out.println(String.format("%s: end of file, FIFO removed", me));
        } else {
            while (!Files.exists(path)) {                        // the reader makes it
                Thread.sleep(10);
            }
            try (Pipe.WriteEnd out = Fifo.openForWriting(path)) { // waits for a reader
                for (int i = 1; i <= 3; i++) {
                    out.write(("line " + i + " from " + me + "\n").getBytes(UTF_8));
                }
            }
            System.out.println(String.format("%s: wrote 3 lines and closed", me));
        }
    }
}
