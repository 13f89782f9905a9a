package io.jipc.cli;

import io.jipc.IpcException;
import io.jipc.IpcKey;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Which System V object a command means: {@code --id ID | --key K | --path P [--project-id N]},
 * the same four options for queues, semaphore sets and segments (a picocli mixin; each command's
 * {@code Target} names its kind and how to open one).
 *
 * @param <T> the object opened
 */
abstract class SysVTarget<T> {
    @Option(names = "--id", paramLabel = "ID", description = "The id, as ipcs shows it.")
    Integer id;

    @Option(names = "--key", paramLabel = "K", converter = Converters.KeyConverter.class,
            description = "The key, decimal or 0x hex (0 is IPC_PRIVATE, for create only).")
    Integer key;

    @Option(names = "--path", paramLabel = "P", description = "Make the key with ftok(P, project id).")
    Path path;

    @Option(names = "--project-id", paramLabel = "N", description = "ftok's project id, 1..255 (default 1).")
    Integer projectId;

    /** The kind of object, as a question asks for it: "queue", "semaphore set", "segment". */
    abstract String noun();

    abstract T openId(int id) throws IpcException;

    abstract T openExisting(IpcKey key) throws IpcException;

    /** Exactly one of the three ways given, and --project-id only with --path; create takes no --id. */
    void check(boolean idAllowed) {
        int given = (id != null ? 1 : 0) + (key != null ? 1 : 0) + (path != null ? 1 : 0);
        String choices = idAllowed ? "--id, --key or --path" : "--key or --path";
        if (given == 0) {
            throw new IllegalArgumentException("which " + noun() + "? give " + choices);
        }
        if (given > 1) {
            throw new IllegalArgumentException("give only one of " + choices);
        }
        if (!idAllowed && id != null) {
            throw new IllegalArgumentException("create takes --key or --path, not --id");
        }
        if (projectId != null && path == null) {
            throw new IllegalArgumentException("--project-id goes with --path");
        }
    }

    /** The key of --key or --path; {@link IpcKey#PRIVATE} for --key 0. */
    IpcKey key() throws IpcException {
        if (path != null) {
            return IpcKey.ftok(path, projectId == null ? 1 : projectId);
        }
        return key == 0 ? IpcKey.PRIVATE : IpcKey.of(key);
    }

    /** The existing object the options name. */
    T open() throws IpcException {
        check(true);
        if (id != null) {
            return openId(id);
        }
        IpcKey k = key();
        if (k.isPrivate()) {
            throw new IllegalArgumentException("key 0 is IPC_PRIVATE, which no key can open: use --id");
        }
        return openExisting(k);
    }
}
