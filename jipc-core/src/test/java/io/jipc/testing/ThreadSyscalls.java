package io.jipc.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Where a thread of this JVM sleeps: {@code /proc/self/task/TID/stat} (state) and {@code
 * .../syscall} (the system call it is in). Tests use it to prove that a blocking call sleeps
 * inside the mechanism's own system call (one call, as in C) and not in poll(2), and that it
 * burns no CPU while it waits.
 */
public final class ThreadSyscalls {
    private ThreadSyscalls() {}

    /** Linux system call numbers of x86_64 and aarch64, for the calls tests look for. */
    private static final Map<String, int[]> NUMBERS = Map.ofEntries(
            Map.entry("read", new int[] {0, 63}),
            Map.entry("write", new int[] {1, 64}),
            Map.entry("poll", new int[] {7, -1}),
            Map.entry("ppoll", new int[] {271, 73}),
            Map.entry("connect", new int[] {42, 203}),
            Map.entry("sendto", new int[] {44, 206}),
            Map.entry("recvfrom", new int[] {45, 207}),
            Map.entry("sendmsg", new int[] {46, 211}),
            Map.entry("recvmsg", new int[] {47, 212}),
            Map.entry("sendmmsg", new int[] {307, 269}),
            Map.entry("recvmmsg", new int[] {299, 243}),
            Map.entry("mq_timedsend", new int[] {242, 182}),
            Map.entry("mq_timedreceive", new int[] {243, 183}),
            Map.entry("msgsnd", new int[] {69, 189}),
            Map.entry("msgrcv", new int[] {70, 188}),
            Map.entry("semop", new int[] {65, 193}),
            Map.entry("semtimedop", new int[] {220, 192}),
            Map.entry("futex", new int[] {202, 98}),
            Map.entry("clock_nanosleep", new int[] {230, 115}),
            Map.entry("epoll_wait", new int[] {232, -1}),
            Map.entry("epoll_pwait", new int[] {281, 22}),
            Map.entry("waitid", new int[] {247, 95}),
            Map.entry("openat", new int[] {257, 56}),
            Map.entry("flock", new int[] {73, 32}),
            Map.entry("fcntl", new int[] {72, 25}),
            Map.entry("accept4", new int[] {288, 242}),
            Map.entry("splice", new int[] {275, 76}),
            Map.entry("tee", new int[] {276, 77}));

    private static int number(String name) {
        int[] n = NUMBERS.get(name);
        if (n == null) {
            throw new IllegalArgumentException("no number known for system call " + name);
        }
        return System.getProperty("os.arch").equals("aarch64") ? n[1] : n[0];
    }

    /**
     * Waits until thread {@code tid} sleeps (state S) inside one of {@code syscalls} and returns
     * that call's name; fails if {@code call} ends first or nothing matches within 10 s.
     *
     * @param tid  the thread's Linux id, 0 until the thread has published it
     * @param call the blocked call's future, which must still be running
     */
    public static String awaitSleepingIn(IntSupplier tid, Future<?> call, String... syscalls) throws Exception {
        Map<Integer, String> wanted = Stream.of(syscalls).collect(Collectors.toMap(ThreadSyscalls::number, s -> s));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String last = "";
        while (System.nanoTime() < deadline) {
            if (call.isDone()) {
                throw new AssertionError("the call ended instead of blocking");
            }
            int t = tid.getAsInt();
            if (t != 0) {
                Path task = Path.of("/proc/self/task/" + t);
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    char state = stat.charAt(stat.lastIndexOf(')') + 2);
                    last = Files.readString(task.resolve("syscall")).trim();
                    String nr = last.split(" ")[0];
                    if (state == 'S' && !nr.equals("running")) {
                        String name = wanted.get(Integer.parseInt(nr));
                        if (name != null) {
                            return name;
                        }
                    }
                } catch (NoSuchFileException e) {
                    throw new AssertionError("thread " + t + " is gone", e);
                } catch (IOException e) {
                    last = e.toString();
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("thread " + tid.getAsInt() + " never slept in " + Set.of(syscalls) + ": " + last);
    }

    /**
     * Waits until thread {@code tid} of process {@code pid} (another process: a C peer's main
     * thread has {@code tid == pid}) sleeps inside one of {@code syscalls}, and returns that
     * call's name; fails if the process exits first or nothing matches within 10 s.
     */
    public static String awaitProcessSleepingIn(long pid, long tid, String... syscalls) throws Exception {
        Map<Integer, String> wanted = Stream.of(syscalls).collect(Collectors.toMap(ThreadSyscalls::number, s -> s));
        Path task = Path.of("/proc/" + pid + "/task/" + tid);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                String stat = Files.readString(task.resolve("stat"));
                char state = stat.charAt(stat.lastIndexOf(')') + 2);
                last = Files.readString(task.resolve("syscall")).trim();
                String nr = last.split(" ")[0];
                if (state == 'S' && !nr.equals("running")) {
                    String name = wanted.get(Integer.parseInt(nr));
                    if (name != null) {
                        return name;
                    }
                }
            } catch (NoSuchFileException e) {
                throw new AssertionError("process " + pid + " (thread " + tid + ") is gone", e);
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(10);
        }
        throw new AssertionError("process " + pid + " thread " + tid + " never slept in " + Set.of(syscalls) + ": " + last);
    }

    /**
     * The six arguments of the system call thread {@code tid} is in now, e.g. to tell a NULL
     * timeout from a real one once {@link #awaitSleepingIn} has found the thread asleep.
     *
     * @throws AssertionError if the thread is not in a system call
     */
    public static long[] arguments(int tid) throws IOException {
        String line = Files.readString(Path.of("/proc/self/task/" + tid, "syscall")).trim();
        String[] fields = line.split(" ");
        if (fields.length < 7) {
            throw new AssertionError("thread " + tid + " is not in a system call: " + line);
        }
        long[] args = new long[6];
        for (int i = 0; i < 6; i++) {
            args[i] = Long.parseUnsignedLong(fields[i + 1].substring(2), 16);
        }
        return args;
    }
}
