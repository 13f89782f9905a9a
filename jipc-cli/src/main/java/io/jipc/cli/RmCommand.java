package io.jipc.cli;

import io.jipc.IpcException;
import io.jipc.inspect.Inventory;
import io.jipc.inspect.ObjectRef;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jipc rm OBJECT…}: removes each object, as {@code ipcrm} and {@code rm} do. Every OBJECT
 * is checked before any is removed (a usage error removes nothing); then each is removed in turn,
 * each failure reported on its own line in cli.md's form, the others still removed; exit 3 if
 * any failed.
 */
@Command(name = "rm", mixinStandardHelpOptions = true,
        description = {"Remove IPC objects: mq:/NAME, sem:/NAME, shm:/NAME (unlink the name), sysv-msg:ID,"
                + " sysv-sem:ID, sysv-shm:ID (IPC_RMID), fifo:PATH (unlink, only if it is a FIFO).",
            "Each failure is reported on its own line (a missing object: ENOENT) and the rest are still removed."})
final class RmCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "OBJECT", description = "TYPE:NAME or TYPE:ID, as jipc ls shows it.")
    List<String> objects;

    @Option(names = {"-v", "--verbose"}, description = "Print 'removed OBJECT' for each object removed.")
    boolean verbose;

    @Override
    public Integer call() throws Failure {
        List<ObjectRef> refs = new ArrayList<>();
        for (String o : objects) {
            refs.add(ObjectRef.parse(o));
        }
        Io io = Io.of(spec);
        int status = ExitCodes.OK;
        for (ObjectRef ref : refs) {
            try {
                Inventory.remove(ref);
                if (verbose) {
                    io.println("removed " + ref);
                }
            } catch (IpcException e) {
                Failure.of(e).lines().forEach(io.err()::println);
                status = ExitCodes.SYSTEM;
            }
        }
        return status;
    }
}
