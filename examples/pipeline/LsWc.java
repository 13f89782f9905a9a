import static java.nio.charset.StandardCharsets.UTF_8;

import io.jipc.pipe.Pipe;
import io.jipc.process.ChildProcess;
import io.jipc.process.Pipeline;
import java.io.ByteArrayOutputStream;

/**
 * {@code ls DIR | wc -l}, the way a shell builds it: two children, a pipe(2) from the first's
 * standard output to the second's standard input, and one more pipe to read the count back.
 *
 * <p>Run: {@code examples/pipeline/run [DIR]}.
 */
public final class LsWc {
    private LsWc() {}

    public static void main(String[] args) throws Exception {
        String dir = args.length > 0 ? args[0] : ".";
        try (Pipe result = Pipe.open();
             Pipeline p = Pipeline.builder()
                     .add("ls", dir)              // ls's stdout ─pipe─► wc's stdin
                     .add("wc", "-l")
                     .stdout(result.writeEnd())   // wc's stdout ─pipe─► this process
                     .start()) {
            result.writeEnd().close();           // ours: wc holds the only writer, so EOF comes when it exits
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[256];
            int n;
            while ((n = result.readEnd().read(buf)) > 0) {
                out.write(buf, 0, n);
            }
            Pipeline.Status status = p.waitFor();
            for (ChildProcess stage : p.stages()) {
                System.out.println(String.format("stage %s (pid %d)", stage.program(), stage.pid()));
            }
            System.out.println(String.format("ls %s | wc -l = %s (%s)", dir, out.toString(UTF_8).strip(),
                    status.success() ? "both exited 0" : "failed: " + status));
        }
    }
}
