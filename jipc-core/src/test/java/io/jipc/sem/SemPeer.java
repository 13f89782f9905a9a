package io.jipc.sem;

import io.jipc.IpcKey;
import io.jipc.testing.Crash;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * A second JVM for the semaphore tests.
 * <ul>
 *   <li>{@code posix-wait NAME COUNT}: opens the semaphore, prints ready, acquires COUNT times
 *       (blocking), printing {@code acquired} after each;
 *   <li>{@code posix-post NAME COUNT}: releases COUNT times, prints {@code posted};
 *   <li>{@code pool KEY PERMITS}: opens the pool, takes PERMITS, and holds them at crash point
 *       {@code holding} (the test kills it there, or lets it release and exit);
 *   <li>{@code race KEY}: prints ready, waits for a line on stdin, then createOrOpen(KEY, 2,
 *       values 3 and 5) and prints the values it sees first.
 * </ul>
 */
public final class SemPeer {
    private SemPeer() {}

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "posix-wait" -> {
                try (PosixSemaphore s = PosixSemaphore.openExisting(args[1])) {
                    System.out.println("ready");
                    System.out.flush();
                    for (int i = 0; i < Integer.parseInt(args[2]); i++) {
                        s.acquire();
                        System.out.println("acquired");
                        System.out.flush();
                    }
                }
            }
            case "posix-post" -> {
                try (PosixSemaphore s = PosixSemaphore.openExisting(args[1])) {
                    s.release(Integer.parseInt(args[2]));
                    System.out.println("posted");
                }
            }
            case "pool" -> {
                try (PermitPool pool = PermitPool.openExisting(IpcKey.parse(args[1]))) {
                    pool.acquire(Integer.parseInt(args[2]));
                    Crash.point("holding");
                    pool.release(Integer.parseInt(args[2]));
                    System.out.println("released");
                }
            }
            case "race" -> {
                System.out.println("ready");
                System.out.flush();
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                try (SysVSemaphoreSet set = SysVSemaphoreSet.createOrOpen(IpcKey.parse(args[1]), 2,
                        SysVSemaphoreSet.Options.defaults().withInitialValues(3, 5))) {
                    System.out.println("values " + Arrays.stream(set.values()).mapToObj(Integer::toString)
                            .collect(Collectors.joining(" ")));
                }
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
        System.out.flush();
    }
}
