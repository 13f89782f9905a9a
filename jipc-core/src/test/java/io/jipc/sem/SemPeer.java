package io.jipc.sem;

/**
 * A second JVM for the semaphore tests.
 * <ul>
 *   <li>{@code posix-wait NAME COUNT}: opens the semaphore, prints ready, acquires COUNT times
 *       (blocking), printing {@code acquired} after each;
 *   <li>{@code posix-post NAME COUNT}: releases COUNT times, prints {@code posted};
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
            default -> throw new IllegalArgumentException(args[0]);
        }
        System.out.flush();
    }
}
