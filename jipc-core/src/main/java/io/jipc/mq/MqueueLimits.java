package io.jipc.mq;

import io.jipc.IpcException;
import io.jipc.internal.ProcFiles;
import io.jipc.internal.libc.Resource;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The limits the kernel applies to POSIX queues, read when a call was refused, so that the
 * error can say which limit and its current value instead of a bare EINVAL/EMFILE/ENOSPC.
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/mq_overview.7.html">mq_overview(7), "/proc interfaces"</a>
 */
final class MqueueLimits {
    private MqueueLimits() {}

    static final Path PROC = Path.of("/proc/sys/fs/mqueue");
    /** The kernel's ceilings, even with CAP_SYS_RESOURCE (HARD_MSGMAX, HARD_MSGSIZEMAX since Linux 3.5). */
    static final long HARD_MSGMAX = 65536;
    static final long HARD_MSGSIZEMAX = 16L * 1024 * 1024;

    /** The values one error message needs; tests build it by hand to check the texts. */
    record Snapshot(long msgMax, long msgsizeMax, long msgDefault, long msgsizeDefault, long queuesMax,
                    long rlimitMsgqueue, long rlimitNofile, long openDescriptors) {
        static Snapshot read() {
            return new Snapshot(proc("msg_max"), proc("msgsize_max"), proc("msg_default"), proc("msgsize_default"),
                    proc("queues_max"), rlimit(Resource.RLIMIT_MSGQUEUE), rlimit(Resource.RLIMIT_NOFILE),
                    countOpenDescriptors());
        }
    }

    /** The system default for a value given as 0 (msg_default, msgsize_default). */
    static long defaultMaxMessages() {
        return proc("msg_default");
    }

    static long defaultMessageSize() {
        return proc("msgsize_default");
    }

    /**
     * The exception for a refused mq_open: for the errors that stem from a limit, a text naming
     * the limit and its value; otherwise the plain errno text.
     *
     * @param maxMessages the requested value, 0 when the system default applied
     */
    static IpcException openError(String name, int errno, boolean creating, long maxMessages, long messageSize,
                                  String access) {
        String detail = switch (errno) {
            case 22, 24, 28 -> creating ? explain(errno, maxMessages, messageSize, Snapshot.read()) : null;
            case 13 -> "permission denied: " + (creating ? "the queue exists and its" : "the queue's")
                    + " permissions do not allow " + access + " access for uid " + uid() + ownerAndMode(name);
            default -> null;
        };
        return detail == null ? IpcException.of("mq_open", name, errno) : IpcException.withDetail("mq_open", name, errno, detail);
    }

    /** The text for EINVAL (22), EMFILE (24) or ENOSPC (28) on create, given the limits in force. */
    static String explain(int errno, long maxMessages, long messageSize, Snapshot s) {
        long maxmsg = maxMessages > 0 ? maxMessages : s.msgDefault();
        long msgsize = messageSize > 0 ? messageSize : s.msgsizeDefault();
        switch (errno) {
            case 22 -> {
                // Which limit applies depends on CAP_SYS_RESOURCE as the kernel judges it, which
                // /proc/self/status cannot always tell (sandboxes deny it to a root with every
                // bit set): a value over the hard limit is refused either way, one over the
                // sysctl limit only without the capability, so the values alone say which.
                List<String> why = new ArrayList<>();
                if (maxmsg > HARD_MSGMAX) {
                    why.add("max_messages " + maxmsg + " exceeds the kernel's hard limit " + HARD_MSGMAX + " (HARD_MSGMAX)");
                } else if (maxmsg > s.msgMax()) {
                    why.add("max_messages " + maxmsg + " exceeds msg_max = " + s.msgMax() + " (" + PROC.resolve("msg_max")
                            + "; only CAP_SYS_RESOURCE lifts it, up to " + HARD_MSGMAX + ")");
                }
                if (msgsize > HARD_MSGSIZEMAX) {
                    why.add("message_size " + msgsize + " exceeds the kernel's hard limit " + HARD_MSGSIZEMAX
                            + " (HARD_MSGSIZEMAX)");
                } else if (msgsize > s.msgsizeMax()) {
                    why.add("message_size " + msgsize + " exceeds msgsize_max = " + s.msgsizeMax() + " ("
                            + PROC.resolve("msgsize_max") + "; only CAP_SYS_RESOURCE lifts it, up to " + HARD_MSGSIZEMAX + ")");
                }
                if (why.isEmpty()) {
                    why.add("max_messages " + maxmsg + " x message_size " + msgsize
                            + " is more than the kernel accepts for one queue");
                }
                return String.join("; ", why);
            }
            case 24 -> {
                if (s.rlimitNofile() >= 0 && s.openDescriptors() >= s.rlimitNofile() - 1) {
                    return "no free descriptor: the process has " + s.openDescriptors() + " open and RLIMIT_NOFILE is "
                            + s.rlimitNofile();
                }
                return "the queue needs at least " + (maxmsg * msgsize)
                        + " bytes (max_messages " + maxmsg + " x message_size " + msgsize
                        + ", plus kernel bookkeeping) and RLIMIT_MSGQUEUE is " + rlimitText(s.rlimitMsgqueue())
                        + " for all queues of this user together (ulimit -q)";
            }
            case 28 -> {
                return "the system already has queues_max = " + s.queuesMax() + " queues (" + PROC.resolve("queues_max")
                        + "; processes with CAP_SYS_RESOURCE are exempt)";
            }
            default -> throw new IllegalArgumentException("no limit explains errno " + errno);
        }
    }

    private static String rlimitText(long v) {
        return v == Resource.RLIM_INFINITY ? "unlimited" : v + " bytes";
    }

    /** Owner and mode from an mqueue mount, when there is one (there is no other way to see them). */
    private static String ownerAndMode(String name) {
        Path p = Path.of("/dev/mqueue").resolve(name.substring(1));
        try {
            int mode = (Integer) Files.getAttribute(p, "unix:mode");
            int uid = (Integer) Files.getAttribute(p, "unix:uid");
            return String.format(" (mode 0%03o, owner uid %d)", mode & 0777, uid);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "";
        }
    }

    private static long uid() {
        return io.jipc.internal.libc.Unistd.getuid() & 0xFFFF_FFFFL;
    }

    static long proc(String file) {
        return ProcFiles.readLong(PROC.resolve(file), -1);
    }

    static long rlimit(int resource) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment r = a.allocate(Resource.RLIMIT.layout());
            if (Resource.getrlimit(resource, r) < 0) {
                return -1;
            }
            return r.get(java.lang.foreign.ValueLayout.JAVA_LONG, Resource.RLIM_CUR);
        }
    }

    private static long countOpenDescriptors() {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        } catch (IOException e) {
            return -1;
        }
    }
}
